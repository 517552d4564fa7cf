// The Monte Carlo band of the optimal-lr exponent's interval (theory.md §8.7, §10.3): with optima known to their
// brackets only, the interval's ends come from the two side fits of censored_rate_fit (the slope's lowest and highest
// ends the brackets allow), and so do the ends of their Monte Carlo bands — not the point fit's band.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "transfer/lr_grid_fixture.h"
#include "widthlab/transfer.h"

namespace widthlab {
namespace {

using transfer_test::kWidths;
using transfer_test::lr_grid;

// losses[w][i][s]: a parabola in log lr around lrs[5] with per-seed noise `noise`; at the widths in `censored` every lr
// above lrs[5] diverges (so lr* is known to its bracket [lrs[4], lrs[6]] there).
std::vector<std::vector<std::vector<double>>> surface(const std::vector<bool>& censored, double noise) {
  const auto lrs = lr_grid();
  std::vector<std::vector<std::vector<double>>> L(kWidths.size());
  for (std::size_t w = 0; w < kWidths.size(); ++w) {
    L[w].assign(lrs.size(), std::vector<double>(5));
    for (std::size_t i = 0; i < lrs.size(); ++i)
      for (std::size_t s = 0; s < 5; ++s)
        L[w][i][s] =
            censored[w] && i >= 6
                ? std::numeric_limits<double>::infinity()
                : 0.1 + std::pow(std::log(lrs[i] / lrs[5]) - noise * std::sin(3.0 * double(w) + 1.7 * double(s)), 2);
  }
  return L;
}

// Every width censored, no noise: every resample of the side −1 fit has the slope −0.6 h / ln 2 and every one of the
// side +1 fit +0.6 h / ln 2 (transfer_analysis_test.cpp), so their bands are those values too. The point fit's
// slopes are all 0: a band taken from it would be [0, 0], inside the interval. B = 400: the band's ranks 10 − 7 and
// 390 + 7 lie inside the resamples (at B = 200 the upper one, 195 + 5, would not, and that end is +∞, rate_fit.h).
TEST(CensoredRateFitBand, TheBandEndsComeFromTheSideFits) {
  const MetricTransfer m = metric_transfer("train_loss", kWidths, lr_grid(), surface(std::vector<bool>(5, true), 0.0),
                                           {-0.25, 0.25, "test"}, 400);
  const double half = 0.6 * (std::log(10.0) / 3.0) / std::log(2.0);
  ASSERT_TRUE(m.fit.ok);
  EXPECT_NEAR(m.fit.slope, 0.0, 1e-12);
  EXPECT_NEAR(m.fit.ci_low, -half, 1e-9);
  EXPECT_NEAR(m.fit.ci_high, half, 1e-9);
  EXPECT_NEAR(m.fit.mc_low, -half, 1e-9);
  EXPECT_NEAR(m.fit.mc_high, half, 1e-9);
  EXPECT_EQ(m.fit.resamples, 400);
}

// Two censored widths among noisy interior optima: the resampled side-fit slopes vary, and each band lies outside
// the end of the same side fit (a band from the point fit would not, in general, contain the side fits' ends).
TEST(CensoredRateFitBand, TheBandContainsTheSideFitsInterval) {
  const MetricTransfer m = metric_transfer("train_loss", kWidths, lr_grid(),
                                           surface({true, false, false, false, true}, 0.6), {-0.25, 0.25, "test"}, 400);
  ASSERT_TRUE(m.fit.ok);
  ASSERT_TRUE(std::isfinite(m.fit.ci_low) && std::isfinite(m.fit.ci_high));
  EXPECT_LT(m.fit.mc_low, m.fit.ci_low);
  EXPECT_GT(m.fit.mc_high, m.fit.ci_high);
}

}  // namespace
}  // namespace widthlab
