// Kernel pieces of the limits (theory.md §3.2, §3.4, §3.5): the SP reference net's NNGP K against Monte-Carlo over
// neurons and against the kernels module, the normalised NTK Θ̄ against kernel_ntk_weighted, the GP sampler's
// covariance, and the NTK kernel model against the closed form of function-space GD for MSE.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "limit_test_data.h"
#include "widthlab/kernel.h"
#include "widthlab/limit_run.h"
#include "widthlab/scaling.h"

namespace widthlab {
namespace {

// K(x,x') = v_out·E_w[φ(w·x)φ(w·x')] with w ~ the init law (exact Gaussian for gaussian init), estimated over M
// neurons; tolerance 5 standard errors of the mean (+ the CLT-in-n0 allowance for the uniform law).
void check_nngp_mc(InitKind init, double clt_allowance) {
  const int n0 = 30, M = test::sanitized() ? 20000 : 200000;
  const Dataset d = test::teacher_task(n0, 5, 1, 8);
  const Activation act = activation_from_name("leaky_relu:0.1");
  const MatrixD K = limit_nngp(act, init, d.x_train, d.x_train);
  Rng rng = make_rng(4, 0);
  const double c = 1 / std::sqrt(double(n0));
  std::uniform_real_distribution<double> uni(-c, c);
  std::normal_distribution<double> gau(0, c);
  const int n = int(d.x_train.rows());
  MatrixD s = MatrixD::Zero(n, n), s2 = MatrixD::Zero(n, n);
  VectorD w(n0), phi(n);
  for (int r = 0; r < M; ++r) {
    for (int j = 0; j < n0; ++j) w[j] = init == InitKind::uniform ? uni(rng) : gau(rng);
    for (int i = 0; i < n; ++i) phi[i] = act.value(d.x_train.row(i).dot(w));
    const MatrixD p = phi * phi.transpose();
    s += p;
    s2 += p.cwiseProduct(p);
  }
  const double v_out = limit_init_variance(init);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const double mean = s(i, j) / M, var = s2(i, j) / M - mean * mean;
      const double se = v_out * std::sqrt(var / M);
      EXPECT_NEAR(K(i, j), v_out * mean, 5 * se + clt_allowance * std::abs(K(i, i))) << i << "," << j;
    }
}

TEST(KernelModels, NngpMatchesMonteCarlo) {
  check_nngp_mc(InitKind::gaussian, 0.0);
  check_nngp_mc(InitKind::uniform, 0.02);
}

// The kernels module's NTK-parameterisation recursion with W_std² = 1/3 is the SP reference net's NNGP
// (K1 = x·x'/(3n0), K = T(K1)/3), and scaling_kernel_weights of the NTK preset gives the d → ∞ lr-weighted NTK Θ̄.
TEST(KernelModels, AgreesWithKernelsModule) {
  const Dataset d = test::teacher_task(12, 7, 5, 9);
  const Activation act = activation_from_name("leaky_relu:0.1");
  KernelOptions ko;
  ko.depth = 1;
  ko.act = act;
  ko.W_std = std::sqrt(1.0 / 3.0);
  const MatrixD ref_k = kernel_nngp<double>(d.x_train, d.x_test, ko);
  const MatrixD K = limit_nngp(act, InitKind::uniform, d.x_train, d.x_test);
  EXPECT_LT((K - ref_k).cwiseAbs().maxCoeff(), 1e-12 * ref_k.cwiseAbs().maxCoeff());

  const double lr = 0.05, dstar = 128;
  const ScalingKernelWeights kw = scaling_kernel_weights(scaling_from_name("ntk"), 4096, lr, 12);
  KernelOptions kt = ko;
  kt.W_std = kw.W_std;
  const MatrixD ref_t = kernel_ntk_weighted<double>(d.x_train, &d.x_test, kt, kw.layer_weights);
  const MatrixD T = limit_ntk(act, InitKind::uniform, lr, dstar, d.x_train, d.x_test);
  EXPECT_LT((T - ref_t).cwiseAbs().maxCoeff(), 1e-10 * ref_t.cwiseAbs().maxCoeff());
}

// A point paired with itself takes the dual's diagonal formula (θ = 0), as kernel.h's symmetric path does: for relu
// T(k, k, k) = k/2 and Ṫ = 1/2 exactly, so Θ̄(x, x) = η(d*·v_in|x|²/(2n0) + v_out|x|²/2) to rounding (a few u), where
// the off-diagonal formula at the angle θ ≈ √u that x·x's rounding leaves was ~1e-10 off. Pairs of distinct points in
// the same call keep the general formula (checked against the kernels module above).
TEST(KernelModels, SelfPairsUseTheExactDiagonal) {
  const Dataset d = test::teacher_task(13, 9, 4, 5);
  const Activation relu = activation_from_name("relu");
  const double lr = 0.3, dstar = 128, v = limit_init_variance(InitKind::uniform), n0 = 13;
  MatrixD x_all(d.x_train.rows() + d.x_test.rows(), d.x_train.cols());
  x_all << d.x_train, d.x_test;
  const MatrixD T = limit_ntk(relu, InitKind::uniform, lr, dstar, x_all, d.x_train);
  const MatrixD K = limit_nngp(relu, InitKind::uniform, x_all, x_all);
  for (Eigen::Index i = 0; i < d.x_train.rows(); ++i) {
    const double sq = d.x_train.row(i).squaredNorm();
    const double want = lr * (dstar * v * sq / (2 * n0) + v * sq / 2);
    EXPECT_NEAR(T(i, i), want, 8e-16 * want) << i;
    EXPECT_NEAR(K(i, i), v * v * sq / (2 * n0), 8e-16 * K(i, i)) << i;
  }
  for (Eigen::Index i = d.x_train.rows(); i < x_all.rows(); ++i) {
    const double sq = x_all.row(i).squaredNorm();
    EXPECT_NEAR(K(i, i), v * v * sq / (2 * n0), 8e-16 * K(i, i)) << i;
  }
}

TEST(KernelModels, GpSampleCovariance) {
  const Dataset d = test::teacher_task(6, 6, 1, 3);
  const Activation act = activation_from_name("relu");
  MatrixD x(7, 6);
  x << d.x_train, d.x_train.row(0);  // a duplicate row: K is singular, jitter must kick in
  const MatrixD K = limit_nngp(act, InitKind::uniform, x, x);
  const int S = test::sanitized() ? 4000 : 40000;
  Rng rng = make_rng(1, rng_stream::gp_sample);
  const GpSample g = sample_gp(K, S, 0.0, rng);
  EXPECT_EQ(g.method, "cholesky");
  EXPECT_GT(g.jitter, 0.0);
  EXPECT_LT(g.jitter, 1e-4 * K.diagonal().mean());
  const MatrixD C = g.values * g.values.transpose() / S;
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 7; ++j)  // Var of a product of N(0,K) entries: K_ii K_jj + K_ij²
      EXPECT_NEAR(C(i, j), K(i, j), 5 * std::sqrt((K(i, i) * K(j, j) + K(i, j) * K(i, j)) / S)) << i << "," << j;
  // The duplicate rows of the sample agree to the jitter's size.
  EXPECT_LT((g.values.row(0) - g.values.row(6)).cwiseAbs().maxCoeff(), 1e-3 * std::sqrt(K(0, 0)));
}

// NTK model (region 2) with MSE and full batch: u_k = g + h_k with h_{k+1} = h_k − Θ̄(·,X)(u_k(X) − y)/n. Closed form
// through the eigendecomposition Θ̄_XX/n = VΛVᵀ: r_k = V(1−Λ)^kVᵀ r_0 on the train set (r = u − y) and
// u_k(test) = g_test − Θ̄_tX/n · V diag((1 − (1−λ)^k)/λ) Vᵀ r_0.
TEST(KernelModels, NtkModelMatchesClosedFormMse) {
  const Dataset d = test::teacher_task(8, 20, 9, 6);
  const Activation act = activation_from_name("leaky_relu:0.1");
  LimitOptions o;
  o.model = "ntk";
  o.loss = "mse";
  o.lr = 0.05;
  o.steps = 25;
  const LimitSeedResult r = simulate_limit_seed(o, d, 2);
  ASSERT_EQ(r.status, RunStatus::ok);
  // Recompute g from the same stream.
  MatrixD x_all(29, 8);
  x_all << d.x_train, d.x_test;
  Rng rng = make_rng(2, rng_stream::gp_sample);
  const GpSample g = sample_gp(limit_nngp(act, InitKind::uniform, x_all, x_all), 1, o.gp_jitter, rng);
  const int n = 20;
  const MatrixD txx = limit_ntk(act, InitKind::uniform, o.lr, 128, d.x_train, d.x_train) / n;
  const MatrixD ttx = limit_ntk(act, InitKind::uniform, o.lr, 128, d.x_test, d.x_train) / n;
  const Eigen::MatrixXd txx_c = txx;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(txx_c);
  const Eigen::MatrixXd V = eig.eigenvectors();
  const Eigen::VectorXd lam = eig.eigenvalues();
  ASSERT_LT(lam.maxCoeff(), 2.0);  // GD is stable at this lr
  const VectorD r0 = g.values.topRows(n).col(0) - d.y_train;
  Eigen::VectorXd f(n);
  for (int i = 0; i < n; ++i) f[i] = lam[i] > 1e-14 ? (1 - std::pow(1 - lam[i], o.steps)) / lam[i] : double(o.steps);
  const VectorD u_test = g.values.bottomRows(9).col(0) - ttx * (V * f.asDiagonal() * V.transpose() * r0);
  EXPECT_LT((r.test_logits.col(0) - u_test).cwiseAbs().maxCoeff(), 1e-9 * (1 + u_test.cwiseAbs().maxCoeff()));
  EXPECT_GT((u_test - g.values.bottomRows(9).col(0)).cwiseAbs().maxCoeff(), 1e-2);  // it did move
}

}  // namespace
}  // namespace widthlab
