// The delete-one jackknife intervals of verdicts.h (theory.md §8.7): for statistics that estimate a spread across
// seeds, which a bootstrap would bias (repeated seeds shrink the fitted spread). Apart from verdicts.cpp's bootstraps.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "widthlab/quantiles.h"
#include "widthlab/verdicts.h"

namespace widthlab {

namespace {
std::vector<std::size_t> all_but(std::size_t n, std::size_t drop) {
  std::vector<std::size_t> v;
  for (std::size_t i = 0; i < n; ++i)
    if (i != drop) v.push_back(i);
  return v;
}

// (n − 1)/n Σ (θ_(i) − θ̄)² of leave-one-out values; NaN when one is not finite.
double jackknife_variance(const std::vector<double>& loo) {
  for (double x : loo)
    if (!std::isfinite(x)) return NAN;
  const double n = double(loo.size()), mean = std::accumulate(loo.begin(), loo.end(), 0.0) / n;
  double ss = 0;
  for (double x : loo) ss += (x - mean) * (x - mean);
  return (n - 1) / n * ss;
}
}  // namespace

Estimate jackknife_two_samples(std::size_t n_a, std::size_t n_b, const TwoSampleStatistic& stat) {
  Estimate e;
  if (n_b == 0) return e;
  const std::vector<std::size_t> all_a = all_but(n_a, n_a), all_b = all_but(n_b, n_b);
  e.value = stat(all_a, all_b);
  if (n_a < 3 || !std::isfinite(e.value)) return e;
  std::vector<double> loo_a, loo_b;
  for (std::size_t i = 0; i < n_a; ++i) loo_a.push_back(stat(all_but(n_a, i), all_b));
  for (std::size_t j = 0; n_b >= 2 && j < n_b; ++j) loo_b.push_back(stat(all_a, all_but(n_b, j)));
  const double var_a = jackknife_variance(loo_a);
  const double var_b = n_b >= 2 ? jackknife_variance(loo_b) : 0.0;
  if (!std::isfinite(var_a) || !std::isfinite(var_b)) return e;
  const double var = var_a + var_b;
  double df = double(n_a - 1);
  if (var_b > 0) df = var * var / (var_a * var_a / double(n_a - 1) + var_b * var_b / double(n_b - 1));
  const double half = student_t_quantile(0.975, std::max<std::size_t>(1, std::size_t(std::floor(df)))) * std::sqrt(var);
  e.lo = e.value - half;
  e.hi = e.value + half;
  return e;
}

// The one-sample jackknife is the two-sample one with a single second seed (whose jackknife part is empty).
Estimate jackknife_seeds(std::size_t n_seeds, const std::function<double(const std::vector<std::size_t>&)>& stat) {
  return jackknife_two_samples(
      n_seeds, 1, [&](const std::vector<std::size_t>& a, const std::vector<std::size_t>&) { return stat(a); });
}

}  // namespace widthlab
