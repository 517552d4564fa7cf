#include "widthlab/two_sample.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "widthlab/rng.h"

using namespace widthlab;

// Closed forms: W1 between a sample and its shift by c is |c|; between point masses it is the distance; KS of
// disjoint supports is 1; hand-computed unequal sizes and ties.
TEST(TwoSample, Wasserstein1ClosedForms) {
  EXPECT_DOUBLE_EQ(wasserstein1({0.0}, {1.0}), 1.0);
  EXPECT_DOUBLE_EQ(wasserstein1({0.0, 1.0}, {0.0}), 0.5);
  // F_a − F_b on [0,1): 1/3 − 0, [1,2): 2/3 − 1/2, [2,3): 1 − 1/2 → 1/3 + 1/6 + 1/2 = 1.
  EXPECT_NEAR(wasserstein1({0.0, 1.0, 2.0}, {1.0, 3.0}), 1.0, 1e-15);
  Rng rng = make_rng(7, 0);
  std::normal_distribution<double> n01;
  std::vector<double> a(500), b;
  for (double& x : a) x = n01(rng);
  for (double x : a) b.push_back(x + 0.37);
  EXPECT_NEAR(wasserstein1(a, b), 0.37, 1e-12);
  EXPECT_NEAR(wasserstein1(b, a), 0.37, 1e-12);
  EXPECT_DOUBLE_EQ(wasserstein1(a, a), 0.0);
  std::vector<double> twice = a;
  twice.insert(twice.end(), a.begin(), a.end());
  EXPECT_NEAR(wasserstein1(a, twice), 0.0, 1e-15);  // the same empirical distribution
}

TEST(TwoSample, KsClosedForms) {
  EXPECT_DOUBLE_EQ(ks_statistic({0.0, 1.0}, {2.0, 3.0}), 1.0);
  EXPECT_NEAR(ks_statistic({1.0, 2.0, 3.0}, {2.0, 3.0, 4.0}), 1.0 / 3.0, 1e-15);
  EXPECT_DOUBLE_EQ(ks_statistic({1.0, 1.0, 2.0}, {1.0, 2.0, 2.0}), 1.0 / 3.0);  // ties: 2/3 vs 1/3 at t = 1
  EXPECT_DOUBLE_EQ(ks_statistic({5.0}, {5.0, 5.0}), 0.0);
  // Large samples of U(0,1) and U(0.2,1.2): the CDFs differ by 0.2 on [0.2, 1].
  Rng rng = make_rng(3, 0);
  std::uniform_real_distribution<double> u;
  std::vector<double> a(20000), b(20000);
  for (double& x : a) x = u(rng);
  for (double& x : b) x = u(rng) + 0.2;
  EXPECT_NEAR(ks_statistic(a, b), 0.2, 0.02);
  EXPECT_NEAR(wasserstein1(a, b), 0.2, 0.01);
}

TEST(TwoSample, RejectsEmptyAndNonFinite) {
  EXPECT_THROW(wasserstein1({}, {1.0}), std::invalid_argument);
  EXPECT_THROW(ks_statistic({1.0}, {NAN}), std::invalid_argument);
}

// Groups of the same law give a ratio near 1 (the noise floor); a shift of several noise units gives a large ratio;
// correlated groups (a shared per-group offset) are handled because the halves are split by group.
TEST(TwoSample, SplitNoiseRatio) {
  Rng rng = make_rng(11, 0);
  std::normal_distribution<double> n01;
  auto groups = [&](double shift, double group_sd) {
    std::vector<std::vector<double>> g(10);
    for (auto& v : g) {
      const double off = group_sd * n01(rng);
      for (int i = 0; i < 200; ++i) v.push_back(n01(rng) + off + shift);
    }
    return g;
  };
  double same = 0;
  for (int r = 0; r < 20; ++r) same += split_noise_ratio(groups(0, 0), groups(0, 0), 16, r) / 20;
  EXPECT_NEAR(same, 1.0, 0.1);
  double corr = 0;
  for (int r = 0; r < 20; ++r) corr += split_noise_ratio(groups(0, 0.3), groups(0, 0.3), 16, r) / 20;
  EXPECT_NEAR(corr, 1.0, 0.15);
  EXPECT_GT(split_noise_ratio(groups(0, 0), groups(1.0, 0)), 5.0);
  EXPECT_TRUE(std::isnan(split_noise_ratio({{1.0}}, {{2.0}})));
  EXPECT_THROW(split_noise_ratio({{1.0}, {2.0}}, {{1.0}}), std::invalid_argument);
  EXPECT_EQ(pool_groups({{1.0, 2.0}, {}, {3.0}}, {2, 1, 0}), (std::vector<double>{3.0, 1.0, 2.0}));
}
