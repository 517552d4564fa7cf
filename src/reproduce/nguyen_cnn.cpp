// nguyen2019-cnn (theory.md §6.4 R27, §3.6, §3.9 "Finite layered nets under a scaling"): [N]'s claim for "CNN-like"
// nets, channels playing the role of width. MF-scaled convolutional nets (the "mf" preset's exponents on channel
// counts: input conv lr ∝ d, hidden conv lr ∝ 1 with std d^{-1}, readout lr ∝ d^{-1}) with two 3×3 conv layers of d
// channels (stride 2, so 28×28 → 14×14 → 7×7), ReLU, global average pooling and a dense readout, trained with SGD on
// fashion-mnist-2 images at several channel counts. The claims are R26's, shared with nguyen2019-fmnist
// (nguyen_common.h, nguyen_neurons.h): learning is non-trivial; the neighbour gaps of the test-loss and accuracy curves
// and the seed spread shrink as a power of the channel count; the laws of the per-channel readout weights a_i (MF
// units) and first-conv pre-activations z_i(x₀) at the centre pixel collapse (neighbour W1 exponent) and at the two
// widest channel counts agree within twice the seed-split noise floor. Two conv layers play the 2 hidden layers of
// §3.6 (non-degenerate with i.i.d. zero-mean init). [N]'s CNN architecture, channel counts beyond 2^4…2^9 and lrs
// could not be checked (theory.md §6.4): ours are in the config.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <numeric>

#include "reproduce/cases.h"
#include "reproduce/common.h"
#include "reproduce/nguyen_common.h"
#include "reproduce/nguyen_neurons.h"
#include "widthlab/error.h"

namespace widthlab::repro {
namespace {
using namespace nguyen;

// The claim ([N] abstract via theory.md §6.4 R27: "the same" width-independence as R25/R26 for CNN-like nets) and the
// regions' source: exponent intervals below 0 (theory.md §8.7), noise-floor ratio ≤ 2 (theory.md §6.4 R26).
constexpr const char* kR27 =
    "curves and neuron-level distributions collapse onto one as the channel count grows; learning non-trivial ([N] "
    "abstract, theory.md §6.4 R27)";
constexpr const char* kR27Source =
    "[N] abstract, theory.md §6.4 R27 (R26's regions); shrinking = exponent interval below 0, last doubling not flat "
    "(§8.7 (a), (b))";
constexpr const char* kLabel = "cnn/mf";
// The paper's channel grid (issue 19 item 5; theory.md §6.4 R27) and seeds (issue 18: 10, as in the papers).
const std::vector<int> kPaperWidths = {16, 32, 64, 128, 256, 512};
constexpr int kPaperSeeds = 10;

GroupText group_text() {
  return {"R27",
          "CNN (2 conv layers)",
          "MF CNN",
          kR27,
          kR27Source,
          {"per-channel readout weights a_i = d·α·θ_out,i (MF units)",
           "first-conv pre-activations z_i(x₀) of one test input at the centre pixel"}};
}

struct Runs {
  SweepSetup setup;
  std::map<SweepRunKey, TrainTask> tasks;
  Results res;
};

Runs run_nets(const ReproduceContext& ctx) {
  Runs r{make_sweep_setup(ctx.config), {}, {}};
  if (r.setup.arch.layers.empty())
    throw InputError("nguyen2019-cnn: model.arch is not set (the case trains convolutional nets)");
  const Scaling& sc = r.setup.scalings.front();
  std::vector<KeyedTask> tasks;
  for (int w : r.setup.widths)
    for (auto seed : r.setup.seeds) {
      KeyedTask t = keyed_task(r.setup, sc, w, seed, kLabel);
      t.task.train.decomposition = false;
      t.task.train.keep_parameters = true;
      r.tasks.emplace(t.key, t.task);
      tasks.push_back(std::move(t));
    }
  r.res = run_tasks(ctx, r.setup.data, tasks, "nguyen2019-cnn");
  return r;
}

// Mean over seeds of one run's seconds at each width, and per SGD step.
std::vector<double> run_seconds(const Runs& r) {
  std::vector<double> v;
  for (int w : r.setup.widths)
    v.push_back(seed_stat(over_seeds(r.res, kLabel, w, [](const TrainResult& x) { return x.seconds; })).mean);
  return v;
}

std::string setup_text(const Config& c, const Runs& r) {
  double worker = 0;
  for (const auto& [k, x] : r.res) worker += x.seconds;
  const SweepSetup& s = r.setup;
  const std::vector<double> sec = run_seconds(r);
  const ImageShape first = architecture_shapes_to_vector(s.arch, s.input_shape, 1).at(1);
  std::vector<std::string> per_width;
  for (std::size_t i = 0; i < s.widths.size(); ++i)
    per_width.push_back(fmt::format("{} s at d = {}", fmt_num(sec[i], 3), s.widths[i]));
  return fmt::format(
      "- data: {}; inputs as 28×28×1 images (the paper: MNIST and CIFAR-10, theory.md §6.4; fashion-mnist-2 is what "
      "this "
      "machine has); no pooling of the inputs: the first conv has stride 2\n"
      "- nets: `{}` with the readout dense(1) appended (d channels in both conv layers), {} with "
      "biases, MF scaling on channel counts at d* = {} (theory.md §3.9); {} lr {} batch {}, {} steps ({:.3g} "
      "epochs); channel counts {}; {}; metrics every {} steps; neuron samples at init and after training (x₀ = test "
      "input 0, centre pixel of the first conv's {}×{} output)\n"
      "- size: {} runs, {:.0f} s of worker time; mean seconds per run (training and evaluation) {}",
      data_line(s.data), c.model.arch.value_or(""), c.model.activation, c.scaling.reference_width, c.train.optimizer,
      c.train.lr, c.train.batch.full ? "full" : std::to_string(c.train.batch.size), c.train.steps,
      double(c.train.steps) * c.train.batch.size / double(s.data.x_train.rows()), fmt::join(s.widths, ", "),
      s.seeds_text(), c.train.log_every, first.height, first.width, r.res.size(), worker, fmt::join(per_width, ", "));
}

// Findings from this run's numbers: where the loss curves leave the plateau at f ≈ 0, the seed-spread floor, and
// the cost of the paper's channel grid.
// Per quantity: the neighbour W1 after training over the one at init, and the trained noise-floor ratio, at every
// neighbour pair (when the ratio is ≈ 1 everywhere, seed-to-seed noise and not the channel count carries the W1).
std::string distance_note(const NeuronGrid& g) {
  std::vector<std::size_t> all(g[0].front().size());
  std::iota(all.begin(), all.end(), std::size_t(0));
  std::vector<std::string> parts;
  for (int q = 0; q < kQuantities; ++q) {
    const std::vector<double> tr = neighbour_w1(g, 1, q, all), in = neighbour_w1(g, 0, q, all);
    std::vector<std::string> growth, ratio;
    for (std::size_t i = 0; i < tr.size(); ++i)
      growth.push_back(fmt_num(tr[i] / in[i], 3)), ratio.push_back(fmt_num(pair_noise_ratio(g, 1, i, q), 3));
    parts.push_back(fmt::format("{}: trained W1 / init W1 = {}, noise-floor ratio {}", kQuantityIds[q],
                                fmt::join(growth, ", "), fmt::join(ratio, ", ")));
  }
  return "Neuron-level distances per neighbour pair (smallest pair first) — " +
         fmt::format("{}", fmt::join(parts, "; ")) +
         ". A noise-floor ratio ≈ 1 says the two channel counts' trained laws differ no more than two disjoint seed "
         "halves of one channel count do (theory.md §6.4 R26): where the trained W1 is several times the init W1 and "
         "the ratio stays ≈ 1, the trained law varies from seed to seed (init and batch order), and that noise, not "
         "the channel count, carries the neighbour distance and its exponent.";
}

std::vector<std::string> notes(const Runs& r, const Curves& c, const NeuronGrid& g) {
  std::vector<std::string> cells;
  const std::vector<int> e = escape_steps(c);
  for (std::size_t i = 0; i < e.size(); ++i)
    cells.push_back(fmt::format("{} at d = {}", e[i] < 0 ? "never" : std::to_string(e[i]), r.setup.widths[i]));
  std::vector<std::string> n = {
      "First step at which the mean test loss is ≤ log 2 − 0.1 (curve points every " +
          std::to_string(r.setup.train.curve_every) + " steps): " + fmt::format("{}", fmt::join(cells, ", ")) +
          ". Two conv layers are the 2-hidden-layer case of theory.md §3.6, whose i.i.d. zero-mean MF limit is not "
          "degenerate; a plateau that grows with the channel count would be the O(d^-1/2) start of the degeneracy.",
      "The seed fixes the init and the mini-batch order (train_run.h): the MF limit of SGD is deterministic only given "
      "the batch sequence, so the seed spread of the final loss tends to the batch-order spread, not to 0 (as found "
      "in nguyen2019-fmnist, theory.md §6.4). The curve gaps compare the same seeds at every channel count.",
      "The neighbour W1 of z compares partly shared channels: paired init draws the first conv's filters row by row, "
      "so for one seed the first d filters at 2d channels are those at d (theory.md §6.4 R26); the noise-floor ratio "
      "compares disjoint seed halves only.",
      distance_note(g)};
  const PaperGrid paper{kPaperWidths, kPaperSeeds, 1,
                        fmt::format("channel counts 2^4…2^9, {} seeds, this run's data and steps", kPaperSeeds),
                        "cnn/"};
  if (r.setup.widths.back() < kPaperWidths.back()) {
    if (auto cost = paper_cost_note(r.res, paper); !cost.empty()) n.push_back(cost);
    // The hidden conv's flops grow as d² while the fit above also carries the small widths' fixed costs.
    const double widest = run_seconds(r).back(), ratio = double(kPaperWidths.back()) / r.setup.widths.back();
    n.push_back(fmt::format(
        "Scaling the widest run instead by the hidden conv's d² flops: one run at d = {} ≈ {} s × {:g}² = {} s, its "
        "{} seeds ≈ {} worker-hours — the reason this default grid stops at d = {} (`--full` adds d = {}).",
        kPaperWidths.back(), fmt_num(widest, 3), ratio, fmt_num(widest * ratio * ratio, 3), kPaperSeeds,
        fmt_num(widest * ratio * ratio * kPaperSeeds / 3600, 2), r.setup.widths.back(), kPaperWidths.back()));
  }
  return n;
}

}  // namespace

CaseOutput run_nguyen2019_cnn(const ReproduceContext& ctx) {
  Runs r = run_nets(ctx);
  const std::vector<int>& widths = r.setup.widths;
  CaseOutput out;
  const Curves c = collect_curves(r.res, widths, kLabel);
  std::vector<std::vector<std::string>> curves_csv, dist_csv, hist_csv;
  for (auto row : curve_rows(c.csv, true)) {
    row.insert(row.begin(), kLabel);
    curves_csv.push_back(std::move(row));
  }
  const NeuronGrid n = neuron_grid(r.setup, kLabel, r.tasks, r.res);
  add_curve_claims(out, group_text(), r.res, widths, kLabel, c);
  add_distribution_claims(out, group_text(), widths, n);
  out.tables.push_back(curve_table(
      "MF CNN: final test loss / accuracy, seed spread, curve gap to the next channel count (width = channels)", widths,
      c));
  out.tables.push_back(distance_table(
      "MF CNN: neuron-level (per-channel) distances between neighbouring channel counts (pooled over seeds)", kLabel,
      widths, n, dist_csv));
  add_histograms(hist_csv, n, kLabel, widths);
  nguyen::write_nfm_csvs(ctx.out, curves_csv, dist_csv, hist_csv);
  out.setup = setup_text(ctx.config, r);
  out.notes = notes(r, c, n);
  out.plots = {"nfm_curves.png", "neuron_hist.png", "neuron_distances.png"};
  return out;
}

}  // namespace widthlab::repro
