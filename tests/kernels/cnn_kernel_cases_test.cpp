// Exact special cases of the CNN kernels (cnn_kernel.h, theory.md §3.9) against the dense kernel (kernel.h) and
// hand computations, plus the plumbing: symmetric = cross mode, blocks and threads, float32, bad input.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cnn_test_inputs.h"
#include "widthlab/cnn_kernel.h"
#include "widthlab/error.h"
#include "widthlab/rng.h"

using namespace widthlab;
using widthlab::test::cnn_arch_options;
using widthlab::test::random_images;

namespace {

// n rows of d N(0, 1) values from `seed`.
MatrixD random_rows(int n, std::int64_t d, std::uint64_t seed) { return random_images(n, ImageShape{1, 1, d}, seed); }

// W_std 1.2, as dense() below, so that the two kernels can be compared.
KernelOptions cnn(const std::string& arch, const ImageShape& shape, Parameterization p, double b_std,
                  const char* act = "relu") {
  KernelOptions o = cnn_arch_options(arch, shape, p, b_std, 1.2);
  o.act = activation_from_name(act);
  return o;
}

KernelOptions dense(int depth, double width, Parameterization p, double b_std, const char* act) {
  KernelOptions o;
  o.depth = depth;
  o.width = width;
  o.parameterization = p;
  o.W_std = 1.2;
  o.b_std = b_std;
  o.act = activation_from_name(act);
  return o;
}

double rel(const MatrixD& a, const MatrixD& b) { return (a - b).norm() / b.norm(); }

constexpr Parameterization kBoth[] = {Parameterization::ntk, Parameterization::standard};

}  // namespace

TEST(CnnKernelCases, DenseArchitectureIsTheDenseKernel) {
  const MatrixD X = random_rows(7, 9, 1);
  for (const char* act : {"relu", "erf", "tanh"})
    for (Parameterization p : kBoth) {
      const std::string arch = fmt::format("dense(48)-{0}-dense(48)-{0}-dense(1)", act);
      const KernelOptions c = cnn(arch, ImageShape{1, 1, 9}, p, 0.3), d = dense(2, 48, p, 0.3, act);
      EXPECT_LT(rel(kernel_nngp(X, c), kernel_nngp(X, d)), 1e-12) << arch;
      EXPECT_LT(rel(kernel_ntk(X, c), kernel_ntk(X, d)), 1e-12) << arch << " " << parameterization_name(p);
      KernelOptions no_shape = c;  // (N, d) inputs without a shape are (1, 1, d)
      no_shape.input_shape.reset();
      EXPECT_LT(rel(kernel_ntk(X, no_shape), kernel_ntk(X, d)), 1e-12) << arch;
    }
}

TEST(CnnKernelCases, OneByOneConvStackThenFlattenIsThePixelMeanOfTheDenseKernel) {
  // Per pixel p a 1×1 conv stack is the dense recursion on x_p ∈ R^C; flatten averages the pixel diagonal and the
  // readout is affine, so NNGP(x, x') = (1/P) Σ_p K_dense(x_p, x'_p) and, for the ntk parameterization, the same for
  // the NTK. Under the standard parameterization the readout's fan-in is P·N instead of N, which adds
  // (P − 1)·N·(1/P)Σ_p T_p = (P − 1)·N·(NNGP − σ_b²)/σ_w² (theory.md §3.9).
  const ImageShape shape{3, 2, 4};
  const std::int64_t P = shape.pixels(), N = 40;
  const int n = 5;
  const MatrixD X = random_rows(n, shape.size(), 2);
  const MatrixD Xpix = Eigen::Map<const MatrixD>(X.data(), n * P, shape.channels);  // row i·P + p = x_i at pixel p
  for (const char* act : {"relu", "erf"})
    for (Parameterization p : kBoth) {
      const std::string arch = fmt::format("conv(1,same,{0})-{1}-dense({0})-{1}-flatten-dense(1)", N, act);
      const KernelOptions c = cnn(arch, shape, p, 0.2), d = dense(2, double(N), p, 0.2, act);
      const MatrixD K = kernel_nngp(X, c), Th = kernel_ntk(X, c);
      const MatrixD Kd = kernel_nngp(Xpix, d), Td = kernel_ntk(Xpix, d);
      MatrixD Kref = MatrixD::Zero(n, n), Tref = Kref;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
          for (std::int64_t q = 0; q < P; ++q) {
            Kref(i, j) += Kd(i * P + q, j * P + q) / double(P);
            Tref(i, j) += Td(i * P + q, j * P + q) / double(P);
          }
      if (p == Parameterization::standard) Tref.array() += double(P - 1) * double(N) * (K.array() - 0.04) / (1.2 * 1.2);
      EXPECT_LT(rel(K, Kref), 1e-12) << arch;
      EXPECT_LT(rel(Th, Tref), 1e-12) << arch << " " << parameterization_name(p);
    }
}

TEST(CnnKernelCases, ValidFilterCoveringTheImageIsADenseLayer) {
  const ImageShape shape{4, 3, 2};
  const MatrixD X = random_rows(6, shape.size(), 3), Y = random_rows(4, shape.size(), 4);
  for (Parameterization p : kBoth) {
    const KernelOptions c = cnn("conv(4x3,valid,32)-relu-dense(32)-relu-dense(1)", shape, p, 0.1);
    const KernelOptions d = dense(2, 32, p, 0.1, "relu");
    EXPECT_LT(rel(kernel_nngp(X, Y, c), kernel_nngp(X, Y, d)), 1e-12);
    EXPECT_LT(rel(kernel_ntk(X, Y, c), kernel_ntk(X, Y, d)), 1e-12) << parameterization_name(p);
  }
}

TEST(CnnKernelCases, GapAndFlattenOfATwoPixelReluNetByHand) {
  // Images of 1×2 pixels, one channel: x = (1, −2), x' = (3, 1). dense(N)-relu (W_std 1, no bias) gives the
  // per-pixel-pair covariance K[p, q] = x_p·x'_q and, one-dimensional, T = max(x_p x'_q, 0)/2, Ṫ = [x_p x'_q > 0]/2,
  // so Θ after relu = Ṫ·K = T. Products x_p x'_q: 3, 1, −6, −2.
  //   gap:     NNGP = mean_{p,q} T = (1.5 + 0.5)/4 = 0.5;   NTK = NNGP + mean_{p,q} Θ = 1.0
  //   flatten: NNGP = mean_p T[p, p] = (1.5 + 0)/2 = 0.75;  NTK = 1.5
  MatrixD X(2, 2);
  X << 1, -2, 3, 1;
  for (const char* readout : {"gap", "flatten"}) {
    KernelOptions o =
        cnn(fmt::format("dense(8)-relu-{}-dense(1)", readout), ImageShape{1, 2, 1}, Parameterization::ntk, 0.0);
    o.W_std = 1.0;
    const MatrixD K = kernel_nngp(X, o), Th = kernel_ntk(X, o);
    const bool gap = std::string(readout) == "gap";
    EXPECT_NEAR(K(0, 1), gap ? 0.5 : 0.75, 1e-14) << readout;
    EXPECT_NEAR(Th(0, 1), gap ? 1.0 : 1.5, 1e-14) << readout;
    // Diagonals: x = (1, −2): products 1, −2, −2, 4 → gap T = (0.5 + 2)/4; flatten T = (0.5 + 2)/2.
    EXPECT_NEAR(K(0, 0), gap ? 0.625 : 1.25, 1e-14) << readout;
  }
}

TEST(CnnKernelCases, SymmetricEqualsCrossBlocksThreadsAndFloat32) {
  const ImageShape shape{5, 5, 2};
  const MatrixD X = random_rows(9, shape.size(), 5);
  for (const char* arch : {"conv(3,same,8)-relu-conv(3,valid,8,stride=2)-erf-gap-dense(1)",
                           "conv(2,circular,8,stride=2)-leaky_relu:0.1-flatten-dense(4)-gelu-dense(1)"}) {
    KernelOptions o = cnn(arch, shape, Parameterization::standard, 0.2);
    o.quadrature_order = 16;
    o.block = 100;
    o.threads = 1;
    const MatrixD K = kernel_nngp(X, o), Th = kernel_ntk(X, o);
    EXPECT_EQ((K - K.transpose()).norm(), 0.0) << arch;
    // Cross mode (X2 = X) equals symmetric mode off the diagonal to 1e-12; on it the cross mode goes through the pair
    // formula at θ ≈ 0 (conditioned like √eps), the symmetric mode through the exact diagonal duals.
    for (const auto& [A, B] : {std::pair{kernel_nngp(X, X, o), K}, std::pair{kernel_ntk(X, X, o), Th}}) {
      MatrixD D = A - B;
      EXPECT_LE(D.diagonal().cwiseAbs().maxCoeff(), 1e-7 * B.cwiseAbs().maxCoeff()) << arch;
      D.diagonal().setZero();
      EXPECT_LE(D.cwiseAbs().maxCoeff(), 1e-12 * B.cwiseAbs().maxCoeff()) << arch;
    }
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(K);
    EXPECT_GE(es.eigenvalues().minCoeff(), -1e-10 * K.trace()) << arch;
    o.block = 2;
    o.threads = 3;
    EXPECT_EQ(kernel_nngp(X, o), K) << arch;  // bit-identical for any block and thread count
    EXPECT_EQ(kernel_ntk(X, o), Th) << arch;
    const MatrixF Kf = kernel_nngp<float>(X.cast<float>(), o);
    EXPECT_LT(rel(Kf.cast<double>(), K), 1e-5) << arch;
  }
}

TEST(CnnKernelCases, BadInputIsAnInputError) {
  const MatrixD X = random_rows(3, 12, 6);
  EXPECT_THROW(kernel_nngp(X, cnn("conv(3,same,4)-relu-gap-dense(1)", ImageShape{2, 2, 2}, Parameterization::ntk, 0)),
               InputError);  // 8 values per image, 12 columns
  EXPECT_THROW(kernel_nngp(X, cnn("conv(3,valid,4)-gap-dense(1)", ImageShape{2, 3, 2}, Parameterization::ntk, 0)),
               InputError);  // filter larger than the image
  EXPECT_THROW(kernel_nngp(X, cnn("conv(1,same,4)-relu", ImageShape{2, 3, 2}, Parameterization::ntk, 0)),
               InputError);  // spatial output
  try {
    kernel_nngp(X, cnn("conv(3,same,4)-relu-gap-dense(1)", ImageShape{2, 2, 2}, Parameterization::ntk, 0));
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("input shape (2, 2, 2) holds 8 values, but the inputs have 12 columns"),
              std::string::npos)
        << e.what();
  }
}
