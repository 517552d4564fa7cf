// jackknife_two_samples (verdicts.h) against closed forms: for a difference of means the delete-one jackknife
// variance of each sample is exactly s²/n, so the interval is Welch's t interval (variance s_a²/n_a + s_b²/n_b,
// Welch–Satterthwaite degrees of freedom, rounded down).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "widthlab/verdicts.h"

using namespace widthlab;

namespace {

double mean_at(const std::vector<double>& x, const std::vector<std::size_t>& idx) {
  double s = 0;
  for (auto i : idx) s += x[i];
  return s / double(idx.size());
}

double sample_var(const std::vector<double>& x) {
  const double m = std::accumulate(x.begin(), x.end(), 0.0) / double(x.size());
  double ss = 0;
  for (double v : x) ss += (v - m) * (v - m);
  return ss / double(x.size() - 1);
}

}  // namespace

TEST(JackknifeTwoSamples, DifferenceOfMeansIsWelchsInterval) {
  const std::vector<double> a = {1.0, 2.5, 0.5, 3.0, 2.0, 1.5, 4.0};
  const std::vector<double> b = {0.2, -0.4, 1.1, 0.3};
  const Estimate e = jackknife_two_samples(
      a.size(), b.size(), [&](const auto& ia, const auto& ib) { return mean_at(a, ia) - mean_at(b, ib); });
  const double va = sample_var(a) / double(a.size()), vb = sample_var(b) / double(b.size());
  const double df = (va + vb) * (va + vb) / (va * va / double(a.size() - 1) + vb * vb / double(b.size() - 1));
  ASSERT_GT(df, 8.0);  // this data: ν = 8.98, rounded down to 8 (t(0.975, 8) = 2.306004)
  ASSERT_LT(df, 9.0);
  EXPECT_NEAR(e.value, 14.5 / 7 - 1.2 / 4, 1e-12);
  EXPECT_NEAR(e.hi - e.value, 2.306004 * std::sqrt(va + vb), 1e-6);
  EXPECT_NEAR(e.value - e.lo, 2.306004 * std::sqrt(va + vb), 1e-6);
}

TEST(JackknifeTwoSamples, OneSecondSampleIsTheOneSampleJackknife) {
  const std::vector<double> a = {1.0, 2.5, 0.5, 3.0, 2.0};
  const Estimate two = jackknife_two_samples(a.size(), 1, [&](const auto& ia, const auto& ib) {
    EXPECT_EQ(ib.size(), 1u);
    return mean_at(a, ia);
  });
  const Estimate one = jackknife_seeds(a.size(), [&](const auto& ia) { return mean_at(a, ia); });
  EXPECT_DOUBLE_EQ(two.value, one.value);
  EXPECT_DOUBLE_EQ(two.lo, one.lo);
  EXPECT_DOUBLE_EQ(two.hi, one.hi);
  EXPECT_NEAR(one.hi - one.value, 2.776445 * std::sqrt(sample_var(a) / 5.0), 1e-6);  // t(0.975, 4)
}

TEST(JackknifeTwoSamples, TooFewSeedsOrANonFiniteValueGiveNoInterval) {
  auto mean_diff = [](const auto& ia, const auto& ib) { return double(ia.size()) - double(ib.size()); };
  EXPECT_TRUE(std::isnan(jackknife_two_samples(2, 5, mean_diff).lo));
  EXPECT_TRUE(std::isnan(jackknife_two_samples(5, 0, mean_diff).value));
  const Estimate inf = jackknife_two_samples(5, 3, [](const auto& ia, const auto&) {
    return ia.size() == 5 ? 1.0 : -INFINITY;  // a leave-one-out value that is not finite
  });
  EXPECT_DOUBLE_EQ(inf.value, 1.0);
  EXPECT_TRUE(std::isnan(inf.lo));
  EXPECT_TRUE(std::isnan(inf.hi));
}
