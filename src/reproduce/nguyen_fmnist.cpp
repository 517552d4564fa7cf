// nguyen2019-fmnist (theory.md §6.4 R26, §3.6): [N]'s real-data experiment on fashion-mnist-2 ([N]: MNIST and
// CIFAR-10). Multilayer MF-scaled nets (the "mf" preset: input lr ∝ d, hidden ∝ 1 with std d^{-1}, output ∝ d^{-1})
// with 2 and 3 hidden layers trained with SGD at several widths. [N]'s claim (abstract, theory.md §6.4): loss and
// accuracy curves and the distributions of neuron-level quantities become width-independent, and learning is
// non-trivial. Judged per depth: the curve claims of R25 (nguyen_common.h) on test loss and accuracy; for the output
// weights a_i (MF units) and the first-layer pre-activations z_i(x₀) (nguyen_neurons.h): the 1-Wasserstein distance
// between neighbouring widths (pooled over seeds) shrinks as a power of width, and at the two widest widths it is
// within twice the seed-split noise floor (theory.md §6.4 R26 derives both regions). At init both laws are the same at
// every width by construction: the noise-floor statistic there is a sanity check of the statistic itself.
// [N]'s exact depths, widths and lrs could not be checked (theory.md §6.4): ours are in the config.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <numbers>

#include "reproduce/cases.h"
#include "reproduce/common.h"
#include "reproduce/nguyen_common.h"
#include "reproduce/nguyen_neurons.h"
#include "widthlab/two_sample.h"

namespace widthlab::repro {
namespace {
using namespace nguyen;

constexpr const char* kR26 =
    "curves and neuron-level distributions collapse onto one as width grows; learning non-trivial ([N] abstract, "
    "theory.md §6.4 R26)";
constexpr const char* kR26Source =
    "[N] abstract, theory.md §6.4 R26; shrinking = exponent interval below 0, last doubling not flat (§8.7 (a), (b))";
const std::vector<int> kDepths = {2, 3};
const std::array<std::string, kQuantities> kQuantityText = {"output weights a_i = d·θ_out,i (MF units)",
                                                            "first-layer pre-activations z_i(x₀) of one test input"};

struct Runs {
  std::vector<SweepSetup> setups;   // per depth (only model.depth differs)
  std::vector<std::string> labels;  // "d2/mf", "d3/mf"
  std::map<SweepRunKey, TrainTask> tasks;
  Results res;
};

// Every depth's MF nets at every (width, seed), keeping the trained parameters (for the neuron samples).
Runs run_nets(const ReproduceContext& ctx) {
  Runs r;
  std::vector<KeyedTask> tasks;
  for (int H : kDepths) {
    r.setups.push_back(make_sweep_setup(apply_overrides(ctx.config, {fmt::format("model.depth={}", H)})));
    const SweepSetup& s = r.setups.back();
    const Scaling& sc = s.scalings.front();
    r.labels.push_back(fmt::format("d{}/{}", H, sc.name));
    for (int w : s.widths)
      for (auto seed : s.seeds) {
        KeyedTask t = keyed_task(s, sc, w, seed, r.labels.back());
        t.task.train.decomposition = false;
        t.task.train.keep_parameters = true;
        r.tasks.emplace(t.key, t.task);
        tasks.push_back(std::move(t));
      }
  }
  r.res = run_tasks(ctx, r.setups.front().data, tasks, "nguyen2019-fmnist");
  return r;
}

GroupText group_text(std::size_t g) {
  return {fmt::format("R26.d{}", kDepths[g]),
          fmt::format("{} hidden layers", kDepths[g]),
          "MF net",
          kR26,
          kR26Source,
          kQuantityText};
}

// Findings from the numbers of this run: the plateau length per width at each depth (theory.md §3.6), and why the
// seed spread has a floor under SGD (the seed also fixes the mini-batch order, train_run.h).
std::vector<std::string> notes(const Runs& r, const std::vector<Curves>& curves) {
  std::string plateau;
  for (std::size_t g = 0; g < curves.size(); ++g) {
    std::vector<std::string> cells;
    const std::vector<int> e = escape_steps(curves[g]);
    for (std::size_t i = 0; i < e.size(); ++i)
      cells.push_back(fmt::format("{} at d = {}", e[i] < 0 ? "never" : std::to_string(e[i]), r.setups[g].widths[i]));
    plateau += fmt::format("{}{} hidden layers: {}", g ? "; " : "", kDepths[g], fmt::join(cells, ", "));
  }
  return {"Plateau at f ≈ 0 (first step at which the mean test loss is ≤ log 2 − 0.1, curve points every " +
              std::to_string(r.setups.front().train.curve_every) + " steps) — " + plateau +
              ". With i.i.d. zero-mean init the hidden-layer signal of a 3-hidden-layer MF net starts at O(d^-1/2) and "
              "its limit is degenerate (theory.md §3.6), so a wider net leaves the plateau later: where the plateau "
              "grows with width, the early part of the loss curves does not collapse.",
          "The seed fixes the init and the mini-batch order (train_run.h), and the MF limit of SGD is deterministic "
          "only given the batch sequence: the seed-to-seed spread of the final loss therefore tends to the spread "
          "caused by batch order, not to 0, and its exponent to 0 — found after the run; the R25 region is kept. The "
          "curve gaps compare the same seeds (same batch orders) at every width, so they are not affected."};
}

// Seconds per SGD step (training and evaluation included, mean over seeds) of each width of group g.
std::vector<double> seconds_per_step(const Runs& r, std::size_t g) {
  std::vector<double> v;
  for (int w : r.setups[g].widths)
    v.push_back(seed_stat(over_seeds(r.res, r.labels[g], w, [](const TrainResult& x) {
                  return x.seconds / std::max(1, x.steps);
                })).mean);
  return v;
}

// The run's size next to the paper's, the measured cost, and what MNIST-sized runs of this grid would cost.
std::string setup_text(const Config& c, const Runs& r) {
  double worker = 0;
  for (const auto& [k, x] : r.res) worker += x.seconds;
  std::string cost;
  double mnist = 0;
  for (std::size_t g = 0; g < r.setups.size(); ++g) {
    const std::vector<double> sps = seconds_per_step(r, g);
    cost += fmt::format("{}{} hidden layers {} s per run ({} s/step) at width {}", g ? ", " : "", kDepths[g],
                        fmt_num(sps.back() * c.train.steps, 3), fmt_num(sps.back(), 3), r.setups[g].widths.back());
    for (double s : sps) mnist += s * 6000 * double(r.setups[g].seeds.size());
  }
  const SweepSetup& s = r.setups.front();
  return fmt::format(
      "- data: {} (the paper: MNIST and CIFAR-10, theory.md §6.4; fashion-mnist-2 is what this machine has)\n"
      "- nets: {} hidden layers, {} with biases, MF scaling at d* = {}, {} lr {} batch {}, {} steps ({:.3g} epochs); "
      "widths {}; {} seeds; metrics every {} steps; neuron samples at init and after training (x₀ = test input 0)\n"
      "- size: {} runs, {:.0f} s of worker time; measured {} (training and evaluation). [N]'s widths, steps and "
      "depths could not be checked (theory.md §6.4); MNIST-sized runs of this grid (60 000 images, 10 epochs = 6 000 "
      "steps at batch {}) would take ≈ {} worker-hours at these per-step times (evaluation counted as here)",
      data_line(s.data), fmt::join(kDepths, " and "), c.model.activation, c.scaling.reference_width, c.train.optimizer,
      c.train.lr, c.train.batch.full ? "full" : std::to_string(c.train.batch.size), c.train.steps,
      double(c.train.steps) * c.train.batch.size / double(s.data.x_train.rows()), fmt::join(s.widths, ", "),
      s.seeds.size(), c.train.log_every, r.res.size(), worker, cost, c.train.batch.size, fmt_num(mnist / 3600, 2));
}

}  // namespace

CaseOutput run_nguyen2019_fmnist(const ReproduceContext& ctx) {
  Runs r = run_nets(ctx);
  CaseOutput out;
  std::vector<std::vector<std::string>> curves_csv, dist_csv, hist_csv;
  std::vector<Curves> all_curves;
  for (std::size_t g = 0; g < r.setups.size(); ++g) {
    const Curves& c = all_curves.emplace_back(collect_curves(r.res, r.setups[g].widths, r.labels[g]));
    for (auto row : curve_rows(c.csv, true)) {
      row.insert(row.begin(), r.labels[g]);
      curves_csv.push_back(std::move(row));
    }
    const std::vector<int>& widths = r.setups[g].widths;
    const NeuronGrid n = neuron_grid(r.setups[g], r.labels[g], r.tasks, r.res);
    add_curve_claims(out, group_text(g), r.res, widths, r.labels[g], c);
    add_distribution_claims(out, group_text(g), widths, n);
    out.tables.push_back(curve_table(
        fmt::format("{} hidden layers: final test loss / accuracy, seed spread, curve gap to the next width",
                    kDepths[g]),
        widths, c));
    out.tables.push_back(distance_table(
        fmt::format("{} hidden layers: neuron-level distances between neighbouring widths (pooled over seeds)",
                    kDepths[g]),
        r.labels[g], widths, n, dist_csv));
    add_histograms(hist_csv, n, r.labels[g], r.setups[g].widths);
  }
  nguyen::write_nfm_csvs(ctx.out, curves_csv, dist_csv, hist_csv);
  out.setup = setup_text(ctx.config, r);
  out.notes = notes(r, all_curves);
  out.plots = {"nfm_curves.png", "neuron_hist.png", "neuron_distances.png"};
  return out;
}

}  // namespace widthlab::repro
