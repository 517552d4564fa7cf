// `widthlab plot DIR [--python PY]`: (re)draws the PNG plots of a results directory with the scripts in
// python/plots/: a `reproduce` directory (claims.json) with reproduce_plots.py and its case's figures; a study or
// train directory (runs.jsonl) or a limit directory (limit.jsonl) with widthlab_plots.py; a transfer directory
// (transfer.json) with transfer_plots.py. Exit 0 when drawn (or when the results have no figure, saying so), 1 when
// the script fails or matplotlib is missing, 2 when DIR is not a results directory or the interpreter is not found.
// It replaces only files widthlab wrote: in a directory without a manifest (results copied or committed elsewhere) it
// first creates an empty one, so existing figures are kept and named, and a plots.log there is refused.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "verb.h"
#include "widthlab/error.h"
#include "widthlab/output_dir.h"
#include "widthlab/plot_script.h"
#include "widthlab/results_io.h"

namespace {
namespace fs = std::filesystem;

struct PlotOptions {
  std::string dir, python;
};

// The script and its arguments for the kind of results DIR holds.
std::pair<std::string, std::vector<std::string>> plot_command(const fs::path& d) {
  if (fs::exists(d / "claims.json")) {
    std::ifstream in(d / "claims.json");
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.contains("name") || !j["name"].is_string())
      throw widthlab::InputError(fmt::format("{}: expected a JSON object with the case's \"name\"",
                                             widthlab::printable_path(d / "claims.json")));
    return {"reproduce_plots.py", {j["name"].get<std::string>(), d.string()}};
  }
  if (fs::exists(d / "transfer.json")) return {"transfer_plots.py", {d.string()}};  // widthlab transfer
  if (fs::exists(d / "runs.jsonl") || fs::exists(d / "limit.jsonl")) {
    // The script reads these records' contract keys: a file that is not widthlab's is refused here (exit 2, naming
    // the file and line) rather than failing in Python with a traceback.
    using widthlab::RecordKind;
    (void)widthlab::read_checked_records(d / "runs.jsonl", RecordKind::run, true, /*warn_partial=*/true);
    (void)widthlab::read_checked_records(d / "limits.jsonl", RecordKind::study_limit, true, true);
    (void)widthlab::read_checked_records(d / "limit.jsonl", RecordKind::limit, true, true);
    return {"widthlab_plots.py", {d.string()}};
  }
  if (fs::exists(d / "runs.jsonl.gz") || fs::exists(d / "limit.jsonl.gz"))  // a folder committed under docs/
    throw widthlab::InputError(fmt::format(
        "{}: holds gzipped records (runs.jsonl.gz / limit.jsonl.gz, as committed): expected runs.jsonl or limit.jsonl; "
        "gunzip -k them (and limits.jsonl.gz) in a copy to redraw its plots",
        widthlab::printable_path(d)));
  throw widthlab::InputError(
      fmt::format("{}: expected a results directory of study, train, limit, reproduce or transfer "
                  "(holding runs.jsonl, limit.jsonl, claims.json or transfer.json)",
                  widthlab::printable_path(d)));
}

// The PNG files in `d` with their modification times. A symlink is the user's file, as it is to the plot scripts
// (they never draw through one): it is never followed, so a dangling one is no error, and its fixed time marks it
// as left as it was. A file whose time cannot be read is listed the same way.
std::map<fs::path, fs::file_time_type> png_times(const fs::path& d) {
  std::map<fs::path, fs::file_time_type> t;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(d)) {
    if (e.path().extension() != ".png") continue;
    const bool link = fs::is_symlink(e.symlink_status(ec));
    const fs::file_time_type time = link ? fs::file_time_type::min() : e.last_write_time(ec);
    t[e.path()] = ec ? fs::file_time_type::min() : time;
  }
  return t;
}

// Prints the figures drawn (new or rewritten) on stdout; on stderr the ones left as they were (the plot script skips a
// file the manifest does not list, and says so in plots.log), or that the results have no figure at all.
void report_figures(const fs::path& d, const std::map<fs::path, fs::file_time_type>& before,
                    const std::map<fs::path, fs::file_time_type>& after) {
  std::vector<std::string> kept;
  for (const auto& [path, time] : after) {
    const auto old = before.find(path);
    if (old == before.end() || old->second != time)
      fmt::print("{}\n", widthlab::printable_path(path));
    else
      kept.push_back(path.filename().string());
  }
  if (!kept.empty())
    fmt::print(stderr,
               "widthlab plot: {} figure(s) not redrawn ({}): widthlab never replaces a file it did not write here; "
               "{} says why (delete a figure to redraw it)\n",
               kept.size(), fmt::join(kept, ", "), widthlab::printable_path(d / "plots.log"));
  if (after.empty())
    fmt::print(stderr, "widthlab plot: {}: no plots for these results (their report's tables hold them)\n",
               widthlab::printable_path(d));
}

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto opt = std::make_shared<PlotOptions>();
  sub.add_option("dir", opt->dir, "A study, train, limit, reproduce or transfer output directory")->required();
  sub.add_option("--python", opt->python,
                 "Python interpreter: a path or a name looked up on PATH (default $WIDTHLAB_PYTHON or "
                 "/usr/bin/python3)");
  return [opt] {
    using namespace widthlab;
    const fs::path d(opt->dir);
    if (!fs::is_directory(d)) throw InputError(fmt::format("{}: expected a results directory", printable_path(d)));
    const auto [script, args] = plot_command(d);
    const std::string python = python_interpreter(opt->python);
    // Refused before anything is written (no manifest is adopted for a refused DIR): the log the script appends to
    // must be widthlab's. Without a manifest every file there is the user's (adopt_output_dir).
    std::error_code ec;
    if (fs::exists(fs::symlink_status(d / "plots.log", ec)) && !listed_output(d / "plots.log"))
      throw InputError(
          fmt::format("{}: exists and was not written by widthlab; refusing to append to it (move it: "
                      "widthlab plot writes its log there)",
                      printable_path(d / "plots.log")));
    adopt_output_dir(d);
    const auto before = png_times(d);
    const PlotScriptResult r = run_plot_script(python, plot_script(script), args, d / "plots.log");
    if (!r.message.empty()) {
      fmt::print(stderr, "widthlab plot: {}\n", r.message);
      return 1;
    }
    report_figures(d, before, png_times(d));
    return 0;
  };
}
const widthlab::cli::VerbRegistration reg{
    "plot", "(Re)draw the plots of a study, train, limit, reproduce or transfer directory", setup};
}  // namespace
