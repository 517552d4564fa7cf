// `widthlab train [--config F] [--set key=value]… --out DIR [--resume | --force] [--threads N]`
// Finite-width runs over the config's grid (widths × seeds × scalings): DIR/runs.jsonl, DIR/curves/*.csv,
// DIR/config.toml (architecture.md §4; library: widthlab/sweep.h). Existing results need --resume or --force (else exit
// 2).
#include <fmt/format.h>

#include <algorithm>

#include "run_dir.h"
#include "verb.h"
#include "widthlab/mpi_runtime.h"
#include "widthlab/output_dir.h"
#include "widthlab/sweep.h"
#include "widthlab/text.h"

namespace {

struct TrainVerbOptions {
  widthlab::cli::RunDirFlags dir;
  int threads = -1;
};

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto opt = std::make_shared<TrainVerbOptions>();
  widthlab::cli::add_run_dir_flags(sub, opt->dir);
  widthlab::cli::add_arch_flag(sub, opt->dir);
  widthlab::cli::add_device_flag(sub, opt->dir.device);
  sub.add_option("--threads", opt->threads, "Worker threads (default: study.threads of the config; 0 = all cores)");
  return [opt] {
    using namespace widthlab;
    // Every input validates before anything is written: config and directory, then the data (make_sweep_setup).
    cli::ResolvedRunDir run = cli::resolve_run_dir(opt->dir, /*default_out=*/"", /*check_dir=*/mpi_is_root());
    SweepSetup setup = make_sweep_setup(run.config);
    cli::check_run_outputs(run, sweep_output_names(sweep_grid(setup), /*curves=*/true, /*logits=*/false));
    SweepOptions so;
    so.out = run.out;
    so.threads = opt->threads >= 0 ? opt->threads : run.config.study.threads;
    so.max_seconds = run.config.study.max_seconds;
    so.progress_label = "train";
    const std::string lrs = setup.lrs.empty() ? "" : " × " + count_noun(setup.lrs.size(), "lr");  // sweep.lrs
    // The plan line once DIR is open (or on a dry run): a DIR that cannot be created gets its one stderr line alone.
    auto print_plan = [&] {
      fmt::print(stderr, "widthlab train: {} × {}{} × {} on {} ({} train / {} test) → {}\n",
                 count_noun(setup.scalings.size(), "scaling"), count_noun(setup.widths.size(), "width"), lrs,
                 count_noun(setup.seeds.size(), "seed"), setup.data.name, setup.data.x_train.rows(),
                 setup.data.x_test.rows(), printable_path(run.out));
    };
    if (run.dry_run) {
      print_plan();
      fmt::print("dry run: {} runs planned; nothing written\n", setup.scalings.size() * setup.widths.size() *
                                                                    setup.seeds.size() *
                                                                    std::max<std::size_t>(1, setup.lrs.size()));
      return 0;
    }
    mpi_root_first([&](bool root) {  // rank 0 owns the directory; the others write into it after
      if (root) cli::open_run_dir(run);
      return 0;
    });
    print_plan();
    SweepSummary s = run_sweep_mpi(setup, so);  // = run_sweep without mpirun
    fmt::print("{}\n", s.brief());
    if (s.failed > 0) {
      fmt::print(stderr, "widthlab train: {} run(s) failed (see {}/errors.jsonl)\n", s.failed, printable_path(run.out));
      return 1;
    }
    return 0;
  };
}

const widthlab::cli::VerbRegistration reg{"train", "Finite-width runs over a config's widths × seeds × scalings grid",
                                          setup};
}  // namespace
