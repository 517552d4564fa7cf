// Shared pieces of the reproduction cases (reproduce.h): running a list of training tasks on the sweep engine and
// collecting the results in memory, per-(scaling, width) statistics over seeds, CSV output for the plot script.
#pragma once
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "widthlab/dataset.h"
#include "widthlab/distances.h"
#include "widthlab/reproduce.h"
#include "widthlab/study.h"
#include "widthlab/sweep.h"
#include "widthlab/train_run.h"

namespace widthlab::repro {

// A task with its key. The key's `scaling` is a label unique within the case ("mf", "d3/mf", "lr=0.1/sp", …).
struct KeyedTask {
  SweepRunKey key;
  TrainTask task;
};

// Runs every task (threads, progress, DIR/runs.jsonl and DIR/curves/ through run_sweep_runs) and returns the results
// by key. A task that throws is an InputError here (a reproduction's configs are ours: no silent holes).
// With --resume, runs already in DIR/runs.jsonl are read back (result_from_record) instead of rerun: run_reproduction
// gets this far only for cases whose verdicts need no per-step curves or logits (ReproductionInfo::resumable).
std::map<SweepRunKey, TrainResult> run_tasks(const ReproduceContext& ctx, const Dataset& data,
                                             const std::vector<KeyedTask>& tasks, const std::string& label,
                                             bool save_curves = true);
// The scalar parts of a runs.jsonl record (final metrics, status, init logits, kernel diagonals, weight increments,
// logit decomposition) as a TrainResult; curves and logits are not in the record.
TrainResult result_from_record(const nlohmann::json& record);

// A task for one (scaling, width, seed) of a config (make_train_task of the sweep module, key label = scaling name
// unless `label` is given).
KeyedTask keyed_task(const SweepSetup& setup, const Scaling& scaling, int width, std::uint64_t seed,
                     const std::string& label = "");

// What the paper's grid would cost on this machine (issue: "where the paper's size is out of reach, say what it
// would cost"): each recorded run's seconds (TrainResult::seconds, worker time) fitted as a·width^b by OLS on log
// mean seconds over the widths run, times the paper's grid. `work` scales one run (the paper's steps over ours);
// the note states the fit, the assumption and the total in worker-hours.
struct PaperGrid {
  std::vector<int> widths;   // the paper's widths
  int runs_per_width = 1;    // seeds × scalings (plus references) at each width
  double work = 1;           // one paper run / one of ours at the same width (steps ratio)
  std::string what;          // "R9 at 60 000 examples, 6 000 steps"
  std::string label_prefix;  // only runs whose label starts with it (a case's group, e.g. "r9/")
};
std::string paper_cost_note(const std::map<SweepRunKey, TrainResult>& results, const PaperGrid& paper);

// Mean and std over seeds of one number; runs with a non-finite value (diverged) are counted in n_bad. The mean is
// NaN when more than half of the runs are bad (the cell "diverged").
struct SeedStat {
  double mean = NAN, std = NAN;
  int n = 0, n_bad = 0;
};
SeedStat seed_stat(const std::vector<double>& values);
std::string fmt_stat(const SeedStat& s, int digits = 4);  // "0.4123 ± 0.0021" / "diverged (3/5)"
std::string fmt_num(double v, int digits = 4);            // "nan" → "diverged"
std::string width_label(double w);                        // 2^k for powers of two ≥ 64

// Final metric of a result: NaN when diverged or absent.
double metric(const TrainResult& r, const std::string& name);  // train_loss | train_acc | test_loss | test_acc

// Values of `fn(result)` for every seed of (label, width) in `results`.
template <class F>
std::vector<double> over_seeds(const std::map<SweepRunKey, TrainResult>& results, const std::string& label, int width,
                               F fn) {
  std::vector<double> v;
  for (const auto& [k, r] : results)
    if (k.scaling == label && k.width == width) v.push_back(fn(r));
  return v;
}

// One number per seed at each width of `label` (fn(result); NaN for a diverged run): the input of the judge_*
// verdicts (verdicts.h).
template <class F>
SeedGrid seed_grid(const std::map<SweepRunKey, TrainResult>& results, const std::string& label,
                   const std::vector<int>& widths, F fn) {
  SeedGrid g;
  for (int w : widths) {
    g.widths.push_back(w);
    g.values.push_back(over_seeds(results, label, w, fn));
  }
  return g;
}
// The final metric `name` (metric()) per seed and width.
SeedGrid metric_grid(const std::map<SweepRunKey, TrainResult>& results, const std::string& label,
                     const std::vector<int>& widths, const std::string& name);

// The logit KL to the reference at curve point i: per test point a Gaussian fitted across the seeds `idx`, KL averaged
// over points (theory.md §8.7). `runs` and `refs` are in seed order (seed idx[k] of one pairs with seed idx[k] of the
// other). NaN when a seed lacks the point or a logit is not finite.
SeedKl kl_at(const std::vector<const TrainResult*>& runs, const std::vector<const TrainResult*>& refs, std::size_t i,
             const std::vector<std::size_t>& idx);
// kl_at averaged over the run's curve points from index `from` on (0: every point, step 0 included).
double mean_kl(const std::vector<const TrainResult*>& runs, const std::vector<const TrainResult*>& refs,
               const std::vector<std::size_t>& idx, std::size_t from = 0);
// The mean of the finite values (NaN when none).
double mean_finite(const std::vector<double>& v);
// The results of one label in seed order.
std::vector<const TrainResult*> runs_of(const std::map<SweepRunKey, TrainResult>& results, const std::string& label);

// A CSV with string cells (header + rows), written atomically.
void write_table_csv(const std::filesystem::path& path, const std::vector<std::string>& header,
                     const std::vector<std::vector<std::string>>& rows);

// log2 width span helper: {2^lo, …, 2^hi}.
std::vector<int> powers_of_two(int lo, int hi);

// The "data" line of a setup paragraph.
std::string data_line(const Dataset& data);

// Integer powers: true when the value is a power of two.
bool is_power_of_two(int w);

// A study (study.h) of `config` as a stage of a case: the sweep, the simulated limits, distances, fits, its own
// report.md and plots in ctx.out / subdir (`config.toml` written there; what the folder already holds is reused), and
// ctx.out / "<subdir>_summary.json" with the counts and times. `note` heads the study's report.
StudySummary run_case_study(const ReproduceContext& ctx, const Config& config, const std::string& subdir,
                            const std::string& note);

}  // namespace widthlab::repro
