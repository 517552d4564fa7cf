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
  // 3 widths: no re-fit, so nothing bounds how fast the exponent still moves: neither a hold nor a failure (§10.3).
  const VerdictResult hold3 = asymptotic_exponent_verdict(fit(1.0, 0.9, 1.1, 3), kNone, kNone, kRegion, "x");
  EXPECT_EQ(hold3.verdict, Verdict::inconclusive);
  EXPECT_NE(hold3.detail.find("may still leave the region"), std::string::npos) << hold3.detail;
  const VerdictResult three = asymptotic_exponent_verdict(fit(0.3, 0.25, 0.35, 3), kNone, kNone, kRegion, "x");
  EXPECT_EQ(three.verdict, Verdict::inconclusive);
  EXPECT_NE(three.detail.find("3 widths give no re-fits"), std::string::npos) << three.detail;
  // Outside [0.8, 1.2] by 0.43 at the widest widths; the most the intervals let it rise from the narrowest to the
  // widest widths is 0.37 − 0.25 = 0.12 < 0.43: settled.
  EXPECT_EQ(judge(fit(0.3, 0.25, 0.35, 5), fit(0.3, 0.25, 0.35, 3), fit(0.32, 0.27, 0.37, 3)), Verdict::fails);
  // Inside [0.8, 1.2] with 0.17 to spare at the widest widths; the change the intervals allow is at most
  // ±(1.03 − 0.97) = ±0.06 < 0.17: settled.
  EXPECT_EQ(judge(fit(1.0, 0.9, 1.1, 5), fit(1.0, 0.97, 1.03, 3), fit(1.0, 0.97, 1.03, 3)), Verdict::holds);
  // The same without a narrowest re-fit: nothing bounds the change.
  EXPECT_EQ(judge(fit(1.0, 0.9, 1.1, 5), kNone, fit(1.0, 0.97, 1.03, 3)), Verdict::inconclusive);
  EXPECT_EQ(judge(fit(1.0, 0.9, 1.1, 2), kNone, kNone), Verdict::inconclusive);  // 2 widths: no test
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
  // Inside at the widest widths, 0.01 from the upper end; the narrowest widths' wide interval lets the exponent rise
  // by up to 1.19 − 0.7 = 0.49 from one half to the other: it could leave within one more span.
  const VerdictResult edge =
      asymptotic_exponent_verdict(fit(1.0, 0.9, 1.1, 5), fit(1.0, 0.7, 1.3, 3), fit(1.1, 1.0, 1.19, 3), kRegion, "x");
  EXPECT_EQ(edge.verdict, Verdict::inconclusive);
  EXPECT_NE(edge.detail.find("could take it out"), std::string::npos) << edge.detail;
  EXPECT_NE(edge.detail.find("upper end"), std::string::npos) << edge.detail;
}

TEST(AsymptoticVerdict, AHoldThatDriftsOrCouldStillMoveOutIsInconclusive) {
  const VerdictResult drift =
      asymptotic_exponent_verdict(fit(1.0, 0.9, 1.1, 5), kNone, fit(1.5, 1.3, 1.7, 3), kRegion, "x");
  EXPECT_EQ(drift.verdict, Verdict::inconclusive);
  EXPECT_NE(drift.detail.find("drifts out"), std::string::npos) << drift.detail;
  const VerdictResult away = asymptotic_exponent_verdict(fit(1.0, 0.9, 1.1, 5), fit(0.9, 0.85, 0.95, 3),
                                                         fit(1.25, 1.15, 1.35, 3), kRegion, "x");
  EXPECT_EQ(away.verdict, Verdict::inconclusive);
  EXPECT_NE(away.detail.find("do not confirm"), std::string::npos) << away.detail;
  // Inside the region at both ends, but rising by 0.1 to 0.3 (disjoint intervals) with 0.05 left above the widest
  // widths' interval: one more such span could take it out. (The check this replaced only asked whether the widest
  // widths' exponent lay farther outside the region than the narrowest's, which a hold's never does: it held here.)
  const VerdictResult rising = asymptotic_exponent_verdict(fit(1.0, 0.95, 1.05, 5), fit(0.9, 0.85, 0.95, 3),
                                                           fit(1.1, 1.05, 1.15, 3), kRegion, "x");
  EXPECT_EQ(rising.verdict, Verdict::inconclusive);
  EXPECT_NE(rising.detail.find("not settled"), std::string::npos) << rising.detail;
  // Falling toward the lower end the same way.
  EXPECT_EQ(judge(fit(1.0, 0.95, 1.05, 5), fit(1.1, 1.05, 1.15, 3), fit(0.9, 0.85, 0.95, 3)), Verdict::inconclusive);
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
  // With 3 widths there is no re-fit: nothing bounds the exponent's movement, so not even an exact power law holds.
  const std::vector<double> three = {64, 128, 256};
  EXPECT_EQ(judge_sweep(three, power_law(three, -0.5, {true, true, true}), around_half).verdict, Verdict::inconclusive);
}

// values(w, s) = exp(a·L + b·L²)·(1 + 0.01 s), L = ln w: the local exponent a + 2bL drifts with the width and every
// seed has it, so each half's resampled slopes are all a + 2b·(its mean L) (3 evenly spaced L: OLS is exact) and the
// paired change between the halves is exact. a and b are chosen for the exponents e_n over {64, 128, 256} and e_w
// over {512, 1024, 2048}.
MatrixD drifting(double e_n, double e_w) {
  const double l_n = std::log(128.0), l_w = std::log(1024.0);
  const double b = (e_w - e_n) / (2 * (l_w - l_n)), a = e_n - 2 * b * l_n;
  MatrixD v(Eigen::Index(kSix.size()), 5);
  for (std::size_t w = 0; w < kSix.size(); ++w) {
    const double l = std::log(kSix[w]);
    for (int s = 0; s < 5; ++s) v(Eigen::Index(w), s) = std::exp(a * l + b * l * l) * (1 + 0.01 * s);
  }
  return v;
}

// A hold whose exponent still drifts: from −0.6 to −0.4 between the halves (fit over every width −0.5, inside
// [−0.7, −0.3]; widest −0.4 [−0.4, −0.4], 0.1 below the upper end). One more such span moves it 0.2 further: not
// settled. Drifting 0.05 (−0.5 → −0.45, 0.15 to spare) it is settled and holds, though the change is significant.
TEST(AsymptoticVerdict, AHoldThatStillDriftsTowardTheRegionsEdgeIsNotSettled) {
  const ClaimRegion around_half{-0.7, -0.3, "test"};
  const VerdictResult moving = judge_sweep(kSix, drifting(-0.6, -0.4), around_half);
  EXPECT_EQ(moving.verdict, Verdict::inconclusive) << moving.detail;
  EXPECT_NE(moving.detail.find("is 0.2 [0.2, 0.2]"), std::string::npos) << moving.detail;
  EXPECT_NE(moving.detail.find("not settled"), std::string::npos) << moving.detail;
  const VerdictResult settling = judge_sweep(kSix, drifting(-0.5, -0.45), around_half);
  EXPECT_EQ(settling.verdict, Verdict::holds) << settling.detail;
}

// A widest-half re-fit over 3 widths whose interval is unbounded (its resamples' statistic mostly unusable) cannot
// confirm a hold or a failure over 5 widths either. An unusable narrowest half cannot bound a hold's drift out of the
// region or a failure's approach to it.
TEST(AsymptoticVerdict, AWidestRefitWithoutAFiniteIntervalLeavesTheVerdictOpen) {
  const RateFit open = fit(1.0, -INFINITY, INFINITY, 3);
  const VerdictResult v = asymptotic_exponent_verdict(fit(1.0, 0.9, 1.1, 5), kNone, open, kRegion, "x");
  EXPECT_EQ(v.verdict, Verdict::inconclusive);
  EXPECT_NE(v.detail.find("no finite interval"), std::string::npos) << v.detail;
  EXPECT_EQ(judge(fit(0.5, 0.4, 0.6, 5), kNone, open), Verdict::inconclusive);
  EXPECT_EQ(judge(fit(0.5, 0.4, 0.6, 5), kNone, kNone), Verdict::inconclusive);  // 5 widths and no re-fit at all
  const VerdictResult unbounded_hold =
      asymptotic_exponent_verdict(fit(1.0, 0.9, 1.1, 5), open, fit(1.0, 0.85, 1.15, 3), kRegion, "x");
  EXPECT_EQ(unbounded_hold.verdict, Verdict::inconclusive);
  EXPECT_NE(unbounded_hold.detail.find("nothing bounds"), std::string::npos) << unbounded_hold.detail;
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
