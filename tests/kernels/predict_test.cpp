// predict (theory.md §3.2): MSE closed forms vs explicit solves / explicit small-step gradient descent; function-space
// GD vs hand loops; the GP sample's covariance by Monte-Carlo.
#include "widthlab/predict.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "widthlab/error.h"
#include "widthlab/progress.h"

using namespace widthlab;

namespace {

MatrixD inputs(int n, int d, double shift) {
  MatrixD X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = std::sin(1.3 * i + 0.7 * j + shift) + 0.2 * std::cos(3.1 * i * j + shift);
  return X;
}

KernelOptions relu_net(int depth = 2) {
  KernelOptions o;
  o.depth = depth;
  o.act = activation_from_name("relu");
  o.b_std = 0.3;
  return o;
}

double max_abs(const MatrixD& A) { return A.cwiseAbs().maxCoeff(); }

struct Data {
  MatrixD X, T, Y;
  MatrixD ntk_dd, ntk_td, nngp_dd, nngp_td, nngp_tt;
};

Data make_data(int n = 8, int m = 5, int d = 3, int k = 1) {
  Data D;
  D.X = inputs(n, d, 0.0);
  D.T = inputs(m, d, 0.5);
  D.Y.resize(n, k);
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < k; ++c) D.Y(i, c) = std::cos(0.9 * i + 2.0 * c);
  auto o = relu_net();
  D.ntk_dd = kernel_ntk(D.X, o);
  D.ntk_td = kernel_ntk(D.T, D.X, o);
  D.nngp_dd = kernel_nngp(D.X, o);
  D.nngp_td = kernel_nngp(D.T, D.X, o);
  D.nngp_tt = kernel_nngp(D.T, o);
  return D;
}

}  // namespace

TEST(Predict, InfiniteTimeEqualsKernelRegressionSolve) {
  Data D = make_data(8, 5, 3, 2);
  for (double reg : {0.0, 0.1}) {
    PredictOptions o;
    o.diag_reg = reg;
    PredictResult r = predict_mse(D.ntk_dd, D.ntk_td, D.nngp_dd, D.nngp_td, D.nngp_tt, D.Y, o);
    MatrixD A = D.ntk_dd;
    A.diagonal().array() += reg * D.ntk_dd.trace() / 8.0;
    Eigen::MatrixXd sol = Eigen::MatrixXd(A).colPivHouseholderQr().solve(Eigen::MatrixXd(D.Y));
    MatrixD expect = D.ntk_td * sol;
    ASSERT_EQ(r.mean.rows(), 5);
    ASSERT_EQ(r.mean.cols(), 2);
    EXPECT_LE(max_abs(r.mean - expect), 1e-9 * (1 + max_abs(expect))) << "reg " << reg;
    EXPECT_NEAR(r.summary.reg, reg * D.ntk_dd.trace() / 8.0, 1e-15);
  }
  // Absolute scale and the end-to-end form agree with the kernel-level form.
  PredictOptions o;
  o.diag_reg = 0.05;
  o.diag_reg_absolute_scale = true;
  PredictResult r = predict(D.X, D.Y, D.T, relu_net(), o);
  MatrixD A = D.ntk_dd;
  A.diagonal().array() += 0.05;
  MatrixD expect = D.ntk_td * Eigen::MatrixXd(A).colPivHouseholderQr().solve(Eigen::MatrixXd(D.Y));
  EXPECT_LE(max_abs(r.mean - expect), 1e-9 * (1 + max_abs(expect)));
}

TEST(Predict, FiniteTimeEqualsSmallStepGradientDescent) {
  // Explicit gradient descent on the ½·mean-over-entries MSE with step h = lr/M, M·t steps (neural-tangents' time
  // convention: t steps of size lr, flow time lr·t). Euler error is O(h); checked against two M values.
  Data D = make_data(8, 5, 3, 2);
  const double lr = 0.7, t = 4.0;
  const double N = double(D.Y.size());
  PredictOptions o;
  o.time = t;
  o.lr = lr;
  PredictResult r = predict_mse(D.ntk_dd, D.ntk_td, D.nngp_dd, D.nngp_td, D.nngp_tt, D.Y, o);
  auto euler = [&](int M) {
    const double h = lr / M;
    MatrixD u_tr = MatrixD::Zero(8, 2), u_te = MatrixD::Zero(5, 2);
    for (int s = 0; s < M * int(t); ++s) {
      MatrixD g = (u_tr - D.Y) / N;
      u_te -= h * D.ntk_td * g;
      u_tr -= h * D.ntk_dd * g;
    }
    return u_te;
  };
  double e1 = max_abs(euler(200) - r.mean), e2 = max_abs(euler(800) - r.mean);
  EXPECT_LE(e2, 1e-3 * max_abs(r.mean));
  EXPECT_LT(e2, 0.4 * e1);  // first-order convergence towards the closed form (ratio ≈ 1/4)
  EXPECT_GT(max_abs(r.mean), 1e-3);
}

TEST(Predict, LargeTimeApproachesTheSolve) {
  Data D = make_data();
  PredictOptions inf;
  inf.diag_reg = 0.01;
  MatrixD m_inf = predict_mse(D.ntk_dd, D.ntk_td, D.nngp_dd, D.nngp_td, D.nngp_tt, D.Y, inf).mean;
  double prev = 1e300;
  for (double t : {10.0, 1e3, 1e5, 1e9}) {
    PredictOptions o = inf;
    o.time = t;
    PredictResult r = predict_mse(D.ntk_dd, D.ntk_td, D.nngp_dd, D.nngp_td, D.nngp_tt, D.Y, o);
    double err = max_abs(r.mean - m_inf);
    EXPECT_LE(err, prev + 1e-12) << "t " << t;
    prev = err;
  }
  EXPECT_LE(prev, 1e-8 * max_abs(m_inf));
}

TEST(Predict, NngpCovarianceAtInfinityIsTheGpPosterior) {
  Data D = make_data();
  PredictOptions o;
  o.kernel = PredictKernel::nngp;
  o.cov = true;
  PredictResult r = predict_mse({}, {}, D.nngp_dd, D.nngp_td, D.nngp_tt, D.Y, o);
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr{Eigen::MatrixXd(D.nngp_dd)};
  MatrixD mean = D.nngp_td * qr.solve(Eigen::MatrixXd(D.Y));
  MatrixD cov = D.nngp_tt - D.nngp_td * qr.solve(Eigen::MatrixXd(D.nngp_td.transpose()));
  EXPECT_LE(max_abs(r.mean - mean), 1e-8 * (1 + max_abs(mean)));
  EXPECT_LE(max_abs(r.cov - cov), 1e-8 * max_abs(D.nngp_tt));
  // Finite time: at t = 0 the prior, at large t the posterior.
  o.time = 0;
  PredictResult r0 = predict_mse({}, {}, D.nngp_dd, D.nngp_td, D.nngp_tt, D.Y, o);
  EXPECT_LE(max_abs(r0.cov - D.nngp_tt), 1e-12);
  EXPECT_LE(max_abs(r0.mean), 1e-12);
  o.time = 1e12;
  PredictResult rl = predict_mse({}, {}, D.nngp_dd, D.nngp_td, D.nngp_tt, D.Y, o);
  EXPECT_LE(max_abs(rl.cov - cov), 1e-6 * max_abs(D.nngp_tt));
}

TEST(Predict, NtkEnsembleCovarianceIsTheCovarianceOfTheLinearisedFlow) {
  // u_test(t) = g_test + Θ_td O (y − g_train), g ~ GP(0, K) on train ∪ test ⇒ cov = A K_all Aᵀ with
  // A = [−Θ_td O, I]; O = Θ⁻¹(I − e^{−Θ lr t / N}) computed here by a matrix exponential (Padé, Eigen unsupported
  // is not used: a 60-term scaled Taylor series), and Θ⁻¹ by QR at t = ∞.
  Data D = make_data();
  const int n = 8, m = 5;
  MatrixD Kall(n + m, n + m);
  Kall << D.nngp_dd, D.nngp_td.transpose(), D.nngp_td, D.nngp_tt;
  auto cov_of = [&](const MatrixD& O) {
    MatrixD A(m, n + m);
    A << -D.ntk_td * O, MatrixD::Identity(m, m);
    return MatrixD(A * Kall * A.transpose());
  };
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr{Eigen::MatrixXd(D.ntk_dd)};
  MatrixD Oinf = qr.solve(Eigen::MatrixXd::Identity(n, n));
  PredictOptions o;
  o.cov = true;
  PredictResult r = predict_mse(D.ntk_dd, D.ntk_td, D.nngp_dd, D.nngp_td, D.nngp_tt, D.Y, o);
  MatrixD c_inf = cov_of(Oinf);
  EXPECT_LE(max_abs(r.cov - c_inf), 1e-7 * max_abs(D.nngp_tt));
  EXPECT_LE(max_abs(r.mean - D.ntk_td * Oinf * D.Y), 1e-8 * (1 + max_abs(r.mean)));

  // finite t: O = Θ⁻¹(I − e^{−Θs}) = Σ_{k≥1} (−1)^{k+1} Θ^{k−1} s^k / k!, s = lr t / N (series; ‖Θ s‖ kept small).
  const double lr = 0.5, t = 3.0, s = lr * t / double(n);
  MatrixD term = MatrixD::Identity(n, n) * s, O = term;
  for (int k = 2; k < 200; ++k) {
    term = (-s / k) * (D.ntk_dd * term).eval();
    O += term;
  }
  o.time = t;
  o.lr = lr;
  PredictResult rt = predict_mse(D.ntk_dd, D.ntk_td, D.nngp_dd, D.nngp_td, D.nngp_tt, D.Y, o);
  EXPECT_LE(max_abs(rt.cov - cov_of(O)), 1e-9 * max_abs(D.nngp_tt));
  EXPECT_LE(max_abs(rt.mean - D.ntk_td * O * D.Y), 1e-9 * (1 + max_abs(rt.mean)));
}

TEST(Predict, LogisticFunctionSpaceGdMatchesHandLoop) {
  Data D = make_data(6, 4, 3);
  MatrixD Y(6, 1);
  for (int i = 0; i < 6; ++i) Y(i, 0) = i % 3 == 0 ? 1.0 : -1.0;
  auto kopts = relu_net();
  PredictOptions o;
  o.loss = LossKind::logistic;
  o.time = 7;
  o.lr = 0.05;
  o.init_sample = false;
  PredictResult r = predict(D.X, Y, D.T, kopts, o);
  // hand loop: u(x) ← u(x) − lr (1/n) Σ_j Θ(x, x_j) ℓ'(y_j, u(x_j)),  ℓ'(y, z) = −y / (1 + e^{yz})
  std::vector<double> u_tr(6, 0.0), u_te(4, 0.0);
  for (int k = 0; k < 7; ++k) {
    std::vector<double> lp(6);
    for (int j = 0; j < 6; ++j) lp[j] = -Y(j, 0) / (1.0 + std::exp(Y(j, 0) * u_tr[j]));
    std::vector<double> ntr(6), nte(4);
    for (int i = 0; i < 6; ++i) {
      double s = 0;
      for (int j = 0; j < 6; ++j) s += D.ntk_dd(i, j) * lp[j];
      ntr[i] = u_tr[i] - 0.05 * s / 6.0;
    }
    for (int i = 0; i < 4; ++i) {
      double s = 0;
      for (int j = 0; j < 6; ++j) s += D.ntk_td(i, j) * lp[j];
      nte[i] = u_te[i] - 0.05 * s / 6.0;
    }
    u_tr = ntr;
    u_te = nte;
  }
  ASSERT_EQ(r.mean.rows(), 4);
  ASSERT_EQ(r.mean.cols(), 1);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(r.mean(i, 0), u_te[i], 1e-12 * (1 + std::abs(u_te[i])));
  EXPECT_GT(std::abs(u_te[0]), 1e-3);
  EXPECT_EQ(r.summary.steps, 7);
}

TEST(Predict, CrossEntropyFunctionSpaceGdMatchesHandLoop) {
  Data D = make_data(6, 4, 3);
  MatrixD Y(6, 1);
  for (int i = 0; i < 6; ++i) Y(i, 0) = i % 3;
  PredictOptions o;
  o.loss = LossKind::cross_entropy;
  o.time = 5;
  o.lr = 0.3;
  o.init_sample = false;
  PredictResult r = predict(D.X, Y, D.T, relu_net(), o);
  MatrixD u_tr = MatrixD::Zero(6, 3), u_te = MatrixD::Zero(4, 3);
  for (int k = 0; k < 5; ++k) {
    MatrixD g(6, 3);
    for (int j = 0; j < 6; ++j) {
      double z = 0;
      for (int c = 0; c < 3; ++c) z += std::exp(u_tr(j, c));
      for (int c = 0; c < 3; ++c) g(j, c) = (std::exp(u_tr(j, c)) / z - (c == int(Y(j, 0)) ? 1 : 0)) / 6.0;
    }
    MatrixD ntr = u_tr - 0.3 * D.ntk_dd * g;
    u_te -= 0.3 * D.ntk_td * g;
    u_tr = ntr;
  }
  ASSERT_EQ(r.mean.cols(), 3);
  EXPECT_LE(max_abs(r.mean - u_te), 1e-10 * (1 + max_abs(u_te)));  // softmax evaluated differently
  EXPECT_GT(max_abs(u_te), 1e-3);
}

TEST(Predict, GpSampleHasTheKernelCovariance) {
  const bool sanitized = std::getenv("WIDTHLAB_SANITIZED") != nullptr;
  const int S = sanitized ? 1500 : 6000;
  // includes a duplicated point, so K is singular and the jitter path runs
  MatrixD X = inputs(4, 3, 0.2);
  MatrixD Xd(5, 3);
  Xd << X, X.row(1);
  MatrixD K = kernel_nngp(Xd, relu_net());
  MatrixD C = MatrixD::Zero(5, 5);
  double max_jitter = 0;
  for (int s = 0; s < S; ++s) {
    Rng rng = make_rng(std::uint64_t(s), rng_stream::gp_sample);
    double jitter = -1;
    MatrixD g = gp_sample(K, 2, rng, &jitter);
    max_jitter = std::max(max_jitter, jitter);
    C += g * g.transpose();
  }
  C /= 2.0 * S;
  // Var of a sample product g_i g_j is K_ii K_jj + K_ij²; 2S samples; 5σ.
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) {
      double tol = 5.0 * std::sqrt((K(i, i) * K(j, j) + K(i, j) * K(i, j)) / (2.0 * S));
      EXPECT_NEAR(C(i, j), K(i, j), tol) << i << "," << j;
    }
  EXPECT_LE(max_jitter, 1e-2 * K.diagonal().mean());
  // Same seed → same sample; different seed → different sample.
  Rng a = make_rng(7, rng_stream::gp_sample), b = make_rng(7, rng_stream::gp_sample),
      c = make_rng(8, rng_stream::gp_sample);
  MatrixD ga = gp_sample(K, 1, a), gb = gp_sample(K, 1, b), gc = gp_sample(K, 1, c);
  EXPECT_EQ(max_abs(ga - gb), 0.0);
  EXPECT_GT(max_abs(ga - gc), 0.0);
}

TEST(Predict, InitSampleShiftsLogisticPredictionsBySampledPrior) {
  // With lr·steps = 0 the prediction is the GP sample on the test points: its seed-average is ≈ 0 and its
  // variance ≈ K_nngp(x, x).
  const bool sanitized = std::getenv("WIDTHLAB_SANITIZED") != nullptr;
  const int S = sanitized ? 100 : 400;
  Data D = make_data(5, 3, 3);
  MatrixD Y(5, 1);
  for (int i = 0; i < 5; ++i) Y(i, 0) = i % 2 ? 1.0 : -1.0;
  PredictOptions o;
  o.loss = LossKind::logistic;
  o.time = 0;
  VectorD sum = VectorD::Zero(3), sq = VectorD::Zero(3);
  for (int s = 0; s < S; ++s) {
    o.seed = std::uint64_t(s);
    VectorD u = predict(D.X, Y, D.T, relu_net(), o).mean.col(0);
    sum += u;
    sq += u.cwiseProduct(u);
  }
  for (int i = 0; i < 3; ++i) {
    double k = D.nngp_tt(i, i);
    EXPECT_NEAR(sum[i] / S, 0.0, 5 * std::sqrt(k / S));
    EXPECT_NEAR(sq[i] / S, k, 5 * std::sqrt(2 * k * k / S));
  }
}

TEST(Predict, BadInputThrowsInputError) {
  Data D = make_data(5, 3, 3);
  auto kopts = relu_net();
  PredictOptions o;
  EXPECT_THROW(predict(D.X, D.Y, inputs(3, 4, 0), kopts, o), InputError);  // dims
  EXPECT_THROW(predict(D.X, D.Y.topRows(4), D.T, kopts, o), InputError);   // label count
  MatrixD Xn = D.X;
  Xn(1, 1) = std::nan("");
  EXPECT_THROW(predict(Xn, D.Y, D.T, kopts, o), InputError);
  o.time = -1;
  EXPECT_THROW(predict(D.X, D.Y, D.T, kopts, o), InputError);
  o = {};
  o.loss = LossKind::logistic;  // t = ∞ default
  MatrixD Ys = D.Y.array().sign();
  EXPECT_THROW(predict(D.X, Ys, D.T, kopts, o), InputError);
  o.time = 2.5;
  EXPECT_THROW(predict(D.X, Ys, D.T, kopts, o), InputError);
  o.time = 2;
  EXPECT_THROW(predict(D.X, D.Y, D.T, kopts, o), InputError);  // labels not ±1
  EXPECT_NO_THROW(predict(D.X, Ys, D.T, kopts, o));
  // Issue (re-audit N2): 1e19 steps overflowed the step count and returned the t = 0 prediction under that label.
  for (double huge : {1e19, 1e300}) {
    o.time = huge;
    EXPECT_THROW(predict(D.X, Ys, D.T, kopts, o), InputError) << huge;
  }
}

// A regulariser that overflows once scaled by the kernel's mean diagonal made every prediction NaN, written with exit
// 0; and a logistic prediction that overflows was written as it was. Both are refused, nothing is returned.
TEST(Predict, NonFiniteRegulariserOrPredictionIsRefused) {
  Data D = make_data();
  D.X *= 4, D.T *= 4;
  ASSERT_GT(kernel_ntk(D.X, relu_net()).trace() / 8.0, 1.0);  // so that 1e308 × the mean diagonal overflows
  PredictOptions o;
  o.diag_reg = 1e308;
  try {
    (void)predict(D.X, D.Y, D.T, relu_net(), o);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("diag_reg = 1e+308: times the train kernel's mean diagonal"),
              std::string::npos)
        << e.what();
  }
  o.diag_reg_absolute_scale = true;  // 1e308 itself is finite: a tiny, finite prediction
  EXPECT_TRUE(predict(D.X, D.Y, D.T, relu_net(), o).mean.allFinite());
  PredictOptions logistic;  // a kernel source whose last test row overflowed: function-space GD moves it to ±inf
  logistic.loss = LossKind::logistic;
  logistic.time = 3;
  const MatrixD signs = D.Y.array().sign().matrix();
  const KernelSource overflowed = [](const MatrixD& A, const MatrixD* B, MatrixD* nngp, MatrixD* ntk) {
    for (MatrixD* k : {nngp, ntk})
      if (k) {
        *k = B ? kernel_ntk(A, *B, relu_net()) : kernel_ntk(A, relu_net());
        if (B) k->bottomRows(1).setConstant(std::numeric_limits<double>::infinity());
      }
  };
  try {
    (void)predict(D.X, signs, D.T, relu_net(), logistic, overflowed);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("the prediction is not finite"), std::string::npos) << e.what();
  }
}

// Function-space GD runs its steps one by one (up to 2^31): the progress observer hears of them in about a thousand
// advances that end at the step count, so a long prediction is not silent.
TEST(Predict, FunctionSpaceStepsReportProgress) {
  Data D = make_data(5, 3, 3);
  MatrixD Ys = D.Y.array().sign();
  PredictOptions o;
  o.loss = LossKind::logistic;
  o.time = 2503;
  long last_done = 0, last_total = 0, calls = 0;
  auto& defaults = progress_defaults();
  const ProgressDefaults saved = defaults;
  defaults.observer = [&](const std::string& label, long done, long total, const std::string&) {
    if (label.rfind("predict", 0) != 0) return;
    EXPECT_GT(done, last_done);
    last_done = done;
    last_total = total;
    ++calls;
  };
  (void)predict(D.X, Ys, D.T, relu_net(), o);
  defaults = saved;
  EXPECT_EQ(last_done, 2503);
  EXPECT_EQ(last_total, 2503);
  EXPECT_EQ(calls, 2503 / 2 + 1);  // chunks of 2503 / 1000 = 2 steps, and the last one
}
