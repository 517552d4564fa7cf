#include "widthlab/run_dir.h"

#include <fmt/format.h>

#include <map>
#include <sstream>

#include "widthlab/error.h"
#include "widthlab/provenance.h"
#include "widthlab/results_io.h"

namespace widthlab {
namespace {

std::string comparable(Config c, ResumeRule rule) {
  c.study = StudyConfig{};  // threads, plots, time budget: how a run is carried out, not what it computes
  if (rule == ResumeRule::grid_may_grow) {
    c.sweep.widths = {1};
    c.sweep.seeds = {0};
    c.sweep.few_seeds_from.reset();
    c.sweep.few_seeds.reset();
  }
  return to_toml(c);
}

// "section.key = value" for each key line of to_toml's text (its [section] headers, one key a line).
std::map<std::string, std::string> key_lines(const std::string& toml) {
  std::map<std::string, std::string> out;
  std::istringstream in(toml);
  std::string section;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("[")) {
      section = line.substr(1, line.find(']') - 1);
    } else if (const auto eq = line.find(" = "); eq != std::string::npos) {
      out[section + "." + line.substr(0, eq)] = line.substr(eq + 3);
    }
  }
  return out;
}

// The first key whose value differs between the results' config and this one, for the message.
std::string first_difference(const std::string& theirs, const std::string& ours) {
  const auto a = key_lines(theirs), b = key_lines(ours);
  for (const auto& [key, value] : b) {
    const auto it = a.find(key);
    if (it == a.end()) return fmt::format("{} = {} here, absent there", key, value);
    if (it->second != value) return fmt::format("{} = {} here, {} there", key, value, it->second);
  }
  for (const auto& [key, value] : a)
    if (!b.count(key)) return fmt::format("{} = {} there, absent here", key, value);
  return "";
}

// The names train, study, limit, reproduce and transfer write at fixed places: a user's file under one of them is
// refused before a run starts, not when the run reaches it (after the work: report.md).
const std::vector<std::string> kRunDirOutputs = {"config.toml", "runs.jsonl", "errors.jsonl", "limits.jsonl",
                                                 "limit.jsonl", "report.md",  "claims.json",  "transfer.json",
                                                 "curves/",     "logits/",    "curves",       "logits"};

// A resume continues results and compares their config with this one: DIR must exist and hold widthlab results
// (provenance.jsonl records invocations, not results) and the config.toml that made them. Without it, runs of two
// configs would mix unnoticed.
void require_results_to_resume(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec))
    throw InputError(
        fmt::format("{}: nothing to resume (no such directory); drop --resume to start afresh", printable_path(dir)));
  OutputDirContents contents = output_dir_contents(dir);
  std::erase(contents.ours, std::string(kProvenanceName));
  if (contents.ours.empty())
    throw InputError(fmt::format("{}: nothing to resume (it holds no widthlab results); drop --resume to start afresh",
                                 printable_path(dir)));
  if (!std::filesystem::exists(dir / "config.toml", ec))
    throw InputError(fmt::format("{}: missing; --resume compares the config with the one that made the runs there",
                                 printable_path(dir / "config.toml")));
}

// What a run reads besides its config (which DIR/config.toml rewrites): data.path, when set.
std::vector<std::filesystem::path> data_reads(const Config& config) {
  if (config.data.path.empty()) return {};
  return {config.data.path};
}

}  // namespace

void check_run_dir(const std::filesystem::path& dir, OutputMode mode, const Config& config, ResumeRule rule,
                   const std::vector<std::string>& writes) {
  std::vector<std::string> names = kRunDirOutputs;
  names.insert(names.end(), writes.begin(), writes.end());
  check_output_dir(dir, mode, /*resumable=*/true, names, data_reads(config));
  if (mode != OutputMode::resume) return;
  require_results_to_resume(dir);
  // The records a resume reads back parse (a partial last line aside) and hold their contract keys: a corrupt one,
  // or a stub that would count as a finished run, stops it before anything is written.
  (void)read_checked_records(dir / "runs.jsonl", RecordKind::run);
  (void)read_checked_records(dir / "limits.jsonl", RecordKind::study_limit);
  (void)read_checked_records(dir / "limit.jsonl", RecordKind::limit);
  const std::filesystem::path cfg = dir / "config.toml";
  const std::string theirs = comparable(load_config(cfg.string()), rule), ours = comparable(config, rule);
  if (theirs != ours)
    throw InputError(
        fmt::format("{}: --resume with a different config than the one these results were made with ({}){}; "
                    "use the same config, another --out, or --force",
                    printable_path(cfg), first_difference(theirs, ours),
                    rule == ResumeRule::grid_may_grow ? "; only sweep.widths / seeds / few_seeds* may change" : ""));
}

bool open_run_dir(const std::filesystem::path& dir, OutputMode mode, const Config& config) {
  check_run_dir(dir, mode, config);
  const bool resumed = mode == OutputMode::resume && std::filesystem::exists(dir / "config.toml");
  prepare_output_dir(dir, mode, /*resumable=*/true, {}, data_reads(config));
  write_file_atomic(dir / "config.toml", to_toml(config));
  return resumed;
}

}  // namespace widthlab
