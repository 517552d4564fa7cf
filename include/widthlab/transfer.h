// `widthlab transfer [--config F] --out DIR` (issue 22; theory.md §10; architecture.md §4): will a learning rate tuned
// on a narrow net stay optimal on a wide one? For every scaling of the config, the sweep widths × sweep.lrs × seeds
// (sweep.h, resumable), then from runs.jsonl:
//   losses.csv       scaling, width, lr, seed, status (ok | unstable | diverged | missing), train_loss, test_loss (one
//                    row per run of the grid; unstable: finite but above its loss at init, theory.md §10.1; missing:
//                    not in runs.jsonl, the time budget stopped it or it failed)
//   optimum.csv      per scaling, metric (train_loss | test_loss) and width: the optimal lr (parabola in log lr,
//                    lr_optimum.h) with its seed-bootstrap 95 % interval and status
//   exponents.csv    per scaling and metric: the fitted exponent of optimal lr vs width with its interval, the
//                    predicted exponent (transfer_theory.h), the region and the verdict
//   coord_check.csv  scaling, width, seed, layer, quantity (act_init | delta), t, value: the coordinate check of the
//                    runs at the coordinate-check lr (the grid lr nearest train.lr)
//   coord_fit.csv    per scaling, layer, quantity and t: fitted exponent vs width, interval, prediction, verdict
//   transfer.json    per scaling: classification, predictions, regions with their source, verdicts
//   report.md, transfer_train_loss.png, transfer_test_loss.png, optimal_lr.png, coord_check_transfer.png, plots.log
// Every number of report.md is one of these files' numbers.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "widthlab/config.h"
#include "widthlab/coord_check.h"
#include "widthlab/lr_optimum.h"
#include "widthlab/rate_fit.h"
#include "widthlab/sweep.h"
#include "widthlab/transfer_theory.h"

namespace widthlab {

struct TransferOptions {
  std::filesystem::path out;  // prepared by the caller (run_dir.h), config.toml written
  int threads = 0;            // 0 = all cores
  bool plots = true;
  std::string python;  // plot interpreter ("" = default, plot_script.h)
  int bootstrap = 1000;
  int coord_steps = 3;  // the coordinate check after t = 1..coord_steps updates
  std::vector<std::string> notes;
  // The sweep runner (run_sweep, or run_sweep_mpi from the CLI).
  std::function<SweepSummary(const SweepSetup&, const SweepOptions&)> sweep_runner;
};

// "" when the config can run a transfer study, else one sentence naming the key (sweep.lrs with ≥ 3 lrs, ≥ 2 widths).
std::string validate_transfer_config(const Config& config);

// Every name a transfer of `config` writes in its output directory beyond the run-dir verbs' fixed ones (its CSVs, and
// with `plots` plots.log and the figures; with the .tmp each is written through; it keeps no per-run files). The CLI
// checks them before any work (architecture.md §4).
std::vector<std::string> transfer_output_names(const Config& config, bool plots);

// One run's numbers as the analysis reads them from runs.jsonl.
struct TransferRun {
  std::string scaling;
  int width = 0;
  double lr = 0;
  std::uint64_t seed = 0;
  bool ok = false;        // status ok: finite final losses
  bool missing = false;   // a run of the grid that runs.jsonl does not hold (time budget, error): no losses
  bool unstable = false;  // ok, but the final train loss lies above the loss at init (trained_above_initial_loss)
  double train_loss = NAN, test_loss = NAN, train_loss_init = NAN;
  CoordRun coord;  // the run's coordinate check (coord_check.h)
};
std::vector<TransferRun> transfer_runs(const std::vector<nlohmann::json>& records);

struct WidthOptimum {
  int width = 0;
  LrOptimumEstimate estimate;
};
struct MetricTransfer {
  std::string metric;  // train_loss | test_loss
  std::vector<WidthOptimum> optima;
  RateFit fit;        // log optimal lr vs log width, widths with an interior optimum only
  RateFit narrowest;  // the same over the narrowest / widest widths (asymptotic_verdict.h); not ok with fewer than
  RateFit widest;     // 4 widths
  VerdictResult verdict;
};
struct ScalingTransfer {
  std::string scaling, limit, regime, properties;
  LrExponentPrediction prediction;
  ClaimRegion region;
  std::vector<double> lrs;
  std::vector<int> widths;
  // Each run of the grid in one of the four (losses.csv's status); a missing run is no diverged one: its width has no
  // optimum (OptimumStatus::missing) and is left out of the fits.
  int runs_ok = 0, runs_unstable = 0, runs_diverged = 0, runs_missing = 0;
  MetricTransfer train, test;
  double coord_lr = NAN;
  std::vector<CoordFit> coord;
};

// The analysis of one scaling's runs (pure: runs in, numbers out). losses[w][i][s] built from `runs`.
ScalingTransfer analyse_scaling(const Classification& c, const std::vector<TransferRun>& runs,
                                const std::vector<int>& widths, const std::vector<double>& lrs,
                                const std::vector<std::uint64_t>& seeds, double coord_lr, int bootstrap);
// The fitted exponent and verdict of one metric from per-width losses[w][lr][seed].
MetricTransfer metric_transfer(const std::string& metric, const std::vector<int>& widths,
                               const std::vector<double>& lrs,
                               const std::vector<std::vector<std::vector<double>>>& losses, const ClaimRegion& region,
                               int bootstrap);

struct TransferSummary {
  SweepSummary sweep;
  int holds = 0, fails = 0, inconclusive = 0;
  double seconds = 0;
  std::vector<std::string> errors;
  std::string provenance;  // provenance_note of the directory (provenance.h), the report's last note
  std::string brief() const;
};

// The whole verb after the directory is open: sweep, analysis, files, plots, report.
TransferSummary run_transfer(const Config& config, const TransferOptions& options);

// Whether DIR/runs.jsonl (if any) can be resumed: --coord-steps is not part of config.toml, so every ok record must
// have tracked the same number of steps (its coord_check.act_delta_track), and it must carry train_loss_init (the
// stability check of theory.md §10.1; records written before it existed lack it). "" when they do, else one line naming
// the file, the record and what it lacks. Called before anything is written (CLI, Python) and by run_transfer.
std::string transfer_resume_problem(const std::filesystem::path& dir, int coord_steps);

// Whether the coordinate check's t = 1..coord_steps lies within the runs' train.steps: a run tracks only the steps
// it takes, so a larger count would be reported but not measured. "" when it does, else one line naming `name` (the
// flag or keyword that gave coord_steps) and train.steps. Called before anything is written (CLI, Python) and by
// run_transfer.
std::string transfer_coord_steps_problem(const Config& config, int coord_steps, const std::string& name);

// report.md from the analysis (every number also in the CSV/JSON files).
std::string render_transfer_report(const Config& config, const std::vector<ScalingTransfer>& scalings,
                                   const TransferSummary& summary, const std::vector<std::string>& notes,
                                   const std::vector<std::string>& plots, const std::string& plot_message,
                                   int coord_steps);

}  // namespace widthlab
