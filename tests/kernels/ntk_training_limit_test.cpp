// A very wide widthlab net trained with MSE under the `ntk` scaling approaches the infinite-width prediction
// (issue 5 Tests; theory.md §3.2, §3.8): after t full-batch GD steps of run_training, its test outputs are compared
// with
//   f_t(x) = f0(x) + Θ(x, X) Θ(X, X)⁻¹ (I − e^{−Θ lr t / n}) (y − f0(X)),
// the linearised flow from the net's OWN initial function f0 (predict_mse on the residual y − f0(X), plus f0 on the
// test points), Θ the analytic lr-weighted kernel of the scaling (scaling_kernel_weights + kernel_ntk_weighted).
// Why it should converge: run_training's GD on θ_l with lr·factors[l].lr moves the outputs by
// −Θ̂_t (f − y)/n per step (widthlab's MSE is ½·mean, loss.h), Θ̂_t the net's lr-weighted empirical NTK; under the
// NTK scaling Θ̂_0 − Θ = O(d^{-1/2}) (tests/kernels/empirical_ntk_test.cpp) and Θ̂ moves by O(d^{-1/2}) during
// training (lazy regime), so the RMS distance falls like d^{-1/2}.
// The reference is the continuous flow, the net takes discrete steps: the discretisation bias is computed here
// (the discrete linearised model, (I − lr Θ/n)^t by eigendecomposition) and must be well below the distance at the
// largest width, or the slope would be meaningless.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "widthlab/kernel.h"
#include "widthlab/predict.h"
#include "widthlab/rng.h"
#include "widthlab/scaling.h"
#include "widthlab/train_run.h"

using namespace widthlab;

namespace {

constexpr int kInputDim = 4, kTrain = 16, kTest = 8;

bool sanitized() { return std::getenv("WIDTHLAB_SANITIZED") != nullptr; }

// Inputs N(0, 1); targets a smooth function of them.
struct Problem {
  MatrixD X, T, Y;  // X: n × n0, T: m × n0, Y: n × 1
  VectorD y_all;    // targets of [X; T] (run_training needs finite labels for its test set)
};

Problem make_problem() {
  Rng g = make_rng(2024, 11);
  std::normal_distribution<double> N(0, 1);
  auto draw = [&](int rows) {
    MatrixD A(rows, kInputDim);
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < kInputDim; ++j) A(i, j) = N(g);
    return A;
  };
  auto target = [](const auto& x) {
    return std::sin(0.8 * x(0) - 0.5 * x(1)) + 0.5 * std::cos(0.6 * x(2) + 0.4 * x(3));
  };
  Problem p;
  p.X = draw(kTrain);
  p.T = draw(kTest);
  p.Y.resize(kTrain, 1);
  p.y_all.resize(kTrain + kTest);
  for (int i = 0; i < kTrain; ++i) p.y_all[i] = p.Y(i, 0) = target(p.X.row(i));
  for (int i = 0; i < kTest; ++i) p.y_all[kTrain + i] = target(p.T.row(i));
  return p;
}

struct Case {
  int depth;
  const char* act;
  std::vector<int> widths;
  int seeds;
  double mu;  // lr · λ_max(Θ_dd) / n: the largest per-step contraction of the linearised flow
  int steps;
  Precision precision = Precision::float64;
  int seed0 = 1000;
};

struct Distances {
  std::vector<int> widths;
  // Over seeds: mean and standard error of the RMS distance on the test points divided by RMS(y − f0(X)).
  std::vector<double> mean, se;
  double disc_bias = 0;  // same units: RMS continuous − discrete linearised model at the widest net (mean over seeds)

  double slope(double* slope_se = nullptr) const {  // least squares of log mean against log width
    const int n = int(widths.size());
    double mx = 0, my = 0;
    for (int i = 0; i < n; ++i) mx += std::log(widths[i]) / n, my += std::log(mean[i]) / n;
    double sxy = 0, sxx = 0, var = 0;
    for (int i = 0; i < n; ++i) {
      const double dx = std::log(widths[i]) - mx;
      sxy += dx * (std::log(mean[i]) - my), sxx += dx * dx;
    }
    for (int i = 0; i < n; ++i) {  // delta method: Var(log mean_i) ≈ (se_i / mean_i)²
      const double dx = std::log(widths[i]) - mx;
      var += dx * dx * (se[i] / mean[i]) * (se[i] / mean[i]);
    }
    if (slope_se) *slope_se = std::sqrt(var) / sxx;
    return sxy / sxx;
  }
  std::string str() const {
    std::string s;
    for (std::size_t i = 0; i < widths.size(); ++i)
      s += fmt::format("d={}: {:.4g} ± {:.2g}  ", widths[i], mean[i], se[i]);
    double sse = 0;
    const double sl = slope(&sse);
    return s + fmt::format("slope {:.3f} ± {:.3f}; discretisation bias {:.3g}", sl, sse, disc_bias);
  }
};

double rms(const MatrixD& A) { return std::sqrt(A.squaredNorm() / double(A.size())); }

Distances run_case(const Case& c) {
  const Problem p = make_problem();
  const Scaling sc = scaling_from_name("ntk", c.depth);
  // Gaussian init: the first layer's pre-activations are exactly Gaussian at n0 = 4 (PyTorch's uniform init is
  // not, and the analytic kernel assumes Gaussian pre-activations). Base variance 1 for N(0, 1/fan_in).
  const ScalingKernelWeights skw = scaling_kernel_weights(sc, c.widths.back(), /*lr=*/1.0, kInputDim, 1.0);
  KernelOptions ko;
  ko.depth = c.depth;
  ko.act = activation_from_name(c.act);
  ko.W_std = skw.W_std;
  const MatrixD theta_dd = kernel_ntk_weighted<double>(p.X, nullptr, ko, skw.layer_weights);
  const MatrixD theta_td = kernel_ntk_weighted<double>(p.T, &p.X, ko, skw.layer_weights);
  Eigen::SelfAdjointEigenSolver<MatrixD> eig(theta_dd);
  const double lam_max = eig.eigenvalues().maxCoeff();
  const double lr = c.mu * kTrain / lam_max;

  PredictOptions po;
  po.loss = LossKind::mse;
  po.time = c.steps;
  po.lr = lr;
  // Discrete linearised model: Θ_td V diag((1 − (1 − lr λ/n)^t)/λ) Vᵀ r.
  VectorD gain(kTrain);
  for (int i = 0; i < kTrain; ++i) {
    const double l = eig.eigenvalues()[i];
    gain[i] = l > 1e-12 * lam_max ? (1 - std::pow(1 - lr * l / kTrain, c.steps)) / l : lr * c.steps / kTrain;
  }
  const MatrixD discrete_op = theta_td * eig.eigenvectors() * gain.asDiagonal() * eig.eigenvectors().transpose();

  MatrixD all(kTrain + kTest, kInputDim);
  all << p.X, p.T;
  Distances out;
  for (int d : c.widths) {
    std::vector<double> dist;
    for (int s = 0; s < c.seeds; ++s) {
      TrainTask task;
      task.model.input_dim = kInputDim;
      task.model.width = d;
      task.model.depth = c.depth;
      task.model.outputs = 1;
      task.model.activation = activation_from_name(c.act);
      task.model.init = InitKind::gaussian;
      task.factors = sc.factors_at(d);
      task.scaling = "ntk";
      task.seed = uint64_t(c.seed0 + s);
      task.train.optimizer = "gd";
      task.train.lr = lr;
      task.train.steps = c.steps;
      task.train.loss = "mse";
      task.train.precision = c.precision;
      task.train.curve_every = c.steps;  // curve points at init and at the end
      task.train.curve_logits = true;
      task.train.kernel_points = 0;
      task.train.coord_points = 0;
      task.train.decomposition = false;
      const VectorD y_train = p.Y.col(0);
      const TrainData data{p.X, y_train, all, p.y_all, 1};
      const TrainResult r = run_training(task, data);
      if (r.status != RunStatus::ok || r.curve_test_logits.empty()) {
        ADD_FAILURE() << fmt::format("run d={} seed {} diverged or has no curve", d, s);
        return out;
      }
      const MatrixD& f0 = r.curve_test_logits.front();  // (n + m) × 1 at init
      const MatrixD resid = p.Y - f0.topRows(kTrain);
      const MatrixD pred = predict_mse(theta_dd, theta_td, {}, {}, {}, resid, po).mean + f0.bottomRows(kTest);
      // Relative to the residual that training fits: the linearised update is linear in it, and dividing by it
      // removes most of the seed-to-seed scatter that comes from the size of the random f0 (measured: the spread of
      // per-seed values drops ~2×).
      const double scale = rms(resid);
      dist.push_back(rms(r.test_logits.bottomRows(kTest) - pred) / scale);
      if (d == c.widths.back())
        out.disc_bias += rms(pred - f0.bottomRows(kTest) - discrete_op * resid) / scale / c.seeds;
    }
    double m = 0, v = 0;
    for (double x : dist) m += x / dist.size();
    for (double x : dist) v += (x - m) * (x - m) / (dist.size() - 1);
    out.widths.push_back(d);
    out.mean.push_back(m);
    out.se.push_back(std::sqrt(v / dist.size()));
  }
  return out;
}

// Tolerances. Theory: distance ≈ C·d^{-1/2} (+ O(1/d)); per-seed values scatter by ~30 %, so the slope of the seed
// means is checked to 4 standard errors (from the seeds' spread, delta method) + 0.1 for the O(1/d) corrections at
// the smallest width, capped at 0.3 so that a wrong rate still fails (d^0: no convergence; d^{-1}).
// Measured over 5 seed sets (1000, 2000, …, 5000) per case: slopes −0.43 … −0.53 (depth 1), −0.38 … −0.68 (depth 2),
// −0.44 … −0.60 (the sanitizer-size case), standard errors 0.06–0.15. The widest net (16× the smallest) must be at
// most half as far (1/4 expected; measured 0.15–0.35) and within 10 % of the residual (measured 1–5 %). The
// discretisation bias (continuous reference vs discrete steps) must stay below 1/3 of the widest net's distance
// (measured 0.02–0.14 of it), so it moves that distance by ≲ 5 % (in quadrature) and the slope by ≲ 0.02.
void expect_root_width_convergence(const Distances& r) {
  ASSERT_EQ(r.mean.size(), r.widths.size());
  ASSERT_GE(r.mean.size(), 3u);
  fmt::print("  RMS distance net vs linearised-flow prediction / RMS(y − f0): {}\n", r.str());
  EXPECT_LT(r.mean.back(), 0.5 * r.mean.front()) << r.str();
  double sse = 0;
  const double sl = r.slope(&sse);
  const double tol = std::min(0.3, 4 * sse + 0.1);
  EXPECT_NEAR(sl, -0.5, tol) << r.str();
  EXPECT_LT(r.disc_bias, r.mean.back() / 3) << r.str();
  EXPECT_LT(r.mean.back(), 0.1) << r.str();
}

}  // namespace

// Widths 256 → 4096 (16×), 6 seeds, 300 GD steps with lr = 0.01·n/λ_max(Θ) (lr·t·λ_max/n = 3).
TEST(NtkTrainingLimit, OneHiddenLayerReluApproachesPrediction) {
  const Case c =
      sanitized() ? Case{1, "relu", {64, 256, 1024}, 4, 0.02, 150} : Case{1, "relu", {256, 1024, 4096}, 6, 0.01, 300};
  expect_root_width_convergence(run_case(c));
}

// Depth 2 (d² per step, so widths 64 → 1024, 4 seeds, 50 steps with lr·t·λ_max/n = 2), float32 training to halve
// the cost (rounding ~1e-6, far below the distances ~1e-2).
TEST(NtkTrainingLimit, TwoHiddenLayersTanhApproachesPrediction) {
  if (sanitized()) GTEST_SKIP() << "d² per step is too slow under ASan; the depth-1 case runs there";
  expect_root_width_convergence(run_case(Case{2, "tanh", {64, 256, 1024}, 4, 0.04, 50, Precision::float32}));
}
