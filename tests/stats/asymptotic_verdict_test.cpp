// asymptotic_verdict.h: an exponent predicted for d → ∞, judged over every width and checked against the
// narrowest and the widest widths (theory.md §10.3). Fits are given directly; the region is [0.8, 1.2].
#include "widthlab/asymptotic_verdict.h"

#include <gtest/gtest.h>

#include <cmath>
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
  // 3 widths: no re-fit. A hold stands; a failure cannot, nothing bounding its approach to the region (§10.3).
  EXPECT_EQ(judge(fit(1.0, 0.9, 1.1, 3), kNone, kNone), Verdict::holds);
  const VerdictResult three = asymptotic_exponent_verdict(fit(0.3, 0.25, 0.35, 3), kNone, kNone, kRegion, "x");
  EXPECT_EQ(three.verdict, Verdict::inconclusive);
  EXPECT_NE(three.detail.find("3 widths give no re-fits"), std::string::npos) << three.detail;
  // Outside [0.8, 1.2] by 0.43 at the widest widths; the most the intervals let it rise from the narrowest to the
  // widest widths is 0.37 − 0.25 = 0.12 < 0.43: settled.
  EXPECT_EQ(judge(fit(0.3, 0.25, 0.35, 5), fit(0.3, 0.25, 0.35, 3), fit(0.32, 0.27, 0.37, 3)), Verdict::fails);
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
  // Moving away from the region, or overlapping intervals that bound the rise toward it: the failure stands. The
  // largest rise the intervals allow (widest upper end − narrowest lower end) must stay below the widest widths'
  // distance to the region (theory.md §10.3).
  EXPECT_EQ(asymptotic_exponent_verdict(fit(-0.75, -0.8, -0.7, 5), fit(-0.55, -0.6, -0.5, 3),
                                        fit(-0.9, -0.95, -0.85, 3), zero, "x")
                .verdict,
            Verdict::fails);
  EXPECT_EQ(asymptotic_exponent_verdict(fit(-0.75, -0.8, -0.7, 5), fit(-0.8, -0.9, -0.7, 3),
                                        fit(-0.78, -0.88, -0.68, 3), zero, "x")
                .verdict,
            Verdict::fails);  // rise ≤ −0.68 + 0.9 = 0.22 < 0.48 = −0.2 + 0.68
  // Overlapping but wide: the rise may be −0.55 + 0.95 = 0.4, more than the 0.35 left to the region. No movement is
  // shown, and none is ruled out either: not settled.
  const VerdictResult open = asymptotic_exponent_verdict(fit(-0.75, -0.8, -0.7, 5), fit(-0.8, -0.95, -0.6, 3),
                                                         fit(-0.7, -0.85, -0.55, 3), zero, "x");
  EXPECT_EQ(open.verdict, Verdict::inconclusive);
  EXPECT_NE(open.detail.find("not settled"), std::string::npos) << open.detail;
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

// Audit: with 6 widths whose 3 widest had no finite values (the optimum off the lr grid, or NaN coordinate values),
// the re-fit over the widest half had no fit and was ignored, so the fit over the 3 narrowest widths "held" for the
// asymptotic exponent. theory.md §10.3: with 4 or more widths both verdicts need the widest widths to agree, so a
// widest-half re-fit that is not ok, has fewer than 3 widths or has no finite interval makes the verdict inconclusive.
namespace {
const std::vector<double> kSix = {64, 128, 256, 512, 1024, 2048};

// values(w, s) = w^p · (1 + 0.01 s) at the widths whose `has` is true, NaN elsewhere: every seed lies on the same
// power law, so every resample's slope is p and the interval [p, p] (5 seeds).
MatrixD power_law(const std::vector<double>& widths, double p, const std::vector<bool>& has) {
  MatrixD v(Eigen::Index(widths.size()), 5);
  for (std::size_t w = 0; w < widths.size(); ++w)
    for (int s = 0; s < 5; ++s) v(Eigen::Index(w), s) = has[w] ? std::pow(widths[w], p) * (1 + 0.01 * s) : NAN;
  return v;
}

// The fit over the widths `idx` (rows of v), as the coordinate check makes its re-fits (coord_check.cpp).
RateFit fit_over(const std::vector<double>& widths, const MatrixD& v, const std::vector<std::size_t>& idx) {
  std::vector<double> ws;
  MatrixD sub(Eigen::Index(idx.size()), v.cols());
  for (std::size_t k = 0; k < idx.size(); ++k)
    ws.push_back(widths[idx[k]]), sub.row(Eigen::Index(k)) = v.row(Eigen::Index(idx[k]));
  return fit_rate_mean(ws, sub);
}

// The fits over every width and over each half, as the coordinate check makes them (coord_check.cpp).
VerdictResult judge_sweep(const std::vector<double>& widths, const MatrixD& v, const ClaimRegion& region) {
  const WidthHalves h = width_halves(widths);
  auto over = [&](const std::vector<std::size_t>& idx) { return fit_over(widths, v, idx); };
  const RateFit all = fit_rate_mean(widths, v);
  return h.widest.empty() ? asymptotic_exponent_verdict(all, kNone, kNone, region, "x")
                          : asymptotic_exponent_verdict(all, over(h.narrowest), over(h.widest), region, "x");
}
}  // namespace

TEST(AsymptoticVerdict, WidestWidthsWithoutValuesLeaveTheVerdictOpen) {
  const ClaimRegion around_half{-0.7, -0.3, "test"};
  // The 3 narrowest widths on d^−0.5 (inside the region), the 3 widest NaN: the fit over every width uses 3 widths
  // and would hold; the widest half {512, 1024, 2048} has no fit.
  const VerdictResult v =
      judge_sweep(kSix, power_law(kSix, -0.5, {true, true, true, false, false, false}), around_half);
  EXPECT_EQ(v.verdict, Verdict::inconclusive) << v.detail;
  EXPECT_NE(v.detail.find("widest 3 of the 6 widths"), std::string::npos) << v.detail;
  EXPECT_NE(v.detail.find("512, 1024, 2048"), std::string::npos) << v.detail;  // which widths lacked values
  // The same for a failure (region [0.8, 1.2], exponent −0.5): the widest widths cannot confirm it either.
  EXPECT_EQ(judge_sweep(kSix, power_law(kSix, -0.5, {true, true, true, false, false, false}), kRegion).verdict,
            Verdict::inconclusive);
  // Only the widest width NaN: the widest half keeps 2 widths, fewer than 3: inconclusive as well.
  const VerdictResult two =
      judge_sweep(kSix, power_law(kSix, -0.5, {true, true, true, true, true, false}), around_half);
  EXPECT_EQ(two.verdict, Verdict::inconclusive) << two.detail;
  EXPECT_NE(two.detail.find("2048"), std::string::npos) << two.detail;
  // Every width with values: the widest half agrees and the verdict stands.
  EXPECT_EQ(judge_sweep(kSix, power_law(kSix, -0.5, std::vector<bool>(6, true)), around_half).verdict, Verdict::holds);
  // With 3 widths there is no re-fit: the fit over every width stands.
  const std::vector<double> three = {64, 128, 256};
  EXPECT_EQ(judge_sweep(three, power_law(three, -0.5, {true, true, true}), around_half).verdict, Verdict::holds);
}

// A widest-half re-fit over 3 widths whose interval is unbounded (its resamples' statistic mostly unusable) cannot
// confirm a hold or a failure over 5 widths either. An unusable narrowest half leaves a hold to the widest widths, but
// cannot bound a failure's approach to the region.
TEST(AsymptoticVerdict, AWidestRefitWithoutAFiniteIntervalLeavesTheVerdictOpen) {
  const RateFit open = fit(1.0, -INFINITY, INFINITY, 3);
  const VerdictResult v = asymptotic_exponent_verdict(fit(1.0, 0.9, 1.1, 5), kNone, open, kRegion, "x");
  EXPECT_EQ(v.verdict, Verdict::inconclusive);
  EXPECT_NE(v.detail.find("no finite interval"), std::string::npos) << v.detail;
  EXPECT_EQ(judge(fit(0.5, 0.4, 0.6, 5), kNone, open), Verdict::inconclusive);
  EXPECT_EQ(judge(fit(0.5, 0.4, 0.6, 5), kNone, kNone), Verdict::inconclusive);  // 5 widths and no re-fit at all
  EXPECT_EQ(judge(fit(1.0, 0.9, 1.1, 5), open, fit(1.0, 0.85, 1.15, 3)), Verdict::holds);
  EXPECT_EQ(judge(fit(0.3, 0.25, 0.35, 5), fit(0.3, 0.25, 0.35, 3), fit(0.32, 0.27, 0.37, 3)), Verdict::fails);
  const VerdictResult unbounded =
      asymptotic_exponent_verdict(fit(0.3, 0.25, 0.35, 5), open, fit(0.32, 0.27, 0.37, 3), kRegion, "x");
  EXPECT_EQ(unbounded.verdict, Verdict::inconclusive);
  EXPECT_NE(unbounded.detail.find("nothing bounds"), std::string::npos) << unbounded.detail;
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

// Each seed s has its own exponent p + δ_s at every width (values w^(p + δ_s)): a resample's slope is p + the mean
// of its δs over either half, so the two halves' slopes are equal resample by resample and the change between them is
// exactly 0 — while each half's interval is as wide as the δs' spread. Paired over the common resamples
// (rate_fit.h keeps them), the change is bounded by 0 and the failure stands; bounded only by the two intervals
// (resamples not kept), the rise they allow reaches the region and the failure is not settled.
TEST(AsymptoticVerdict, TheChangeBetweenHalvesIsPairedOverTheCommonResamples) {
  const std::vector<double> widths = {64, 128, 256, 512, 1024, 2048};
  const std::vector<double> delta = {-0.2, -0.1, 0.0, 0.1, 0.2};
  MatrixD v(Eigen::Index(widths.size()), Eigen::Index(delta.size()));
  for (std::size_t w = 0; w < widths.size(); ++w)
    for (std::size_t s = 0; s < delta.size(); ++s)
      v(Eigen::Index(w), Eigen::Index(s)) = std::pow(widths[w], 0.3 + delta[s]);
  const WidthHalves h = width_halves(widths);
  const RateFit all = fit_rate_mean(widths, v);
  RateFit narrowest = fit_over(widths, v, h.narrowest), widest = fit_over(widths, v, h.widest);
  ASSERT_EQ(narrowest.resampled_slopes.size(), widest.resampled_slopes.size());
  // Preconditions of the scenario: everything outside [0.8, 1.2], and the intervals wide enough that their bound on the
  // rise (widest upper end − narrowest lower end) exceeds the widest widths' distance to the region.
  ASSERT_LT(all.mc_high, kRegion.lo);
  ASSERT_LT(widest.mc_high, kRegion.lo);
  ASSERT_GT(widest.ci_high - narrowest.ci_low, kRegion.lo - widest.ci_high);
  const VerdictResult paired = asymptotic_exponent_verdict(all, narrowest, widest, kRegion, "x");
  EXPECT_EQ(paired.verdict, Verdict::fails) << paired.detail;
  narrowest.resampled_slopes.clear(), widest.resampled_slopes.clear();
  const VerdictResult bounded = asymptotic_exponent_verdict(all, narrowest, widest, kRegion, "x");
  EXPECT_EQ(bounded.verdict, Verdict::inconclusive) << bounded.detail;
  EXPECT_NE(bounded.detail.find("not settled"), std::string::npos) << bounded.detail;
}

}  // namespace
}  // namespace widthlab
