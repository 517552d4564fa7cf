// The per-entry recursion the CUDA kernel runs (kernel_entry.h), checked on the CPU against kernel_compute (the CPU
// engine, kernel.h): the same function compiles into the device code, so this is how the GPU's arithmetic is tested
// on machines without a GPU. Also: dense_diagonals equals kernel_compute's exact diagonal bit for bit, and
// dense_entry_params refuses what the CUDA kernel does not support.
#include "widthlab/kernel_entry.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "widthlab/kernel.h"
#include "widthlab/kernel_cuda.h"
#include "widthlab/rng.h"

using namespace widthlab;

namespace {

template <class T>
Matrix<T> random_inputs(int n, int d, std::uint64_t seed) {
  Rng g = make_rng(seed, 24);
  std::normal_distribution<double> N(0, 1);
  Matrix<T> X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = T(N(g));
  return X;
}

struct Case {
  std::string act;
  Parameterization p;
  int depth;
  double W_std, b_std, width;
  bool weighted;  // per-layer weights (Golikov's kernel) instead of all 1
};

const Case kCases[] = {
    {"relu", Parameterization::ntk, 3, 1.4, 0.0, 1, false},
    {"relu", Parameterization::ntk, 1, 1.0, 0.3, 1, false},
    {"relu", Parameterization::standard, 2, 1.2, 0.3, 64, false},
    {"erf", Parameterization::ntk, 3, 1.1, 0.2, 1, false},
    {"erf", Parameterization::standard, 2, 1.3, 0.0, 32, false},
    {"leaky_relu:0.2", Parameterization::ntk, 4, 1.3, 0.1, 1, false},
    {"leaky_relu:0.2", Parameterization::standard, 2, 1.0, 0.4, 16, true},
    {"abs", Parameterization::ntk, 2, 1.0, 0.0, 1, true},
};

KernelOptions options(const Case& c) {
  KernelOptions o;
  o.depth = c.depth;
  o.act = activation_from_name(c.act);
  o.parameterization = c.p;
  o.W_std = c.W_std;
  o.b_std = c.b_std;
  o.width = c.width;
  o.block = 4;  // several blocks, so the CPU reference runs its blocked path
  o.threads = 1;
  return o;
}

std::string describe(const Case& c) {
  return c.act + (c.p == Parameterization::ntk ? " ntk" : " standard") + " depth " + std::to_string(c.depth) +
         " b_std " + std::to_string(c.b_std) + (c.weighted ? " weighted" : "");
}

// Every entry of the cross kernel X1 × X2 by dense_kernel_entry<T> (Gram in T, diagonals from dense_diagonals as
// the CUDA host side passes them) against kernel_compute<T>, within tol × the largest |reference entry|.
template <class T>
void expect_entries_match(const Case& c, double tol) {
  const Matrix<T> X1 = random_inputs<T>(9, 7, 1), X2 = random_inputs<T>(6, 7, 2);
  const KernelOptions o = options(c);
  const std::vector<double> weights{0.7, 1.3, 0.4, 2.0, 0.9};
  std::vector<double> w(weights.begin(), weights.begin() + c.depth + 1);
  const std::vector<double>* lw = c.weighted ? &w : nullptr;
  Matrix<T> K(9, 6), Th(9, 6);
  kernel_compute<T>(X1, &X2, o, K.data(), Th.data(), K.cols(), lw);

  const MatrixRef<T> x1(X1), x2(X2);
  const DenseDiagonals D1 = dense_diagonals<T>(x1, o, lw), D2 = dense_diagonals<T>(x2, o, lw);
  const std::vector<T> d1(D1.k.begin(), D1.k.end()), d2(D2.k.begin(), D2.k.end());
  std::vector<T> cw(w.begin(), w.end());
  const DenseEntryParams<T> P = dense_entry_params<T>(o, X1.cols());
  const Matrix<T> G = X1 * X2.transpose();
  Matrix<T> Ke(9, 6), The(9, 6);
  for (int i = 0; i < 9; ++i)
    for (int j = 0; j < 6; ++j)
      dense_kernel_entry<T>(P, c.weighted ? cw.data() : nullptr, G(i, j), d1.data() + i, 9, d2.data() + j, 6, &Ke(i, j),
                            &The(i, j));
  const double kscale = double(K.cwiseAbs().maxCoeff()), tscale = double(Th.cwiseAbs().maxCoeff());
  EXPECT_GT(kscale, 0.0);
  EXPECT_LE(double((Ke - K).cwiseAbs().maxCoeff()), tol * kscale) << describe(c);
  EXPECT_LE(double((The - Th).cwiseAbs().maxCoeff()), tol * tscale) << describe(c);
}

}  // namespace

// Float64: the same recursion in the same order; only atan2 differs (libm vs fast_atan2, ≤ 4.5e-16 absolute on
// [0, π]) plus the Gram's summation order, so agreement is to a few ulp of the entries.
TEST(KernelEntry, MatchesKernelComputeFloat64) {
  for (const Case& c : kCases) expect_entries_match<double>(c, 1e-13);
}

// Float32: the same in float. Per layer the duals see a relative perturbation of a few eps (6e-8): atan2f vs
// fast_atan2 (≤ 2.4e-7 absolute), the Gram's summation order and FMA contraction (≤ d·eps, d = 7); over ≤ 4 layers
// and away from near-duplicate pairs (random inputs: |ρ| < 0.95) that stays below ~1e-6 of the largest entry.
// A wrong term or order of terms in the recursion shows up at 1e-3 or more.
TEST(KernelEntry, MatchesKernelComputeFloat32) {
  for (const Case& c : kCases) expect_entries_match<float>(c, 2e-6);
}

// The exact diagonal the CUDA host side writes (dense_diagonals, double) is kernel_compute's, bit for bit, in both
// precisions and with per-layer weights.
TEST(KernelEntry, DiagonalsEqualKernelComputeDiagonal) {
  for (const Case& c : kCases) {
    const MatrixD X = random_inputs<double>(5, 4, 3);
    const MatrixF Xf = X.cast<float>();
    const KernelOptions o = options(c);
    std::vector<double> w(std::size_t(c.depth + 1), 1.5);
    const std::vector<double>* lw = c.weighted ? &w : nullptr;
    MatrixD K(5, 5), Th(5, 5);
    MatrixF Kf(5, 5), Thf(5, 5);
    kernel_compute<double>(X, nullptr, o, K.data(), Th.data(), 5, lw);
    kernel_compute<float>(Xf, nullptr, o, Kf.data(), Thf.data(), 5, lw);
    const DenseDiagonals D = dense_diagonals<double>(MatrixRef<double>(X), o, lw);
    const DenseDiagonals Df = dense_diagonals<float>(MatrixRef<float>(Xf), o, lw);
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(D.nngp[i], K(i, i)) << describe(c);
      EXPECT_EQ(D.ntk[i], Th(i, i)) << describe(c);
      EXPECT_EQ(float(Df.nngp[i]), Kf(i, i)) << describe(c);
      EXPECT_EQ(float(Df.ntk[i]), Thf(i, i)) << describe(c);
    }
  }
}

TEST(KernelEntry, ParamsRefuseWhatTheCudaKernelDoesNotSupport) {
  KernelOptions o;
  o.act = activation_from_name("tanh");
  EXPECT_THROW(dense_entry_params<float>(o, 3), std::invalid_argument);
  EXPECT_NE(cuda_kernel_unsupported(o).find("tanh"), std::string::npos) << cuda_kernel_unsupported(o);
  o.act = activation_from_name("relu");
  o.arch = parse_architecture("dense(4)-relu-dense(1)");
  EXPECT_NE(cuda_kernel_unsupported(o).find("--arch"), std::string::npos);
  o.arch.reset();
  o.precision = Precision::float64;  // both precisions run on the GPU
  EXPECT_EQ(cuda_kernel_unsupported(o), "");
  o.precision = Precision::float32;
  EXPECT_EQ(cuda_kernel_unsupported(o), "");
  o.act = activation_from_name("erf");
  EXPECT_EQ(cuda_kernel_unsupported(o), "");
}
