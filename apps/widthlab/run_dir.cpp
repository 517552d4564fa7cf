#include "run_dir.h"

#include <fmt/format.h>

#include "widthlab/error.h"
#include "widthlab/output_dir.h"
#include "widthlab/plot_script.h"
#include "widthlab/run_dir.h"

namespace widthlab::cli {

void add_run_dir_flags(CLI::App& sub, RunDirFlags& flags, bool out_required) {
  add_config_flags(sub, flags);
  auto* out = sub.add_option("--out", flags.out, "Output directory");
  if (out_required) out->required();
  auto* r = sub.add_flag("--resume", flags.resume, "Continue in an existing output directory (finished runs are kept)");
  auto* f = sub.add_flag("--force", flags.force,
                         "Replace the results widthlab wrote in the output directory (other files there are kept)");
  r->excludes(f);
  sub.add_flag("--dry-run", flags.dry_run,
               "Validate the config, data and output directory, print the plan, write "
               "nothing");
}

ResolvedRunDir resolve_run_dir(const RunDirFlags& flags, const std::string& default_out, bool check_dir) {
  ResolvedRunDir r;
  r.config = resolve_config(flags);
  const std::string out = flags.out.empty() ? default_out : flags.out;
  if (out.empty()) throw InputError("--out: expected an output directory");
  r.out = out;
  r.mode = flags.resume ? OutputMode::resume : flags.force ? OutputMode::force : OutputMode::fresh;
  r.dry_run = flags.dry_run;
  r.check_dir = check_dir;
  if (check_dir) check_run_dir(r.out, r.mode, r.config);
  return r;
}

void check_run_outputs(const ResolvedRunDir& run, const std::vector<std::string>& writes) {
  if (run.check_dir) check_output_dir(run.out, run.mode, /*resumable=*/true, writes);
}

void open_run_dir(ResolvedRunDir& run) { run.resumed = widthlab::open_run_dir(run.out, run.mode, run.config); }

void check_python_flag(const std::string& python, bool no_plots_flag, const Config& config) {
  if (python.empty()) return;
  if (no_plots_flag || !config.study.plots)
    throw InputError(fmt::format("--python {}: the interpreter of the plots, which {} turns off; expected one of them",
                                 python, no_plots_flag ? "--no-plots" : "study.plots = false"));
  (void)python_interpreter(python);
}

}  // namespace widthlab::cli
