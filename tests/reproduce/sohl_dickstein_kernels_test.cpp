// sohl-dickstein2020-kernels (R22; src/reproduce/sohl_dickstein_kernels.h): the pooling and the validation split
// against hand-computed values, improved SP's NTK as an affine function of the base widths against direct kernel
// evaluations (and the dense kernel of theory.md §3.8 without an architecture), kernel regression against predict.h's
// predict_mse, and each claim's verdict taking all three values on constructed inputs.
#include "../../src/reproduce/sohl_dickstein_kernels.h"  // internal to src/reproduce

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <tuple>
#include <utility>

#include "widthlab/predict.h"

namespace widthlab::repro::sdk {
namespace {

TEST(SohlDicksteinKernels, AveragePoolMatchesHandValues) {
  MatrixD X(1, 16);
  for (int i = 0; i < 16; ++i) X(0, i) = i;  // a 4×4 image, row-major
  const MatrixD P = average_pool(X, 4, 4, 2);
  ASSERT_EQ(P.cols(), 4);
  EXPECT_DOUBLE_EQ(P(0, 0), (0 + 1 + 4 + 5) / 4.0);
  EXPECT_DOUBLE_EQ(P(0, 1), (2 + 3 + 6 + 7) / 4.0);
  EXPECT_DOUBLE_EQ(P(0, 2), (8 + 9 + 12 + 13) / 4.0);
  EXPECT_DOUBLE_EQ(P(0, 3), (10 + 11 + 14 + 15) / 4.0);
  EXPECT_THROW(average_pool(X, 4, 4, 3), std::invalid_argument);
}

TEST(SohlDicksteinKernels, ValidationSplitIsStratified) {
  VectorD y(12);
  y << 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2;
  const TrainValSplit s = validation_split(y, 4);  // each class has 4 examples: its 4th goes to validation
  EXPECT_EQ(s.val, (std::vector<Eigen::Index>{9, 10, 11}));
  EXPECT_EQ(s.train.size(), 9u);
  const TrainValSplit h = validation_split(y, 2);  // the 2nd and 4th of each class
  EXPECT_EQ(h.val, (std::vector<Eigen::Index>{3, 4, 5, 9, 10, 11}));
}

KernelOptions options(const std::string& arch, std::optional<ImageShape> shape) {
  KernelOptions ko;
  ko.W_std = 1.3;
  ko.b_std = 0.2;
  ko.threads = 1;
  ko.arch = parse_architecture(arch);
  ko.input_shape = shape;
  return ko;
}

// C_0 + Σ w_j C_j against the kernel evaluated directly at those widths.
void expect_affine(const std::string& pattern, std::optional<ImageShape> shape, int d) {
  const MatrixD Xt = MatrixD::Random(5, d), Xo = MatrixD::Random(3, d);
  const KernelOptions ko = options(fmt::format(fmt::runtime(pattern), 1, 1), shape);
  const SpComponents c = sp_components(*ko.arch, ko, Xt, Xo);
  ASSERT_EQ(c.c.size(), 3u);
  for (auto [w1, w2] : {std::pair{3, 7}, std::pair{16, 1}, std::pair{1, 1}}) {
    KernelOptions k = options(fmt::format(fmt::runtime(pattern), w1, w2), shape);
    k.parameterization = Parameterization::standard;
    const KernelPair direct = kernel_pair(k, Xt, Xo);
    EXPECT_LT(rel_max_diff(sp_ntk_at(c, {double(w1), double(w2)}), direct.ntk), 1e-12) << pattern << " " << w1;
    EXPECT_LT(rel_max_diff(c.nngp, direct.nngp), 1e-14) << "the NNGP does not depend on the widths";
  }
}

TEST(SohlDicksteinKernels, ImprovedSpNtkIsAffineInTheWidths) {
  expect_affine("dense({})-relu-dense({})-relu-dense(3)", std::nullopt, 6);
  expect_affine("conv(3x3,same,{})-relu-conv(3x3,same,{})-relu-flatten-dense(2)", ImageShape{4, 4, 1, true}, 16);
  expect_affine("conv(3x3,same,{})-erf-conv(3x3,same,{})-relu-gap-dense(2)", ImageShape{3, 3, 2, true}, 18);
}

// An independent path: the dense kernel of theory.md §3.8 (KernelOptions depth/width, no architecture) at uniform
// widths N equals the components at (N, N); and with every width n0 and σ_b² = σ_w²/n0 the standard NTK is
// (n0/σ_w²) × the NTK parameterization's.
TEST(SohlDicksteinKernels, DenseReferenceAndRescaling) {
  const int n0 = 6;
  const MatrixD Xt = MatrixD::Random(5, n0), Xo = MatrixD::Random(3, n0);
  const KernelOptions ko = options("dense(1)-relu-dense(1)-relu-dense(1)", std::nullopt);
  const SpComponents c = sp_components(*ko.arch, ko, Xt, Xo);
  KernelOptions dense;
  dense.depth = 2;
  dense.W_std = ko.W_std;
  dense.b_std = ko.b_std;
  dense.parameterization = Parameterization::standard;
  dense.width = 40;
  dense.threads = 1;
  const KernelBlocks ref{kernel_ntk<double>(Xt, dense), kernel_ntk<double>(Xo, Xt, dense)};
  EXPECT_LT(rel_max_diff(sp_ntk_at(c, {40.0, 40.0}), ref), 1e-12);

  dense.width = n0;
  dense.b_std = dense.W_std / std::sqrt(double(n0));
  const MatrixD sp = kernel_ntk<double>(Xt, dense);
  dense.parameterization = Parameterization::ntk;
  const MatrixD ntk = kernel_ntk<double>(Xt, dense);
  EXPECT_LT((sp - double(n0) / (dense.W_std * dense.W_std) * ntk).cwiseAbs().maxCoeff() / sp.cwiseAbs().maxCoeff(),
            1e-13);
}

// A CNN-GAP on one-channel images whose every fan-in is 9 (3×3 convs of widths 1 and 9, readout fan-in 9), with
// σ_b² = σ_w²/9: the standard NTK is (9/σ_w²) × the NTK parameterization's; at other widths it is not.
TEST(SohlDicksteinKernels, GapRescalingAtUniformFanIn) {
  const MatrixD Xt = MatrixD::Random(4, 16), Xo = MatrixD::Random(3, 16);
  KernelOptions k = options("conv(3x3,same,1)-relu-conv(3x3,same,9)-relu-gap-dense(1)", ImageShape{4, 4, 1, true});
  k.b_std = k.W_std / 3;
  k.parameterization = Parameterization::standard;
  const KernelBlocks sp = kernel_pair(k, Xt, Xo).ntk;
  k.parameterization = Parameterization::ntk;
  KernelBlocks ntk = kernel_pair(k, Xt, Xo).ntk;
  ntk.dd *= 9 / (k.W_std * k.W_std);
  ntk.td *= 9 / (k.W_std * k.W_std);
  EXPECT_LT(rel_max_diff(sp, ntk), 1e-13);
  k.parameterization = Parameterization::standard;
  k.arch = parse_architecture("conv(3x3,same,2)-relu-conv(3x3,same,9)-relu-gap-dense(1)");
  EXPECT_GT(rel_max_diff(kernel_pair(k, Xt, Xo).ntk, ntk), 1e-3);
}

TEST(SohlDicksteinKernels, KernelRidgeMatchesPredictMse) {
  const MatrixD A = MatrixD::Random(8, 8), T = MatrixD::Random(4, 8);
  const MatrixD K = A * A.transpose() + 0.1 * MatrixD::Identity(8, 8);
  const VectorD y = (VectorD(8) << 0, 1, 2, 0, 1, 2, 0, 1).finished();
  const MatrixD Y = one_hot(y, 3);
  PredictOptions o;
  o.diag_reg = 1e-2;
  const MatrixD ref = predict_mse(K, T, MatrixD(), MatrixD(), MatrixD(), Y, o).mean;
  const MatrixD f = kernel_ridge(K, T, Y, 1e-2);
  EXPECT_LT((f - ref).cwiseAbs().maxCoeff(), 1e-10 * ref.cwiseAbs().maxCoeff());
  EXPECT_TRUE(Y.row(4) == (MatrixD(1, 3) << 0, 1, 0).finished());
}

TEST(SohlDicksteinKernels, CorrectAndChoice) {
  MatrixD f(3, 3);
  f << 0.1, 0.9, 0.0,  //
      0.5, 0.5, 0.2,   // a tie: the first wins
      0.0, 0.1, 0.3;
  const VectorD y = (VectorD(3) << 1, 0, 0).finished();
  EXPECT_EQ(correct(f, y), (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(choose_on_validation({0.5, 0.7, 0.7, 0.6}), 1u);
}

// a and b correct on the same n examples except: `a_only` examples only a gets right, `b_only` only b.
std::pair<std::vector<double>, std::vector<double>> paired(int n, int a_only, int b_only) {
  std::vector<double> a(std::size_t(n), 1.0), b(std::size_t(n), 1.0);
  for (int i = 0; i < a_only; ++i) b[std::size_t(i)] = 0;
  for (int i = 0; i < b_only; ++i) a[std::size_t(a_only + i)] = 0;
  for (int i = 0; i < n / 4; ++i) a[std::size_t(n - 1 - i)] = b[std::size_t(n - 1 - i)] = 0;  // both wrong
  return {a, b};
}

TEST(SohlDicksteinKernels, SimilarVerdictIsThreeValued) {
  auto [a, b] = paired(1000, 6, 2);  // +0.004, interval ≈ [−0.002, 0.01]
  EXPECT_EQ(judge_similar_accuracy(a, b, 0.02, "Δ", "constructed").verdict, Verdict::holds);
  std::tie(a, b) = paired(1000, 120, 0);  // +0.12
  EXPECT_EQ(judge_similar_accuracy(a, b, 0.02, "Δ", "constructed").verdict, Verdict::fails);
  std::tie(a, b) = paired(1000, 22, 2);  // +0.02, interval straddles 0.02
  const VerdictResult v = judge_similar_accuracy(a, b, 0.02, "Δ", "constructed");
  EXPECT_EQ(v.verdict, Verdict::inconclusive) << v.detail;
  EXPECT_NE(v.detail.find("1000 test examples"), std::string::npos) << v.detail;
}

TEST(SohlDicksteinKernels, BetterVerdictIsThreeValued) {
  auto [a, b] = paired(1000, 40, 5);  // +0.035
  EXPECT_EQ(judge_better_accuracy(a, b, 0.001, "Δ", "constructed").verdict, Verdict::holds);
  std::tie(a, b) = paired(1000, 5, 40);  // −0.035
  EXPECT_EQ(judge_better_accuracy(a, b, 0.001, "Δ", "constructed").verdict, Verdict::fails);
  std::tie(a, b) = paired(1000, 10, 8);  // +0.002, interval straddles 0.001
  EXPECT_EQ(judge_better_accuracy(a, b, 0.001, "Δ", "constructed").verdict, Verdict::inconclusive);
}

}  // namespace
}  // namespace widthlab::repro::sdk
