// `widthlab transfer [--config F] [--set key=value]… --out DIR [--resume | --force] [--threads N] [--no-plots]
//  [--coord-steps T]` (issue 22; library: widthlab/transfer.h; theory.md §10): the loss over lr × width per scaling,
// the optimal lr per width and its exponent vs width against the classifier's prediction, a coordinate check, with
// verdicts; DIR/report.md and PNG plots.
//
// Without --config the default transfer config configs/transfer.toml of the source tree runs (sized to finish in
// about 15 minutes on 2 cores; README "transfer"). The config must have sweep.lrs (≥ 3) and ≥ 2 widths.
#include "widthlab/transfer.h"

#include <fmt/format.h>

#include <algorithm>

#include "run_dir.h"
#include "verb.h"
#include "widthlab/error.h"
#include "widthlab/mpi_runtime.h"
#include "widthlab/output_dir.h"

namespace {

struct TransferVerbOptions {
  widthlab::cli::RunDirFlags dir;
  int threads = -1;
  bool no_plots = false;
  std::string python;
  int bootstrap = 1000;
  int coord_steps = 3;
  const CLI::Option* coord_steps_option = nullptr;  // given?
};

std::string default_transfer_config() { return std::string(WIDTHLAB_SOURCE_DIR) + "/configs/transfer.toml"; }

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto opt = std::make_shared<TransferVerbOptions>();
  widthlab::cli::add_run_dir_flags(sub, opt->dir);
  widthlab::cli::add_device_flag(sub, opt->dir.device);
  sub.get_option("--config")->description("TOML config file with sweep.lrs (default: configs/transfer.toml)");
  sub.add_option("--threads", opt->threads, "Threads (default: study.threads of the config; 0 = all cores)");
  sub.add_flag("--no-plots", opt->no_plots, "Do not draw PNG plots");
  sub.add_option("--python", opt->python,
                 "Python interpreter for the plots (default $WIDTHLAB_PYTHON or /usr/bin/python3)");
  sub.add_option("--bootstrap", opt->bootstrap,
                 "Seed-bootstrap resamples of the optima and exponents (default 1000, theory.md §8.7)")
      ->check(CLI::Range(0, 1000000));
  opt->coord_steps_option = sub.add_option("--coord-steps", opt->coord_steps,
                                           "Coordinate check after t = 1..T steps (T ≤ train.steps; default 3, or "
                                           "train.steps when fewer)")
                                ->check(CLI::Range(1, 1000));
  return [opt] {
    using namespace widthlab;
    cli::RunDirFlags flags = opt->dir;
    if (flags.config.empty()) flags.config = default_transfer_config();
    // Every input validates before anything is written: config (with its lr axis) and directory, then the data.
    cli::ResolvedRunDir run = cli::resolve_run_dir(flags, "", /*check_dir=*/mpi_is_root());
    if (auto why = validate_transfer_config(run.config); !why.empty()) throw InputError(why);
    // The default tracks the first 3 steps, or all of them when the runs take fewer; a given count must fit.
    if (opt->coord_steps_option->count() == 0) opt->coord_steps = std::min(opt->coord_steps, run.config.train.steps);
    if (auto why = transfer_coord_steps_problem(run.config, opt->coord_steps, "--coord-steps"); !why.empty())
      throw InputError(why);
    const SweepSetup setup = make_sweep_setup(run.config);
    cli::check_python_flag(opt->python, opt->no_plots, run.config);
    cli::check_run_outputs(run, transfer_output_names(run.config, !opt->no_plots));
    if (run.mode == OutputMode::resume)
      if (auto why = transfer_resume_problem(run.out, opt->coord_steps); !why.empty()) throw InputError(why);
    const std::size_t n = setup.scalings.size() * setup.widths.size() * setup.lrs.size() * setup.seeds.size();
    if (run.dry_run) {
      fmt::print(
          "dry run: transfer of {} runs ({} scalings × {} widths × {} lrs × {} seeds) on {} → {}; nothing "
          "written\n",
          n, setup.scalings.size(), setup.widths.size(), setup.lrs.size(), setup.seeds.size(), setup.data.name,
          printable_path(run.out));
      return 0;
    }
    mpi_root_first([&](bool root) {  // rank 0 owns the directory; the others write into it after
      if (root) cli::open_run_dir(run);
      return 0;
    });
    TransferOptions to;
    to.out = run.out;
    to.threads = opt->threads >= 0 ? opt->threads : run.config.study.threads;
    to.plots = !opt->no_plots;
    to.python = opt->python;
    to.bootstrap = opt->bootstrap;
    to.coord_steps = opt->coord_steps;
    to.sweep_runner = run_sweep_mpi;  // the sweep over the mpirun ranks; run_sweep in a single process
    if (!mpi_is_root()) {             // under mpirun, ranks > 0 only help with the sweep
      SweepSetup s = setup;
      s.train.coord_track_steps = to.coord_steps;
      SweepOptions so;
      so.out = run.out;
      so.threads = to.threads;
      so.save_curves = false;
      run_sweep_mpi(s, so);
      return 0;
    }
    TransferSummary s = run_transfer(run.config, to);
    fmt::print("{}\nreport: {}\n", s.brief(), printable_path(run.out / "report.md"));
    for (const auto& e : s.errors) fmt::print(stderr, "widthlab transfer: {}\n", e);
    return 0;
  };
}

const widthlab::cli::VerbRegistration reg{
    "transfer",
    "Will the learning rate transfer across width? lr × width sweep, optimal-lr exponents, coordinate check", setup};
}  // namespace
