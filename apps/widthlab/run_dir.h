// Shared flags of the verbs that write a run directory from a config (train, study, limit): --config, --set, --out,
// --resume, --force, --dry-run; resolved in two steps so that nothing is written before every input validates:
//   ResolvedRunDir run = resolve_run_dir(flags, "");  // config loaded, directory checked; writes nothing
//   … load data, check the verb's own inputs …
//   if (run.dry_run) { print the plan; return 0; }
//   open_run_dir(run);                                 // creates DIR, writes DIR/config.toml (widthlab/run_dir.h)
#pragma once
#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "config_flags.h"
#include "widthlab/config.h"
#include "widthlab/output_dir.h"

namespace widthlab::cli {

// --config and --set are the shared config flags of config_flags.h (config, sets).
struct RunDirFlags : ConfigFlags {
  std::string out;
  bool resume = false, force = false, dry_run = false;
};
void add_run_dir_flags(CLI::App& sub, RunDirFlags& flags, bool out_required = true);

struct ResolvedRunDir {
  Config config;
  std::filesystem::path out;
  OutputMode mode = OutputMode::fresh;
  bool dry_run = false;
  bool check_dir = true;  // false on ranks > 0 under mpirun
  bool resumed = false;   // set by open_run_dir
};
// Loads the config and, when `check_dir`, checks the directory for the mode (widthlab/run_dir.h check_run_dir).
// Writes nothing. Ranks > 0 under mpirun pass check_dir = false: rank 0 alone owns the directory.
ResolvedRunDir resolve_run_dir(const RunDirFlags& flags, const std::string& default_out, bool check_dir = true);
// Checks the names this verb will write beyond the fixed ones (`writes`, relative to DIR: e.g. study_output_names):
// a user's file under one of them is refused here (exit 2), before any work and before --force removes anything.
// Writes nothing; call it before --dry-run returns. Does nothing where resolve_run_dir did not check the directory.
void check_run_outputs(const ResolvedRunDir& run, const std::vector<std::string>& writes);
// Prepares DIR and writes DIR/config.toml.
void open_run_dir(ResolvedRunDir& run);
// --python of a verb that draws plots at its end: refused when the plots are off (--no-plots or study.plots = false:
// it would change nothing), and looked up now when they are on (python_interpreter), so that a missing interpreter
// is exit 2 before the runs rather than a warning after them. Nothing to check when not given.
void check_python_flag(const std::string& python, bool no_plots_flag, const Config& config);

}  // namespace widthlab::cli
