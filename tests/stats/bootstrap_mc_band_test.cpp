// The Monte Carlo band of percentile-bootstrap endpoints (verdicts.h Estimate::mc_lo / mc_hi, theory.md §8.7): its
// half-width m and order statistics against a hand computation, the verdicts it changes, and a check that a verdict
// judged on the widened interval no longer depends on the bootstrap's random numbers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>
#include <vector>

#include "widthlab/quantiles.h"
#include "widthlab/verdicts.h"

namespace widthlab {
namespace {

// m = ⌈1.96 √(B p (1 − p))⌉, by hand: B = 2000, p = 0.025: √48.75 = 6.982, × 1.96 = 13.69 → 14. The Bonferroni tail
// of 3 widths, p = 0.05/6: √(2000 · 0.008333 · 0.991667) = √16.53 = 4.065, × 1.96 = 7.97 → 8. B = 500 (classify-grid):
// √12.19 = 3.491, × 1.96 = 6.84 → 7. B = 20: √0.4875 = 0.698, × 1.96 = 1.37 → 2.
TEST(BootstrapMcBand, HalfWidthByHand) {
  EXPECT_EQ(mc_band_halfwidth(2000, 0.025), 14u);
  EXPECT_EQ(mc_band_halfwidth(2000, 0.05 / 6), 8u);
  EXPECT_EQ(mc_band_halfwidth(500, 0.025), 7u);
  EXPECT_EQ(mc_band_halfwidth(20, 0.025), 2u);
}

// The band's ends are the order statistics k_lo − m and k_hi + m of the resampled statistics, rebuilt from the
// statistic's own calls (the first is the full sample's, then one per resample): with B = 2000 at 95 %, k_lo = 50,
// k_hi = 1950, m = 14 → ranks 36 and 1964 (0-based). Unknown resamples count at −∞ (lower) and +∞ (upper) as for the
// interval itself; a few of them move both.
TEST(BootstrapMcBand, EndsAreTheOrderStatisticsMRanksOut) {
  const SeedGrid g{{1, 2},
                   {{0.1, -0.2, 0.3, 0.05, -0.1, 0.2, 0.0, -0.15, 0.25, 0.12},
                    {0.4, 0.9, 0.5, 0.45, 0.7, 0.3, 0.6, 0.85, 0.55, 0.52}}};
  for (const double threshold : {double(INFINITY), 0.17}) {  // a resampled mean of width 1 above it: unknown
    std::vector<double> low, high;
    bool first = true;
    const Estimate e = bootstrap_statistic(g, [&](const std::vector<double>& m) {
      const double x = m[0] > threshold ? NAN : m[1] - m[0];
      if (!first) low.push_back(std::isfinite(x) ? x : -INFINITY), high.push_back(std::isfinite(x) ? x : INFINITY);
      first = false;
      return x;
    });
    ASSERT_EQ(low.size(), 2000u);
    std::sort(low.begin(), low.end());
    std::sort(high.begin(), high.end());
    // Then stretched about the estimate for 10 seeds per width (theory.md §8.7 "Few seeds"), never nearer to it.
    const double c = small_sample_stretch(10);
    const auto low_end = [&](double x) { return std::min(x, e.value + c * (x - e.value)); };
    const auto high_end = [&](double x) { return std::max(x, e.value + c * (x - e.value)); };
    EXPECT_EQ(e.resamples, 2000);
    EXPECT_EQ(e.lo, low_end(low[50]));
    EXPECT_EQ(e.hi, high_end(high[1950]));
    EXPECT_EQ(e.mc_lo, low_end(low[36]));
    EXPECT_EQ(e.mc_hi, high_end(high[1964]));
    EXPECT_LT(e.mc_lo, e.lo);
    EXPECT_GT(e.mc_hi, e.hi);
  }
}

// Clamped to the sample: B = 20 at 95 % has k_lo = 0 and k_hi = 19 (the extremes), so the band adds nothing.
TEST(BootstrapMcBand, EndsAreClampedToTheSample) {
  const Estimate e = bootstrap_mean({0.1, -0.2, 0.3, 0.05, -0.1, 0.2}, 20, 3);
  EXPECT_EQ(e.mc_lo, e.lo);
  EXPECT_EQ(e.mc_hi, e.hi);
}

// A plain interval just inside the region whose band crosses its edge is inconclusive, and the detail says why; the
// same shifted far inside holds and far outside fails, with the detail of the plain rule. A plain fails whose band
// reaches into the region is inconclusive too. An estimate without a band (jackknife) is judged as before.
TEST(BootstrapMcBand, BandNearTheEdgeIsInconclusive) {
  const ClaimRegion r{-0.01, 0.01, "constructed"};
  // sohl-dickstein2020-cnn's width 32, with a band of about its size, scaled by s about 0 and shifted.
  auto at = [](double scale, double shift) {
    return Estimate{0.0026 * scale + shift,  -0.0078 * scale + shift, 0.0099 * scale + shift,
                    -0.0085 * scale + shift, 0.0105 * scale + shift,  2000};
  };
  const VerdictResult edge = verdict_in_region(at(1, 0), r, "difference");
  EXPECT_EQ(edge.verdict, Verdict::inconclusive);
  EXPECT_NE(edge.detail.find("within the bootstrap's Monte Carlo error of the region's edge (2000 resamples): "
                             "widened interval [-0.0085, 0.0105]"),
            std::string::npos)
      << edge.detail;
  const VerdictResult inside = verdict_in_region(at(0.5, 0), r, "difference");
  EXPECT_EQ(inside.verdict, Verdict::holds);
  // Verdicts the band does not change print exactly what the plain rule prints (reports stay byte-identical).
  const auto plain = [&](const Estimate& e) { return verdict_in_region({e.value, e.lo, e.hi}, r, "difference"); };
  EXPECT_EQ(inside.detail, plain(at(0.5, 0)).detail);
  const VerdictResult outside = verdict_in_region(at(1, 0.05), r, "difference");
  EXPECT_EQ(outside.verdict, Verdict::fails);
  EXPECT_EQ(outside.detail, plain(at(1, 0.05)).detail);
  // Plain interval [0.0101, …] just above the region; the band reaches 0.0094 < 0.01.
  const Estimate just_out{0.02, 0.0101, 0.03, 0.0094, 0.031, 2000};
  EXPECT_EQ(verdict_in_region(just_out, r, "difference").verdict, Verdict::inconclusive);
  EXPECT_EQ(verdict_in_region({0.0026, -0.0078, 0.0099}, r, "difference").verdict, Verdict::holds);
}

// The same through a claim kind, on a real bootstrap: at one width (level 95 %) a margin between the interval's upper
// end and its band's is a plain holds that the band makes inconclusive; a margin beyond the band holds.
TEST(BootstrapMcBand, NoConsistentWinnerJudgesTheBand) {
  const std::vector<double> a = {0.81, 0.80, 0.83, 0.79, 0.82, 0.805, 0.815, 0.80, 0.825, 0.81};
  const std::vector<double> b = {0.80, 0.805, 0.81, 0.80, 0.81, 0.80, 0.80, 0.805, 0.81, 0.795};
  const Estimate e = bootstrap_paired_difference(a, b, 2000, 0, 0.95);  // judge_no_consistent_winner's call
  ASSERT_GT(e.value, 0);
  ASSERT_LT(-e.mc_lo, e.hi);  // the upper end is the one nearest a symmetric margin
  ASSERT_LT(e.hi, e.mc_hi);
  const VerdictResult near = judge_no_consistent_winner({32}, {a}, {b}, (e.hi + e.mc_hi) / 2, "s");
  EXPECT_EQ(near.verdict, Verdict::inconclusive);
  EXPECT_NE(near.detail.find("Monte Carlo error"), std::string::npos) << near.detail;
  EXPECT_EQ(judge_no_consistent_winner({32}, {a}, {b}, 1.01 * e.mc_hi, "s").verdict, Verdict::holds);
}

// The exact bootstrap distribution of the mean of x (B → ∞): every multiset of n draws from the n values, with its
// multinomial probability n! / (∏ c_i! · n^n), as (mean, probability) sorted by mean.
std::vector<std::pair<double, double>> exact_bootstrap_of_mean(const std::vector<double>& x) {
  const std::size_t n = x.size();
  std::vector<std::pair<double, double>> atoms;
  std::vector<int> c(n, 0);
  const std::function<void(std::size_t, int)> place = [&](std::size_t i, int left) {
    if (i + 1 == n) {
      c[i] = left;
      double sum = 0, logp = std::lgamma(double(n) + 1) - double(n) * std::log(double(n));
      for (std::size_t j = 0; j < n; ++j) sum += c[j] * x[j], logp -= std::lgamma(c[j] + 1.0);
      atoms.emplace_back(sum / double(n), std::exp(logp));
      return;
    }
    for (c[i] = 0; c[i] <= left; ++c[i]) place(i + 1, left - c[i]);
  };
  place(0, int(n));
  std::sort(atoms.begin(), atoms.end());
  return atoms;
}

// P(Binomial(n, p) ≤ k), summed exactly.
double binomial_cdf(int n, double p, int k) {
  double total = 0;
  for (int j = 0; j <= k; ++j)
    total += std::exp(std::lgamma(n + 1.0) - std::lgamma(j + 1.0) - std::lgamma(n - j + 1.0) + j * std::log(p) +
                      (n - j) * std::log1p(-p));
  return total;
}

// The rule removes the dependence on the bootstrap's random numbers. Fixed data of n = 10 seeds; the region is
// [q, ∞) with q the exact B → ∞ 2.5 % point of the bootstrap mean (the limit of the plain lower end), so the claim sits
// on the edge. Over S = 200 bootstrap seeds:
// * B = 2000 resamples: k_lo = 50, m = 14 (HalfWidthByHand). The widened lower end, the order statistic k_lo − m = 36
//   (0-based), is ≥ q iff N ≤ 36 for N the number of resampled means below q. N ~ Binomial(B, G(q⁻)), and
//   G(q⁻) ≥ 0.025 − a with a the probability of the atom at q (means within 1e-9 of q, whose rounding may go either
//   way), so P(holds) ≤ P0 = P(Binomial(2000, 0.025 − a) ≤ 36) ≈ 0.023 (a ≈ 10⁻⁵ here).
// * The holds count over S seeds is then at most Binomial(S, P0); it must not exceed that law's 1 − 10⁻⁴ quantile
//   (a correct rule fails this test with probability below 10⁻⁴).
// * The plain rule holds iff N ≤ 50, with probability ≥ P(Binomial(2000, 0.025) ≤ 50) ≈ 0.54: its count exceeds the
//   same limit, so the check can fail.
TEST(BootstrapMcBand, WidenedVerdictDoesNotDependOnTheBootstrapSeed) {
  const std::vector<double> x = {0.01317, -0.02093, 0.03461, 0.00227, -0.00914,
                                 0.02738, -0.03152, 0.01806, 0.00633, -0.01209};
  const auto atoms = exact_bootstrap_of_mean(x);
  double cdf = 0, q = NAN;
  for (const auto& [mean, p] : atoms)
    if ((cdf += p) >= 0.025) {
      q = mean;
      break;
    }
  double a = 0;
  for (const auto& [mean, p] : atoms) a += std::abs(mean - q) <= 1e-9 ? p : 0;
  ASSERT_LT(a, 1e-3);  // nearly continuous at q
  const int S = 200;
  const double p0 = binomial_cdf(2000, 0.025 - a, 36);
  int limit = 0;
  while (1 - binomial_cdf(S, p0, limit) > 1e-4) ++limit;
  // Every end is stretched about the mean by c(10) (theory.md §8.7 "Few seeds"), a monotone map: the stretched
  // order statistic lies above the stretched q iff the order statistic lies above q, so the edge is q stretched.
  double mean = 0;
  for (double v : x) mean += v / double(x.size());
  const double edge = mean + small_sample_stretch(x.size()) * (q - mean);
  int widened_holds = 0, plain_holds = 0;
  const ClaimRegion region{edge, INFINITY, "constructed: the exact 2.5 % point, stretched"};
  for (int seed = 0; seed < S; ++seed) {
    const Estimate e = bootstrap_mean(x, 2000, std::uint64_t(seed));
    widened_holds += verdict_in_region(e, region, "mean").verdict == Verdict::holds;
    plain_holds += verdict_in_region({e.value, e.lo, e.hi}, region, "mean").verdict == Verdict::holds;
  }
  EXPECT_LE(widened_holds, limit) << "P0 = " << p0;
  EXPECT_GT(plain_holds, limit);
}

}  // namespace
}  // namespace widthlab
