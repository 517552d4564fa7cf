#include "widthlab/output_dir.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

#include "core/manifest.h"
#include "widthlab/error.h"
#include "widthlab/provenance.h"

namespace fs = std::filesystem;

namespace widthlab {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when the bytes there are not valid UTF-8.
std::size_t utf8_sequence_length(const std::string& s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t len;
  unsigned int cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    cp = c & 0x07;
  } else
    return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;  // overlong, out of range or a surrogate
  return len;
}

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw InputError(fmt::format("{}: {}", printable_path(path), what));
}

// True when `dir` (canonical) is "/", $HOME, the working directory or one of its parents.
bool is_protected(const fs::path& dir) {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  if (!ec) {
    for (fs::path p = fs::weakly_canonical(cwd, ec);; p = p.parent_path()) {
      if (p == dir) return true;
      if (p == p.parent_path()) break;
    }
  }
  if (dir == dir.root_path()) return true;
  if (const char* home = std::getenv("HOME"); home && *home) {
    fs::path h = fs::weakly_canonical(home, ec);
    if (!ec && h == dir) return true;
  }
  return false;
}

}  // namespace

std::string printable_text(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = utf8_sequence_length(s, i);
    if (len == 0 || c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    } else {
      out.append(s, i, len);
      i += len;
    }
  }
  return out;
}

std::string printable_path(const fs::path& path) { return printable_text(path.native()); }

namespace {

// "a, b, c" or "a, b, c and 4 more".
std::string some_entries(const std::vector<std::string>& names) {
  std::string s;
  const std::size_t shown = std::min<std::size_t>(names.size(), 3);
  for (std::size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + printable_text(names[i]);
  if (names.size() > shown) s += fmt::format(" and {} more", names.size() - shown);
  return s;
}

// A name the verb writes (`writes`) that DIR holds and the manifest does not list: refused before anything is written.
// Top-level names are looked up among the foreign entries; a name inside a folder ("curves/sp_w16_s0.csv") is
// foreign when it exists (a link counts) and the manifest does not list it.
void refuse_foreign_names(const fs::path& path, const OutputDirContents& c, const std::vector<std::string>& writes) {
  const std::set<std::string> foreign(c.foreign.begin(), c.foreign.end());
  const std::set<std::string> listed = manifest::read(path);
  std::error_code ec;
  std::vector<std::string> names = writes;  // a file is written as NAME.tmp, then renamed (write_file_atomic)
  for (const auto& name : writes)
    if (!name.empty() && name.back() != '/' && !name.ends_with(".tmp")) names.push_back(name + ".tmp");
  for (const auto& name : names) {
    const bool nested = name.find('/') < name.size() - 1;
    const bool taken =
        nested ? !listed.count(name) && fs::exists(fs::symlink_status(path / name, ec)) : foreign.count(name) > 0;
    if (taken)
      fail(path / name,
           "exists and was not written by widthlab; refusing to overwrite it (move it, or choose another --out)");
  }
}

// True when `rel` (a normalised path relative to DIR) is `listed` or a folder above a listed file.
bool holds_listed_file(const std::set<std::string>& listed, const std::string& rel) {
  if (rel == ".") return std::any_of(listed.begin(), listed.end(), [](const auto& l) { return l.back() != '/'; });
  for (const auto& l : listed)
    if (l.back() != '/' && (l == rel || l.starts_with(rel + "/"))) return true;
  return false;
}

// --force removes every file the manifest lists (manifest::remove_listed): a file this command reads (`reads`: its
// data, kernels, labels) that is one of them, or a folder holding one, would be gone before the command is done.
void refuse_removing_inputs(const fs::path& path, const std::vector<fs::path>& reads) {
  const std::set<std::string> listed = manifest::read(path);
  std::error_code ec;
  const fs::path dir = fs::weakly_canonical(path, ec);
  for (const auto& read : reads) {
    if (read.empty() || !fs::exists(read, ec)) continue;
    const fs::path rel = fs::weakly_canonical(read, ec).lexically_relative(dir);
    if (ec || rel.empty() || *rel.begin() == "..") continue;
    if (holds_listed_file(listed, rel.generic_string()))
      fail(read, fmt::format("is read by this command, and --force would remove it (widthlab wrote it in {}); move it "
                             "out of that folder, or choose another --out",
                             printable_path(path)));
  }
}

// provenance.jsonl records invocations, not results: a directory holding only it (and the manifest) is as good as
// empty, so an invocation that failed before writing results does not force --force on the next.
void check_contents(const fs::path& path, OutputMode mode, bool resumable, const std::vector<std::string>& writes,
                    const std::vector<fs::path>& reads) {
  manifest::check_entries(path);
  OutputDirContents c = output_dir_contents(path);
  std::erase(c.ours, std::string(kProvenanceName));
  if (mode == OutputMode::fresh && !c.ours.empty())
    fail(path, fmt::format("already holds widthlab results ({}); {}", some_entries(c.ours),
                           resumable ? "pass --resume to continue or --force to replace them"
                                     : "pass --force to replace them, or choose another --out"));
  if (mode == OutputMode::fresh && !c.foreign.empty())
    fail(path, fmt::format("holds {} entr{} widthlab did not write ({}) and no widthlab results; choose a new or empty "
                           "--out, or pass --force to write beside them (they are kept, never overwritten)",
                           c.foreign.size(), c.foreign.size() == 1 ? "y" : "ies", some_entries(c.foreign)));
  if (mode == OutputMode::resume && c.ours.empty() && !c.foreign.empty())
    fail(path, fmt::format("--resume: holds no widthlab results to continue (only {}, which widthlab did not write)",
                           some_entries(c.foreign)));
  if (mode != OutputMode::fresh) refuse_foreign_names(path, c, writes);
  if (mode == OutputMode::force) refuse_removing_inputs(path, reads);
  if (std::find(c.foreign.begin(), c.foreign.end(), kProvenanceName) != c.foreign.end())
    fail(path, fmt::format("holds a {} widthlab did not write; widthlab records every invocation there (provenance.h): "
                           "move it, or choose another --out",
                           kProvenanceName));
}

}  // namespace

void check_output_dir(const fs::path& path, OutputMode mode, bool resumable, const std::vector<std::string>& writes,
                      const std::vector<fs::path>& reads) {
  if (path.empty()) throw InputError("--out: empty output directory path; expected a directory name");
  std::error_code ec;
  for (fs::path p = path; !p.empty(); p = p.parent_path()) {  // the nearest existing level must be a directory
    const fs::file_status st = fs::status(p, ec);
    if (fs::exists(st)) {
      if (!fs::is_directory(st))
        fail(path, p == path ? "exists and is not a directory; expected an output directory"
                             : fmt::format("{} is a file; expected a directory", printable_path(p)));
      break;
    }
    if (p == p.parent_path()) break;
  }
  if (mode == OutputMode::force) {
    const fs::path canon = fs::weakly_canonical(path, ec);
    if (ec || is_protected(canon))
      fail(path, "refusing to --force (delete the contents of) /, $HOME or the working directory or its parents");
  }
  if (fs::is_directory(path, ec)) check_contents(path, mode, resumable, writes, reads);
}

fs::path prepare_output_dir(const fs::path& path, OutputMode mode, bool resumable,
                            const std::vector<std::string>& writes, const std::vector<fs::path>& reads) {
  check_output_dir(path, mode, resumable, writes, reads);
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    fs::create_directories(path, ec);
    if (ec) fail(path, fmt::format("cannot create output directory: {}", ec.message()));
  }
  // Probe write: permissions alone do not tell (root ignores them; read-only mounts do not show in the mode bits).
  const fs::path probe = path / fmt::format(".widthlab-write-probe-{}", ::getpid());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) fail(path, fmt::format("output directory is not writable: {}", std::strerror(errno)));
  ::close(fd);
  ::unlink(probe.c_str());

  if (mode == OutputMode::force) manifest::remove_listed(path);
  manifest::ensure(path);
  append_provenance(path, mode == OutputMode::resume);
  return path;
}

}  // namespace widthlab
