// Output directories of the verbs that write results (docs/architecture.md "Output directories"; `--out DIR`,
// `--resume`, `--force`, `--dry-run`).
//
// widthlab writes only its own files. Every file and folder it creates in an output directory is listed in the
// directory's manifest, DIR/.widthlab-manifest (one path relative to DIR a line; folders end in '/'). Anything not
// listed is the user's: it is never overwritten or deleted, and --force removes only what the manifest lists.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace widthlab {

inline constexpr const char* kManifestName = ".widthlab-manifest";

// fresh: DIR is absent or empty. resume: DIR holds widthlab results to continue (they are kept). force: the results
// widthlab wrote in DIR are removed first; anything else in DIR is kept and never overwritten.
enum class OutputMode { fresh, resume, force };

// What an existing directory holds, split by the manifest.
struct OutputDirContents {
  std::vector<std::string> ours;     // top-level entries the manifest lists (folders end in '/')
  std::vector<std::string> foreign;  // everything else (the manifest itself excluded)
};
OutputDirContents output_dir_contents(const std::filesystem::path& dir);

// Checks that `path` can be used with `mode` and writes nothing (verbs call it before reading their inputs are
// done, and --dry-run stops after it). InputError (one line naming the path) when: the path is empty; it or a parent
// is a file; fresh and DIR holds widthlab results ("already holds widthlab results; pass --resume … or --force …");
// fresh and DIR holds only files widthlab did not write (listed, with what to do); resume and DIR holds no widthlab
// results; force on "/", $HOME, the working directory or one of its parents.
// `resumable` = false for verbs without --resume (kernel, predict, ntk-empirical): messages then offer --force only.
// `writes`: the names the verb writes in DIR (folders end in '/'); with resume or force, one that DIR holds and the
// manifest does not list is refused here, before anything is written, rather than when the verb reaches it.
// `reads`: the files and folders the command reads (data, kernels, labels); with force, one that is a file the
// manifest lists, or a folder holding one, is refused: --force would remove the command's own input.
void check_output_dir(const std::filesystem::path& path, OutputMode mode, bool resumable = true,
                      const std::vector<std::string>& writes = {},
                      const std::vector<std::filesystem::path>& reads = {});

// check_output_dir, then makes `path` a usable, writable output directory (created with its parents when missing;
// writability checked by a probe file, so it also holds for root and read-only mounts), removes what the manifest
// lists on force, and creates the manifest. Returns `path`. Non-UTF-8 path names work (Linux paths are bytes);
// messages show such bytes as \xNN.
std::filesystem::path prepare_output_dir(const std::filesystem::path& path, OutputMode mode, bool resumable = true,
                                         const std::vector<std::string>& writes = {},
                                         const std::vector<std::filesystem::path>& reads = {});

// Called by every writer before it creates or replaces `file`. When a directory above `file` holds a manifest (the
// nearest one counts), `file` must be absent or listed there — else InputError: widthlab never overwrites a file it
// did not write — and it is then listed. Outside any output directory (no manifest above) it does nothing.
void claim_output(const std::filesystem::path& file);

// After a writer renamed its "<name>.tmp" to <name>: the .tmp name is no longer widthlab's, so a file the user later
// puts there is never overwritten (claim_output refuses it) or removed by --force. Does nothing when it is not listed.
void release_output(const std::filesystem::path& file);

// True when the nearest manifest at or above `file`'s folder lists it (a file widthlab wrote there); false outside any
// output directory. Lets a verb refuse a user's file under a name it writes before it writes anything.
bool listed_output(const std::filesystem::path& file);
// True when `file` exists (a symbolic link counts) inside an output directory whose manifest does not list it: a file
// claim_output would refuse to replace.
bool foreign_output(const std::filesystem::path& file);

// For a verb that adds files to an existing directory (`widthlab plot DIR`): when neither DIR nor a folder above it
// holds a manifest (results copied or committed elsewhere), creates an empty one, so that everything already in DIR
// counts as the user's and claim_output refuses to replace it. Does nothing under a manifest.
void adopt_output_dir(const std::filesystem::path& dir);

// Creates the folder `dir` (with parents) and lists it in the manifest above it, like claim_output.
void create_output_subdir(const std::filesystem::path& dir);

// `path` with every byte that is not part of valid UTF-8 (and every control character) written as \xNN, so that
// messages stay printable and JSON-serialisable.
std::string printable_path(const std::filesystem::path& path);
std::string printable_text(const std::string& bytes);

}  // namespace widthlab
