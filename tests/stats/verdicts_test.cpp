// The verdicts of `widthlab reproduce` (verdicts.h, theory.md §8.7) on constructed seed data: every claim kind returns
// each of holds / does not hold / inconclusive, and the bootstrap intervals cover at about the nominal rate.
#include "widthlab/verdicts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "widthlab/quantiles.h"
#include "widthlab/rng.h"

namespace widthlab {
namespace {

const std::vector<double> kW = {128, 256, 512, 1024, 2048};

// Five seeds per width at mean + spread·{−2, −1, 0, 1, 2}, the pattern rotated by one seed per width (a common
// pattern would cancel in paired statistics): the seed mean is exactly `means[i]`, the seed spread known.
std::vector<double> rotated(const std::vector<double>& pattern, std::size_t by) {
  std::vector<double> v(pattern.size());
  for (std::size_t k = 0; k < v.size(); ++k) v[k] = pattern[(k + by) % v.size()];
  return v;
}
SeedGrid grid(const std::vector<double>& widths, const std::vector<double>& means, double spread) {
  SeedGrid g{widths, {}};
  for (std::size_t i = 0; i < means.size(); ++i) {
    const double m = means[i];
    g.values.push_back(rotated({m - 2 * spread, m - spread, m, m + spread, m + 2 * spread}, i));
  }
  return g;
}

TEST(Verdicts, SeedGridMeansAndDivergedCells) {
  SeedGrid g = grid({1, 2}, {0.5, 0.7}, 0.1);
  EXPECT_NEAR(g.means()[0], 0.5, 1e-12);
  g.values[1] = {1.0, NAN, NAN, NAN, 2.0};  // 3 of 5 diverged: the cell is diverged
  EXPECT_TRUE(g.diverged(1));
  EXPECT_TRUE(std::isnan(g.means()[1]));
  g.values[1] = {1.0, NAN, 3.0};  // 1 of 3: the mean is over the finite seeds
  EXPECT_FALSE(g.diverged(1));
  EXPECT_DOUBLE_EQ(g.means()[1], 2.0);
}

TEST(Verdicts, FittedChangeAndLogLogSlopeAreExact) {
  // Linear in log2 width: change = slope × 4 doublings.
  EXPECT_NEAR(fitted_change(kW, {0.40, 0.41, 0.42, 0.43, 0.44}), 0.04, 1e-12);
  std::vector<double> p;
  for (double w : kW) p.push_back(3 * std::pow(w, -0.5));
  EXPECT_NEAR(log_log_slope(kW, p), -0.5, 1e-12);
  EXPECT_TRUE(std::isnan(fitted_change(kW, {0.4, NAN, 0.4, 0.4, 0.4})));
}

TEST(Verdicts, FlatIsThreeValued) {
  EXPECT_EQ(judge_flat(grid(kW, {0.41, 0.411, 0.409, 0.41, 0.411}, 0.0002), 0.005, "c").verdict, Verdict::holds);
  EXPECT_EQ(judge_flat(grid(kW, {0.41, 0.415, 0.42, 0.425, 0.43}, 0.0002), 0.005, "c").verdict, Verdict::fails);
  // A trend near the tolerance with a wide seed spread: the interval straddles the edge.
  EXPECT_EQ(judge_flat(grid(kW, {0.41, 0.4115, 0.413, 0.4145, 0.416}, 0.01), 0.005, "c").verdict,
            Verdict::inconclusive);
  SeedGrid d = grid(kW, {0.41, 0.41, 0.41, 0.41, 0.41}, 0.0002);
  d.values[2] = {NAN, NAN, NAN, 0.4, 0.4};
  const auto v = judge_flat(d, 0.005, "c");
  EXPECT_EQ(v.verdict, Verdict::fails);
  EXPECT_NE(v.detail.find("2^9"), std::string::npos) << v.detail;
}

TEST(Verdicts, DriftIsThreeValuedAndDirected) {
  const SeedGrid up = grid(kW, {0.41, 0.413, 0.416, 0.419, 0.422}, 0.0002);
  EXPECT_EQ(judge_drifts(up, 0.005, +1, "c").verdict, Verdict::holds);
  EXPECT_EQ(judge_drifts(up, 0.005, -1, "c").verdict, Verdict::fails);
  EXPECT_EQ(judge_drifts(up, 0.005, 0, "c").verdict, Verdict::holds);
  EXPECT_EQ(judge_drifts(up, 0.05, +1, "c").verdict, Verdict::fails);  // too small
  EXPECT_EQ(judge_drifts(grid(kW, {0.41, 0.4115, 0.413, 0.4145, 0.416}, 0.01), 0.005, +1, "c").verdict,
            Verdict::inconclusive);
  EXPECT_EQ(judge_drifts(grid({128, 256}, {0.4, 0.5}, 0.001), 0.005, +1, "c").verdict, Verdict::inconclusive);
}

TEST(Verdicts, BlowUpIsThreeValued) {
  EXPECT_EQ(judge_blows_up(grid(kW, {0.41, 0.40, 0.39, 0.65, 1.2}, 0.01), 1.5, "c").verdict, Verdict::holds);
  SeedGrid nan_last = grid(kW, {0.41, 0.40, 0.39, 0.38, 0.37}, 0.01);
  nan_last.values.back() = {NAN, NAN, NAN, NAN, NAN};  // every seed: the Clopper–Pearson bound 0.05^(1/5) > ½
  const auto v = judge_blows_up(nan_last, 1.5, "c");
  EXPECT_EQ(v.verdict, Verdict::holds);
  EXPECT_NE(v.detail.find("5 of 5 seeds diverged"), std::string::npos) << v.detail;
  nan_last.values.back() = {NAN, NAN, NAN, 0.4, 0.4};  // 3 of 5 could be chance: P(X ≥ 3 | 5, ½) = ½
  EXPECT_EQ(judge_blows_up(nan_last, 1.5, "c").verdict, Verdict::inconclusive);
  EXPECT_EQ(judge_blows_up(grid(kW, {0.41, 0.40, 0.39, 0.38, 0.37}, 0.005), 1.5, "c").verdict, Verdict::fails);
  EXPECT_EQ(judge_blows_up(grid(kW, {0.41, 0.40, 0.39, 0.38, 0.58}, 0.1), 1.5, "c").verdict, Verdict::inconclusive);
}

TEST(Verdicts, BelowIsThreeValued) {
  const double bound = std::log(2.0) - 0.05;
  EXPECT_EQ(judge_below(grid(kW, {0.4, 0.45, 0.5, 0.55, 0.6}, 0.005), bound, "c").verdict, Verdict::holds);
  EXPECT_EQ(judge_below(grid(kW, {0.4, 0.45, 0.5, 0.55, 0.69}, 0.005), bound, "c").verdict, Verdict::fails);
  EXPECT_EQ(judge_below(grid(kW, {0.4, 0.45, 0.5, 0.55, bound}, 0.01), bound, "c").verdict, Verdict::inconclusive);
}

// A fraction's stretched interval may pass 1 and a ratio of distances' may pass 0; within_range cuts every end (band
// included) to the statistic's range, and keeps NaN (no interval) as it is.
TEST(Verdicts, WithinRangeCutsTheEndsToTheStatisticsRange) {
  Estimate e{0.97, 0.93, 1.02};
  e.mc_lo = 0.92, e.mc_hi = 1.04;
  const Estimate cut = within_range(e, 0.0, 1.0);
  EXPECT_EQ(cut.value, 0.97);
  EXPECT_EQ(cut.lo, 0.93);
  EXPECT_EQ(cut.hi, 1.0);
  EXPECT_EQ(cut.mc_lo, 0.92);
  EXPECT_EQ(cut.mc_hi, 1.0);
  EXPECT_EQ(verdict_in_region(cut, {0.9, 1.0, "c"}, "fraction").verdict, Verdict::holds);
  EXPECT_EQ(verdict_in_region(e, {0.9, 1.0, "c"}, "fraction").verdict, Verdict::inconclusive);
  const Estimate none = within_range(Estimate{0.5}, 0.0, 1.0);
  EXPECT_TRUE(std::isnan(none.lo) && std::isnan(none.mc_hi));
}

TEST(Verdicts, ApproachesIsThreeValued) {
  const double l2 = std::log(2.0);
  EXPECT_EQ(judge_approaches(grid(kW, {0.5, 0.6, 0.65, 0.68, 0.69}, 0.002), l2, 0.5, "c").verdict, Verdict::holds);
  EXPECT_EQ(judge_approaches(grid(kW, {0.5, 0.52, 0.5, 0.51, 0.5}, 0.002), l2, 0.5, "c").verdict, Verdict::fails);
  EXPECT_EQ(judge_approaches(grid(kW, {0.5, 0.55, 0.58, 0.59, 0.6}, 0.03), l2, 0.5, "c").verdict,
            Verdict::inconclusive);
}

TEST(Verdicts, SlopeIsThreeValuedAndRefusesOnePointFits) {
  std::vector<double> p;
  for (double w : kW) p.push_back(3 * std::pow(w, -0.5));
  auto rel = [](std::vector<double> m, double r) {  // multiplicative seed spread r
    SeedGrid g{kW, {}};
    for (std::size_t i = 0; i < m.size(); ++i) {
      const double x = m[i];
      g.values.push_back(rotated({x * (1 - 2 * r), x * (1 - r), x, x * (1 + r), x * (1 + 2 * r)}, 2 * i));
    }
    return g;
  };
  EXPECT_EQ(judge_slope(rel(p, 0.01), -0.5, 0.1, "c").verdict, Verdict::holds);
  EXPECT_EQ(judge_slope(rel(p, 0.01), 0.0, 0.1, "c").verdict, Verdict::fails);
  EXPECT_EQ(judge_slope(rel(p, 0.6), -0.5, 0.1, "c").verdict, Verdict::inconclusive);
  // Flat except the first width: the full fit is steep, without the first width it is flat.
  const auto lever = judge_slope(rel({4.0, 1.0, 1.0, 1.0, 0.9}, 0.001), -0.4, 0.2, "c");
  EXPECT_EQ(lever.verdict, Verdict::inconclusive) << lever.detail;
  EXPECT_NE(lever.detail.find("carried by one width"), std::string::npos) << lever.detail;
}

TEST(Verdicts, LessAndCloseAreThreeValued) {
  const std::vector<double> a = {0.10, 0.11, 0.12, 0.09, 0.10}, b = {0.20, 0.21, 0.19, 0.20, 0.22};
  EXPECT_EQ(judge_less(a, b, 0.05, true, "a", "b", "c").verdict, Verdict::holds);
  EXPECT_EQ(judge_less(b, a, 0.0, false, "b", "a", "c").verdict, Verdict::fails);
  EXPECT_EQ(judge_less({0.1, 0.3, 0.2, 0.15, 0.25}, {0.2, 0.1, 0.3, 0.2, 0.2}, 0.0, false, "a", "b", "c").verdict,
            Verdict::inconclusive);
  EXPECT_EQ(judge_close({-0.97, -0.98, -0.99, -0.96}, -1.0, 0.1, "e", "c").verdict, Verdict::holds);
  EXPECT_EQ(judge_close({-0.45, -0.46, -0.44}, -0.25, 0.1, "e", "c").verdict, Verdict::fails);
  EXPECT_EQ(judge_close({-0.9, -1.2, -0.7, -1.0}, -1.0, 0.1, "e", "c").verdict, Verdict::inconclusive);
  EXPECT_EQ(judge_close({-0.9, -1.0}, -1.0, 0.1, "e", "c").verdict, Verdict::inconclusive);  // 2 seeds: no interval
}

// The whole interval inside the region holds, wholly outside fails, straddling an edge (or no finite interval) is
// inconclusive.
// judge_no_consistent_winner on accuracies a = b + shift at three widths (b's seeds at 0.8 ± 0.01, a's shifted by a
// constant per width, so the paired difference is exactly the shift): within the margin somewhere → holds; above the
// margin everywhere → fails; wins both ways → holds; one clear win and unresolved widths → inconclusive.
TEST(Verdicts, NoConsistentWinnerIsThreeValued) {
  const std::vector<double> w = {16, 32, 64};
  const std::vector<double> base = {0.79, 0.795, 0.8, 0.805, 0.81};
  auto shifted = [&](const std::vector<double>& shifts) {
    std::vector<std::vector<double>> a;
    for (double d : shifts) {
      std::vector<double> v = base;
      for (double& x : v) x += d;
      a.push_back(v);
    }
    return a;
  };
  const std::vector<std::vector<double>> b(3, base);
  EXPECT_EQ(judge_no_consistent_winner(w, shifted({0.03, 0.0, 0.02}), b, 0.01, "s").verdict, Verdict::holds);
  EXPECT_EQ(judge_no_consistent_winner(w, shifted({0.03, 0.02, 0.04}), b, 0.01, "s").verdict, Verdict::fails);
  EXPECT_EQ(judge_no_consistent_winner(w, shifted({-0.03, -0.02, -0.05}), b, 0.01, "s").verdict, Verdict::fails);
  // Each wins beyond the margin somewhere: no consistent winner either.
  EXPECT_EQ(judge_no_consistent_winner(w, shifted({0.03, -0.02, 0.04}), b, 0.01, "s").verdict, Verdict::holds);
  // One clear win, the other widths unresolved: inconclusive.
  std::vector<std::vector<double>> mixed = shifted({0.03, 0.0, 0.0});
  mixed[1] = mixed[2] = {0.77, 0.83, 0.79, 0.84, 0.78};
  EXPECT_EQ(judge_no_consistent_winner(w, mixed, b, 0.01, "s").verdict, Verdict::inconclusive);
  // Noisy differences straddling the margin at every width: nothing resolved.
  std::vector<std::vector<double>> noisy = b;
  for (auto& v : noisy) v = {0.77, 0.83, 0.79, 0.84, 0.78};
  EXPECT_EQ(judge_no_consistent_winner(w, noisy, b, 0.01, "s").verdict, Verdict::inconclusive);
  // "Within the margin at some width" picks the best of 3 intervals: each is the 1 − 0.05/3 one.
  EXPECT_NE(judge_no_consistent_winner(w, noisy, b, 0.01, "s").detail.find("98.3 % (Bonferroni over 3 widths)"),
            std::string::npos);
}

// A higher level widens the percentile interval over the same resamples; 0.95 is the default.
TEST(Verdicts, BootstrapLevelWidensTheInterval) {
  const std::vector<double> x = {0.1, -0.2, 0.3, 0.05, -0.1, 0.2, 0.0, -0.15, 0.25, 0.12};
  const Estimate e95 = bootstrap_mean(x), same = bootstrap_mean(x, 2000, 0, 0.95),
                 e99 = bootstrap_mean(x, 2000, 0, 0.99);
  EXPECT_EQ(e95.lo, same.lo);
  EXPECT_EQ(e95.hi, same.hi);
  EXPECT_LT(e99.lo, e95.lo);
  EXPECT_GT(e99.hi, e95.hi);
  EXPECT_EQ(e99.value, e95.value);
}

TEST(Verdicts, InRegionIsThreeValued) {
  const ClaimRegion below{-INFINITY, 0.0, "constructed"};
  EXPECT_EQ(verdict_in_region({-0.5, -0.6, -0.4}, below, "slope").verdict, Verdict::holds);
  EXPECT_EQ(verdict_in_region({0.3, 0.2, 0.4}, below, "slope").verdict, Verdict::fails);
  EXPECT_EQ(verdict_in_region({-0.1, -0.3, 0.1}, below, "slope").verdict, Verdict::inconclusive);
  EXPECT_EQ(verdict_in_region({-0.1, NAN, NAN}, below, "slope").verdict, Verdict::inconclusive);
  const auto v = verdict_in_region({0.06, 0.05, 0.08}, {0.02, 0.07, "constructed"}, "drop");
  EXPECT_EQ(v.verdict, Verdict::inconclusive);
  EXPECT_NE(v.detail.find("constructed"), std::string::npos) << v.detail;
}

// A resample whose statistic is not finite is unknown (theory.md §8.7): it counts at −∞ for the lower and at +∞ for
// the upper bound. Rebuilt here from the statistic's own calls (the first is the full sample's, then one per
// resample, in order): the bounds are the 2.5 % and 97.5 % order statistics of the 2000 values with the unknown ones at
// −∞ (resp. +∞). A few unknown resamples widen the interval; about 2.5 % of them or more leave it unbounded.
TEST(Verdicts, UnknownResampledStatisticsCountAtTheFarEnds) {
  const SeedGrid g{{1, 2},
                   {{0.1, -0.2, 0.3, 0.05, -0.1, 0.2, 0.0, -0.15, 0.25, 0.12},
                    {0.4, 0.9, 0.5, 0.45, 0.7, 0.3, 0.6, 0.85, 0.55, 0.52}}};
  for (const double threshold : {0.17, 0.1}) {  // the resampled mean of width 1 above it: unknown
    std::vector<double> calls;
    const Estimate e = bootstrap_statistic(g, [&](const std::vector<double>& m) {
      calls.push_back(m[0] > threshold ? NAN : m[1] - m[0]);
      return calls.back();
    });
    ASSERT_EQ(calls.size(), 2001u);
    std::vector<double> low, high;
    for (std::size_t b = 1; b < calls.size(); ++b) {
      low.push_back(std::isfinite(calls[b]) ? calls[b] : -INFINITY);
      high.push_back(std::isfinite(calls[b]) ? calls[b] : INFINITY);
    }
    std::sort(low.begin(), low.end());
    std::sort(high.begin(), high.end());
    // Then stretched about the estimate for 10 seeds (theory.md §8.7 "Few seeds"), never nearer it.
    const double c = small_sample_stretch(10);
    EXPECT_EQ(e.lo, std::min(low[50], calls[0] + c * (low[50] - calls[0])));
    EXPECT_EQ(e.hi, std::max(high[1950], calls[0] + c * (high[1950] - calls[0])));
    const auto unknown = std::count_if(calls.begin() + 1, calls.end(), [](double x) { return !std::isfinite(x); });
    if (threshold == 0.17) {  // a few unknown: a finite interval, wider than the usable resamples' own
      ASSERT_GT(unknown, 0);
      ASSERT_LT(unknown, 50);
      std::vector<double> usable;
      for (double x : low)
        if (std::isfinite(x)) usable.push_back(x);
      EXPECT_TRUE(std::isfinite(e.lo) && std::isfinite(e.hi));
      EXPECT_LT(e.lo, usable[std::size_t(0.025 * double(usable.size()))]);
      EXPECT_GT(e.hi, usable[std::size_t(0.975 * double(usable.size()))]);
    } else {  // more than 2.5 %: unbounded, so no verdict
      ASSERT_GT(unknown, 50);
      EXPECT_EQ(e.lo, -INFINITY);
      EXPECT_EQ(e.hi, INFINITY);
      EXPECT_EQ(verdict_in_region(e, {0, 1, "constructed"}, "gap").verdict, Verdict::inconclusive);
    }
  }
}

// The bootstrap interval of a mean covers the true mean at about the nominal rate (Monte Carlo over 400 data sets of
// 10 normal draws: coverage within 4 binomial standard errors of 95 %, allowing the percentile bootstrap's known
// under-coverage at n = 10, about 91 %). The same holds for a statistic of a SeedGrid's means and for the jackknife
// (for a mean it is the Student t interval: exact coverage).
TEST(Verdicts, BootstrapCoverage) {
  Rng rng = make_rng(123);
  std::normal_distribution<double> normal(1.0, 2.0);
  int covered_mean = 0, covered_grid = 0, covered_seeds = 0;
  const int trials = 400;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> x(10), y(10);
    for (auto& v : x) v = normal(rng);
    for (auto& v : y) v = normal(rng) + 0.5;
    const Estimate e = bootstrap_mean(x, 1000, std::uint64_t(t));
    covered_mean += e.lo <= 1.0 && 1.0 <= e.hi;
    const Estimate d = bootstrap_statistic(
        {{1, 2}, {x, y}}, [](const std::vector<double>& m) { return m[1] - m[0]; }, 1000, t);
    covered_grid += d.lo <= 0.5 && 0.5 <= d.hi;
    const Estimate s = jackknife_seeds(10, [&](const std::vector<std::size_t>& idx) {
      double sum = 0;
      for (auto i : idx) sum += x[i];
      return sum / double(idx.size());
    });
    covered_seeds += s.lo <= 1.0 && 1.0 <= s.hi;
  }
  const double se = std::sqrt(0.95 * 0.05 / trials);
  for (int c : {covered_mean, covered_grid, covered_seeds}) {
    EXPECT_GT(double(c) / trials, 0.91 - 4 * se);
    EXPECT_LT(double(c) / trials, 0.95 + 4 * se);
  }
  const Estimate d = bootstrap_paired_difference({1, 2, 3, NAN}, {0.5, 1.5, 2.5, 1.0});
  EXPECT_DOUBLE_EQ(d.value, 0.5);  // paired over the 3 seeds both have; constant difference: a zero-width interval
  EXPECT_DOUBLE_EQ(d.lo, 0.5);
  EXPECT_DOUBLE_EQ(d.hi, 0.5);
  EXPECT_TRUE(std::isnan(bootstrap_mean({1.0, 2.0}).lo));
  // Issue: a sweep with no width left to judge (one width, none above d*) crashed the paired bootstrap.
  const Estimate none = bootstrap_statistic({{}, {}}, [](const std::vector<double>&) { return NAN; });
  EXPECT_TRUE(std::isnan(none.lo) && std::isnan(none.hi));
  EXPECT_EQ(judge_slope({{}, {}}, -0.5, 0.1, "constructed").verdict, Verdict::inconclusive);
}

}  // namespace
}  // namespace widthlab
