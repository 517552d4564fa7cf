#include "core/manifest.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <string_view>
#include <vector>

#include "widthlab/error.h"
#include "widthlab/output_dir.h"

namespace fs = std::filesystem;

namespace widthlab {
namespace manifest {
namespace {

fs::path manifest_of(const fs::path& dir) { return dir / kManifestName; }

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw InputError(fmt::format("{}: {}", printable_path(path), what));
}

void append_line(const fs::path& dir, const std::string& entry) {
  const fs::path m = manifest_of(dir);
  const std::string line = entry + "\n";
  // One write(2) on O_APPEND: lines from several processes (MPI ranks) never interleave.
  // O_NOFOLLOW: a manifest that is a symbolic link is not one widthlab wrote (check_entries refuses it up front).
  const int fd = ::open(m.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0 || ::write(fd, line.data(), line.size()) != ssize_t(line.size())) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    fail(m, fmt::format("cannot record an output in the manifest: {}", std::strerror(err)));
  }
  ::close(fd);
}

// The nearest directory at or above `start` that holds a manifest, or "" when there is none.
fs::path find_output_root(fs::path start) {
  std::error_code ec;
  for (fs::path p = start;; p = p.parent_path()) {
    if (!p.empty() && fs::is_regular_file(manifest_of(p), ec)) return p;
    if (p.empty() || p == p.parent_path()) return {};
  }
}

// Listed entries per output directory, cached while the manifest's size is unchanged (claims are frequent: one per
// curve file of a sweep).
struct Cache {
  std::mutex mutex;
  std::map<fs::path, std::pair<std::uintmax_t, std::set<std::string>>> listed;
};
Cache& cache() {
  static Cache c;
  return c;
}

const std::set<std::string>& cached_entries(const fs::path& dir) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(manifest_of(dir), ec);
  auto& slot = cache().listed[dir];
  if (ec || slot.first != size || (size != 0 && slot.second.empty())) slot = {ec ? 0 : size, read(dir)};
  return slot.second;
}

// Claims `rel` (relative to the output root `root`): refuses a present, unlisted path and a symbolic link (listed or
// not: widthlab writes regular files only, so a link there was put by someone else, and writing through it would
// reach a file outside DIR); lists a new path.
void claim_relative(const fs::path& root, const fs::path& absolute, const std::string& rel) {
  std::lock_guard<std::mutex> lock(cache().mutex);
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(absolute, ec)))
    fail(absolute, "is a symbolic link, which widthlab did not write; refusing to write through it (remove it)");
  if (cached_entries(root).count(rel)) return;
  if (fs::exists(fs::symlink_status(absolute, ec)))
    fail(absolute,
         "exists and was not written by widthlab; refusing to overwrite it (move it, or use another "
         "output directory)");
  append_line(root, rel);
}

// Why `rel` cannot be a path widthlab wrote in `dir`, or "" when it can (check_entries).
std::string unsafe_entry(const fs::path& dir, const std::string& rel) {
  const fs::path p(rel.back() == '/' ? rel.substr(0, rel.size() - 1) : rel);
  if (p.empty() || p.is_absolute()) return "is not a path relative to the output directory";
  for (const auto& part : p)
    if (part == "." || part == ".." || part.empty()) return "has a '.' or '..' part";
  std::error_code ec;
  fs::path level = dir;
  for (auto it = p.begin(); std::next(it) != p.end(); ++it) {  // the folders above the entry
    level /= *it;
    if (fs::is_symlink(fs::symlink_status(level, ec)))
      return fmt::format("goes through {}, a symbolic link", printable_path(level));
  }
  return {};
}

}  // namespace

void check_entries(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(manifest_of(dir), ec)))
    fail(manifest_of(dir),
         "is a symbolic link; widthlab writes its manifest as a file in the output directory, so "
         "this one is not widthlab's: move it, or choose another --out");
  for (const auto& rel : read(dir)) {
    // The entry itself: widthlab writes files and folders, never links, so a link there is someone else's, and an
    // append or a write through it would reach a file outside DIR (even --force, which would only remove the link,
    // refuses: the results it lists are not all widthlab's).
    std::string plain = rel.back() == '/' ? rel.substr(0, rel.size() - 1) : rel;
    if (unsafe_entry(dir, rel).empty() && fs::is_symlink(fs::symlink_status(dir / plain, ec)))
      fail(dir / plain,
           "is listed in the manifest but is a symbolic link; widthlab writes files, not links, so these "
           "results are not all its own (a file was replaced by a link): put the file back, or choose "
           "another --out");
    if (const std::string why = unsafe_entry(dir, rel); !why.empty())
      fail(manifest_of(dir), fmt::format("entry '{}' {}; widthlab writes only inside its output directory, so this "
                                         "manifest was not written (or was edited) by another program: move it, or "
                                         "choose another --out",
                                         printable_text(rel), why));
  }
}

std::set<std::string> read(const fs::path& dir) {
  std::set<std::string> entries;
  std::ifstream in(manifest_of(dir));
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(kReleasePrefix))
      entries.erase(line.substr(std::string_view(kReleasePrefix).size()));
    else if (!line.empty())
      entries.insert(line);
  }
  return entries;
}

void release(const fs::path& root, const std::string& rel) {
  std::lock_guard<std::mutex> lock(cache().mutex);
  if (cached_entries(root).count(rel)) append_line(root, kReleasePrefix + rel);
}

void ensure(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(manifest_of(dir), ec)) append_line(dir, "");  // creates it; the blank line is skipped on read
}

void remove_listed(const fs::path& dir) {
  check_entries(dir);
  const std::set<std::string> listed = read(dir);
  std::vector<std::string> folders, kept;
  std::error_code ec;
  for (const auto& rel : listed) {
    if (rel.back() == '/') {
      folders.push_back(rel);
      continue;
    }
    const fs::path p = dir / rel;
    if (fs::is_directory(fs::symlink_status(p, ec))) {
      kept.push_back(rel);  // a folder the user put where widthlab's file was: not ours to delete
      continue;
    }
    fs::remove(p, ec);
    if (ec) fail(p, fmt::format("cannot remove an old result for --force: {}", ec.message()));
  }
  std::sort(folders.begin(), folders.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& rel : folders) {
    const fs::path p = dir / rel;
    if (!fs::exists(p, ec)) continue;
    if (fs::is_directory(p, ec) && fs::is_empty(p, ec))
      fs::remove(p, ec);
    else
      kept.push_back(rel);
  }
  std::string text;
  for (const auto& rel : kept) text += rel + "\n";
  std::ofstream(manifest_of(dir), std::ios::trunc) << text;
  std::lock_guard<std::mutex> lock(cache().mutex);
  cache().listed.erase(dir);
}

}  // namespace manifest

void claim_output(const fs::path& file) {
  const fs::path absolute = fs::absolute(file);
  const fs::path root = manifest::find_output_root(absolute.parent_path());
  if (root.empty()) return;
  manifest::claim_relative(root, absolute, absolute.lexically_relative(root).string());
}

void release_output(const fs::path& file) {
  const fs::path absolute = fs::absolute(file);
  const fs::path root = manifest::find_output_root(absolute.parent_path());
  if (!root.empty()) manifest::release(root, absolute.lexically_relative(root).string());
}

bool listed_output(const fs::path& file) {
  const fs::path absolute = fs::absolute(file).lexically_normal();
  const fs::path root = manifest::find_output_root(absolute.parent_path());
  if (root.empty()) return false;
  std::lock_guard<std::mutex> lock(manifest::cache().mutex);
  return manifest::cached_entries(root).count(absolute.lexically_relative(root).string()) > 0;
}

bool foreign_output(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(file, ec))) return false;
  const fs::path absolute = fs::absolute(file).lexically_normal();
  return !manifest::find_output_root(absolute.parent_path()).empty() && !listed_output(file);
}

void adopt_output_dir(const fs::path& dir) {
  const fs::path absolute = fs::absolute(dir).lexically_normal();
  if (manifest::find_output_root(absolute).empty()) manifest::ensure(absolute);
}

void create_output_subdir(const fs::path& dir) {
  const fs::path absolute = fs::absolute(dir).lexically_normal();
  std::error_code ec;
  if (fs::is_directory(absolute, ec) && fs::exists(absolute / kManifestName, ec)) return;
  const fs::path root = manifest::find_output_root(absolute.parent_path());
  if (!root.empty()) {
    // List every folder level below the root that does not exist yet, outermost first.
    std::vector<fs::path> missing;
    for (fs::path p = absolute; p != root && !fs::exists(p, ec); p = p.parent_path()) missing.push_back(p);
    std::lock_guard<std::mutex> lock(manifest::cache().mutex);
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      std::string rel = it->lexically_relative(root).string() + "/";
      if (!manifest::cached_entries(root).count(rel)) manifest::append_line(root, rel);
    }
  }
  fs::create_directories(absolute, ec);
  if (ec) throw InputError(fmt::format("{}: cannot create folder: {}", printable_path(dir), ec.message()));
}

OutputDirContents output_dir_contents(const fs::path& dir) {
  OutputDirContents c;
  const std::set<std::string> listed = manifest::read(dir);
  std::error_code ec;
  for (fs::directory_iterator e(dir, ec), end; !ec && e != end; e.increment(ec)) {
    const std::string name = e->path().filename().string();
    if (name == kManifestName) continue;
    const bool folder = e->is_directory(ec);
    const std::string entry = folder ? name + "/" : name;
    (listed.count(entry) ? c.ours : c.foreign).push_back(entry);
  }
  if (ec) throw InputError(fmt::format("{}: cannot list output directory: {}", printable_path(dir), ec.message()));
  std::sort(c.ours.begin(), c.ours.end());
  std::sort(c.foreign.begin(), c.foreign.end());
  return c;
}

}  // namespace widthlab
