// asymptotic_verdict.h: an exponent predicted for d → ∞, judged over every width and checked over the widest widths.
#include "widthlab/asymptotic_verdict.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace widthlab {
namespace {

// asymptotic_exponent_verdict's cases on fits given directly (region [0.8, 1.2]).
TEST(AsymptoticVerdict, TheWidestWidthsConfirmOrSoftenTheVerdict) {
  const ClaimRegion region{0.8, 1.2, "test"};
  auto fit = [](double slope, double lo, double hi, int widths) {
    RateFit f;
    f.ok = true;
    f.slope = slope, f.ci_low = lo, f.ci_high = hi, f.widths_used = widths;
    return f;
  };
  const RateFit none;  // not fitted: fewer than 4 widths in all
  EXPECT_EQ(asymptotic_exponent_verdict(fit(0.5, 0.4, 0.6, 5), none, region, "x").verdict, Verdict::fails);
  EXPECT_EQ(asymptotic_exponent_verdict(fit(0.5, 0.4, 0.6, 5), fit(0.6, 0.5, 0.7, 3), region, "x").verdict,
            Verdict::fails);
  EXPECT_EQ(asymptotic_exponent_verdict(fit(0.5, 0.4, 0.6, 5), fit(0.7, 0.5, 0.9, 3), region, "x").verdict,
            Verdict::inconclusive);
  EXPECT_EQ(asymptotic_exponent_verdict(fit(1.0, 0.9, 1.1, 5), fit(1.0, 0.85, 1.15, 3), region, "x").verdict,
            Verdict::holds);
  EXPECT_EQ(asymptotic_exponent_verdict(fit(1.0, 0.9, 1.1, 5), fit(1.0, 0.7, 1.3, 3), region, "x").verdict,
            Verdict::holds);
  const VerdictResult drift = asymptotic_exponent_verdict(fit(1.0, 0.9, 1.1, 5), fit(1.5, 1.3, 1.7, 3), region, "x");
  EXPECT_EQ(drift.verdict, Verdict::inconclusive);
  EXPECT_NE(drift.detail.find("drifts out"), std::string::npos) << drift.detail;
  EXPECT_EQ(asymptotic_exponent_verdict(fit(1.0, 0.5, 1.5, 5), fit(1.5, 1.3, 1.7, 3), region, "x").verdict,
            Verdict::inconclusive);
  EXPECT_EQ(asymptotic_exponent_verdict(fit(1.0, 0.9, 1.1, 2), none, region, "x").verdict,
            Verdict::inconclusive);  // 2 widths
  EXPECT_EQ(widest_width_count(3), 3);
  EXPECT_EQ(widest_width_count(4), 3);
  EXPECT_EQ(widest_width_count(5), 3);
  EXPECT_EQ(widest_width_count(7), 4);
  EXPECT_EQ(widest_width_count(10), 5);
  EXPECT_TRUE(widest_width_indices({128, 256, 512}).empty());
  // 512, 1024, 2048 of an unsorted list, widest last
  EXPECT_EQ(widest_width_indices({1024, 128, 2048, 256, 512}), (std::vector<std::size_t>{4, 0, 2}));
}

}  // namespace
}  // namespace widthlab
