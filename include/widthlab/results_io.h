// Result files (architecture.md §4): JSON-lines run logs that survive interruption, CSV curves, and atomic whole-file
// writes. All errors are InputErrors naming the file (printable_path) and the reason.
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace widthlab {

// "widthlab: warning: <path>: <what>" on stderr: a file-related problem that does not stop the run.
void warn_about_file(const std::filesystem::path& path, const std::string& what);

// Writes `contents` to "<path>.tmp", fsyncs it and renames it over `path`, so `path` is either the old or the new
// complete file, never a partial one.
void write_file_atomic(const std::filesystem::path& path, const std::string& contents);

// Appends one JSON object per line (runs.jsonl, limits.jsonl). Each append() writes one complete line with a single
// write(2) on an O_APPEND descriptor and fsyncs, so a killed process leaves at most a partial *last* line. On opening
// an existing file whose last line is partial (no trailing '\n'), that fragment is cut off (warning on stderr) so
// that new records start on a fresh line.
class JsonlWriter {
 public:
  explicit JsonlWriter(const std::filesystem::path& path);
  ~JsonlWriter();
  JsonlWriter(const JsonlWriter&) = delete;
  JsonlWriter& operator=(const JsonlWriter&) = delete;
  // Strings that are not valid UTF-8 are written with U+FFFD replacements instead of throwing.
  void append(const nlohmann::json& record);
  const std::filesystem::path& path() const { return path_; }

 private:
  void repair_tail();
  std::filesystem::path path_;
  int fd_ = -1;
};

// Reads every complete record of a JSON-lines file (blank lines skipped). A last line that does not parse or lacks
// its '\n' is a partially written record: it is ignored, with a warning on stderr unless `warn_partial` is false (a
// resuming sweep, whose JsonlWriter drops the line saying so). A bad line elsewhere, a missing file or a directory is
// an InputError naming the file (and line). With missing_ok, a missing file reads as empty.
std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path, bool missing_ok = false,
                                       bool warn_partial = true);

// read_jsonl with each record's line number (1-based), for messages that name the line.
std::vector<std::pair<std::size_t, nlohmann::json>> read_jsonl_lines(const std::filesystem::path& path,
                                                                     bool missing_ok = false, bool warn_partial = true);

// Records read back on --resume (and by `widthlab plot`) must hold the contract keys of architecture.md §4 "Files per
// verb" that their readers use; a record without them (hand-edited, another program's) would otherwise count as a
// finished run. run (runs.jsonl): scaling (string), width (integer), seed (integer ≥ 0), status ("ok" | "diverged"),
// and for "ok" train_loss and test_loss (numbers) and train_acc and test_acc (present; null where a loss has no
// accuracy). limit (limit.jsonl): model, kind ("independent" | "coupled"), seed, status and, for "ok", the same
// metrics; study_limit (a study's limits.jsonl): also scaling. Returns the records; InputError
// "<file>: line N: key 'K' missing (expected …)" or wrongly typed.
enum class RecordKind { run, limit, study_limit };
std::vector<nlohmann::json> read_checked_records(const std::filesystem::path& path, RecordKind kind,
                                                 bool missing_ok = true, bool warn_partial = false);

// Reading numbers back from records: j[key] when it is a number, else NaN (missing, null for a diverged run, a
// string); an array's elements the same way (empty when j is not an array).
double json_number(const nlohmann::json& j, const char* key);
std::vector<double> json_numbers(const nlohmann::json& array);

// A numeric table with named columns: a per-step training curve (architecture.md §4: DIR/curves/*.csv).
struct CsvTable {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;  // each row has columns.size() values; NaN is written as "nan"
};
// Header line, then one line per row; numbers in shortest round-trip form. Written atomically (write_file_atomic).
// A row of the wrong length is a programming error (std::invalid_argument).
void write_csv(const std::filesystem::path& path, const CsvTable& table);
std::string format_csv(const CsvTable& table);

// A table of text cells (names next to numbers the caller has formatted; "" for a missing value). Cells holding a
// comma, quote or newline are quoted as RFC 4180 says. Written atomically; a row of the wrong length is a
// programming error (std::invalid_argument).
struct TextTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};
void write_csv(const std::filesystem::path& path, const TextTable& table);
std::string format_csv(const TextTable& table);

}  // namespace widthlab
