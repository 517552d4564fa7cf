// The optimum finder of theory.md §10.1.
#include "widthlab/lr_optimum.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "widthlab/error.h"
#include "widthlab/quantiles.h"
#include "widthlab/rng.h"

namespace widthlab {

const char* optimum_status_name(OptimumStatus s) {
  switch (s) {
    case OptimumStatus::interior: return "interior";
    case OptimumStatus::next_to_diverged: return "next to diverged";
    case OptimumStatus::edge_low: return "no interior optimum (edge: smallest lr)";
    case OptimumStatus::edge_high: return "no interior optimum (edge: largest lr)";
    case OptimumStatus::flat: return "no interior optimum (flat)";
    case OptimumStatus::none: return "no finite loss";
    case OptimumStatus::missing: return "runs missing";
  }
  return "?";
}

double parabola_vertex(double x0, double y0, double x1, double y1, double x2, double y2) {
  // Newton form: y = y0 + d1 (x − x0) + d2 (x − x0)(x − x1), vertex where the derivative vanishes.
  const double d01 = (y1 - y0) / (x1 - x0), d12 = (y2 - y1) / (x2 - x1);
  const double d2 = (d12 - d01) / (x2 - x0);
  if (!(std::abs(d2) > 0)) return NAN;
  return 0.5 * (x0 + x1) - d01 / (2 * d2);
}

LrOptimum find_lr_optimum(const std::vector<double>& lrs, const std::vector<double>& losses, double flat_tol) {
  if (lrs.size() != losses.size())
    throw InputError(fmt::format("lr optimum: {} lrs but {} losses", lrs.size(), losses.size()));
  std::vector<std::size_t> order(lrs.size());
  std::iota(order.begin(), order.end(), 0);
  for (double lr : lrs)
    if (!(lr > 0) || !std::isfinite(lr)) throw InputError(fmt::format("lr optimum: lr = {}: expected > 0", lr));
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return lrs[a] < lrs[b]; });
  std::vector<double> x, y;  // log lr and loss, ascending lr
  for (auto i : order) x.push_back(std::log(lrs[i])), y.push_back(losses[i]);

  LrOptimum o;
  std::size_t best = x.size(), finite = 0;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) continue;
    if (best == x.size() || y[i] < y[best]) best = i;
    lo = std::min(lo, y[i]), hi = std::max(hi, y[i]);
    ++finite;
  }
  if (best == x.size()) return o;
  o.grid_lr = std::exp(x[best]);
  o.loss = y[best];
  if (finite >= 2 && hi - lo <= flat_tol * std::max(1.0, std::abs(lo))) {
    o.status = OptimumStatus::flat;
    return o;
  }
  // Edges (theory.md §10.1): the best point is the first finite lr, or the grid's last lr.
  const bool left_finite = best > 0 && std::isfinite(y[best - 1]);
  const bool right_finite = best + 1 < y.size() && std::isfinite(y[best + 1]);
  const bool first_finite = std::none_of(y.begin(), y.begin() + long(best), [](double v) { return std::isfinite(v); });
  if (first_finite || best + 1 == y.size()) {  // the optimum lies at the edge or beyond it
    o.status = first_finite ? OptimumStatus::edge_low : OptimumStatus::edge_high;
    o.lr = o.grid_lr;
    o.lr_low = first_finite ? 0.0 : o.grid_lr;
    o.lr_high = first_finite ? o.grid_lr : INFINITY;
    return o;
  }
  if (!left_finite || !right_finite) {
    o.status = OptimumStatus::next_to_diverged;
    o.lr = o.grid_lr;
    o.lr_low = std::exp(x[best - 1]), o.lr_high = std::exp(x[best + 1]);
    return o;
  }
  const double v = parabola_vertex(x[best - 1], y[best - 1], x[best], y[best], x[best + 1], y[best + 1]);
  o.status = OptimumStatus::interior;
  // The best point is a discrete minimum, so the parabola is convex and its vertex lies between the neighbours;
  // the clamp only guards ties.
  o.lr = o.lr_low = o.lr_high = std::exp(std::clamp(std::isfinite(v) ? v : x[best], x[best - 1], x[best + 1]));
  return o;
}

std::vector<double> mean_curve(const std::vector<std::vector<double>>& losses, const std::vector<std::size_t>& seeds) {
  std::vector<double> curve;
  for (const auto& row : losses) {
    double sum = 0;
    for (auto s : seeds) sum += std::isfinite(row.at(s)) ? row[s] : std::numeric_limits<double>::infinity();
    curve.push_back(seeds.empty() ? NAN : sum / double(seeds.size()));
  }
  return curve;
}

LrOptimumEstimate estimate_lr_optimum(const std::vector<double>& lrs, const std::vector<std::vector<double>>& losses,
                                      int resamples, std::uint64_t seed) {
  LrOptimumEstimate e;
  const std::size_t n = losses.empty() ? 0 : losses.front().size();
  for (const auto& row : losses)
    if (std::any_of(row.begin(), row.end(), [](double v) { return std::isnan(v); })) {
      e.point.status = OptimumStatus::missing;
      return e;
    }
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  e.point = find_lr_optimum(lrs, mean_curve(losses, all));
  if (n < 3) return e;  // fewer than 3 seeds: no interval (theory.md §8.7)
  Rng rng = make_rng(seed, 0x6c726f70 /* "lrop" */);
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  std::vector<double> log_lows, log_highs;
  int located = 0;
  std::vector<std::size_t> s(n);
  for (int b = 0; b < resamples; ++b) {
    for (auto& i : s) i = pick(rng);
    const LrOptimum o = find_lr_optimum(lrs, mean_curve(losses, s));
    ++e.resamples;
    if (has_interior_optimum(o.status)) ++e.resamples_with_optimum;
    // A resample with no optimum (flat, no finite loss) could have it anywhere: it counts at ∓∞, as an unknown rate
    // fit slope does (theory.md §8.7), so more than 2.5 % of them open that end of the interval; one at an edge
    // counts at its open end (log 0 = −∞, log ∞ = +∞).
    const bool known = std::isfinite(o.lr);
    located += known;
    log_lows.push_back(known ? std::log(o.lr_low) : -INFINITY);
    log_highs.push_back(known ? std::log(o.lr_high) : INFINITY);
  }
  if (located == 0) return e;  // no resample locates an optimum, even at an edge: no interval
  // In log lr, stretched for n seeds (small_sample_stretch, theory.md §8.7): each end about the mean curve's own end
  // (its lr_low, lr_high), the centre of that end's resamples, so a bracket that every resample shares stays as it is.
  const double c = small_sample_stretch(n);
  const double q_lo = quantile(log_lows, 0.025), q_hi = quantile(log_highs, 0.975);
  e.lo = e.point.lr_low == 0 ? 0.0 : std::exp(stretch_lower(std::log(e.point.lr_low), q_lo, c));
  e.hi = std::isinf(e.point.lr_high) ? INFINITY : std::exp(stretch_upper(std::log(e.point.lr_high), q_hi, c));
  return e;
}

}  // namespace widthlab
