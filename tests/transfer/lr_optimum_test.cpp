// The optimum finder of theory.md §10.1 on constructed loss curves, each against an independent reference.
#include "widthlab/lr_optimum.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "widthlab/error.h"

namespace widthlab {
namespace {

// 10 lrs over 3 decades, as configs/transfer.toml.
std::vector<double> grid() {
  std::vector<double> lrs;
  for (int i = 0; i < 10; ++i) lrs.push_back(0.01 * std::pow(10.0, i / 3.0));
  return lrs;
}

std::vector<double> curve(const std::vector<double>& lrs, double (*f)(double)) {
  std::vector<double> y;
  for (double lr : lrs) y.push_back(f(lr));
  return y;
}

TEST(LrOptimum, ParabolaVertexMatchesTheSolvedQuadratic) {
  // Reference: solve the 3×3 Vandermonde system for y = a + b x + c x² and take −b / (2c).
  const double x[3] = {-1.3, 0.2, 0.9}, y[3] = {2.0, 0.5, 1.7};
  Eigen::Matrix3d V;
  Eigen::Vector3d rhs;
  for (int i = 0; i < 3; ++i) {
    V.row(i) << 1, x[i], x[i] * x[i];
    rhs(i) = y[i];
  }
  const Eigen::Vector3d abc = V.colPivHouseholderQr().solve(rhs);
  EXPECT_NEAR(parabola_vertex(x[0], y[0], x[1], y[1], x[2], y[2]), -abc(1) / (2 * abc(2)), 1e-12);
  EXPECT_TRUE(std::isnan(parabola_vertex(0, 0, 1, 1, 2, 2)));  // collinear
}

TEST(LrOptimum, RecoversTheOptimumOfAParabolaInLogLrExactly) {
  // loss = 0.2 + 0.5 (log lr − log 0.37)²: the fitted parabola is the surface itself.
  const auto lrs = grid();
  const auto y = curve(lrs, [](double lr) { return 0.2 + 0.5 * std::pow(std::log(lr / 0.37), 2); });
  const LrOptimum o = find_lr_optimum(lrs, y);
  EXPECT_EQ(o.status, OptimumStatus::interior);
  EXPECT_NEAR(o.lr, 0.37, 1e-9);
  EXPECT_TRUE(has_interior_optimum(o.status));
}

TEST(LrOptimum, RecoversASmoothNonParabolicOptimumWithinAFractionOfTheGridStep) {
  // loss = cosh(log(lr/lr0)) + 0.1·(log(lr/lr0))³·e^{-(log)²}: the reference optimum by golden-section search on the
  // function itself (unimodal on the bracket).
  auto f = [](double lr) {
    const double u = std::log(lr / 0.8);
    return std::cosh(u) + 0.1 * u * u * u * std::exp(-u * u);
  };
  double a = std::log(0.1), b = std::log(10.0);
  const double phi = (std::sqrt(5.0) - 1) / 2;
  for (int i = 0; i < 200; ++i) {
    const double c = b - phi * (b - a), d = a + phi * (b - a);
    if (f(std::exp(c)) < f(std::exp(d)))
      b = d;  // the minimum lies in [a, d]
    else
      a = c;
  }
  const double reference = std::exp(0.5 * (a + b));
  const auto lrs = grid();
  std::vector<double> y;
  for (double lr : lrs) y.push_back(f(lr));
  const LrOptimum o = find_lr_optimum(lrs, y);
  ASSERT_EQ(o.status, OptimumStatus::interior);
  const double step = std::log(10.0) / 3;
  EXPECT_LT(std::abs(std::log(o.lr / reference)), 0.15 * step) << o.lr << " vs " << reference;
}

TEST(LrOptimum, FlatCurveHasNoInteriorOptimum) {
  const auto lrs = grid();
  const LrOptimum flat = find_lr_optimum(lrs, std::vector<double>(lrs.size(), 0.693));
  EXPECT_EQ(flat.status, OptimumStatus::flat);
  EXPECT_TRUE(std::isnan(flat.lr));
  EXPECT_FALSE(has_interior_optimum(flat.status));
  std::vector<double> almost(lrs.size(), 0.693);
  almost[4] -= 1e-4;  // below kLossTolerance
  EXPECT_EQ(find_lr_optimum(lrs, almost).status, OptimumStatus::flat);
}

TEST(LrOptimum, MonotoneCurvesAreAtTheEdgeWithNoInteriorOptimum) {
  const auto lrs = grid();
  const auto down = curve(lrs, [](double lr) { return 1.0 / (1.0 + lr); });
  const LrOptimum hi = find_lr_optimum(lrs, down);
  EXPECT_EQ(hi.status, OptimumStatus::edge_high);
  EXPECT_DOUBLE_EQ(hi.lr, lrs.back());
  EXPECT_DOUBLE_EQ(hi.lr_low, lrs.back());  // the optimum lies at the edge or beyond it
  EXPECT_TRUE(std::isinf(hi.lr_high));
  EXPECT_FALSE(has_interior_optimum(hi.status));
  EXPECT_NE(std::string(optimum_status_name(hi.status)).find("no interior optimum"), std::string::npos);
  const auto up = curve(lrs, [](double lr) { return 1.0 + lr; });
  const LrOptimum lo = find_lr_optimum(lrs, up);
  EXPECT_EQ(lo.status, OptimumStatus::edge_low);
  EXPECT_DOUBLE_EQ(lo.lr, lrs.front());
  EXPECT_EQ(lo.lr_low, 0.0);
  EXPECT_DOUBLE_EQ(lo.lr_high, lrs.front());
  // Any order of the grid gives the same answer.
  std::vector<double> rl(lrs.rbegin(), lrs.rend()), ru(up.rbegin(), up.rend());
  EXPECT_EQ(find_lr_optimum(rl, ru).status, OptimumStatus::edge_low);
}

TEST(LrOptimum, DivergedRunsBoundTheOptimumFromAbove) {
  const auto lrs = grid();
  auto y = curve(lrs, [](double lr) { return 1.0 / (1.0 + lr); });
  const double inf = std::numeric_limits<double>::infinity();
  y[7] = inf, y[8] = std::nan(""), y[9] = inf;  // diverged beyond lrs[6]
  const LrOptimum o = find_lr_optimum(lrs, y);
  EXPECT_EQ(o.status, OptimumStatus::next_to_diverged);
  EXPECT_DOUBLE_EQ(o.lr, lrs[6]);
  EXPECT_DOUBLE_EQ(o.lr_low, lrs[5]);  // known to its bracket only (theory.md §10.1)
  EXPECT_DOUBLE_EQ(o.lr_high, lrs[7]);
  EXPECT_TRUE(has_interior_optimum(o.status));
  // Everything diverged: no optimum; only the first lr finite: an edge (the optimum at or below the one lr that
  // trains), not a flat curve — one point has no spread to be flat with.
  EXPECT_EQ(find_lr_optimum(lrs, std::vector<double>(lrs.size(), inf)).status, OptimumStatus::none);
  std::vector<double> one(lrs.size(), inf);
  one[0] = 0.5;
  EXPECT_EQ(find_lr_optimum(lrs, one).status, OptimumStatus::edge_low);
}

TEST(LrOptimum, RejectsBadInput) {
  EXPECT_THROW(find_lr_optimum({0.1, 1.0}, {1.0}), InputError);
  EXPECT_THROW(find_lr_optimum({0.0, 1.0}, {1.0, 2.0}), InputError);
}

TEST(LrOptimum, MeanCurveIsInfiniteWhereAnySeedDiverged) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::vector<double>> losses = {{1.0, 3.0}, {2.0, inf}};
  const auto m = mean_curve(losses, {0, 1});
  EXPECT_DOUBLE_EQ(m[0], 2.0);
  EXPECT_TRUE(std::isinf(m[1]));
  EXPECT_DOUBLE_EQ(mean_curve(losses, {0, 0})[1], 2.0);  // a resample without the diverged seed
}

TEST(LrOptimum, BootstrapIntervalCoversTheTrueOptimumOfNoisySeeds) {
  // Five seeds: the same parabola (optimum 0.37) shifted in log lr by ±0.1 per seed; the interval must contain the
  // mean optimum and lie within the seeds' range.
  const auto lrs = grid();
  const double shifts[5] = {-0.1, -0.05, 0.0, 0.05, 0.1};
  std::vector<std::vector<double>> losses(lrs.size(), std::vector<double>(5));
  for (std::size_t i = 0; i < lrs.size(); ++i)
    for (int s = 0; s < 5; ++s) losses[i][std::size_t(s)] = std::pow(std::log(lrs[i] / 0.37) - shifts[s], 2);
  const LrOptimumEstimate e = estimate_lr_optimum(lrs, losses, 500, 1);
  EXPECT_NEAR(e.point.lr, 0.37, 1e-9);  // the mean of the parabolas is a parabola with the mean shift
  EXPECT_LE(e.lo, 0.37);
  EXPECT_GE(e.hi, 0.37);
  EXPECT_GE(e.lo, 0.37 * std::exp(-0.1) - 1e-12);
  EXPECT_LE(e.hi, 0.37 * std::exp(0.1) + 1e-12);
  EXPECT_EQ(e.resamples_with_optimum, 500);
}

// A resample whose mean curve is flat has no optimum: it could lie anywhere, so it counts at the ends (0, +∞) rather
// than being left out. One flat seed of three gives a flat resample with probability (1/3)³ ≈ 3.7 % > 2.5 %, so both
// ends of the interval open; the curved seeds alone (resampled among themselves) keep a finite interval.
TEST(LrOptimum, ResamplesWithoutAnOptimumOpenTheInterval) {
  const auto lrs = grid();
  std::vector<std::vector<double>> losses(lrs.size(), std::vector<double>(3));
  for (std::size_t i = 0; i < lrs.size(); ++i) {
    losses[i][0] = 1.0;  // flat
    losses[i][1] = losses[i][2] = std::pow(std::log(lrs[i] / 0.37), 2);
  }
  const LrOptimumEstimate e = estimate_lr_optimum(lrs, losses, 2000, 3);
  EXPECT_NEAR(double(e.resamples - e.resamples_with_optimum) / e.resamples, 1.0 / 27.0, 0.015);
  EXPECT_EQ(e.lo, 0.0);
  EXPECT_TRUE(std::isinf(e.hi));
  std::vector<std::vector<double>> curved(lrs.size(), std::vector<double>(3));
  for (std::size_t i = 0; i < lrs.size(); ++i) curved[i] = {losses[i][1], losses[i][2], losses[i][1]};
  const LrOptimumEstimate c = estimate_lr_optimum(lrs, curved, 500, 3);
  EXPECT_NEAR(c.lo, 0.37, 1e-9);
  EXPECT_NEAR(c.hi, 0.37, 1e-9);
}

// Fewer than 3 seeds: the optimum, no interval (theory.md §8.7: two seeds' resamples take three values).
TEST(LrOptimum, TwoSeedsGiveNoInterval) {
  const auto lrs = grid();
  std::vector<std::vector<double>> losses(lrs.size(), std::vector<double>(2));
  for (std::size_t i = 0; i < lrs.size(); ++i)
    losses[i] = {std::pow(std::log(lrs[i] / 0.3), 2), std::pow(std::log(lrs[i] / 0.5), 2)};
  const LrOptimumEstimate e = estimate_lr_optimum(lrs, losses, 500, 4);
  EXPECT_NEAR(e.point.lr, std::sqrt(0.3 * 0.5), 1e-9);  // the mean of two parabolas: the midpoint in log lr
  EXPECT_TRUE(std::isnan(e.lo));
  EXPECT_TRUE(std::isnan(e.hi));
  EXPECT_EQ(e.resamples, 0);
}

// An optimum at the grid's edge is known only to lie at or beyond it: its interval stays open on that side, whatever
// the resamples say (theory.md §10.1).
TEST(LrOptimum, EdgeOptimumKeepsItsOpenEnd) {
  const auto lrs = grid();
  std::vector<std::vector<double>> down(lrs.size(), std::vector<double>(4)), up = down;
  for (std::size_t i = 0; i < lrs.size(); ++i)
    for (int s = 0; s < 4; ++s) {
      down[i][std::size_t(s)] = 1.0 / (1.0 + lrs[i]) + 0.01 * s;
      up[i][std::size_t(s)] = 1.0 + lrs[i] + 0.01 * s;
    }
  const LrOptimumEstimate hi = estimate_lr_optimum(lrs, down, 200, 5);
  EXPECT_EQ(hi.point.status, OptimumStatus::edge_high);
  EXPECT_NEAR(hi.lo, lrs.back(), 1e-12 * lrs.back());
  EXPECT_TRUE(std::isinf(hi.hi));
  const LrOptimumEstimate lo = estimate_lr_optimum(lrs, up, 200, 5);
  EXPECT_EQ(lo.point.status, OptimumStatus::edge_low);
  EXPECT_EQ(lo.lo, 0.0);
  EXPECT_NEAR(lo.hi, lrs.front(), 1e-12 * lrs.front());
}

// A missing run (NaN: never run, or failed) is not a diverged one (+inf): the curve gets no optimum rather than one
// next to the gap. Read as diverged, the gap at the best lr's right neighbour would make it "next to diverged".
TEST(LrOptimum, AMissingRunGivesNoOptimum) {
  const auto lrs = grid();
  std::vector<std::vector<double>> losses(lrs.size(), std::vector<double>(3));
  for (std::size_t i = 0; i < lrs.size(); ++i)
    for (int s = 0; s < 3; ++s) losses[i][std::size_t(s)] = std::pow(std::log(lrs[i] / 0.37), 2) + 0.01 * s;
  const LrOptimumEstimate full = estimate_lr_optimum(lrs, losses, 100, 6);
  ASSERT_EQ(full.point.status, OptimumStatus::interior);
  const std::size_t best = std::size_t(
      std::min_element(lrs.begin(), lrs.end(),
                       [](double a, double b) { return std::abs(std::log(a / 0.37)) < std::abs(std::log(b / 0.37)); }) -
      lrs.begin());
  losses[best + 1][1] = std::nan("");
  const LrOptimumEstimate gap = estimate_lr_optimum(lrs, losses, 100, 6);
  EXPECT_EQ(gap.point.status, OptimumStatus::missing);
  EXPECT_TRUE(std::isnan(gap.point.lr));
  EXPECT_TRUE(std::isnan(gap.lo));
  EXPECT_STREQ(optimum_status_name(gap.point.status), "runs missing");
  losses[best + 1][1] = std::numeric_limits<double>::infinity();  // the same gap, diverged
  EXPECT_EQ(estimate_lr_optimum(lrs, losses, 100, 6).point.status, OptimumStatus::next_to_diverged);
}

}  // namespace
}  // namespace widthlab
