#include "widthlab/distances.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "widthlab/error.h"

using namespace widthlab;

TEST(Distances, LogitRmsHandValues) {
  EXPECT_DOUBLE_EQ(logit_rms({1, 2, 3}, {1, 2, 3}), 0.0);
  // differences (3, -4): mean square 12.5
  EXPECT_DOUBLE_EQ(logit_rms({3, 0}, {0, 4}), std::sqrt(12.5));
  EXPECT_THROW(logit_rms({1, 2}, {1}), InputError);
  EXPECT_THROW(logit_rms({}, {}), InputError);
}

// Independent reference: KL(p‖q) = ∫ p log(p/q) by the trapezoid rule on ±12σ_p.
static double kl_quadrature(double mp, double vp, double mq, double vq) {
  const double sp = std::sqrt(vp);
  const int n = 200000;
  double lo = mp - 12 * sp, hi = mp + 12 * sp, h = (hi - lo) / n, s = 0;
  auto logpdf = [](double x, double m, double v) {
    return -0.5 * std::log(2 * M_PI * v) - (x - m) * (x - m) / (2 * v);
  };
  for (int i = 0; i <= n; ++i) {
    double x = lo + h * i;
    double lp = logpdf(x, mp, vp), lq = logpdf(x, mq, vq);
    double f = std::exp(lp) * (lp - lq);
    s += (i == 0 || i == n) ? 0.5 * f : f;
  }
  return s * h;
}

TEST(Distances, GaussianKlMatchesQuadrature) {
  const double cases[][4] = {{0, 1, 0, 1}, {0.3, 0.5, -1.2, 2.0}, {2, 4, 0, 0.25}, {-1, 0.01, -0.9, 0.02}};
  for (auto& c : cases) {
    double ref = kl_quadrature(c[0], c[1], c[2], c[3]);
    EXPECT_NEAR(gaussian_kl(c[0], c[1], c[2], c[3]), ref, 1e-6 * std::max(1.0, ref)) << c[0] << " " << c[1];
  }
  EXPECT_DOUBLE_EQ(gaussian_kl(1.5, 2.0, 1.5, 2.0), 0.0);
}

TEST(Distances, SeedKlHandComputed) {
  // point 0: finite seeds {0, 2} → μ=1, var=2; limit {1, 3} → μ=2, var=2 → KL = 0 + (2+1)/4 − 1/2 = 0.25
  // point 1: finite {1, 1} → var 0 → floored to 0.1² ; limit {0, 2} → μ=1, var=2 → KL = ½log(2/0.01) + 0.01/4 − ½
  MatrixD f(2, 2), l(2, 2);
  f << 0, 1, 2, 1;
  l << 1, 0, 3, 2;
  SeedKl r = seed_gaussian_kl(f, l, 0.1);
  double p1 = 0.5 * std::log(2 / 0.01) + 0.01 / 4 - 0.5;
  EXPECT_NEAR(r.kl, (0.25 + p1) / 2, 1e-12);
  EXPECT_EQ(r.floored, 1u);
  EXPECT_EQ(r.points, 2u);
  EXPECT_THROW(seed_gaussian_kl(MatrixD::Zero(1, 2), l, 0.1), InputError);
  EXPECT_THROW(seed_gaussian_kl(f, MatrixD::Zero(2, 3), 0.1), InputError);
  EXPECT_THROW(seed_gaussian_kl(f, l, 0.0), InputError);
}

TEST(Distances, SeedKlMonteCarloConvergesToClosedForm) {
  // Many seeds drawn from N(μ_i, σ_i²) and N(ν_i, τ_i²): the fitted-moment KL → the closed form; its sampling error
  // is O(1/√S) (S seeds), so the tolerance is 5/√S times the typical KL scale.
  const int S = 20000, n = 4;
  const double mu[n] = {0, 1, -0.5, 2}, sd[n] = {1, 0.5, 2, 1}, nu[n] = {0.5, 1, 0, 1.5}, tau[n] = {1, 1, 1.5, 0.7};
  std::mt19937_64 rng(7);
  std::normal_distribution<double> z;
  MatrixD f(S, n), l(S, n);
  for (int s = 0; s < S; ++s)
    for (int i = 0; i < n; ++i) f(s, i) = mu[i] + sd[i] * z(rng), l(s, i) = nu[i] + tau[i] * z(rng);
  double exact = 0;
  for (int i = 0; i < n; ++i) exact += gaussian_kl(mu[i], sd[i] * sd[i], nu[i], tau[i] * tau[i]) / n;
  SeedKl r = seed_gaussian_kl(f, l, 1e-6);
  EXPECT_EQ(r.floored, 0u);
  EXPECT_NEAR(r.kl, exact, 5.0 / std::sqrt(double(S)) * std::max(1.0, exact));
}

TEST(Distances, SignGapHandValues) {
  MatrixD f(4, 2), l(2, 2);
  f << 1, -1, 1, -1, -1, -1, 1, 2;  // P(f>0): col0 3/4, col1 1/4
  l << 1, 1, -1, 1;                 // col0 1/2, col1 1
  EXPECT_NEAR(sign_probability_gap(f, l), (0.25 + 0.75) / 2, 1e-15);
  EXPECT_DOUBLE_EQ(sign_probability_gap(l, l), 0.0);
  EXPECT_THROW(sign_probability_gap(f, MatrixD::Zero(2, 3)), InputError);
}

TEST(Distances, DefaultSigmaFloorScalesWithLogits) {
  MatrixD a = MatrixD::Constant(3, 2, 2.0), b = MatrixD::Constant(2, 2, -2.0);
  EXPECT_NEAR(default_sigma_floor(a, b, 0.01, 1e-9), 0.02, 1e-15);
  EXPECT_DOUBLE_EQ(default_sigma_floor(MatrixD::Zero(2, 2), MatrixD::Zero(2, 2), 0.01, 1e-6), 1e-6);
}

// sign_gap_log_ratio against a hand computation (numpy, independent of the C++): 4 paired seeds at two widths, 2 limit
// runs; the value, and the two-sample jackknife interval (variances 0.42694 over the seeds and 0.26503 over the limit
// runs, Welch–Satterthwaite ν = 3.66 → t(0.975, 3) = 3.182446).
TEST(Distances, SignGapLogRatioHandValues) {
  MatrixD narrow(4, 3), wide(4, 3), limit(2, 3);
  narrow << 1, -1, 1, 1, 1, -1, -1, 1, 1, 1, 1, 1;
  wide << 1, -1, -1, 1, -1, 1, -1, -1, -1, 1, -1, -1;
  limit << 1, -1, -1, 1, -1, 1;
  const Estimate e = sign_gap_log_ratio(narrow, wide, limit);
  EXPECT_NEAR(e.value, std::log(0.4), 1e-12);  // gaps 1/6 at the wide width, 5/12 at the narrow one
  EXPECT_NEAR(e.value, -0.9162907318741551, 1e-12);
  EXPECT_NEAR(e.lo, -3.56360055202201, 1e-12);
  EXPECT_NEAR(e.hi, 1.7310190882737, 1e-12);
  EXPECT_THROW(sign_gap_log_ratio(narrow, wide.topRows(3), limit), InputError);
}

// Nets that do not move give a log ratio of exactly 0 with a zero-width interval: "falls" needs its upper end below 0.
TEST(Distances, SignGapLogRatioOfUnmovedNetsIsZero) {
  MatrixD nets(3, 2), limit(2, 2);
  nets << 1, -1, -1, 1, 1, 1;
  limit << 1, 1, 1, 1;
  const Estimate e = sign_gap_log_ratio(nets, nets, limit);
  EXPECT_DOUBLE_EQ(e.value, 0.0);
  EXPECT_DOUBLE_EQ(e.hi, 0.0);
  EXPECT_DOUBLE_EQ(e.lo, 0.0);
}
