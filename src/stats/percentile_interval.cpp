// The percentile interval of a bootstrap's resampled statistics and its Monte Carlo band (verdicts.h, theory.md
// §8.7), shared by every claim's bootstrap and every rate fit; and an Estimate's widened and range-cut forms.
#include <algorithm>
#include <cmath>

#include "widthlab/verdicts.h"

namespace widthlab {

std::size_t mc_band_halfwidth(std::size_t resamples, double tail) {
  return std::size_t(std::ceil(1.96 * std::sqrt(double(resamples) * tail * (1 - tail))));
}

// The (1 − level)/2 and (1 + level)/2 order statistics (2.5 % and 97.5 % at 95 %) of the resampled statistics, with
// `unknown` resamples whose statistic is not finite counted at −∞ for the lower and at +∞ for the upper point (as
// every rate fit does, RateFit::ci_low): the interval does not condition on the statistic being finite, and it is
// unbounded once the unknown resamples reach the percentile's rank (about 2.5 % of them at 95 %). mc_lo / mc_hi are
// the order statistics m ranks further out (mc_band_halfwidth, clamped to the sample), counted the same way.
Estimate percentile_interval(std::vector<double> stats, std::size_t unknown, double level) {
  Estimate e;
  const std::size_t n = stats.size() + unknown;
  if (n == 0) return e;
  std::sort(stats.begin(), stats.end());
  auto rank = [&](double q) { return std::min(n - 1, std::size_t(q * double(n))); };
  auto lower = [&](std::size_t k) { return k < unknown ? -INFINITY : stats[k - unknown]; };
  auto upper = [&](std::size_t k) { return k < stats.size() ? stats[k] : INFINITY; };
  const std::size_t lo = rank((1 - level) / 2), hi = rank((1 + level) / 2);
  const std::size_t m = mc_band_halfwidth(n, (1 - level) / 2);
  e.lo = lower(lo);
  e.hi = upper(hi);
  e.mc_lo = lower(lo > m ? lo - m : 0);
  e.mc_hi = upper(std::min(n - 1, hi + m));
  e.resamples = int(n);
  return e;
}

Estimate within_range(Estimate e, double lo, double hi) {
  for (double* end : {&e.lo, &e.hi, &e.mc_lo, &e.mc_hi})
    if (!std::isnan(*end)) *end = std::clamp(*end, lo, hi);
  return e;
}

Estimate Estimate::widened() const { return has_mc_band() ? Estimate{value, mc_lo, mc_hi} : Estimate{value, lo, hi}; }

}  // namespace widthlab
