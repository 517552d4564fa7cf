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
constexpr const char* kR26Source = "[N] abstract, theory.md §6.4 R26; converging = exponent interval below 0 (§8.7)";
// theory.md §6.4 R26: with W1² ≈ bias² + noise², a ratio ≤ 2 bounds the width difference by √3 × the matched noise.
constexpr const char* kNoiseSource = "theory.md §6.4 R26: ratio ≤ 2 ⇔ width difference ≤ √3 × seed-split noise";
constexpr double kNoiseRatioMax = 2.0;
const std::vector<int> kDepths = {2, 3};
const std::array<const char*, kQuantities> kQuantityText = {"output weights a_i = d·θ_out,i (MF units)",
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

// Group g's neuron samples at init and after training (x₀ = the first test input); the kept parameters are dropped
// once read (memory).
NeuronGrid neuron_grid(Runs& r, std::size_t g) {
  const SweepSetup& s = r.setups[g];
  const MatrixD x0 = s.data.x_test.topRows(1);
  NeuronGrid n;
  for (auto& phase : n) phase.resize(s.widths.size());
  for (std::size_t i = 0; i < s.widths.size(); ++i)
    for (auto seed : s.seeds) {
      const SweepRunKey k{r.labels[g], s.widths[i], seed};
      TrainResult& res = r.res.at(k);
      n[0][i].push_back(init_sample(r.tasks.at(k), x0));
      n[1][i].push_back(trained_sample(r.tasks.at(k), res, x0));
      res.final_weights.clear(), res.final_biases.clear();
    }
  return n;
}

// The groups of quantity q at width index i restricted to the seeds idx.
std::vector<std::vector<double>> groups_at(const NeuronGrid& n, int p, std::size_t i, int q,
                                           const std::vector<std::size_t>& idx) {
  const auto all = groups_of(n, p, i, q);
  std::vector<std::vector<double>> v;
  for (std::size_t s : idx) v.push_back(all.at(s));
  return v;
}

// The seed-split noise ratio (two_sample.h) of widths i, i+1 over all seeds.
double pair_noise_ratio(const NeuronGrid& n, int p, std::size_t i, int q) {
  return split_noise_ratio(groups_of(n, p, i, q), groups_of(n, p, i + 1, q));
}

// Collapse of a neuron-level distribution: the OLS exponent of the neighbour W1 against the smaller width of each
// pair, below 0; jackknife interval over seeds (a pooled statistic, verdicts.h jackknife_seeds).
VerdictResult judge_distribution_collapse(const NeuronGrid& n, const std::vector<int>& widths, int q) {
  const std::vector<double> W(widths.begin(), widths.end() - 1);
  const auto stat = [&](const std::vector<std::size_t>& idx) { return log_log_slope(W, neighbour_w1(n, 1, q, idx)); };
  VerdictResult v = verdict_in_region(jackknife_seeds(n[1].front().size(), stat), {-INFINITY, 0.0, kR26Source},
                                      "fitted exponent of the neighbour W1 (jackknife over seeds)");
  const auto init = [&](const std::vector<std::size_t>& idx) { return log_log_slope(W, neighbour_w1(n, 0, q, idx)); };
  std::vector<std::size_t> all(n[0].front().size());
  std::iota(all.begin(), all.end(), std::size_t(0));
  v.detail += fmt::format(" (at init, where the law is the same at every width, the exponent is {}: sampling noise)",
                          fmt_num(init(all)));
  return v;
}

// The two widest widths' W1 over the seed-split noise floor in [0, 2]; jackknife interval over seeds.
VerdictResult judge_noise_floor(const NeuronGrid& n, int p, int q) {
  const std::size_t i = n[p].size() - 2;
  const auto stat = [&](const std::vector<std::size_t>& idx) {
    return split_noise_ratio(groups_at(n, p, i, q, idx), groups_at(n, p, i + 1, q, idx));
  };
  return verdict_in_region(jackknife_seeds(n[p].front().size(), stat), {0.0, kNoiseRatioMax, kNoiseSource},
                           "W1 of the two widest widths / seed-split noise floor (jackknife over seeds)");
}

void add_curve_claims(CaseOutput& out, const Runs& r, std::size_t g, const Curves& c) {
  const std::string id = fmt::format("R26.d{}", kDepths[g]), depth = fmt::format("{} hidden layers", kDepths[g]);
  const std::vector<int>& widths = r.setups[g].widths;
  const CurveVerdicts v = judge_curves(r.res, widths, r.labels[g], c, kR26Source);
  out.claims.push_back(
      {id + ".nontrivial", depth + ": the widest MF net learns (final test loss ≤ log 2 − 0.1)", kR26, v.nontrivial});
  out.claims.push_back({id + ".loss-collapse",
                        depth + ": the sup-over-steps gap between the test-loss curves of neighbouring widths shrinks "
                                "as a power of width (exponent interval below 0)",
                        kR26, v.collapse});
  const std::size_t npts = c.curves.front().size();
  out.claims.push_back({id + ".acc-collapse",
                        depth + ": the same for the test-accuracy curves (exponent interval below 0)", kR26,
                        judge_curve_collapse(c.acc_seeds, widths, npts, kR26Source)});
  out.claims.push_back({id + ".seed-spread",
                        depth + ": the seed-to-seed spread of the final test loss shrinks as a power of width "
                                "(exponent interval below 0)",
                        "width-independent (deterministic) limit dynamics ([N], theory.md §3.6)", v.spread});
}

void add_distribution_claims(CaseOutput& out, const Runs& r, std::size_t g, const NeuronGrid& n) {
  const std::string id = fmt::format("R26.d{}", kDepths[g]), depth = fmt::format("{} hidden layers", kDepths[g]);
  for (int q = 0; q < kQuantities; ++q) {
    const std::string qid = kQuantityIds[q], what = kQuantityText[q];
    out.claims.push_back({id + "." + qid + "-collapse",
                          depth + ", trained: the W1 distance between the " + what +
                              " of neighbouring widths (pooled over seeds) shrinks as a power of width (exponent "
                              "interval below 0)",
                          kR26, judge_distribution_collapse(n, r.setups[g].widths, q)});
    out.claims.push_back({id + "." + qid + "-noise",
                          depth + ", trained: at the two widest widths the W1 distance between the " + what +
                              " is within twice the seed-split noise floor",
                          kR26, judge_noise_floor(n, 1, q)});
    ClaimCheck init{id + "." + qid + "-init-noise",
                    depth +
                        ", init: the same noise-floor ratio where the law is width-independent by construction "
                        "(MF init, theory.md §6.4 R26): checks the statistic",
                    "ratio ≈ 1 (same law at every width)", judge_noise_floor(n, 0, q)};
    init.sanity = true;
    out.claims.push_back(init);
  }
}

// Per width: the first curve step at which the mean test loss is ≤ log 2 − 0.1 (−1: never), i.e. the end of the
// plateau at f ≈ 0 that the degeneracy of theory.md §3.6 lengthens with width at 3 hidden layers.
std::vector<int> escape_steps(const Curves& c) {
  std::vector<int> v;
  for (const auto& curve : c.curves) {
    v.push_back(-1);
    for (std::size_t k = 0; k < curve.size() && k < c.steps.size(); ++k)
      if (curve[k] <= std::numbers::ln2 - 0.1) {
        v.back() = c.steps[k];
        break;
      }
  }
  return v;
}

ReportTable curve_table(const Runs& r, std::size_t g, const Curves& c) {
  const std::vector<double> gap = mean_curve_gaps(c);
  const std::vector<int> escape = escape_steps(c);
  ReportTable t;
  t.title =
      fmt::format("{} hidden layers: final test loss / accuracy, seed spread, curve gap to the next width", kDepths[g]);
  t.columns = {"width",
               "test loss",
               "test acc",
               "std of final loss over seeds",
               "sup_k |loss_d(k) − loss_2d(k)|",
               "first step with mean test loss ≤ log 2 − 0.1"};
  const std::vector<int>& widths = r.setups[g].widths;
  for (std::size_t i = 0; i < widths.size(); ++i)
    t.rows.push_back({width_label(widths[i]), fmt_num(c.final_loss[i]), fmt_num(c.final_acc[i]), fmt_num(c.spread[i]),
                      i < gap.size() ? fmt_num(gap[i]) : "—", escape[i] < 0 ? "never" : std::to_string(escape[i])});
  return t;
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

// Per neighbour pair and quantity: W1 and KS after training, W1 at init (pure sampling noise), and the seed-split
// noise ratio after training; the same numbers go to neuron_distances.csv.
ReportTable distance_table(const Runs& r, std::size_t g, const NeuronGrid& n,
                           std::vector<std::vector<std::string>>& csv) {
  const std::vector<int>& widths = r.setups[g].widths;
  ReportTable t;
  t.title = fmt::format("{} hidden layers: neuron-level distances between neighbouring widths (pooled over seeds)",
                        kDepths[g]);
  t.columns = {"widths"};
  for (const char* q : kQuantityIds)
    for (const char* col : {"W1 trained", "W1 init", "KS trained", "W1 / noise floor trained"})
      t.columns.push_back(fmt::format("{}: {}", q, col));
  std::vector<std::size_t> all(n[0].front().size());
  std::iota(all.begin(), all.end(), std::size_t(0));
  std::array<std::array<std::vector<double>, 2>, kQuantities> w1, ks;
  for (int q = 0; q < kQuantities; ++q)
    for (int p = 0; p < 2; ++p) w1[q][p] = neighbour_w1(n, p, q, all), ks[q][p] = neighbour_ks(n, p, q);
  for (std::size_t i = 0; i + 1 < widths.size(); ++i) {
    std::vector<std::string> row = {width_label(widths[i]) + " – " + width_label(widths[i + 1])};
    for (int q = 0; q < kQuantities; ++q) {
      const double ratio = pair_noise_ratio(n, 1, i, q);
      for (double v : {w1[q][1][i], w1[q][0][i], ks[q][1][i], ratio}) row.push_back(fmt_num(v));
      for (int p = 0; p < 2; ++p)
        csv.push_back({r.labels[g], kQuantityIds[q], p ? "trained" : "init", std::to_string(widths[i]),
                       std::to_string(widths[i + 1]), fmt_num(w1[q][p][i], 8), fmt_num(ks[q][p][i], 8),
                       fmt_num(pair_noise_ratio(n, p, i, q), 8)});
    }
    t.rows.push_back(row);
  }
  return t;
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
    const NeuronGrid n = neuron_grid(r, g);
    add_curve_claims(out, r, g, c);
    add_distribution_claims(out, r, g, n);
    out.tables.push_back(curve_table(r, g, c));
    out.tables.push_back(distance_table(r, g, n, dist_csv));
    add_histograms(hist_csv, n, r.labels[g], r.setups[g].widths);
  }
  write_table_csv(ctx.out / "nfm_curves.csv",
                  {"label", "width", "step", "test_loss_mean", "test_loss_std", "test_acc_mean", "test_acc_std",
                   "train_loss_mean", "train_acc_mean"},
                  curves_csv);
  write_table_csv(ctx.out / "neuron_distances.csv",
                  {"label", "quantity", "phase", "width", "next_width", "w1", "ks", "noise_ratio"}, dist_csv);
  write_table_csv(ctx.out / "neuron_hist.csv", {"label", "quantity", "phase", "width", "bin_lo", "bin_hi", "density"},
                  hist_csv);
  out.setup = setup_text(ctx.config, r);
  out.notes = notes(r, all_curves);
  out.plots = {"nfm_curves.png", "neuron_hist.png", "neuron_distances.png"};
  return out;
}

}  // namespace widthlab::repro
