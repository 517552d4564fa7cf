// Sample, normal and Student t quantiles and the small-sample stretch of percentile intervals (quantiles.h,
// theory.md §8.7).
#include "widthlab/quantiles.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace widthlab {

double quantile(std::vector<double> values, double p) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }), values.end());
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  const double pos = std::clamp(p, 0.0, 1.0) * double(values.size() - 1);
  const auto i = std::size_t(std::floor(pos));
  if (i + 1 >= values.size() || pos == double(i)) return values[i];
  const double a = values[i], b = values[i + 1];
  if (!std::isfinite(a) || !std::isfinite(b)) return p < 0.5 ? a : b;  // an unknown is never interpolated away
  return a + (pos - double(i)) * (b - a);
}

namespace {

// The x in [lo, hi] with cdf(x) = p, for an increasing cdf, by bisection to the last representable midpoint.
template <class Cdf>
double invert(const Cdf& cdf, double p, double lo, double hi) {
  for (int it = 0; it < 200; ++it) {
    const double mid = (lo + hi) / 2;
    if (mid == lo || mid == hi) break;
    (cdf(mid) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

// P(|T| ≤ t) for Student's t with integer df (Abramowitz & Stegun 26.7.3 odd df, 26.7.4 even df), θ = atan(t/√df):
// odd:  (2/π)(θ + sin θ cos θ Σ_{k=0}^{(df−3)/2} a_k cos^{2k} θ), a_0 = 1, a_k = a_{k−1} · 2k/(2k + 1);
// even: sin θ Σ_{k=0}^{(df−2)/2} b_k cos^{2k} θ,                  b_0 = 1, b_k = b_{k−1} · (2k − 1)/(2k).
double student_t_central(double t, std::size_t df) {
  const double theta = std::atan(t / std::sqrt(double(df))), c2 = std::pow(std::cos(theta), 2);
  double sum = 0, term = 1;
  if (df % 2 == 1) {
    for (std::size_t k = 0; 2 * k + 3 <= df; ++k) {
      if (k > 0) term *= c2 * double(2 * k) / double(2 * k + 1);
      sum += term;
    }
    return 2 / std::numbers::pi * (theta + std::sin(theta) * std::cos(theta) * sum);
  }
  for (std::size_t k = 0; 2 * k + 2 <= df; ++k) {
    if (k > 0) term *= c2 * double(2 * k - 1) / double(2 * k);
    sum += term;
  }
  return std::sin(theta) * sum;
}

}  // namespace

double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) return NAN;
  return invert([](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }, p, -40.0, 40.0);
}

double student_t_quantile(double p, std::size_t df) {
  if (!(p > 0 && p < 1) || df == 0) return NAN;
  if (p < 0.5) return -student_t_quantile(1 - p, df);
  const double central = 2 * p - 1;  // P(|T| ≤ t) at the quantile
  double hi = 1;
  while (student_t_central(hi, df) < central && hi < 1e300) hi *= 2;
  return invert([&](double t) { return student_t_central(t, df); }, central, 0.0, hi);
}

double small_sample_stretch(std::size_t units, double level) {
  if (units < 2 || !(level > 0 && level < 1)) return NAN;
  const double upper = (1 + level) / 2, n = double(units);
  return std::sqrt(n / (n - 1)) * student_t_quantile(upper, units - 1) / normal_quantile(upper);
}

double stretch_lower(double centre, double lo, double c) {
  if (!std::isfinite(centre) || !std::isfinite(c)) return NAN;
  return std::isnan(lo) ? lo : std::min(lo, centre + c * (lo - centre));
}

double stretch_upper(double centre, double hi, double c) {
  if (!std::isfinite(centre) || !std::isfinite(c)) return NAN;
  return std::isnan(hi) ? hi : std::max(hi, centre + c * (hi - centre));
}

void stretch_about(double estimate, double c, double& lo, double& hi) {
  lo = stretch_lower(estimate, lo, c);
  hi = stretch_upper(estimate, hi, c);
}

}  // namespace widthlab
