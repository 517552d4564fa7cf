#include "widthlab/results_io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "widthlab/error.h"
#include "widthlab/output_dir.h"

namespace fs = std::filesystem;

namespace widthlab {
namespace {

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw InputError(fmt::format("{}: {}", printable_path(path), what));
}

// write(2) until everything is out; false (errno set) on failure.
bool write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += w;
    n -= std::size_t(w);
  }
  return true;
}

bool is_blank(const std::string& s) { return s.find_first_not_of(" \t\r") == std::string::npos; }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

void warn_about_file(const fs::path& path, const std::string& what) {
  std::fprintf(stderr, "widthlab: warning: %s: %s\n", printable_path(path).c_str(), what.c_str());
}

void write_file_atomic(const fs::path& path, const std::string& contents) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail(path, "is a directory, expected a file path");
  fs::path tmp = path;
  tmp += ".tmp";
  claim_output(path);
  claim_output(tmp);
  // O_NOFOLLOW: never write through a symbolic link to a file outside the output directory (claim_output refuses
  // one already; this closes the gap between that check and the open).
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
  if (fd < 0) fail(path, fmt::format("cannot open for writing: {}", std::strerror(errno)));
  if (!write_all(fd, contents.data(), contents.size()) || ::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(path, fmt::format("write failed: {}", std::strerror(err)));
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail(path, fmt::format("cannot replace file: {}", std::strerror(err)));
  }
  release_output(tmp);
}

JsonlWriter::JsonlWriter(const fs::path& path) : path_(path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail(path, "is a directory, expected a .jsonl file");
  claim_output(path);
  // Never append through a symbolic link (a runs.jsonl or provenance.jsonl replaced by a link to the user's own file):
  // claim_output refuses one, and O_NOFOLLOW makes the open itself refuse it (ELOOP).
  if (fs::is_symlink(fs::symlink_status(path, ec)))
    fail(path, "is a symbolic link, which widthlab did not write; refusing to append through it (remove it)");
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW, 0644);
  if (fd_ < 0) fail(path, fmt::format("cannot open for appending: {}", std::strerror(errno)));
  try {
    repair_tail();
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

void JsonlWriter::repair_tail() {
  const fs::path& path = path_;
  struct stat sb;
  if (::fstat(fd_, &sb) != 0 || sb.st_size == 0) return;
  // Look at the last line: if it lacks its '\n' it is either a record written by hand without one (it parses: end
  // it) or a fragment of an interrupted append (it does not: cut it off so new records start on a fresh line).
  const off_t size = sb.st_size;
  off_t start = size;
  std::string tail;
  char buf[4096];
  while (start > 0) {
    off_t chunk = std::min<off_t>(start, off_t(sizeof buf));
    if (::pread(fd_, buf, std::size_t(chunk), start - chunk) != chunk) fail(path, "cannot read existing file");
    tail.insert(0, buf, std::size_t(chunk));
    start -= chunk;
    std::size_t nl = tail.rfind('\n');
    if (nl != std::string::npos) {
      start += off_t(nl) + 1;
      tail.erase(0, nl + 1);
      break;
    }
  }
  if (tail.empty()) return;
  auto parsed = nlohmann::json::parse(tail, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_object()) {
    if (!write_all(fd_, "\n", 1)) fail(path, fmt::format("write failed: {}", std::strerror(errno)));
  } else {
    warn_about_file(path, fmt::format("dropping a partially written last line ({} bytes)", tail.size()));
    if (::ftruncate(fd_, start) != 0) fail(path, fmt::format("cannot truncate: {}", std::strerror(errno)));
  }
}

JsonlWriter::~JsonlWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void JsonlWriter::append(const nlohmann::json& record) {
  std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  if (!write_all(fd_, line.data(), line.size()) || ::fsync(fd_) != 0)
    fail(path_, fmt::format("append failed: {}", std::strerror(errno)));
}

double json_number(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : std::numeric_limits<double>::quiet_NaN();
}

std::vector<double> json_numbers(const nlohmann::json& array) {
  std::vector<double> v;
  if (array.is_array())
    for (const auto& x : array) v.push_back(x.is_number() ? x.get<double>() : std::numeric_limits<double>::quiet_NaN());
  return v;
}

std::vector<nlohmann::json> read_jsonl(const fs::path& path, bool missing_ok, bool warn_partial) {
  std::vector<nlohmann::json> out;
  for (auto& [line, j] : read_jsonl_lines(path, missing_ok, warn_partial)) out.push_back(std::move(j));
  return out;
}

std::vector<std::pair<std::size_t, nlohmann::json>> read_jsonl_lines(const fs::path& path, bool missing_ok,
                                                                     bool warn_partial) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (missing_ok) return {};
    fail(path, "no such file");
  }
  if (fs::is_directory(path, ec)) fail(path, "is a directory, expected a .jsonl file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open for reading");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();

  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  std::size_t last = lines.size();
  while (last > 0 && is_blank(lines[last - 1])) --last;

  std::vector<std::pair<std::size_t, nlohmann::json>> out;
  for (std::size_t i = 0; i < last; ++i) {
    if (is_blank(lines[i])) continue;
    auto j = nlohmann::json::parse(lines[i], nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      // A write cut short leaves a last line without its '\n'; a complete bad line is no interrupted write.
      const bool terminated = text.find_last_not_of(" \t\r\n") < text.rfind('\n');
      if (i + 1 == last && !terminated) {
        if (warn_partial)
          warn_about_file(path,
                          fmt::format("ignoring a partially written last line {} ({} bytes)", i + 1, lines[i].size()));
        break;
      }
      fail(path, fmt::format("line {}: not a JSON object (corrupt file?)", i + 1));
    }
    out.emplace_back(i + 1, std::move(j));
  }
  return out;
}

namespace {

using Json = nlohmann::json;

bool is_count(const Json& v) { return v.is_number_integer() && (v.is_number_unsigned() || v.get<long long>() >= 0); }

// Why record `r` lacks a contract key (architecture.md §4 "Files per verb"), or "" when it has them.
std::string missing_contract_key(const Json& r, RecordKind kind) {
  const auto bad = [&](const char* key, bool ok, const char* expected) {
    if (!r.contains(key)) return fmt::format("key '{}' missing (expected {})", key, expected);
    return ok ? std::string() : fmt::format("key '{}' = {}: expected {}", key, r[key].dump().substr(0, 40), expected);
  };
  const auto has = [&](const char* key) { return r.contains(key); };
  std::vector<std::string> why;
  if (kind != RecordKind::limit) why.push_back(bad("scaling", has("scaling") && r["scaling"].is_string(), "a string"));
  if (kind == RecordKind::run)
    why.push_back(bad("width", has("width") && r["width"].is_number_integer(), "an integer"));
  if (kind != RecordKind::run) {
    why.push_back(bad("model", has("model") && r["model"].is_string(), "a string"));
    why.push_back(bad("kind", has("kind") && (r["kind"] == "independent" || r["kind"] == "coupled"),
                      "\"independent\" or \"coupled\""));
  }
  why.push_back(bad("seed", has("seed") && is_count(r["seed"]), "an integer >= 0"));
  why.push_back(
      bad("status", has("status") && (r["status"] == "ok" || r["status"] == "diverged"), "\"ok\" or \"diverged\""));
  if (has("status") && r["status"] == "ok") {
    for (const char* key : {"train_loss", "test_loss"})
      why.push_back(bad(key, has(key) && r[key].is_number(), "a number for a run with status ok"));
    for (const char* key : {"train_acc", "test_acc"})
      why.push_back(bad(key, has(key) && (r[key].is_number() || r[key].is_null()), "a number or null"));
  }
  for (auto& w : why)
    if (!w.empty()) return w;
  return "";
}

}  // namespace

std::vector<nlohmann::json> read_checked_records(const fs::path& path, RecordKind kind, bool missing_ok,
                                                 bool warn_partial) {
  std::vector<nlohmann::json> out;
  for (auto& [line, r] : read_jsonl_lines(path, missing_ok, warn_partial)) {
    if (const std::string why = missing_contract_key(r, kind); !why.empty())
      fail(path, fmt::format("line {}: {}; not a record widthlab wrote (architecture.md §4 \"Files per verb\"): "
                             "fix or remove that line",
                             line, why));
    out.push_back(std::move(r));
  }
  return out;
}

std::string format_csv(const CsvTable& table) {
  std::string out;
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    if (c) out += ',';
    out += csv_field(table.columns[c]);
  }
  out += '\n';
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    if (row.size() != table.columns.size())
      throw std::invalid_argument(
          fmt::format("format_csv: row {} has {} values for {} columns", r, row.size(), table.columns.size()));
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c) out += ',';
      out += std::isnan(row[c]) ? std::string("nan") : fmt::format("{}", row[c]);
    }
    out += '\n';
  }
  return out;
}

void write_csv(const fs::path& path, const CsvTable& table) { write_file_atomic(path, format_csv(table)); }

std::string format_csv(const TextTable& table) {
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < cells.size(); ++c) out += (c ? "," : "") + csv_field(cells[c]);
    out += '\n';
  };
  line(table.columns);
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    if (table.rows[r].size() != table.columns.size())
      throw std::invalid_argument(
          fmt::format("format_csv: row {} has {} cells for {} columns", r, table.rows[r].size(), table.columns.size()));
    line(table.rows[r]);
  }
  return out;
}

void write_csv(const fs::path& path, const TextTable& table) { write_file_atomic(path, format_csv(table)); }

}  // namespace widthlab
