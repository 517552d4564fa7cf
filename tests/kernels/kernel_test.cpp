// Analytic NNGP/NTK (theory.md §3.8, architecture.md §4 kernel semantics) against Monte-Carlo estimates over random
// finite nets implemented here (explicit per-layer gradients, no Jacobian), plus structural properties: symmetry, PSD,
// blocked
// == unblocked, symmetric == cross mode, float32 ≈ float64, zero/duplicate rows, per-layer weights.
#include "widthlab/kernel.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <cstdlib>

#include "data/test_util.h"
#include "monte_carlo.h"
#include "widthlab/dual.h"
#include "widthlab/error.h"
#include "widthlab/rng.h"

using namespace widthlab;

namespace {

const MatrixD* const kSym = nullptr;  // X2 = X1

bool sanitized() { return std::getenv("WIDTHLAB_SANITIZED") != nullptr; }

MatrixD random_inputs(int n, int d, uint64_t seed) {
  Rng g = make_rng(seed, 99);
  std::normal_distribution<double> N(0, 1);
  MatrixD X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = N(g);
  return X;
}

// Monte-Carlo estimator over random finite nets of the neural-tangents network (architecture.md §4), width `width`:
// per seed, NNGP sample σ_w²/n·h_L h_Lᵀ + σ_b² (the readout's conditional covariance) and the exact empirical NTK
// Σ_l ⟨∂f/∂θ_l(x), ∂f/∂θ_l(x')⟩ by backprop of δ_l = ∂f/∂z_l. Returns mean and standard error per entry.
struct McEstimate {
  MatrixD nngp, nngp_se, ntk, ntk_se;
};

McEstimate monte_carlo(const MatrixD& X, const KernelOptions& o, int width, int seeds) {
  const int n = int(X.rows()), L = o.depth;
  const bool std_param = o.parameterization == Parameterization::standard, bias = o.b_std > 0;
  MatrixD s1n = MatrixD::Zero(n, n), s2n = s1n, s1t = s1n, s2t = s1n;
  for (int s = 0; s < seeds; ++s) {
    Rng g = make_rng(1000 + s, rng_stream::init);
    std::normal_distribution<double> N(0, 1);
    std::vector<MatrixD> Ws(L + 1), hs(L + 1), zs(L + 2);
    std::vector<Eigen::RowVectorXd> bs(L + 1);
    std::vector<double> scale(L + 1);
    hs[0] = X;
    for (int l = 0; l <= L; ++l) {
      const int fan_in = l == 0 ? int(X.cols()) : width, out = l == L ? 1 : width;
      MatrixD W(fan_in, out);
      for (int i = 0; i < fan_in; ++i)
        for (int j = 0; j < out; ++j) W(i, j) = N(g);
      Eigen::RowVectorXd b(out);
      for (int j = 0; j < out; ++j) b(j) = N(g);
      // ntk: z = σ_w/√fan_in·hW + σ_b b with W, b ~ N(0,1); standard: z = hW + b, W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²)
      if (std_param) {
        W *= o.W_std / std::sqrt(double(fan_in));
        b *= o.b_std;
        scale[l] = 1.0;
      } else {
        scale[l] = o.W_std / std::sqrt(double(fan_in));
      }
      const double bmul = std_param ? 1.0 : o.b_std;
      MatrixD z = scale[l] * (hs[l] * W);
      if (bias) z.rowwise() += bmul * b;
      Ws[l] = W;
      zs[l + 1] = z;
      if (l < L) {
        hs[l + 1] = z.unaryExpr([&](double v) { return o.act.value(v); });
      }
    }
    // NNGP sample
    MatrixD K = (o.W_std * o.W_std / width) * hs[L] * hs[L].transpose();
    K.array() += o.b_std * o.b_std;
    // NTK sample: backprop δ (n × out) from the readout.
    MatrixD delta = MatrixD::Ones(n, 1), Th = MatrixD::Zero(n, n);
    for (int l = L; l >= 0; --l) {
      MatrixD dd = delta * delta.transpose();
      MatrixD hh = hs[l] * hs[l].transpose();
      Th += (scale[l] * scale[l]) * dd.cwiseProduct(hh);
      if (bias) Th += (std_param ? 1.0 : o.b_std * o.b_std) * dd;
      if (l > 0) {
        MatrixD back = scale[l] * (delta * Ws[l].transpose());  // ∂f/∂h_l
        delta = back.cwiseProduct(zs[l].unaryExpr([&](double v) { return o.act.derivative(v); }));
      }
    }
    s1n += K;
    s2n += K.cwiseProduct(K);
    s1t += Th;
    s2t += Th.cwiseProduct(Th);
  }
  McEstimate e;
  test::mc_mean_and_se(s1n, s2n, seeds, e.nngp, e.nngp_se);
  test::mc_mean_and_se(s1t, s2t, seeds, e.ntk, e.ntk_se);
  return e;
}

struct McCase {
  int depth;
  const char* act;
  Parameterization p;
  double b_std;
};

}  // namespace

TEST(KernelOptions, DefaultsAreValidAndBadValuesNamed) {
  KernelOptions o;
  EXPECT_EQ(o.validate(), "");
  o.depth = 0;
  EXPECT_NE(o.validate().find("depth = 0"), std::string::npos);
  o = {};
  o.W_std = std::nan("");
  EXPECT_NE(o.validate().find("W_std"), std::string::npos);
  o = {};
  o.width = 0;
  EXPECT_NE(o.validate().find("width"), std::string::npos);
  EXPECT_THROW(parameterization_from_name("mup"), InputError);
  EXPECT_EQ(parameterization_from_name("standard"), Parameterization::standard);
}

TEST(Kernel, MatchesMonteCarloOverFiniteNets) {
  // Tolerance from the sample count: ‖mean − analytic‖_F ≤ 4·√(Σ se²) + finite-width bias allowance
  // (depth − 1)·4/width·‖analytic‖_F (the layer-1 preactivations are exactly Gaussian, deeper ones are O(1/width)).
  const int width = sanitized() ? 256 : 768, seeds = sanitized() ? 6 : 12;
  MatrixD X = random_inputs(5, 6, 1);
  X.row(4) = X.row(0) * 0.5;  // a parallel pair
  const McCase cases[] = {
      {1, "relu", Parameterization::ntk, 0.0},
      {1, "erf", Parameterization::ntk, 0.5},
      {1, "leaky_relu:0.1", Parameterization::standard, 0.0},
      {2, "relu", Parameterization::ntk, 0.3},
      {2, "erf", Parameterization::standard, 0.0},
      {2, "leaky_relu:0.2", Parameterization::standard, 0.4},
      {3, "relu", Parameterization::standard, 0.2},
      {3, "erf", Parameterization::ntk, 0.0},
      {3, "leaky_relu:0.1", Parameterization::ntk, 0.1},
      {1, "tanh", Parameterization::ntk, 0.2},
  };
  for (const McCase& c : cases) {
    KernelOptions o;
    o.depth = c.depth;
    o.act = activation_from_name(c.act);
    o.parameterization = c.p;
    o.b_std = c.b_std;
    o.W_std = 1.3;
    o.width = width;
    MatrixD K = kernel_nngp(X, o), Th = kernel_ntk(X, o);
    McEstimate mc = monte_carlo(X, o, width, seeds);
    const double bias = (c.depth - 1) * 4.0 / width;
    const std::string what =
        fmt::format("depth {} {} {} b_std {}", c.depth, c.act, parameterization_name(c.p), c.b_std);
    EXPECT_LE((mc.nngp - K).norm(), 4 * mc.nngp_se.norm() + bias * K.norm()) << what << "\n" << K << "\n" << mc.nngp;
    EXPECT_LE((mc.ntk - Th).norm(), 4 * mc.ntk_se.norm() + bias * Th.norm()) << what << "\n" << Th << "\n" << mc.ntk;
    // The test has power: the se is small compared with the kernel (5 % at width 768 × 12 seeds; se ∝
    // 1/√(width·seeds), so the sanitized build's smaller sample gets the correspondingly larger bound).
    EXPECT_LT(mc.ntk_se.norm(), 0.05 * std::sqrt(768.0 * 12.0 / (width * seeds)) * Th.norm()) << what;
  }
}

TEST(Kernel, SymmetricPsdAndModesAgree) {
  for (const char* act : {"relu", "erf", "leaky_relu:0.1", "gelu"}) {
    for (auto p : {Parameterization::ntk, Parameterization::standard}) {
      MatrixD X = random_inputs(sanitized() ? 12 : 40, 7, 3);
      KernelOptions o;
      o.depth = 3;
      o.act = activation_from_name(act);
      o.parameterization = p;
      o.b_std = 0.1;
      o.width = 64;
      o.block = 1000;
      o.threads = 1;
      o.quadrature_order = 12;  // gelu: speed (accuracy is tested in dual_test)
      MatrixD K = kernel_nngp(X, o), Th = kernel_ntk(X, o);
      for (const MatrixD* M : {&K, &Th}) {
        EXPECT_EQ((*M - M->transpose()).norm(), 0.0) << act;
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(*M);
        EXPECT_GE(es.eigenvalues().minCoeff(), -1e-10 * M->trace()) << act;
      }
      // cross mode (X2 = X) equals symmetric mode
      MatrixD Kc = kernel_nngp(X, X, o), Thc = kernel_ntk(X, X, o);
      // (off the diagonal to 1e-12; on it the cross mode goes through θ ≈ 0, conditioned like √eps, while the
      // symmetric mode uses the exact diagonal recursion)
      MatrixD dK = Kc - K, dT = Thc - Th;
      EXPECT_LE(dK.diagonal().cwiseAbs().maxCoeff(), 1e-7 * K.cwiseAbs().maxCoeff()) << act;
      EXPECT_LE(dT.diagonal().cwiseAbs().maxCoeff(), 1e-7 * Th.cwiseAbs().maxCoeff()) << act;
      dK.diagonal().setZero();
      dT.diagonal().setZero();
      EXPECT_LE(dK.cwiseAbs().maxCoeff(), 1e-12 * K.cwiseAbs().maxCoeff()) << act;
      EXPECT_LE(dT.cwiseAbs().maxCoeff(), 1e-12 * Th.cwiseAbs().maxCoeff()) << act;
      // blocked + threaded equals one block
      KernelOptions ob = o;
      ob.block = 7;
      ob.threads = 2;
      MatrixD Kb = kernel_nngp(X, ob), Thb = kernel_ntk(X, ob);
      EXPECT_LE((Kb - K).cwiseAbs().maxCoeff(), 1e-13 * K.cwiseAbs().maxCoeff()) << act;
      EXPECT_LE((Thb - Th).cwiseAbs().maxCoeff(), 1e-13 * Th.cwiseAbs().maxCoeff()) << act;
      MatrixD Y = random_inputs(9, 7, 4);
      MatrixD Kxy = kernel_nngp(X, Y, o), Kxyb = kernel_nngp(X, Y, ob);
      EXPECT_LE((Kxy - Kxyb).cwiseAbs().maxCoeff(), 1e-13 * Kxy.cwiseAbs().maxCoeff()) << act;
      // both outputs in one pass equal the separate ones
      MatrixD K2(X.rows(), Y.rows()), T2(X.rows(), Y.rows());
      kernel_compute<double>(X, &Y, ob, K2.data(), T2.data(), Y.rows());
      EXPECT_LE((K2 - Kxy).cwiseAbs().maxCoeff(), 1e-13 * Kxy.cwiseAbs().maxCoeff()) << act;
      EXPECT_LE((T2 - kernel_ntk(X, Y, o)).cwiseAbs().maxCoeff(), 1e-13 * T2.cwiseAbs().maxCoeff()) << act;
    }
  }
}

TEST(Kernel, MatchesScalarRecursion) {
  // The fused blocked pass equals a per-entry recursion written out from theory.md §3.8.
  MatrixD X = random_inputs(6, 5, 8), Y = random_inputs(4, 5, 9);
  for (auto p : {Parameterization::ntk, Parameterization::standard}) {
    KernelOptions o;
    o.depth = 2;
    o.act = activation_from_name("leaky_relu:0.3");
    o.parameterization = p;
    o.W_std = 0.9;
    o.b_std = 0.25;
    o.width = 33;
    Dual dual(o.act);
    MatrixD K = kernel_nngp(X, Y, o), Th = kernel_ntk(X, Y, o);
    const double w2 = o.W_std * o.W_std, b2 = o.b_std * o.b_std;
    for (int i = 0; i < X.rows(); ++i)
      for (int j = 0; j < Y.rows(); ++j) {
        double k11 = w2 * X.row(i).squaredNorm() / 5 + b2, k22 = w2 * Y.row(j).squaredNorm() / 5 + b2;
        double k12 = w2 * X.row(i).dot(Y.row(j)) / 5 + b2;
        double th = p == Parameterization::ntk ? k12 : X.row(i).dot(Y.row(j)) + 1;
        for (int l = 0; l < o.depth; ++l) {
          DualValue v = dual(k11, k22, k12);
          double t11 = dual.diagonal(k11).T, t22 = dual.diagonal(k22).T;
          double direct = p == Parameterization::ntk ? w2 * v.T + b2 : o.width * v.T + 1;
          th = direct + w2 * v.Tdot * th;
          k12 = w2 * v.T + b2;
          k11 = w2 * t11 + b2;
          k22 = w2 * t22 + b2;
        }
        EXPECT_NEAR(K(i, j), k12, 1e-13 * std::fabs(k12));
        EXPECT_NEAR(Th(i, j), th, 1e-13 * std::fabs(th));
      }
  }
}

TEST(Kernel, Float32AgreesWithFloat64) {
  MatrixD X = random_inputs(sanitized() ? 20 : 60, 20, 5);
  for (const char* act : {"relu", "erf", "abs"}) {
    KernelOptions o;
    o.depth = 3;
    o.act = activation_from_name(act);
    o.b_std = 0.1;
    o.block = 16;
    MatrixD K = kernel_nngp(X, o), Th = kernel_ntk(X, o);
    MatrixF Xf = X.cast<float>();
    MatrixF Kf = kernel_nngp(Xf, o), Thf = kernel_ntk(Xf, o);
    EXPECT_LE((Kf.cast<double>() - K).cwiseAbs().maxCoeff(), 2e-5 * K.cwiseAbs().maxCoeff()) << act;
    EXPECT_LE((Thf.cast<double>() - Th).cwiseAbs().maxCoeff(), 2e-5 * Th.cwiseAbs().maxCoeff()) << act;
  }
}

TEST(Kernel, ZeroAndDuplicateRowsGiveNoNaN) {
  MatrixD X = random_inputs(6, 4, 6);
  X.row(2).setZero();
  X.row(5) = X.row(1);
  for (const auto& info : activation_registry()) {
    for (double b : {0.0, 0.3}) {
      KernelOptions o;
      o.depth = 2;
      o.act = activation_from_name(info.name);
      o.b_std = b;
      o.quadrature_order = 16;  // speed; accuracy is not the point here
      for (bool f32 : {false, true}) {
        MatrixD K, Th;
        if (f32) {
          MatrixF Xf = X.cast<float>();
          K = kernel_nngp(Xf, o).cast<double>();
          Th = kernel_ntk(Xf, Xf, o).cast<double>();
        } else {
          K = kernel_nngp(X, o);
          Th = kernel_ntk(X, X, o);
        }
        EXPECT_TRUE(K.allFinite() && Th.allFinite()) << info.name << " b " << b << " f32 " << f32;
        EXPECT_NEAR(K(1, 5), K(1, 1), 1e-5 * std::fabs(K(1, 1)) + 1e-12) << info.name;
        EXPECT_NEAR(Th(5, 5), Th(1, 1), 1e-5 * std::fabs(Th(1, 1)) + 1e-12) << info.name;
      }
    }
  }
  // relu, no bias: a zero input gives a zero kernel row.
  KernelOptions o;
  o.depth = 2;
  MatrixD K = kernel_nngp(X, o);
  EXPECT_EQ(K.row(2).cwiseAbs().maxCoeff(), 0.0);
}

TEST(Kernel, BadInputsThrow) {
  KernelOptions o;
  MatrixD X = random_inputs(3, 4, 1), Y = random_inputs(3, 5, 1);
  EXPECT_THROW(kernel_nngp(X, Y, o), InputError);
  X(1, 2) = std::nan("");
  EXPECT_THROW(kernel_nngp(X, o), InputError);
  o.depth = 0;
  EXPECT_THROW(kernel_nngp(Y, o), InputError);
  EXPECT_THROW(kernel_ntk_weighted(Y, kSym, KernelOptions{}, std::vector<double>{1.0}), InputError);
}

// Audit: inputs of order 1e10 in float32 (erf), or 1e160 in float64, and --depth 200 --w-std 10 gave kernels of inf
// and NaN with exit 0. The recursion's diagonals bound every entry (|K(x,x')| ≤ √(K(x,x) K(x',x')), and the duals
// multiply two diagonals), so a diagonal beyond √(max T)/4 is refused, naming the row; one just inside computes finite.
TEST(Kernel, DiagonalsBeyondThePrecisionsRangeAreRefused) {
  KernelOptions o;
  o.depth = 2;
  o.act = activation_from_name("erf");
  MatrixD X = random_inputs(4, 3, 2);
  MatrixF big = (X * 1e10).cast<float>();  // K¹(x,x) ≈ |x|²·1e20/3 > √(3.4e38)/4 = 4.6e18
  EXPECT_INPUT_ERROR(kernel_nngp(big, o), "beyond what float32 products hold");
  EXPECT_INPUT_ERROR(kernel_nngp(big, o), "row 0");
  MatrixF fits = (X * 1e8).cast<float>();  // K¹ ≈ 1e16: erf's dual saturates, every entry finite
  EXPECT_TRUE(kernel_nngp(fits, o).allFinite());
  EXPECT_TRUE(kernel_ntk(fits, o).allFinite());
  const MatrixD huge = X * 1e160;
  EXPECT_INPUT_ERROR(kernel_nngp(huge, o), "beyond what float64 products hold");
  KernelOptions deep;  // relu: K^{l+1}(x,x) = W²/2 · K^l(x,x), so W = 10 over 200 layers grows by 50^200
  deep.depth = 200;
  deep.W_std = 10;
  EXPECT_INPUT_ERROR(kernel_ntk(X, deep), "lower W_std or the depth");
  deep.depth = 20;  // 50^20 ≈ 1e34: fine
  EXPECT_TRUE(kernel_ntk(X, deep).allFinite());
}

TEST(Kernel, WeightedNtkIsLinearInLayerWeights) {
  MatrixD X = random_inputs(7, 3, 2);
  KernelOptions o;
  o.depth = 2;
  o.act = activation_from_name("erf");
  o.b_std = 0.2;
  MatrixD sum = MatrixD::Zero(7, 7);
  for (int l = 0; l <= o.depth; ++l) {
    std::vector<double> e(std::size_t(o.depth + 1), 0.0);
    e[std::size_t(l)] = 1.0;
    sum += kernel_ntk_weighted(X, kSym, o, e);
  }
  MatrixD Th = kernel_ntk(X, o);
  EXPECT_LE((sum - Th).cwiseAbs().maxCoeff(), 1e-13 * Th.cwiseAbs().maxCoeff());
  std::vector<double> ones(3, 1.0);
  EXPECT_LE((kernel_ntk_weighted(X, kSym, o, ones) - Th).cwiseAbs().maxCoeff(), 1e-15 * Th.cwiseAbs().maxCoeff());
}

TEST(Kernel, GolikovOneHiddenLayerKernelOfNtkScaling) {
  // theory.md §1.5: NTK scaling, 1 hidden layer, PyTorch uniform init (Var = 1/(3 fan_in)), lr_in η, lr_out η ω⁻¹:
  //   Θ(x,x') = η d* (E_w[φ(w·x)φ(w·x')] + E[ã²] E_w[φ'(w·x)φ'(w·x')] x·x'),  E[ã²] = 1/(3d*),
  // with w·x Gaussian of variance |x|²/(3 n0). Independent of the width d.
  Scaling s;
  s.name = "ntk";
  s.depth = 1;
  s.reference_width = 128;
  s.layers = {{0, 0, 0}, {0, 0, -1}};
  const double eta = 0.02;
  MatrixD X = random_inputs(5, 10, 4);
  Activation act = activation_from_name("leaky_relu:0.1");
  Dual dual(act);
  for (double d : {128.0, 1024.0, 8192.0}) {
    ScalingKernelWeights w = scaling_kernel_weights(s, d, eta, 10);
    EXPECT_NEAR(w.W_std * w.W_std, 1.0 / 3, 1e-15);
    KernelOptions o;
    o.depth = 1;
    o.act = act;
    o.W_std = w.W_std;
    MatrixD Th = kernel_ntk_weighted(X, kSym, o, w.layer_weights);
    for (int i = 0; i < 5; ++i)
      for (int j = 0; j < 5; ++j) {
        const double k11 = X.row(i).squaredNorm() / 30, k22 = X.row(j).squaredNorm() / 30,
                     k12 = X.row(i).dot(X.row(j)) / 30;
        DualValue v = dual(k11, k22, k12);
        const double ref = eta * 128 * (v.T + v.Tdot * X.row(i).dot(X.row(j)) / (3 * 128));
        // the diagonal: symmetric mode's exact diagonal vs the reference's θ ≈ 0 (conditioned like √eps)
        EXPECT_NEAR(Th(i, j), ref, (i == j ? 1e-8 : 1e-12) * std::fabs(ref) + 1e-15) << "d = " << d;
      }
  }
  Scaling bad = s;
  bad.layers[1].init = 1;  // output σ² grows with ω: no common W_std
  EXPECT_THROW(scaling_kernel_weights(bad, 256, eta, 10), InputError);
}
