// `widthlab study [--config F] [--set key=value]… --out DIR [--resume | --force] [--threads N] [--no-plots]`
// The main job (architecture.md §1, §4, §8; library: widthlab/study.h): the finite sweep, every scaling's limit,
// distances, fitted rates, DIR/report.md and PNG plots.
//
// Without --config the built-in default study runs with the reductions of default_study_budget (study.h: so that it
// finishes in about 10 minutes on a 2-core machine); they are printed and written into the report, and any --set wins
// over them. `--config configs/default.toml` runs the full grid.
#include "widthlab/study.h"

#include <fmt/format.h>

#include "run_dir.h"
#include "verb.h"
#include "widthlab/error.h"
#include "widthlab/mpi_runtime.h"
#include "widthlab/output_dir.h"
#include "widthlab/sweep.h"

namespace {

struct StudyVerbOptions {
  widthlab::cli::RunDirFlags dir;
  int threads = -1;
  bool no_plots = false;
  std::string python;
  int bootstrap = 1000;
};

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto opt = std::make_shared<StudyVerbOptions>();
  widthlab::cli::add_run_dir_flags(sub, opt->dir);
  sub.get_option("--config")
      ->description(
          "TOML config file (default: the built-in default, configs/default.toml, reduced to fit ~10 minutes on 2 "
          "cores: "
          "widths to 2048, 8192 MF particles, 3 limit seeds; the run prints every override)");
  widthlab::cli::add_arch_flag(sub, opt->dir);
  widthlab::cli::add_device_flag(sub, opt->dir.device);
  // Bounded, as every verb's --threads, by main.cpp (thread_count, verb.h).
  sub.add_option("--threads", opt->threads, "Threads (default: study.threads of the config; 0 = all cores)");
  sub.add_flag("--no-plots", opt->no_plots, "Do not draw PNG plots");
  sub.add_option("--python", opt->python,
                 "Python interpreter for the plots (default $WIDTHLAB_PYTHON or /usr/bin/python3)");
  sub.add_option(
         "--bootstrap", opt->bootstrap,
         "Bootstrap resamples of the rate fits and of the coordinate check's fits (default 1000, theory.md §8.7)")
      ->check(CLI::Range(0, 1000000));
  return [opt] {
    using namespace widthlab;
    cli::RunDirFlags flags = opt->dir;
    std::vector<std::string> notes;
    if (flags.config.empty()) {
      std::vector<std::string> sets = default_study_budget();
      sets.insert(sets.end(), flags.sets.begin(), flags.sets.end());
      flags.sets = sets;
      notes.push_back(default_study_budget_note());
    }
    // Every input validates before anything is written: config and directory, then the data.
    cli::ResolvedRunDir run = cli::resolve_run_dir(flags, "", /*check_dir=*/mpi_is_root());
    if (run.config.sweep.lrs)  // a study compares the scalings at one lr: distances would mix the lr axis
      throw InputError("sweep.lrs: widthlab study runs every scaling at train.lr; sweep lrs with `widthlab transfer`");
    const SweepSetup setup = study_sweep_setup(run.config);
    cli::check_python_flag(opt->python, opt->no_plots, run.config);
    // The budget note once the inputs are valid and DIR is open (or on a dry run): bad input, or a DIR that cannot be
    // created, gets its one stderr line alone.
    auto print_notes = [&] {
      for (const auto& n : notes) fmt::print(stderr, "widthlab study: {}\n", n);
    };
    cli::check_run_outputs(run, study_output_names(run.config, setup, !opt->no_plots));
    if (run.dry_run) {
      print_notes();
      fmt::print("dry run: study of {} runs ({} scalings × {} widths × {} seeds) on {} → {}; nothing written\n",
                 setup.scalings.size() * setup.widths.size() * setup.seeds.size(), setup.scalings.size(),
                 setup.widths.size(), setup.seeds.size(), setup.data.name, printable_path(run.out));
      return 0;
    }
    StudyOptions so;
    so.out = run.out;
    so.sweep_runner = run_sweep_mpi;  // the sweep over the mpirun ranks; run_sweep in a single process
    so.threads = opt->threads >= 0 ? opt->threads : run.config.study.threads;
    so.plots = !opt->no_plots;
    so.python = opt->python;
    so.bootstrap = opt->bootstrap;
    so.notes = notes;
    if (run.mode == OutputMode::resume && mpi_is_root()) check_study_resume(run.config, so);  // before any write
    mpi_root_first([&](bool root) {  // rank 0 owns the directory; the others write into it after
      if (root) cli::open_run_dir(run);
      return 0;
    });
    print_notes();
    if (!mpi_is_root()) {  // under mpirun, ranks > 0 only help with the finite sweep
      run_sweep_mpi(setup, study_sweep_options(run.config, so));
      return 0;
    }
    StudySummary s = run_study(run.config, so);
    fmt::print("{}\nreport: {}\n", s.brief(), printable_path(run.out / "report.md"));
    for (const auto& e : s.errors) fmt::print(stderr, "widthlab study: {}\n", e);
    return 0;
  };
}

const widthlab::cli::VerbRegistration reg{
    "study", "The main job: finite nets vs their d = ∞ limits, distances, fitted rates, report and plots", setup};
}  // namespace
