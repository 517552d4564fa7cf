// The finite-width sweep of `widthlab train` and `widthlab study` (architecture.md §1, §4, §7): every (scaling, width,
// seed) of a Config's grid trained by run_training (train_run.h). Same seed → same raw initial weights for every
// scaling (Mlp::init(seed), theory.md §6.0 paired init).
//
// Files in the output directory (architecture.md §4 contract):
//   runs.jsonl                         one complete JSON line per finished run (TrainResult::to_json), appended and
//                                      flushed when the run ends (results_io.h JsonlWriter)
//   curves/<stem>.csv                  per-step curve: step, train_loss, train_acc, test_loss, test_acc,
//                                      test_mean_abs_logit (written before the runs.jsonl line)
//   logits/<stem>.npy                  with save_test_logits: m × 2k test logits, columns [0,k) at init, [k,2k) at
//                                      the end (NaN when diverged); written before the runs.jsonl line
//   errors.jsonl                       runs that threw (bad input found only at run time): scaling, width, seed, error
// <stem> = run_stem(key) = "<scaling>_w<width>_s<seed>" with characters outside [A-Za-z0-9.+-] replaced by '-'.
//
// Resume: runs whose (scaling, width, seed[, lr]) is already in runs.jsonl are skipped (a partial last line is ignored
// with a warning by read_jsonl), so an interrupted sweep loses at most the runs in flight and never duplicates one.
//
// Threads (architecture.md §7 "parallelise over runs when each is small"): runs of width ≤ parallel_width_max run
// concurrently on `threads` workers with one OpenBLAS thread each; larger runs run one at a time with `threads`
// OpenBLAS threads. A run on one BLAS thread computes the same numbers whatever `threads` is (sequential code on its
// own data), so for those only the order of runs.jsonl lines depends on it (tested). A wider run's GEMMs are split
// over `threads` OpenBLAS threads, and the split can move the last digits (3e-9 relative measured at width 2048,
// float32; architecture.md "Reproducibility"): bit-identical needs the same build, OpenBLAS kernel and thread count.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "widthlab/config.h"
#include "widthlab/config_mapping.h"
#include "widthlab/dataset.h"
#include "widthlab/limit_run.h"
#include "widthlab/mlp.h"
#include "widthlab/results_io.h"
#include "widthlab/scaling.h"
#include "widthlab/train_run.h"

namespace widthlab {

struct SweepRunKey {
  std::string scaling;  // canonical scaling name (Scaling::name)
  int width = 0;
  std::uint64_t seed = 0;
  std::optional<double> lr =
      std::nullopt;  // the base lr of an lr-axis sweep (sweep.lrs, theory.md §10); empty: train.lr
  auto operator<=>(const SweepRunKey&) const = default;
};
// "<scaling>_w<width>_s<seed>", with an lr axis "<scaling>_w<width>_lr<lr>_s<seed>" (lr in shortest round-trip form).
std::string run_stem(const SweepRunKey& key);
std::string file_safe(const std::string& text);

// Grid order: width descending (largest runs first, for load balance), then scaling, then lr (when
// setup.lrs is not empty), then seed.
std::vector<SweepRunKey> sweep_grid(const SweepSetup& setup);
// The run of one key: make_train_task with the key's lr as the base lr when it has one.
TrainTask sweep_task(const SweepSetup& setup, const Scaling& scaling, const SweepRunKey& key);

struct SweepOptions {
  std::filesystem::path out;      // an output directory already prepared (output_dir.h)
  int threads = 0;                // 0 = std::thread::hardware_concurrency()
  int parallel_width_max = 1024;  // runs at most this wide run concurrently (one BLAS thread each)
  bool save_curves = true;
  bool save_test_logits = false;
  double max_seconds = 0;  // runs not started within this budget are skipped (0 = no budget)
  std::string progress_label = "train";
};

struct SweepSummary {
  int planned = 0, already_done = 0, ran = 0, ok = 0, diverged = 0, failed = 0, skipped_budget = 0;
  int above_init = 0;          // of ok: ended above their train loss at init (trained_above_initial_loss, train_run.h)
  int threads_given = 0;       // SweepOptions::threads
  int worker_threads = 0;      // concurrent runs for the small-width phase
  int blas_threads_large = 0;  // OpenBLAS threads of a large run
  double seconds = 0;
  std::vector<std::string> errors;  // "scaling w=… seed=…: message"
  std::string brief() const;        // one line
};

// What one run produces.
struct SweepRunOutput {
  nlohmann::json record;               // runs.jsonl line (must hold scaling, width, seed, status)
  std::optional<CsvTable> curve;       // curves/<stem>.csv
  std::optional<MatrixD> test_logits;  // logits/<stem>.npy
};
using SweepRunFunction = std::function<SweepRunOutput(const SweepRunKey&)>;

// Runs of runs.jsonl (complete lines), as keys; a record's "lr" becomes the key's lr (absent in old records).
std::vector<SweepRunKey> completed_runs(const std::filesystem::path& runs_jsonl);
// The files the runs of `keys` write in the output directory, relative to it: curves/<stem>.csv (with `curves`) and
// logits/<stem>.npy (with `logits`), each with the name.tmp it is written through. The verbs check them before any
// work (run_dir.h check_run_dir's `writes`).
std::vector<std::string> sweep_output_names(const std::vector<SweepRunKey>& keys, bool curves, bool logits);
// The keys a sweep still has to run (run_sweep_runs and the MPI coordinator): distinct keys in their first order,
// less those already in out/runs.jsonl (a key without lr matches a record whatever its lr; one with an lr only the
// record of that lr). Sets summary.planned (distinct keys) and summary.already_done; InputError when a user's file
// (not in the manifest) sits under a side-file name of a pending run; creates out/curves and out/logits when the
// options save them.
std::vector<SweepRunKey> pending_sweep_runs(const std::vector<SweepRunKey>& keys, const SweepOptions& options,
                                            SweepSummary& summary);

// The engine: runs `fn` for every key not yet in out/runs.jsonl, as described above. Exceptions from fn are
// recorded in errors.jsonl and on stderr; the sweep goes on.
SweepSummary run_sweep_runs(const std::vector<SweepRunKey>& keys, const SweepRunFunction& fn,
                            const SweepOptions& options);
// run_sweep_runs over sweep_grid(setup) with run_training.
SweepSummary run_sweep(const SweepSetup& setup, const SweepOptions& options);

// One run_training result as the sweep's outputs (record, curve table, [init | final] test logits).
SweepRunOutput sweep_output(const TrainResult& result, bool with_logits);

}  // namespace widthlab
