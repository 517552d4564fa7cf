// The Monte Carlo band of a rate fit's interval (RateFit::mc_low / mc_high, rate_estimate; theory.md §8.7): its ends
// against the order statistics by hand, and the verdicts drawn from a rate-fit interval, which judge on the widened
// interval — a verdict near a region's edge within the band turns inconclusive and says so, one far from it does not.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "widthlab/asymptotic_verdict.h"
#include "widthlab/quantiles.h"
#include "widthlab/rate_fit.h"
#include "widthlab/verdicts.h"

namespace widthlab {
namespace {

const std::vector<double> kSeedValues = {0.1, -0.2, 0.3, 0.05, -0.1, 0.2, 0.0, -0.15, 0.25, 0.12};

// Widths 1, e, e²: the statistic exp(i · mean of the resampled seeds' values) at width index i makes every
// resample's OLS slope that mean. The statistic's calls at width index 0 are the full sample's (first) and then one per
// resample, so the resampled slopes can be rebuilt from them; a mean above `threshold` is an unusable resample (NaN).
// B = 1000 at 95 %: k_lo = ⌊0.025 · 1000⌋ = 25, k_hi = 975; m = ⌈1.96 √(1000 · 0.025 · 0.975)⌉ = ⌈1.96 · 4.937⌉ =
// ⌈9.68⌉ = 10 → the band's ends are the order statistics 15 and 985 (0-based), before the stretch for few seeds.
// The interval itself interpolates at
// q (B − 1): 24.975 and 974.025, i.e. between the order statistics 24/25 and 974/975, inside the band.
TEST(RateFitMcBand, EndsAreTheOrderStatisticsMRanksOut) {
  EXPECT_EQ(mc_band_halfwidth(1000, 0.025), 10u);
  const std::vector<double> widths = {1.0, std::exp(1.0), std::exp(2.0)};
  for (const double threshold : {double(INFINITY), 0.16}) {
    std::vector<double> low, high;
    bool first = true;
    const RateFit f = fit_rate(widths, kSeedValues.size(), [&](std::size_t w, const std::vector<std::size_t>& seeds) {
      double m = 0;
      for (auto s : seeds) m += kSeedValues[s];
      m /= double(seeds.size());
      if (m > threshold) m = NAN;
      if (w == 0) {
        if (!first) {
          std::vector<double> lx, ly;  // as fit_rate computes it, so that the slopes agree to the bit
          for (std::size_t i = 0; i < widths.size(); ++i)
            lx.push_back(std::log(widths[i])), ly.push_back(std::log(std::exp(double(i) * m)));
          const double slope = std::isfinite(m) ? ols_slope(lx, ly) : NAN;
          low.push_back(std::isfinite(slope) ? slope : -INFINITY);
          high.push_back(std::isfinite(slope) ? slope : INFINITY);
        }
        first = false;
      }
      return std::isfinite(m) ? std::exp(double(w) * m) : NAN;
    });
    ASSERT_TRUE(f.ok);
    ASSERT_EQ(low.size(), 1000u);
    std::sort(low.begin(), low.end());
    std::sort(high.begin(), high.end());
    // Every end is then stretched about the slope for 10 seeds (theory.md §8.7 "Few seeds"): e → slope + c (e − slope),
    // c = c(10) = 1.2166, never nearer the slope than e.
    const double c = small_sample_stretch(kSeedValues.size());
    const auto low_end = [&](double e) { return std::min(e, f.slope + c * (e - f.slope)); };
    const auto high_end = [&](double e) { return std::max(e, f.slope + c * (e - f.slope)); };
    EXPECT_EQ(f.resamples, 1000);
    EXPECT_EQ(f.mc_low, low_end(low[15])) << threshold;
    EXPECT_EQ(f.mc_high, high_end(high[985])) << threshold;
    EXPECT_LE(f.mc_low, f.ci_low);
    EXPECT_GE(f.mc_high, f.ci_high);
    if (std::isinf(threshold)) {  // no unknown resamples: the interval as before, strictly inside the band
      EXPECT_NEAR(f.ci_low, low_end(low[24] + 0.975 * (low[25] - low[24])), 1e-12);
      EXPECT_NEAR(f.ci_high, high_end(high[974] + 0.025 * (high[975] - high[974])), 1e-12);
      EXPECT_LT(f.mc_low, f.ci_low);
      EXPECT_LT(f.ci_high, f.mc_high);
    } else {  // a mean above 0.16: unknown slopes, at +∞ for the upper end (between 15 and 24 of them here)
      const auto unknown = std::size_t(std::count(high.begin(), high.end(), INFINITY));
      ASSERT_GT(unknown, 0u);
      EXPECT_EQ(f.resamples_used, 1000 - int(unknown));
      EXPECT_FALSE(std::isinf(f.ci_high)) << unknown;  // fewer than 1000 − 975 unknown: a finite interval
      EXPECT_TRUE(std::isinf(f.mc_high)) << unknown;   // at least 1000 − 985: an unbounded band
    }
    const Estimate e = rate_estimate(f);
    EXPECT_EQ(e.value, f.slope);
    EXPECT_EQ(e.lo, f.ci_low);
    EXPECT_EQ(e.hi, f.ci_high);
    EXPECT_EQ(e.mc_lo, f.mc_low);
    EXPECT_EQ(e.mc_hi, f.mc_high);
    EXPECT_EQ(e.resamples, 1000);
  }
}

// Audit: with `--bootstrap 1` the band's ends were clamped to the one resample, so a fit held on a zero-width interval.
// A band end whose rank lies outside the B resamples is ∓∞ (RateFit::mc_low). At 95 % (q = 0.025):
//   B = 5:    k_lo = ⌊0.125⌋ = 0, k_hi = ⌊4.875⌋ = 4, m = ⌈1.96 √(5 · 0.024375)⌉ = ⌈0.68⌉ = 1: k_lo − m = −1 and
//             k_hi + m = 5 > B − 1 = 4, both ends infinite;
//   B = 1:    k_lo = k_hi = 0, m = 1: both infinite;
//   B = 200:  k_lo = 5, k_hi = 195, m = ⌈1.96 √4.875⌉ = ⌈4.33⌉ = 5: the lower end is rank 0 (inside the sample,
//             finite), the upper one rank 200 > 199 (+∞);
//   B = 1000: ranks 15 and 985 (above), both finite.
TEST(RateFitMcBand, BandEndsBeyondTheResamplesAreInfinite) {
  EXPECT_EQ(mc_band_halfwidth(5, 0.025), 1u);
  EXPECT_EQ(mc_band_halfwidth(1, 0.025), 1u);
  EXPECT_EQ(mc_band_halfwidth(200, 0.025), 5u);
  const std::vector<double> widths = {1.0, std::exp(1.0), std::exp(2.0)};
  auto stat = [&](std::size_t w, const std::vector<std::size_t>& seeds) {
    double m = 0;
    for (auto s : seeds) m += kSeedValues[s];
    return std::exp(double(w) * (m / double(seeds.size()) - 0.5));  // slope: the resampled mean − 0.5
  };
  const ClaimRegion region{-1.0, 0.0, "t"};  // every resampled slope lies in [−0.7, −0.2]
  for (const int b : {1, 5}) {
    const RateFit f = fit_rate(widths, kSeedValues.size(), stat, {.resamples = b});
    ASSERT_TRUE(f.ok);
    EXPECT_EQ(f.mc_low, -INFINITY) << b;
    EXPECT_EQ(f.mc_high, INFINITY) << b;
    EXPECT_FALSE(std::isfinite(f.mc_high)) << b;
    EXPECT_TRUE(std::isfinite(f.ci_low) && std::isfinite(f.ci_high)) << b;  // the printed 95 % interval stays
    const VerdictResult v = verdict_in_region(rate_estimate(f), region, "x");
    EXPECT_EQ(v.verdict, Verdict::inconclusive) << b << ": " << v.detail;
  }
  const RateFit f200 = fit_rate(widths, kSeedValues.size(), stat, {.resamples = 200});
  EXPECT_TRUE(std::isfinite(f200.mc_low)) << f200.mc_low;
  EXPECT_EQ(f200.mc_high, INFINITY);
  const RateFit f1000 = fit_rate(widths, kSeedValues.size(), stat, {.resamples = 1000});
  EXPECT_TRUE(std::isfinite(f1000.mc_low) && std::isfinite(f1000.mc_high));
  EXPECT_EQ(verdict_in_region(rate_estimate(f1000), region, "x").verdict, Verdict::holds);
}

// A fit that is not ok has no estimate (NaN): verdicts on it are inconclusive as before.
TEST(RateFitMcBand, NoFitNoEstimate) {
  const RateFit none;
  EXPECT_TRUE(std::isnan(rate_estimate(none).value));
  EXPECT_EQ(verdict_in_region(rate_estimate(none), {-INFINITY, 0.0, "t"}, "x").verdict, Verdict::inconclusive);
}

RateFit fit(double slope, double lo, double hi, double mc_lo, double mc_hi, int widths = 5) {
  RateFit f;
  f.ok = true;
  f.slope = slope, f.ci_low = lo, f.ci_high = hi, f.mc_low = mc_lo, f.mc_high = mc_hi, f.widths_used = widths;
  f.resamples = 1000;
  return f;
}

bool says_monte_carlo(const VerdictResult& v) { return v.detail.find("Monte Carlo") != std::string::npos; }

// The convergence criterion's region (−∞, 0]: an interval ending at −0.01 whose band reaches +0.005 is inconclusive;
// one whose band ends at −0.005 still holds, without a word about the band.
TEST(RateFitMcBand, AVerdictJustInsideAnEdgeWithinTheBandIsInconclusive) {
  const ClaimRegion below_zero{-INFINITY, 0.0, "t"};
  const VerdictResult near = verdict_in_region(rate_estimate(fit(-0.3, -0.6, -0.01, -0.65, 0.005)), below_zero, "x");
  EXPECT_EQ(near.verdict, Verdict::inconclusive);
  EXPECT_TRUE(says_monte_carlo(near)) << near.detail;
  EXPECT_NE(near.detail.find("[-0.65, 0.005]"), std::string::npos) << near.detail;
  const VerdictResult far = verdict_in_region(rate_estimate(fit(-0.3, -0.6, -0.01, -0.65, -0.005)), below_zero, "x");
  EXPECT_EQ(far.verdict, Verdict::holds);
  EXPECT_FALSE(says_monte_carlo(far)) << far.detail;
  // And a fail: an interval just above the edge whose band crosses it.
  const VerdictResult f = verdict_in_region(rate_estimate(fit(0.3, 0.01, 0.6, -0.002, 0.7)), below_zero, "x");
  EXPECT_EQ(f.verdict, Verdict::inconclusive);
  EXPECT_TRUE(says_monte_carlo(f)) << f.detail;
  EXPECT_EQ(verdict_in_region(rate_estimate(fit(0.3, 0.01, 0.6, 0.002, 0.7)), below_zero, "x").verdict, Verdict::fails);
}

// asymptotic_exponent_verdict (the transfer optimal-lr exponents, the coordinate check) on region [0.8, 1.2]: the fit
// over every width, then the widest widths' fit, each on its widened interval.
TEST(RateFitMcBand, AsymptoticVerdictJudgesTheWidenedIntervals) {
  const ClaimRegion region{0.8, 1.2, "t"};
  // A hold needs the narrowest widths to bound the exponent's drift (theory.md §10.3): here they are the widest
  // widths' fit again, paired resample by resample, so the change is exactly 0 and only the bands decide.
  auto judge = [&](const RateFit& all, const RateFit& widest) {
    RateFit w = widest;
    w.resampled_slopes.assign(1000, widest.slope), w.units = 5;
    return asymptotic_exponent_verdict(all, w, w, region, "x");
  };
  const RateFit inside = fit(1.0, 0.9, 1.1, 0.88, 1.12, 5), widest_inside = fit(1.0, 0.85, 1.15, 0.83, 1.17, 3);
  // Far from the edges: holds, no word about the band.
  const VerdictResult holds = judge(inside, widest_inside);
  EXPECT_EQ(holds.verdict, Verdict::holds);
  EXPECT_FALSE(says_monte_carlo(holds)) << holds.detail;
  // Every width's interval ends at 1.19, its band at 1.21: inconclusive.
  const VerdictResult all_near = judge(fit(1.0, 0.9, 1.19, 0.88, 1.21, 5), widest_inside);
  EXPECT_EQ(all_near.verdict, Verdict::inconclusive);
  EXPECT_TRUE(says_monte_carlo(all_near)) << all_near.detail;
  // The widest widths' interval ends at 1.19, its band at 1.21: the widest widths no longer confirm the hold.
  const VerdictResult widest_near = judge(inside, fit(1.0, 0.85, 1.19, 0.83, 1.21, 3));
  EXPECT_EQ(widest_near.verdict, Verdict::inconclusive);
  EXPECT_TRUE(says_monte_carlo(widest_near)) << widest_near.detail;
  EXPECT_NE(widest_near.detail.find("widest widths' interval"), std::string::npos) << widest_near.detail;
  // A fail whose widest widths' band reaches into the region: inconclusive (a fail needs the widest widths outside).
  // The narrowest widths' re-fit bounds the approach (theory.md §10.3: a rise of at most 0.6 − 0.45 = 0.15 < 0.2, the
  // widest 95 % interval's gap to the region), so only the band decides.
  const RateFit outside = fit(0.5, 0.4, 0.6, 0.38, 0.62, 5), narrowest = fit(0.5, 0.45, 0.55, 0.44, 0.56, 3);
  auto judge_fail = [&](const RateFit& widest) {
    return asymptotic_exponent_verdict(outside, narrowest, widest, region, "x");
  };
  EXPECT_EQ(judge_fail(fit(0.5, 0.4, 0.6, 0.38, 0.795, 3)).verdict, Verdict::fails);
  const VerdictResult fail_near = judge_fail(fit(0.5, 0.4, 0.6, 0.38, 0.81, 3));
  EXPECT_EQ(fail_near.verdict, Verdict::inconclusive);
  EXPECT_TRUE(says_monte_carlo(fail_near)) << fail_near.detail;
  // A fit without a band (NaN ends) is judged on its 95 % interval, as before.
  EXPECT_EQ(judge(fit(1.0, 0.9, 1.19, NAN, NAN, 5), widest_inside).verdict, Verdict::holds);
}

}  // namespace
}  // namespace widthlab
