// The numbers of `widthlab transfer` (theory.md §10): runs.jsonl records → optimal lr per width, its exponent vs
// width, the coordinate-check exponents, and their verdicts. Pure functions of the records.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <tuple>

#include "widthlab/error.h"
#include "widthlab/results_io.h"
#include "widthlab/transfer.h"

namespace widthlab {
namespace {

// Index of `value` in `sorted`, or −1.
template <class T>
int index_of(const std::vector<T>& sorted, const T& value) {
  auto it = std::find(sorted.begin(), sorted.end(), value);
  return it == sorted.end() ? -1 : int(it - sorted.begin());
}

std::vector<double> as_doubles(const std::vector<int>& widths) { return {widths.begin(), widths.end()}; }

}  // namespace

std::vector<TransferRun> transfer_runs(const std::vector<nlohmann::json>& records) {
  std::vector<TransferRun> runs;
  for (const auto& r : records) {
    TransferRun t;
    t.scaling = r.at("scaling").get<std::string>();
    t.width = r.at("width").get<int>();
    t.seed = r.at("seed").get<std::uint64_t>();
    t.lr = r.at("lr").get<double>();
    t.ok = r.value("status", std::string()) == "ok";
    t.train_loss = t.ok ? json_number(r, "train_loss") : NAN;
    t.test_loss = t.ok ? json_number(r, "test_loss") : NAN;
    t.train_loss_init = json_number(r, "train_loss_init");
    t.unstable = record_trained_above_initial_loss(r);
    t.coord = coord_run(r);
    runs.push_back(std::move(t));
  }
  return runs;
}

namespace {

// The optimum of one width's mean curve over a set of seeds.
using SeedOptimum = std::function<LrOptimum(std::size_t width_index, const std::vector<std::size_t>& seeds)>;

// theory.md §10.3: the OLS slope of log lr* on log d with its seed-bootstrap interval, where a next-to-diverged
// optimum is known to its bracket only (lr_optimum.h). The point slope uses lr*; the interval's lower end is the
// bootstrap's over each resample's lowest slope the brackets allow — each censored width at the end of its bracket
// that lowers the OLS slope (its low end above the mean log width, its high end below) — and the upper end likewise.
// The three fits draw the same resamples; without censored optima they coincide.
RateFit censored_rate_fit(const std::vector<double>& widths, std::size_t n_seeds, const SeedOptimum& optimum,
                          const RateFitOptions& options) {
  std::vector<std::size_t> all(n_seeds);
  std::iota(all.begin(), all.end(), 0);
  std::vector<double> log_used;
  for (std::size_t w = 0; w < widths.size(); ++w)
    if (has_interior_optimum(optimum(w, all).status)) log_used.push_back(std::log(widths[w]));
  const double mean_log =
      log_used.empty() ? 0.0 : std::accumulate(log_used.begin(), log_used.end(), 0.0) / double(log_used.size());
  auto fit_side = [&](int side) {  // 0: lr*; −1: the slope's lowest end; +1: its highest
    return fit_rate(
        widths, n_seeds,
        [&](std::size_t w, const std::vector<std::size_t>& seeds) {
          const LrOptimum o = optimum(w, seeds);
          if (!has_interior_optimum(o.status)) return double(NAN);
          const double d = std::log(widths[w]) - mean_log, push = double(side) * d;
          return push > 0 ? o.lr_high : push < 0 ? o.lr_low : o.lr;
        },
        options);
  };
  RateFit fit = fit_side(0);
  if (fit.ok) {  // each end, and its Monte Carlo band (theory.md §8.7), from the fit that pushes the slope that way
    const RateFit low = fit_side(-1), high = fit_side(+1);
    fit.ci_low = low.ci_low, fit.mc_low = low.mc_low;
    fit.ci_high = high.ci_high, fit.mc_high = high.mc_high;
    // A resample's slope is then a range, not the point slope kept: the change between two such fits is bounded by
    // their intervals instead (asymptotic_verdict.h). Without censored optima the three fits coincide.
    auto same = [](const std::vector<double>& a, const std::vector<double>& b) {
      return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                        [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); });
    };
    if (!same(low.resampled_slopes, fit.resampled_slopes) || !same(high.resampled_slopes, fit.resampled_slopes))
      fit.resampled_slopes.clear();
  }
  return fit;
}

}  // namespace

MetricTransfer metric_transfer(const std::string& metric, const std::vector<int>& widths,
                               const std::vector<double>& lrs,
                               const std::vector<std::vector<std::vector<double>>>& losses, const ClaimRegion& region,
                               int bootstrap) {
  MetricTransfer m;
  m.metric = metric;
  for (std::size_t w = 0; w < widths.size(); ++w)
    m.optima.push_back({widths[w], estimate_lr_optimum(lrs, losses[w], bootstrap, std::uint64_t(w))});
  // A width with a missing run (NaN) has no optimum in any resample either: left out of the fits.
  auto missing = [&](std::size_t w) { return m.optima[w].estimate.point.status == OptimumStatus::missing; };
  // theory.md §10.3: the exponent is the OLS slope of log lr* on log d over the widths with an optimum inside the
  // grid; seeds are resampled jointly for all widths (rate_fit.h), each resample's lr* from its own mean curve.
  const std::size_t n_seeds = losses.empty() || losses[0].empty() ? 0 : losses[0][0].size();
  RateFitOptions ro;
  ro.resamples = bootstrap;
  const std::vector<double> wd = as_doubles(widths);
  // theory.md §10.3: the predicted exponent is asymptotic; re-fit over the narrowest and the widest widths.
  auto fit_over = [&](const std::vector<std::size_t>& subset) {
    std::vector<double> ws;
    for (std::size_t i : subset) ws.push_back(wd[i]);
    return censored_rate_fit(
        ws, n_seeds,
        [&](std::size_t w, const std::vector<std::size_t>& seeds) {
          if (missing(subset[w])) return LrOptimum{OptimumStatus::missing};
          return find_lr_optimum(lrs, mean_curve(losses[subset[w]], seeds));
        },
        ro);
  };
  if (n_seeds > 0) {
    std::vector<std::size_t> every(wd.size());
    std::iota(every.begin(), every.end(), 0);
    m.fit = fit_over(every);
    if (const WidthHalves h = width_halves(wd); !h.widest.empty()) {
      m.narrowest = fit_over(h.narrowest);
      m.widest = fit_over(h.widest);
    }
  }
  const std::string what = fmt::format("optimal-lr exponent ({})", metric);
  if (!m.fit.ok || m.fit.few_widths()) {
    m.verdict = {Verdict::inconclusive,
                 fmt::format("{}: {} width(s) with an optimum inside the lr grid; at least 3 are needed ({})", what,
                             m.fit.widths_used, m.fit.note)};
    return m;
  }
  m.verdict = asymptotic_exponent_verdict(m.fit, m.narrowest, m.widest, region, what);
  return m;
}

namespace {

// The coordinate check of one scaling (theory.md §10.4) on its runs at coord_lr.
std::vector<CoordFit> coord_fits(const Classification& c, const std::vector<TransferRun>& runs,
                                 const std::vector<int>& widths, const std::vector<std::uint64_t>& seeds,
                                 double coord_lr, int bootstrap) {
  std::vector<CoordRun> at_lr;
  for (const auto& r : runs)
    if (r.lr == coord_lr) at_lr.push_back(r.coord);
  return fit_coord_check(c, at_lr, widths, seeds, bootstrap);
}

}  // namespace

ScalingTransfer analyse_scaling(const Classification& c, const std::vector<TransferRun>& runs,
                                const std::vector<int>& widths, const std::vector<double>& lrs,
                                const std::vector<std::uint64_t>& seeds, double coord_lr, int bootstrap) {
  ScalingTransfer st;
  st.scaling = c.scaling;
  st.limit = c.model;
  st.regime = to_string(c.regime);
  st.properties = c.properties_text;
  st.prediction = predict_lr_exponent(c);
  st.region = lr_exponent_region(st.prediction);
  st.lrs = lrs, st.widths = widths, st.coord_lr = coord_lr;
  using Cube = std::vector<std::vector<std::vector<double>>>;
  Cube train(widths.size(), std::vector<std::vector<double>>(lrs.size(), std::vector<double>(seeds.size(), NAN)));
  Cube test = train;
  std::vector<TransferRun> mine;
  for (const auto& r : runs) {
    if (r.scaling != c.scaling) continue;
    const int w = index_of(widths, r.width), i = index_of(lrs, r.lr), s = index_of(seeds, r.seed);
    if (w < 0 || i < 0 || s < 0) continue;
    if (r.missing) {  // its cells stay NaN: the width's optimum is "runs missing" (lr_optimum.h)
      ++st.runs_missing;
      continue;
    }
    (!r.ok ? st.runs_diverged : r.unstable ? st.runs_unstable : st.runs_ok) += 1;
    // A diverged or unstable run is +inf: that lr is past the edge of stability for this seed (theory.md §10.1).
    const bool usable = r.ok && !r.unstable;
    train[w][i][s] = usable ? r.train_loss : INFINITY;
    test[w][i][s] = usable ? r.test_loss : INFINITY;
    mine.push_back(r);
  }
  st.train = metric_transfer("train_loss", widths, lrs, train, st.region, bootstrap);
  st.test = metric_transfer("test_loss", widths, lrs, test, st.region, bootstrap);
  st.coord = coord_fits(c, mine, widths, seeds, coord_lr, bootstrap);
  return st;
}

}  // namespace widthlab
