// Shared pieces of the [SP] cases (sohl_dickstein_common.h; theory.md §3.8, §6.3 R24).
#include "reproduce/sohl_dickstein_common.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>

#include "reproduce/common.h"

namespace widthlab::repro::sd {

namespace {
MlpConfig mlp_config(int input_dim, int width, int depth, const Activation& act, bool bias) {
  MlpConfig c;
  c.input_dim = input_dim;
  c.width = width;
  c.depth = depth;
  c.outputs = 1;
  c.bias = bias;
  c.activation = act;
  c.init = InitKind::gaussian;
  return c;
}
}  // namespace

SpNet sp_net(int input_dim, int N, int s, int depth, const Activation& act, bool bias, double W_std) {
  SpNet n;
  n.config = mlp_config(input_dim, N * s, depth, act, bias);
  for (int l = 0; l <= depth; ++l) {
    const double sl = l == 0 ? 1.0 : double(s);
    n.s.push_back(sl);
    n.factors.push_back({W_std * std::sqrt(sl), 1.0 / std::sqrt(sl), 1.0});
  }
  return n;
}

SpNet ntk_net(int input_dim, int n, int depth, const Activation& act, double W_std) {
  SpNet r;
  r.config = mlp_config(input_dim, n, depth, act, false);
  for (int l = 0; l <= depth; ++l) {
    const double fan_in = r.config.fan_in(l);
    r.s.push_back(1.0);
    r.factors.push_back({std::sqrt(fan_in), W_std / std::sqrt(fan_in), 1.0});
  }
  return r;
}

double rel_frobenius(const MatrixD& a, const MatrixD& b) { return (a - b).norm() / b.norm(); }

TrainTask lr_trial(const SpNet& n, double lr, int steps, std::uint64_t seed) {
  TrainTask t;
  t.model = n.config;
  t.model.bias = false;
  t.factors = n.factors;
  t.scaling = "sp";
  t.seed = seed;
  t.train.optimizer = "gd";
  t.train.loss = "mse";
  t.train.lr = lr;
  t.train.steps = steps;
  t.train.precision = Precision::float64;
  t.train.curve_every = 1;
  t.train.decomposition = false;
  t.train.kernel_points = 0;
  t.train.coord_points = 0;
  return t;
}

// Stability is assumed monotone in the lr, so bisection over the grid's index finds the edge.
double max_stable_lr(const SpNet& n, const Dataset& data, int steps, std::uint64_t seed, double lr_min, int K) {
  TrainData td{data.x_train, data.y_train, data.x_test, data.y_test, data.classes};
  auto stable = [&](int k) {
    TrainResult r = run_training(lr_trial(n, lr_min * std::pow(2.0, 0.5 * k), steps, seed), td);
    if (r.status != RunStatus::ok || r.curve.empty() || !r.train_loss) return false;
    for (const CurvePoint& p : r.curve)
      if (!(p.train_loss <= r.curve.front().train_loss)) return false;
    return std::isfinite(*r.train_loss) && *r.train_loss <= r.curve.front().train_loss;
  };
  if (!stable(0)) return NAN;
  int lo = 0, hi = K;  // stable(lo), hi = first known unstable (K: none known)
  if (stable(K - 1)) return INFINITY;
  hi = K - 1;
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    (stable(mid) ? lo : hi) = mid;
  }
  return lr_min * std::pow(2.0, 0.5 * lo);
}

MaxLrSweep max_lr_sweep(const std::vector<LrFamily>& families, const std::vector<int>& widths, const Dataset& small,
                        int steps, const std::vector<std::uint64_t>& seeds, const std::filesystem::path& csv_path) {
  MaxLrSweep out;
  std::vector<std::vector<std::string>> csv;
  out.table.title = fmt::format(
      "largest stable GD lr (MSE, {} steps, {} train examples, no bias; √2 grid; loss never above its initial value)",
      steps, small.x_train.rows());
  out.table.columns = {"family", "width n", "largest stable lr (mean ± std over seeds)"};
  for (const LrFamily& fam : families) {
    SeedGrid g;  // per (width, seed)
    out.seconds.emplace_back();
    for (int width : widths) {
      const SpNet n = fam.net(width);
      std::vector<double> lrs;
      const auto t0 = std::chrono::steady_clock::now();
      for (auto seed : seeds) lrs.push_back(max_stable_lr(n, small, steps, seed, 1e-5, 44));
      out.seconds.back().push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      const auto above = std::count_if(lrs.begin(), lrs.end(), [](double x) { return std::isinf(x); });
      const auto below = std::count_if(lrs.begin(), lrs.end(), [](double x) { return std::isnan(x); });
      std::vector<double> found;  // the seeds whose edge lies inside the grid
      std::copy_if(lrs.begin(), lrs.end(), std::back_inserter(found), [](double x) { return std::isfinite(x); });
      std::string row = fmt_stat(seed_stat(found));
      if (above > 0)
        row += fmt::format(" ({} of {} seeds stable up to the grid's largest lr: left out)", above, lrs.size());
      if (below > 0)
        row += fmt::format(" ({} of {} seeds unstable at the grid's smallest lr: left out)", below, lrs.size());
      out.table.rows.push_back({fam.name, std::to_string(width), row});
      for (std::size_t k = 0; k < lrs.size(); ++k)
        csv.push_back({fam.name, std::to_string(width), std::to_string(seeds[k]), fmt_num(lrs[k], 8)});
      g.widths.push_back(width);
      g.values.push_back(lrs);
    }
    out.grids.push_back(std::move(g));
  }
  write_table_csv(csv_path, {"family", "width", "seed", "max_stable_lr"}, csv);
  return out;
}

VerdictResult judge_lr_slope(const SeedGrid& g, double exponent, double tol, const std::string& source) {
  VerdictResult v = judge_slope(g, exponent, tol, source);
  const auto censored = [&](auto is_censored, const char* what) {
    std::vector<std::string> where;
    for (std::size_t i = 0; i < g.widths.size(); ++i) {
      const auto n = std::count_if(g.values[i].begin(), g.values[i].end(), is_censored);
      if (n > 0) where.push_back(fmt::format("{} of {} at width {}", n, g.values[i].size(), g.widths[i]));
    }
    return where.empty() ? std::string() : fmt::format("seeds {} ({})", what, fmt::join(where, ", "));
  };
  std::vector<std::string> parts;
  for (const std::string& p : {censored([](double x) { return std::isinf(x); }, "stable up to the grid's largest lr"),
                               censored([](double x) { return std::isnan(x); }, "unstable at the grid's smallest lr")})
    if (!p.empty()) parts.push_back(p);
  if (parts.empty()) return v;
  v.verdict = Verdict::inconclusive;
  v.detail += fmt::format("; but {} are censored, and the fit over the others is biased: inconclusive",
                          fmt::join(parts, " and "));
  return v;
}

}  // namespace widthlab::repro::sd
