// Empirical NTK (widthlab/empirical_ntk.h; theory.md §3.8, §6.3 R21) against an explicit Jacobian assembled here from
// float64 central finite differences of the Mlp's forward pass (independent of its backward code), plus symmetry,
// PSD, the diagonal form, several outputs, lr weighting, and convergence to kernel.h's analytic NTK as width grows.
#include "widthlab/empirical_ntk.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <cstdlib>

#include "widthlab/error.h"
#include "widthlab/kernel.h"
#include "widthlab/rng.h"

using namespace widthlab;

namespace {

MatrixD random_inputs(int n, int d, uint64_t seed) {
  Rng g = make_rng(seed, 77);
  std::normal_distribution<double> N(0, 1);
  MatrixD X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = N(g);
  return X;
}

// Non-trivial per-layer factors so multipliers and lrs matter.
std::vector<LayerFactors> odd_factors(int layers) {
  std::vector<LayerFactors> f(layers);
  for (int l = 0; l < layers; ++l) f[l] = {1.0 + 0.3 * l, 0.7 + 0.25 * l, 0.5 + 0.4 * l};
  return f;
}

// Jacobian of logit `o` w.r.t. every raw parameter (N × P) by central differences, with each column's lr weight.
struct Jacobian {
  MatrixD J;
  std::vector<double> lambda;
};
Jacobian fd_jacobian(Mlp<double> net, const MatrixD& X, int o, const std::vector<double>& layer_lambda) {
  const double eps = 1e-6;
  auto ws = net.make_workspace(int(X.rows()), false);
  std::vector<Eigen::VectorXd> cols;
  Jacobian out;
  auto column = [&](double& p, double lam) {
    const double p0 = p;
    p = p0 + eps;
    Eigen::VectorXd fp = net.predict(X, ws).col(o);
    p = p0 - eps;
    Eigen::VectorXd fm = net.predict(X, ws).col(o);
    p = p0;
    cols.push_back((fp - fm) / (2 * eps));
    out.lambda.push_back(lam);
  };
  for (int l = 0; l < net.num_layers(); ++l) {
    MatrixD& W = net.weight(l);
    for (Eigen::Index i = 0; i < W.size(); ++i) column(W.data()[i], layer_lambda[l]);
    VectorD& b = net.bias(l);
    for (Eigen::Index i = 0; i < b.size(); ++i) column(b.data()[i], layer_lambda[l]);
  }
  out.J.resize(X.rows(), Eigen::Index(cols.size()));
  for (std::size_t p = 0; p < cols.size(); ++p) out.J.col(Eigen::Index(p)) = cols[p];
  return out;
}

MatrixD jacobian_kernel(const Jacobian& a, const Jacobian& b) {
  Eigen::VectorXd lam = Eigen::Map<const Eigen::VectorXd>(a.lambda.data(), Eigen::Index(a.lambda.size()));
  return a.J * lam.asDiagonal() * b.J.transpose();
}

double rel_err(const MatrixD& a, const MatrixD& b) { return (a - b).norm() / b.norm(); }

Mlp<double> make_net(int n0, int width, int depth, int outputs, bool bias, const std::string& act,
                     std::vector<LayerFactors> factors, InitKind init, uint64_t seed) {
  MlpConfig c;
  c.input_dim = n0;
  c.width = width;
  c.depth = depth;
  c.outputs = outputs;
  c.bias = bias;
  c.activation = activation_from_name(act);
  c.init = init;
  Mlp<double> net(c, std::move(factors));
  net.init(seed);
  return net;
}

}  // namespace

// Θ = Σ_p λ_p J_p J_pᵀ for depth 1–3, bias on/off, several activations, lr-weighted and plain, cross and symmetric.
TEST(EmpiricalNtk, MatchesFiniteDifferenceJacobian) {
  const MatrixD X1 = random_inputs(5, 4, 1), X2 = random_inputs(3, 4, 2);
  int cases = 0;
  for (int depth : {1, 2, 3})
    for (bool bias : {false, true})
      for (const char* act : {"relu", "tanh", "erf", "leaky_relu:0.1", "gelu"}) {
        Mlp<double> net = make_net(4, 6, depth, 1, bias, act, odd_factors(depth + 1), InitKind::uniform, 7 + cases);
        for (bool weighted : {false, true}) {
          EmpiricalNtkOptions o;
          o.lr_weighted = weighted;
          o.lr = 0.3;
          std::vector<double> lam = weighted ? net.layer_lrs(0.3) : std::vector<double>(depth + 1, 1.0);
          Jacobian j1 = fd_jacobian(net, X1, 0, lam), j2 = fd_jacobian(net, X2, 0, lam);
          const std::string what = fmt::format("depth {} bias {} {} weighted {}", depth, bias, act, weighted);
          EXPECT_LT(rel_err(empirical_ntk(net, X1, &X2, o), jacobian_kernel(j1, j2)), 1e-7) << what;
          EXPECT_LT(rel_err(empirical_ntk(net, X1, nullptr, o), jacobian_kernel(j1, j1)), 1e-7) << what;
        }
        ++cases;
      }
}

// k > 1 outputs: output o's kernel, and the mean over outputs (1/k) Σ_o Θ_oo.
TEST(EmpiricalNtk, SeveralOutputsPerOutputAndMean) {
  const MatrixD X1 = random_inputs(4, 3, 3), X2 = random_inputs(6, 3, 4);
  for (int depth : {1, 2}) {
    const int k = 3;
    Mlp<double> net = make_net(3, 5, depth, k, true, "tanh", odd_factors(depth + 1), InitKind::gaussian, 11);
    const std::vector<double> lam(depth + 1, 1.0);
    MatrixD mean = MatrixD::Zero(4, 6);
    for (int o = 0; o < k; ++o) {
      MatrixD ref = jacobian_kernel(fd_jacobian(net, X1, o, lam), fd_jacobian(net, X2, o, lam));
      EmpiricalNtkOptions opt;
      opt.output = o;
      EXPECT_LT(rel_err(empirical_ntk(net, X1, &X2, opt), ref), 1e-7) << "output " << o;
      mean += ref / k;
    }
    EXPECT_LT(rel_err(empirical_ntk(net, X1, &X2), mean), 1e-7) << "depth " << depth;
    // The diagonal form agrees with the full kernel's diagonal (mean and per output).
    MatrixD full = empirical_ntk(net, X1);
    EXPECT_LT((empirical_ntk_diagonal(net, X1) - full.diagonal()).norm(), 1e-12 * full.norm());
    EmpiricalNtkOptions o1;
    o1.output = 1;
    MatrixD full1 = empirical_ntk(net, X1, nullptr, o1);
    EXPECT_LT((empirical_ntk_diagonal(net, X1, o1) - full1.diagonal()).norm(), 1e-12 * full1.norm());
  }
}

TEST(EmpiricalNtk, SymmetricPsdAndConsistentWithCrossMode) {
  const MatrixD X = random_inputs(40, 5, 5);
  Mlp<double> net = make_net(5, 32, 2, 1, true, "relu", odd_factors(3), InitKind::uniform, 3);
  MatrixD S = empirical_ntk(net, X);
  EXPECT_EQ((S - S.transpose()).cwiseAbs().maxCoeff(), 0.0);
  Eigen::SelfAdjointEigenSolver<MatrixD> es(S);
  EXPECT_GT(es.eigenvalues().minCoeff(), -1e-12 * es.eigenvalues().maxCoeff());
  MatrixD C = empirical_ntk(net, X, &X);
  EXPECT_LT((S - C).cwiseAbs().maxCoeff(), 1e-12 * S.cwiseAbs().maxCoeff());
  // float32 net with the same raw weights: within float32 rounding of float64.
  Mlp<float> netf(net.config(), net.factors());
  netf.init(3);
  MatrixF Sf = empirical_ntk(netf, MatrixF(X.cast<float>()));
  EXPECT_LT(rel_err(Sf.cast<double>(), S), 1e-5);
}

TEST(EmpiricalNtk, BadInputThrowsInputError) {
  Mlp<double> net = make_net(3, 4, 1, 2, false, "relu", odd_factors(2), InitKind::uniform, 0);
  MatrixD ok = random_inputs(2, 3, 0), wrong = random_inputs(2, 4, 0), empty(0, 3);
  EXPECT_THROW(empirical_ntk(net, wrong), InputError);
  EXPECT_THROW(empirical_ntk(net, ok, &wrong), InputError);
  EXPECT_THROW(empirical_ntk(net, empty), InputError);
  MatrixD nan = ok;
  nan(1, 2) = std::nan("");
  EXPECT_THROW(empirical_ntk(net, nan), InputError);
  EmpiricalNtkOptions o;
  o.output = 2;
  EXPECT_THROW(empirical_ntk(net, ok, nullptr, o), InputError);
  o.output = -1;
  o.lr_weighted = true;
  o.lr = -1;
  EXPECT_THROW(empirical_ntk(net, ok, nullptr, o), InputError);
}

// ---- Convergence to the analytic kernel (theory.md §6.3 R21) --------------------------------------------------------

namespace {

struct WidthErrors {
  std::vector<int> widths;
  std::vector<double> err;  // mean over seeds of ‖Θ_emp − Θ‖_F / ‖Θ‖_F
  double slope() const {    // least-squares slope of log err against log width
    const int n = int(widths.size());
    double mx = 0, my = 0;
    for (int i = 0; i < n; ++i) mx += std::log(widths[i]) / n, my += std::log(err[i]) / n;
    double sxy = 0, sxx = 0;
    for (int i = 0; i < n; ++i) {
      const double dx = std::log(widths[i]) - mx;
      sxy += dx * (std::log(err[i]) - my), sxx += dx * dx;
    }
    return sxy / sxx;
  }
  std::string str() const {
    std::string s;
    for (std::size_t i = 0; i < widths.size(); ++i) s += fmt::format("d={}: {:.4g}  ", widths[i], err[i]);
    return s + fmt::format("slope {:.3f}", slope());
  }
};

template <class MakeNet>
WidthErrors width_errors(const MatrixD& X, const MatrixD& ref, MakeNet make, const EmpiricalNtkOptions& o, int seeds) {
  WidthErrors we;
  for (int d : {64, 256, 1024}) {
    double e = 0;
    for (int s = 0; s < seeds; ++s) e += rel_err(empirical_ntk(make(d, uint64_t(100 + s)), X, nullptr, o), ref) / seeds;
    we.widths.push_back(d);
    we.err.push_back(e);
  }
  return we;
}

void expect_root_width_convergence(const WidthErrors& we) {
  fmt::print("  relative Frobenius error vs analytic: {}\n", we.str());
  EXPECT_LT(we.err.back(), we.err.front() / 2.5) << we.str();
  EXPECT_GT(we.slope(), -0.8) << we.str();
  EXPECT_LT(we.slope(), -0.3) << we.str();
}

}  // namespace

// neural-tangents' Dense(parameterization='ntk') without bias: W = (W_std/√fan_in)·ω, ω ~ N(0, 1), Θ = Σ ∂f/∂ω.
// In widthlab terms: gaussian init N(0, 1/fan_in) × init factor √fan_in (so θ = ω), multiplier W_std/√fan_in, λ = 1.
TEST(EmpiricalNtkConvergence, NtkParameterizationRootWidth) {
  const MatrixD X = random_inputs(12, 6, 8);
  for (auto [depth, act, wstd] : {std::tuple{1, "relu", std::sqrt(2.0)}, std::tuple{2, "erf", 1.3}}) {
    KernelOptions ko;
    ko.depth = depth;
    ko.act = activation_from_name(act);
    ko.W_std = wstd;
    const MatrixD ref = kernel_ntk<double>(X, ko);
    auto make = [&](int d, uint64_t seed) {
      std::vector<LayerFactors> f(depth + 1);
      for (int l = 0; l <= depth; ++l) {
        const double fan_in = l == 0 ? 6.0 : d;
        f[l] = {std::sqrt(fan_in), wstd / std::sqrt(fan_in), 1.0};
      }
      return make_net(6, d, depth, 1, false, act, f, InitKind::gaussian, seed);
    };
    WidthErrors we = width_errors(X, ref, make, {}, 6);
    SCOPED_TRACE(fmt::format("ntk depth {} {}: {}", depth, act, we.str()));
    expect_root_width_convergence(we);
  }
}

// widthlab's own "ntk" preset with gaussian init, lr-weighted (Golikov): converges to kernel_ntk_weighted with the
// weights of scaling_kernel_weights (base variance 1 for N(0, 1/fan_in)).
TEST(EmpiricalNtkConvergence, NtkPresetLrWeighted) {
  const int depth = 2;
  const double lr = 0.05;
  const MatrixD X = random_inputs(12, 6, 9);
  const Scaling sc = scaling_from_name("ntk", depth);
  KernelOptions ko;
  ko.depth = depth;
  ko.act = activation_from_name("tanh");
  ScalingKernelWeights skw = scaling_kernel_weights(sc, 1024, lr, 6, /*base_variance=*/1.0);
  ko.W_std = skw.W_std;
  const MatrixD ref = kernel_ntk_weighted<double>(X, nullptr, ko, skw.layer_weights);
  auto make = [&](int d, uint64_t seed) {
    return make_net(6, d, depth, 1, false, "tanh", sc.factors_at(d), InitKind::gaussian, seed);
  };
  EmpiricalNtkOptions o;
  o.lr_weighted = true;
  o.lr = lr;
  WidthErrors we = width_errors(X, ref, make, o, 6);
  SCOPED_TRACE(we.str());
  expect_root_width_convergence(we);
}

// neural-tangents' parameterization='standard' (W ~ N(0, W_std²/fan_in), Θ = Σ ∂f/∂W): the analytic kernel is taken
// with KernelOptions::width = d (the width multiplier), and the relative error still falls like d^{-1/2}.
TEST(EmpiricalNtkConvergence, StandardParameterizationWithWidthMultiplier) {
  const int depth = 2;
  const double wstd = 1.4;
  const MatrixD X = random_inputs(12, 6, 10);
  WidthErrors we;
  for (int d : {64, 256, 1024}) {
    KernelOptions ko;
    ko.depth = depth;
    ko.act = activation_from_name("relu");
    ko.W_std = wstd;
    ko.parameterization = Parameterization::standard;
    ko.width = d;
    const MatrixD ref = kernel_ntk<double>(X, ko);
    double e = 0;
    const int seeds = 6;
    for (int s = 0; s < seeds; ++s) {
      std::vector<LayerFactors> f(depth + 1, LayerFactors{wstd, 1.0, 1.0});
      Mlp<double> net = make_net(6, d, depth, 1, false, "relu", f, InitKind::gaussian, uint64_t(200 + s));
      e += rel_err(empirical_ntk(net, X), ref) / seeds;
    }
    we.widths.push_back(d);
    we.err.push_back(e);
  }
  SCOPED_TRACE(we.str());
  expect_root_width_convergence(we);
}

// Naive SP (PyTorch default init, multipliers 1, constant lr): Θ grows ∝ width (hidden/output layers' h·h' ~ d).
TEST(EmpiricalNtkConvergence, NaiveSpGrowsWithWidth) {
  const int depth = 2;
  const MatrixD X = random_inputs(12, 6, 11);
  const Scaling sc = scaling_from_name("sp", depth);
  std::vector<double> mean_diag;
  for (int d : {256, 1024, 4096}) {
    Mlp<double> net = make_net(6, d, depth, 1, false, "relu", sc.factors_at(d), InitKind::uniform, 5);
    mean_diag.push_back(empirical_ntk_diagonal(net, X).mean());
  }
  const double slope = std::log(mean_diag[2] / mean_diag[0]) / std::log(16.0);
  fmt::print("  naive SP mean Θ(x,x) at d = 256, 1024, 4096: {:.4g} {:.4g} {:.4g} (slope {:.3f})\n", mean_diag[0],
             mean_diag[1], mean_diag[2], slope);
  EXPECT_GT(slope, 0.9) << mean_diag[0] << " " << mean_diag[1] << " " << mean_diag[2];
  EXPECT_LT(slope, 1.05);
  EXPECT_NEAR(mean_diag[2] / mean_diag[1], 4.0, 0.4);
}
