// The output-directory manifest (output_dir.h): reading, appending and removing what it lists.
#pragma once
#include <filesystem>
#include <set>
#include <string>

namespace widthlab::manifest {

// A manifest is an append-only log (several processes append to it with single O_APPEND writes): a line is a path
// widthlab wrote, or kReleasePrefix + a path it no longer holds (a "<name>.tmp" renamed to <name>), which a later line
// may list again. widthlab never writes a path that begins with kReleasePrefix.
inline constexpr const char* kReleasePrefix = "- ";

// The entries DIR's manifest lists after its release lines (relative paths; folders end in '/'); empty when there is
// none.
std::set<std::string> read(const std::filesystem::path& dir);

// Appends a release line for `rel` (relative to the output root `root`) when the manifest lists it.
void release(const std::filesystem::path& root, const std::string& rel);

// Every entry of DIR's manifest names a path widthlab can have written: relative, without "." or ".." parts, and
// reached from DIR through folders, not symbolic links. InputError naming the manifest and the first entry that does
// not (a manifest edited by hand or not widthlab's), so that --force never deletes outside DIR.
void check_entries(const std::filesystem::path& dir);

// Creates an empty manifest in DIR unless one exists.
void ensure(const std::filesystem::path& dir);

// Removes every listed file, then every listed folder that is left empty, deepest first; rewrites the manifest to
// list only what could not be removed (a listed folder that still holds files widthlab did not write).
void remove_listed(const std::filesystem::path& dir);

}  // namespace widthlab::manifest
