// asymptotic_verdict.h: an exponent predicted for d → ∞, judged over every width and checked against the
// narrowest and the widest widths (theory.md §10.3). Fits are given directly; the region is [0.8, 1.2].
#include "widthlab/asymptotic_verdict.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace widthlab {
namespace {

const ClaimRegion kRegion{0.8, 1.2, "test"};

RateFit fit(double slope, double lo, double hi, int widths) {
  RateFit f;
  f.ok = true;
  f.slope = slope, f.ci_low = lo, f.ci_high = hi, f.widths_used = widths;
  return f;
}

Verdict judge(const RateFit& all, const RateFit& narrowest, const RateFit& widest) {
  return asymptotic_exponent_verdict(all, narrowest, widest, kRegion, "x").verdict;
}

const RateFit kNone;  // not fitted (fewer than 4 widths in all)

TEST(AsymptoticVerdict, ASettledExponentKeepsItsVerdict) {
  EXPECT_EQ(judge(fit(0.5, 0.4, 0.6, 5), kNone, kNone), Verdict::fails);
  EXPECT_EQ(judge(fit(0.5, 0.4, 0.6, 5), fit(0.5, 0.4, 0.6, 3), fit(0.55, 0.45, 0.65, 3)), Verdict::fails);
  EXPECT_EQ(judge(fit(1.0, 0.9, 1.1, 5), fit(1.0, 0.85, 1.15, 3), fit(1.0, 0.85, 1.15, 3)), Verdict::holds);
  EXPECT_EQ(judge(fit(1.0, 0.9, 1.1, 5), kNone, fit(1.0, 0.85, 1.15, 3)), Verdict::holds);  // both inside
  EXPECT_EQ(judge(fit(1.0, 0.9, 1.1, 2), kNone, kNone), Verdict::inconclusive);             // 2 widths: no test
}

TEST(AsymptoticVerdict, AFailureTheWidestWidthsDoNotConfirmIsInconclusive) {
  const VerdictResult v =
      asymptotic_exponent_verdict(fit(0.5, 0.4, 0.6, 5), kNone, fit(0.7, 0.5, 0.9, 3), kRegion, "x");
  EXPECT_EQ(v.verdict, Verdict::inconclusive);
  EXPECT_NE(v.detail.find("pre-asymptotic"), std::string::npos) << v.detail;
}

// Outside the region [−0.2, 0.2] over both ranges, but moving toward it: the narrowest widths' −0.9 [−0.95, −0.85]
// and the widest widths' −0.55 [−0.6, −0.5] are disjoint, and −0.55 lies nearer the region (the shape measured for
// MF's second hidden layer at depth 2: docs/measurements/mf_deep_step/).
TEST(AsymptoticVerdict, AnExponentStillMovingTowardTheRegionIsNotAFailure) {
  const ClaimRegion zero{-0.2, 0.2, "test"};
  const VerdictResult v = asymptotic_exponent_verdict(fit(-0.75, -0.8, -0.7, 5), fit(-0.9, -0.95, -0.85, 3),
                                                      fit(-0.55, -0.6, -0.5, 3), zero, "x");
  EXPECT_EQ(v.verdict, Verdict::inconclusive);
  EXPECT_NE(v.detail.find("still moves toward the region"), std::string::npos) << v.detail;
  // Moving away from the region (or overlapping intervals): the failure stands.
  EXPECT_EQ(asymptotic_exponent_verdict(fit(-0.75, -0.8, -0.7, 5), fit(-0.55, -0.6, -0.5, 3),
                                        fit(-0.9, -0.95, -0.85, 3), zero, "x")
                .verdict,
            Verdict::fails);
  EXPECT_EQ(asymptotic_exponent_verdict(fit(-0.75, -0.8, -0.7, 5), fit(-0.8, -0.95, -0.6, 3),
                                        fit(-0.7, -0.85, -0.55, 3), zero, "x")
                .verdict,
            Verdict::fails);
}

// A hold needs the widest widths' interval inside the region too, as a failure needs it outside: a widest-widths
// interval that straddles the region's edge leaves the asymptotic exponent undecided.
TEST(AsymptoticVerdict, AHoldTheWidestWidthsDoNotConfirmIsInconclusive) {
  const VerdictResult v =
      asymptotic_exponent_verdict(fit(1.0, 0.9, 1.1, 5), kNone, fit(1.0, 0.7, 1.3, 3), kRegion, "x");
  EXPECT_EQ(v.verdict, Verdict::inconclusive);
  EXPECT_NE(v.detail.find("do not confirm"), std::string::npos) << v.detail;
  EXPECT_EQ(judge(fit(1.0, 0.9, 1.1, 5), fit(1.0, 0.7, 1.3, 3), fit(1.1, 1.0, 1.19, 3)), Verdict::holds);
}

TEST(AsymptoticVerdict, AHoldThatDriftsOrMovesAwayIsInconclusive) {
  const VerdictResult drift =
      asymptotic_exponent_verdict(fit(1.0, 0.9, 1.1, 5), kNone, fit(1.5, 1.3, 1.7, 3), kRegion, "x");
  EXPECT_EQ(drift.verdict, Verdict::inconclusive);
  EXPECT_NE(drift.detail.find("drifts out"), std::string::npos) << drift.detail;
  const VerdictResult away = asymptotic_exponent_verdict(fit(1.0, 0.9, 1.1, 5), fit(0.9, 0.85, 0.95, 3),
                                                         fit(1.25, 1.15, 1.35, 3), kRegion, "x");
  EXPECT_EQ(away.verdict, Verdict::inconclusive);
  EXPECT_NE(away.detail.find("moves away"), std::string::npos) << away.detail;
  // Inside the region at both ends (disjoint intervals, both 0 outside): no movement relative to the region.
  EXPECT_EQ(judge(fit(1.0, 0.95, 1.05, 5), fit(0.9, 0.85, 0.95, 3), fit(1.1, 1.05, 1.15, 3)), Verdict::holds);
}

TEST(AsymptoticVerdict, WidthHalves) {
  EXPECT_EQ(widest_width_count(3), 3);
  EXPECT_EQ(widest_width_count(4), 3);
  EXPECT_EQ(widest_width_count(5), 3);
  EXPECT_EQ(widest_width_count(7), 4);
  EXPECT_EQ(widest_width_count(10), 5);
  EXPECT_TRUE(width_halves({128, 256, 512}).widest.empty());
  const WidthHalves h = width_halves({1024, 128, 2048, 256, 512});  // unsorted on purpose
  EXPECT_EQ(h.narrowest, (std::vector<std::size_t>{1, 3, 4}));      // 128, 256, 512
  EXPECT_EQ(h.widest, (std::vector<std::size_t>{4, 0, 2}));         // 512, 1024, 2048
}

}  // namespace
}  // namespace widthlab
