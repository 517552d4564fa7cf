// The MF particle system (theory.md §3.3) and IC-MF (§3.5): identity with the MF-scaled finite net, ± pairing, the
// evolving kernel, MF ≡ IC-MF when g ≡ 0, and the N^{-1/2} convergence of the particle system.
#include "widthlab/mean_field.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "limit_test_data.h"
#include "widthlab/limit_run.h"
#include "widthlab/optimizer.h"
#include "widthlab/scaling.h"
#include "widthlab/train_run.h"

namespace widthlab {
namespace {

using test::teacher_task;

// The finite MF-scaled net of width N (run_training, "mf" preset) and the particle system with the same N
// particles drawn from the same init (independent_particles = false, no pairing), driven by L_fin(y, m + g) with
// g ≡ 0 (IC-MF rule), give the same test logits at every step — for full-batch GD and for mini-batch SGD (the
// limit reuses the finite net's batch stream).
void check_identity(const std::string& optimizer, int batch, Precision precision) {
  SCOPED_TRACE(optimizer + " batch " + std::to_string(batch));
  const Dataset d = teacher_task(7, 24, 10, 3);
  const int N = 96, steps = 7;
  const double lr = 0.5;
  TrainTask task;
  task.model.width = N;
  task.model.activation = activation_from_name("leaky_relu:0.1");
  task.factors = scaling_from_name("mf", 1, 128, optimizer_family(optimizer)).factors_at(N);
  task.seed = 11;
  task.train.optimizer = optimizer;
  task.train.lr = lr;
  task.train.steps = steps;
  task.train.batch = batch;
  task.train.precision = precision;
  task.train.curve_logits = true;
  task.train.decomposition = false;
  const TrainResult fin = run_training(task, TrainData{d.x_train, d.y_train, d.x_test, d.y_test, 2});

  LimitOptions o;
  o.model = "ic-mf";
  o.particles = N;
  o.paired = false;
  o.independent_particles = false;
  o.optimizer = optimizer;
  o.lr = lr;
  o.steps = steps;
  o.batch = batch;
  o.precision = precision;
  o.curve_logits = true;
  LimitFixedInputs zero{MatrixD::Zero(24, 1), MatrixD::Zero(10, 1)};
  const LimitSeedResult lim = simulate_limit_seed(o, d, 11, zero);

  ASSERT_EQ(fin.curve_test_logits.size(), lim.curve_test_logits.size());
  ASSERT_EQ(lim.curve_test_logits.size(), size_t(steps + 1));
  double max_move = 0;
  for (size_t s = 0; s < lim.curve_test_logits.size(); ++s) {
    const double diff = (fin.curve_test_logits[s] - lim.curve_test_logits[s]).cwiseAbs().maxCoeff();
    EXPECT_EQ(diff, 0.0) << "step " << s;
    max_move = std::max(max_move, (lim.curve_test_logits[s] - lim.curve_test_logits[0]).cwiseAbs().maxCoeff());
  }
  EXPECT_GT(max_move, 1e-2);  // the logits did move: the comparison is not between frozen nets
  ASSERT_EQ(fin.kernel_diag_final.size(), lim.kernel_diag_final.size());
  for (size_t i = 0; i < lim.kernel_diag_final.size(); ++i)
    EXPECT_NEAR(fin.kernel_diag_final[i], lim.kernel_diag_final[i], 1e-12 * std::abs(fin.kernel_diag_final[i]));
}

TEST(MeanField, ParticleSystemIsTheMfScaledFiniteNet) {
  check_identity("gd", 0, Precision::float64);
  check_identity("sgd", 5, Precision::float64);
  check_identity("gd", 0, Precision::float32);
  check_identity("rmsprop", 8, Precision::float64);
}

TEST(MeanField, PairedInitGivesZeroLogitsAndReferenceLaw) {
  ParticleOptions po;
  po.input_dim = 5;
  po.particles = 4096;
  ParticleSystem<double> ps(po, 0.1, 8);
  ps.init(2);
  const Dataset d = teacher_task(5, 8, 20, 1);
  const MatrixD x = d.x_test;
  // Exact cancellation up to the GEMM's summation order.
  EXPECT_LT(ps.predict(x).cwiseAbs().maxCoeff(), 1e-15);
  // Particles follow the reference law (theory.md §1.5): effective output weights a_r = (d*/N)·ã_r, ã ~ U(±1/√d*);
  // input weights U(±1/√n0). Check the ranges and second moments (Var U(±c) = c²/3) within 5 standard errors.
  const auto& net = ps.net();
  const MatrixD a = net.weight(1) * net.multiplier(1) * (double(po.particles) / 128.0);
  const MatrixD w = net.weight(0) * net.multiplier(0);
  EXPECT_LE(a.cwiseAbs().maxCoeff(), 1 / std::sqrt(128.0));
  EXPECT_LE(w.cwiseAbs().maxCoeff(), 1 / std::sqrt(5.0));
  const double va = a.squaredNorm() / a.size(), vw = w.squaredNorm() / w.size();
  // Var of x² for x ~ U(±c): c⁴/5 − c⁴/9 = 4c⁴/45; pairing halves the independent count.
  const double ca = 1 / 128.0, cw = 1 / 5.0;
  EXPECT_NEAR(va, ca / 3, 5 * std::sqrt(4 * ca * ca / 45 / (a.size() / 2.0)));
  EXPECT_NEAR(vw, cw / 3, 5 * std::sqrt(4 * cw * cw / 45 / (w.size() / 2.0)));
}

// Θ⁽⁰⁾(x,x) of the particle system: η d*·mean_r[φ(w_r·x)² + ã_r² φ'(w_r·x)² |x|²] (computed here from the
// weights), and its N → ∞ value Θ̄(x,x) of limit_ntk within a Monte-Carlo tolerance.
TEST(MeanField, KernelDiagonalAtInit) {
  const int n0 = 40;
  ParticleOptions po;
  po.input_dim = n0;
  po.particles = 1 << 15;
  po.activation = activation_from_name("leaky_relu:0.1");
  const double lr = 0.3;
  ParticleSystem<double> ps(po, lr, 4);
  ps.init(5);
  const Dataset d = teacher_task(n0, 4, 6, 2);
  const std::vector<double> diag = ps.kernel_diagonal(d.x_test);
  const auto& net = ps.net();
  const double N = double(po.particles), dstar = 128;
  const MatrixD w = net.weight(0) * net.multiplier(0);
  const VectorD at = (net.weight(1) * net.multiplier(1) * (N / dstar)).transpose().col(0);
  const MatrixD theta_bar = limit_ntk(po.activation, InitKind::uniform, lr, dstar, d.x_test, d.x_test);
  for (int i = 0; i < d.x_test.rows(); ++i) {
    const VectorD x = d.x_test.row(i).transpose();
    const VectorD z = w * x;
    double s = 0, s2 = 0;
    for (Eigen::Index r = 0; r < z.size(); ++r) {
      const double phi = po.activation.value(z[r]), dphi = po.activation.derivative(z[r]);
      const double term = phi * phi + at[r] * at[r] * dphi * dphi * x.squaredNorm();
      s += term;
      s2 += term * term;
    }
    const double mean = s / N, var = s2 / N - mean * mean;
    EXPECT_NEAR(diag[i], lr * dstar * mean, 1e-10 * diag[i]);
    // Pairs share w, so N/2 independent terms. The uniform law's w·x is Gaussian only by the CLT in n0 (theory.md
    // §3.2): allow 2 % for that on top of 5 standard errors.
    const double se = lr * dstar * std::sqrt(var / (N / 2));
    EXPECT_NEAR(diag[i], theta_bar(i, i), 5 * se + 0.02 * theta_bar(i, i)) << "input " << i;
  }
}

// Region 1 (MF) and IC-MF are the same dynamics when g ≡ 0 (theory.md §3.5): identical logits at every step.
TEST(MeanField, McAndIcMfAgreeWhenGIsZero) {
  const Dataset d = teacher_task(6, 20, 12, 4);
  LimitOptions o;
  o.particles = 512;
  o.lr = 0.8;
  o.steps = 6;
  o.precision = Precision::float64;
  o.curve_logits = true;
  o.model = "mf";
  const LimitSeedResult mf = simulate_limit_seed(o, d, 3);
  o.model = "ic-mf";
  const LimitSeedResult ic = simulate_limit_seed(o, d, 3, {MatrixD::Zero(20, 1), MatrixD::Zero(12, 1)});
  ASSERT_EQ(mf.curve_test_logits.size(), ic.curve_test_logits.size());
  for (size_t s = 0; s < mf.curve_test_logits.size(); ++s)
    EXPECT_LE((mf.curve_test_logits[s] - ic.curve_test_logits[s]).cwiseAbs().maxCoeff(), 1e-12) << "step " << s;
  EXPECT_GT(mf.test_logits.cwiseAbs().maxCoeff(), 1e-2);
  // With its GP sample the IC-MF limit starts at g (O(1) init logits) and differs from MF.
  const LimitSeedResult icg = simulate_limit_seed(o, d, 3);
  EXPECT_EQ(icg.gp_method, "cholesky");
  EXPECT_GT(icg.curve_test_logits[0].cwiseAbs().mean(), 0.05);
  EXPECT_GT((icg.test_logits - mf.test_logits).cwiseAbs().maxCoeff(), 1e-3);
}

// theory.md §3.3: the particle system of size N converges to the N = ∞ measure dynamics with error ~ N^{-1/2}. Distance
// = RMS over test inputs of m_N⁽ᵏ⁾ − m_M⁽ᵏ⁾ for M ≫ N (independent draws), averaged (in square) over seeds; the fitted
// log-log slope over N = 2^8 … 2^14 is −1/2 ± 0.15.
TEST(MeanField, ParticleErrorFallsLikeInverseSqrtN) {
  const bool small = test::sanitized();
  const Dataset d = teacher_task(8, 32, 32, 7);
  LimitOptions o;
  o.model = "mf";
  o.lr = 1.0;
  o.steps = small ? 3 : 5;
  o.curve_every = 0;
  o.kernel_points = 0;
  o.precision = Precision::float64;
  const int M = small ? 1 << 15 : 1 << 18;  // one shared reference draw; its own error is ~(N_max/M)^{1/2} = 1/4
  const std::vector<int> Ns = small ? std::vector<int>{1 << 8, 1 << 10, 1 << 12}
                                    : std::vector<int>{1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12, 1 << 13, 1 << 14};
  const std::vector<uint64_t> seeds = small ? std::vector<uint64_t>{0, 1} : std::vector<uint64_t>{0, 1, 2, 3};
  std::vector<double> lx, ly;
  o.particles = M;
  const MatrixD ref = simulate_limit_seed(o, d, 1000).test_logits;
  for (int N : Ns) {
    o.particles = N;
    double sq = 0;
    for (uint64_t s : seeds) {
      const MatrixD m = simulate_limit_seed(o, d, s).test_logits;
      sq += (m - ref).squaredNorm() / double(m.size());
    }
    lx.push_back(std::log(double(N)));
    ly.push_back(0.5 * std::log(sq / double(seeds.size())));
  }
  const double mx = std::accumulate(lx.begin(), lx.end(), 0.0) / lx.size();
  const double my = std::accumulate(ly.begin(), ly.end(), 0.0) / ly.size();
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < lx.size(); ++i) sxy += (lx[i] - mx) * (ly[i] - my), sxx += (lx[i] - mx) * (lx[i] - mx);
  const double slope = sxy / sxx;
  std::printf("particle error slope %.3f (distances:", slope);
  for (double v : ly) std::printf(" %.3g", std::exp(v));
  std::printf(")\n");
  EXPECT_NEAR(slope, -0.5, 0.15);
}

}  // namespace
}  // namespace widthlab
