// quantiles.h against published values: numpy's linear quantile rule, the normal and Student t tables (Abramowitz &
// Stegun Table 26.10, to the digits printed there; scipy.stats where named), and the small-sample stretch from those.
#include "widthlab/quantiles.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace widthlab {
namespace {

TEST(Quantiles, SampleQuantileMatchesNumpysLinearRule) {
  // numpy.quantile([1, 2, 3, 4, 10], q): 0.025 → 1.1, 0.5 → 3, 0.975 → 9.4.
  const std::vector<double> v = {10, 2, 1, 4, 3, std::nan("")};
  EXPECT_NEAR(quantile(v, 0.025), 1.1, 1e-12);
  EXPECT_NEAR(quantile(v, 0.5), 3.0, 1e-12);
  EXPECT_NEAR(quantile(v, 0.975), 9.4, 1e-12);
  // ±∞ (an unknown resample at its end) stay and are never interpolated away; NaN is still left out.
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(quantile({-inf, 1, 2, 3, std::nan("")}, 0.025), -inf);
  EXPECT_EQ(quantile({1, 2, 3, inf}, 0.975), inf);
  EXPECT_NEAR(quantile({1, 2, 3, inf}, 0.025), 1.075, 1e-12);
  EXPECT_TRUE(std::isnan(quantile({std::nan("")}, 0.5)));
}

TEST(Quantiles, NormalQuantileMatchesTables) {
  EXPECT_NEAR(normal_quantile(0.975), 1.959964, 1e-6);
  EXPECT_NEAR(normal_quantile(0.995), 2.575829, 1e-6);
  EXPECT_NEAR(normal_quantile(0.9995), 3.290527, 1e-6);
  EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-12);
  EXPECT_NEAR(normal_quantile(0.025), -1.959964, 1e-6);
  EXPECT_TRUE(std::isnan(normal_quantile(0.0)));
  EXPECT_TRUE(std::isnan(normal_quantile(1.0)));
}

TEST(Quantiles, StudentTQuantileMatchesTables) {
  struct Row {
    double p;
    std::size_t df;
    double t;
  };
  // Two-sided 95 %, 99 %, 99.9 % columns of the t table (odd and even df take different sums).
  for (const Row r :
       {Row{0.975, 1, 12.706}, Row{0.975, 2, 4.303}, Row{0.975, 3, 3.182}, Row{0.975, 4, 2.776}, Row{0.975, 5, 2.571},
        Row{0.975, 9, 2.262}, Row{0.975, 10, 2.228}, Row{0.975, 30, 2.042}, Row{0.975, 120, 1.980},
        Row{0.995, 4, 4.604}, Row{0.995, 9, 3.250}, Row{0.9995, 2, 31.599}, Row{0.9995, 5, 6.869}, Row{0.99, 5, 3.365}})
    EXPECT_NEAR(student_t_quantile(r.p, r.df), r.t, 5e-4) << "p " << r.p << ", df " << r.df;
  EXPECT_NEAR(student_t_quantile(0.025, 4), -2.776, 5e-4);  // symmetric
  EXPECT_NEAR(student_t_quantile(0.5, 7), 0.0, 1e-12);
  // Many degrees of freedom: the normal's quantile, t = z + (z³ + z)/(4 df) + O(df⁻²).
  const double z = normal_quantile(0.975);
  EXPECT_NEAR(student_t_quantile(0.975, 5000), z + (z * z * z + z) / 20000, 1e-6);
  EXPECT_TRUE(std::isnan(student_t_quantile(0.975, 0)));
}

// c(n) = √(n/(n−1)) t(0.975, n−1) / z(0.975), from the table values above.
TEST(Quantiles, SmallSampleStretchFromTheTables) {
  EXPECT_NEAR(small_sample_stretch(3), std::sqrt(1.5) * 4.302653 / 1.959964, 1e-5);
  EXPECT_NEAR(small_sample_stretch(5), std::sqrt(1.25) * 2.776445 / 1.959964, 1e-5);
  EXPECT_NEAR(small_sample_stretch(10), std::sqrt(10.0 / 9) * 2.262157 / 1.959964, 1e-5);
  // At a Bonferroni level (1 − 0.05/20) the t tail is the heavier: t(0.99875, 9) = 4.145789, z = 3.023341
  // (scipy.stats.t.ppf, norm.ppf).
  EXPECT_NEAR(small_sample_stretch(10, 0.9975), std::sqrt(10.0 / 9) * 4.145789 / 3.023341, 1e-5);
  EXPECT_GT(small_sample_stretch(3), small_sample_stretch(5));
  EXPECT_NEAR(small_sample_stretch(100000), 1.0, 1e-4);
  EXPECT_TRUE(std::isnan(small_sample_stretch(1)));
}

TEST(Quantiles, StretchAboutKeepsInfiniteEndsAndNeverNarrows) {
  double lo = 0.8, hi = 1.1;
  stretch_about(1.0, 2.0, lo, hi);
  EXPECT_DOUBLE_EQ(lo, 0.6);
  EXPECT_DOUBLE_EQ(hi, 1.2);
  // A skewed bootstrap whose lower end lies above the estimate: that end stays.
  lo = 1.05, hi = 1.3;
  stretch_about(1.0, 2.0, lo, hi);
  EXPECT_DOUBLE_EQ(lo, 1.05);
  EXPECT_DOUBLE_EQ(hi, 1.6);
  lo = -INFINITY, hi = 2;
  stretch_about(1.0, 3.0, lo, hi);
  EXPECT_EQ(lo, -INFINITY);
  EXPECT_DOUBLE_EQ(hi, 4.0);
  lo = 0.5, hi = 1.5;
  stretch_about(NAN, 2.0, lo, hi);  // no estimate: no centre, no interval
  EXPECT_TRUE(std::isnan(lo) && std::isnan(hi));
}

}  // namespace
}  // namespace widthlab
