// Verdict functions of `widthlab reproduce` (reproduce.h): pure functions of the measured numbers.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "widthlab/rate_fit.h"
#include "widthlab/reproduce.h"
#include "widthlab/rng.h"

namespace widthlab {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::holds: return "holds";
    case Verdict::fails: return "does not hold";
    case Verdict::inconclusive: return "inconclusive";
  }
  return "?";
}

namespace {

std::string num(double v) {
  if (std::isnan(v)) return "diverged";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", v);
}

std::string width_name(double w) {
  double l = std::log2(w);
  if (w > 0 && std::abs(l - std::round(l)) < 1e-9 && w >= 64) return fmt::format("2^{}", int(std::round(l)));
  return fmt::format("{:g}", w);
}

struct Finite {
  std::vector<double> x, y;  // log2 width, value
};
Finite finite_points(const std::vector<double>& widths, const std::vector<double>& values) {
  Finite f;
  for (std::size_t i = 0; i < widths.size() && i < values.size(); ++i)
    if (std::isfinite(values[i]) && widths[i] > 0) {
      f.x.push_back(std::log2(widths[i]));
      f.y.push_back(values[i]);
    }
  return f;
}

double slope_of(const Finite& f) {
  std::vector<double> x = f.x;
  std::sort(x.begin(), x.end());
  if (f.x.size() < 2 || x.front() == x.back()) return std::nan("");
  return ols_slope(f.x, f.y);
}

VerdictResult make(Verdict v, std::string detail) { return {v, std::move(detail)}; }

}  // namespace

VerdictResult verdict_flat(const std::vector<double>& widths, const std::vector<double>& values, double tol) {
  if (values.size() != widths.size() || values.size() < 2 || !std::isfinite(values[0]))
    return make(Verdict::inconclusive, "fewer than 2 widths with a finite reference value");
  double worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 1; i < values.size(); ++i) {
    if (!std::isfinite(values[i]))
      return make(Verdict::fails, fmt::format("diverged at width {}", width_name(widths[i])));
    double dev = std::abs(values[i] - values[0]);
    if (dev > worst) worst = dev, at = i;
  }
  std::string d = fmt::format("reference {} at {}; largest deviation {} at {} (tolerance {})", num(values[0]),
                              width_name(widths[0]), num(worst), width_name(widths[at]), num(tol));
  return make(worst <= tol ? Verdict::holds : Verdict::fails, d);
}

VerdictResult verdict_drifts(const std::vector<double>& widths, const std::vector<double>& values, double min_change,
                             int direction) {
  Finite f = finite_points(widths, values);
  if (f.y.size() < 3 || widths.empty() || !std::isfinite(values.front()) || !std::isfinite(values.back()))
    return make(Verdict::inconclusive, "fewer than 3 finite widths (or a diverged end point)");
  double change = values.back() - values.front();
  double slope = slope_of(f);
  std::string d = fmt::format("{} at {} → {} at {} (change {:+.4g}, needed ≥ {}{}); trend {:+.3g} per doubling",
                              num(values.front()), width_name(widths.front()), num(values.back()),
                              width_name(widths.back()), change, num(min_change),
                              direction > 0   ? ", upward"
                              : direction < 0 ? ", downward"
                                              : "",
                              slope);
  bool ok = std::abs(change) >= min_change && std::isfinite(slope) && slope * change > 0;
  if (direction != 0 && change * direction <= 0) ok = false;
  return make(ok ? Verdict::holds : Verdict::fails, d);
}

VerdictResult verdict_blows_up(const std::vector<double>& widths, const std::vector<double>& values, double factor,
                               double min_rise) {
  if (values.empty() || values.size() != widths.size()) return make(Verdict::inconclusive, "no widths");
  double last = values.back();
  double mn = INFINITY;
  std::size_t at = 0;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (std::isfinite(values[i]) && values[i] < mn) mn = values[i], at = i;
  if (!std::isfinite(last))
    return make(Verdict::holds, fmt::format("diverged at the largest width {}", width_name(widths.back())));
  if (!std::isfinite(mn)) return make(Verdict::inconclusive, "no finite value");
  bool ok = last >= factor * mn && last >= mn + min_rise;
  return make(ok ? Verdict::holds : Verdict::fails,
              fmt::format("minimum {} at {}; {} at the largest width {} (needed ≥ {}× and ≥ +{})", num(mn),
                          width_name(widths[at]), num(last), width_name(widths.back()), num(factor), num(min_rise)));
}

VerdictResult verdict_close(double measured, double theory, double tol, const std::string& what) {
  if (!std::isfinite(measured))
    return make(Verdict::inconclusive, fmt::format("{}: not measurable ({})", what, num(measured)));
  double dev = measured - theory;
  return make(
      std::abs(dev) <= tol ? Verdict::holds : Verdict::fails,
      fmt::format("{} {} vs {} (off by {:+.3g}, tolerance {})", what, num(measured), num(theory), dev, num(tol)));
}

VerdictResult verdict_approaches(const std::vector<double>& widths, const std::vector<double>& values, double target,
                                 double shrink) {
  std::vector<double> dist(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) dist[i] = std::abs(values[i] - target);
  Finite f = finite_points(widths, dist);
  if (f.y.size() < 2 || !std::isfinite(dist.front()) || !std::isfinite(dist.back()))
    return make(Verdict::inconclusive, "fewer than 2 finite widths (or a diverged end point)");
  double slope = slope_of(f);
  bool ok = dist.back() <= shrink * dist.front() && std::isfinite(slope) && slope < 0;
  return make(
      ok ? Verdict::holds : Verdict::fails,
      fmt::format("distance to {} {} at {} → {} at {} (ratio {:.3g}, needed ≤ {}); trend {:+.3g} per "
                  "doubling",
                  num(target), num(dist.front()), width_name(widths.front()), num(dist.back()),
                  width_name(widths.back()), dist.front() > 0 ? dist.back() / dist.front() : NAN, num(shrink), slope));
}

VerdictResult verdict_below(const std::vector<double>& widths, const std::vector<double>& values, double target,
                            double margin) {
  Finite f = finite_points(widths, values);
  if (f.y.empty()) return make(Verdict::inconclusive, "no finite value");
  double mx = -INFINITY;
  std::size_t at = 0;
  bool diverged = false;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i]))
      diverged = true;
    else if (values[i] > mx)
      mx = values[i], at = i;
  }
  bool ok = !diverged && mx <= target - margin;
  return make(ok ? Verdict::holds : Verdict::fails,
              fmt::format("largest {} at {}{} (needed ≤ {} − {} = {})", num(mx), width_name(widths[at]),
                          diverged ? "; a run diverged" : "", num(target), num(margin), num(target - margin)));
}

VerdictResult verdict_less(double a, double b, double margin, const std::string& name_a, const std::string& name_b) {
  if (!std::isfinite(a) || !std::isfinite(b))
    return make(Verdict::inconclusive, fmt::format("{} = {}, {} = {}", name_a, num(a), name_b, num(b)));
  return make(a < b - margin ? Verdict::holds : Verdict::fails,
              fmt::format("{} = {} vs {} = {} (needed {} < {} − {})", name_a, num(a), name_b, num(b), name_a, name_b,
                          num(margin)));
}

VerdictResult verdict_slope(const std::vector<double>& widths, const std::vector<double>& values, double exponent,
                            double tol) {
  std::vector<double> x, y;
  for (std::size_t i = 0; i < widths.size() && i < values.size(); ++i)
    if (std::isfinite(values[i]) && values[i] > 0 && widths[i] > 0) {
      x.push_back(std::log(widths[i]));
      y.push_back(std::log(values[i]));
    }
  std::vector<double> xs = x;
  std::sort(xs.begin(), xs.end());
  if (x.size() < 2 || xs.front() == xs.back())
    return make(Verdict::inconclusive, "fewer than 2 widths with a positive finite value");
  double s = ols_slope(x, y);
  return make(
      std::abs(s - exponent) <= tol ? Verdict::holds : Verdict::fails,
      fmt::format("fitted exponent {:+.3f} over {} widths vs {:+.3f} (tolerance {})", s, x.size(), exponent, num(tol)));
}

VerdictResult verdict_in_region(const Estimate& e, const ClaimRegion& region, const std::string& what) {
  const std::string where = fmt::format("{} {} [{}, {}] vs region [{}, {}] ({})", what, num(e.value), num(e.lo),
                                        num(e.hi), num(region.lo), num(region.hi), region.source);
  if (!std::isfinite(e.value) || !std::isfinite(e.lo) || !std::isfinite(e.hi))
    return make(Verdict::inconclusive, where + ": no finite interval");
  if (e.lo >= region.lo && e.hi <= region.hi) return make(Verdict::holds, where);
  if (e.hi < region.lo || e.lo > region.hi) return make(Verdict::fails, where);
  return make(Verdict::inconclusive, where + ": the interval straddles the region's edge");
}

Estimate bootstrap_mean(const std::vector<double>& per_seed, int resamples, std::uint64_t seed) {
  std::vector<double> v;
  for (double x : per_seed)
    if (std::isfinite(x)) v.push_back(x);
  Estimate e;
  if (v.empty()) return e;
  e.value = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
  if (v.size() < 2 || resamples < 1) return e;
  Rng rng = make_rng(seed, 0x626f6f74 /* "boot" */);
  std::uniform_int_distribution<std::size_t> pick(0, v.size() - 1);
  std::vector<double> means(static_cast<std::size_t>(resamples));
  for (auto& m : means) {
    double s = 0;
    for (std::size_t i = 0; i < v.size(); ++i) s += v[pick(rng)];
    m = s / double(v.size());
  }
  std::sort(means.begin(), means.end());
  auto at = [&](double q) { return means[std::min(means.size() - 1, std::size_t(q * double(means.size())))]; };
  e.lo = at(0.025);
  e.hi = at(0.975);
  return e;
}

Estimate bootstrap_paired_difference(const std::vector<double>& a, const std::vector<double>& b, int resamples,
                                     std::uint64_t seed) {
  std::vector<double> d;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (std::isfinite(a[i]) && std::isfinite(b[i])) d.push_back(a[i] - b[i]);
  return bootstrap_mean(d, resamples, seed);
}

}  // namespace widthlab
