// The CUDA dense NNGP/NTK (kernel_cuda.h) against the CPU engine (kernel_compute<float>), and device selection
// (device.h). The GPU comparisons GTEST_SKIP with cuda_status() on machines without a usable GPU (CI has none);
// the refusals (unsupported requests, no GPU, bad --device text) run everywhere.
#include "widthlab/kernel_cuda.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/rng.h"

using namespace widthlab;

namespace {

MatrixF random_inputs(int n, int d, std::uint64_t seed) {
  Rng g = make_rng(seed, 25);
  std::normal_distribution<double> N(0, 1);
  MatrixF X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = float(N(g));
  return X;
}

KernelOptions relu_options(int depth) {
  KernelOptions o;
  o.depth = depth;
  o.precision = Precision::float32;
  return o;
}

double max_rel(const MatrixF& got, const MatrixF& want) {
  return double((got - want).cwiseAbs().maxCoeff()) / double(want.cwiseAbs().maxCoeff());
}

// Tolerances against kernel_compute<float> (kernel_cuda.h "Accuracy"): the recursion is the same; cuBLAS's and
// OpenBLAS's Gram entries differ by their summation orders, |Δg| ≲ √d·eps·|x||x'| typically and d·eps·|x||x'| at
// worst (d = 256: 4e-6 relative at worst), atan2f vs fast_atan2 adds ≤ 2 ulp per layer; random inputs have no
// near-duplicate pairs. 2e-5 of the largest entry covers that with margin and still catches any wrong term (≥ 1e-3).
// TF32 rounds inputs to 11 significant bits (2^-11 ≈ 5e-4 relative each): 5e-3.
constexpr double kStrictTol = 2e-5, kTf32Tol = 5e-3;

struct Pair {
  MatrixF K, Th;
};

Pair cpu(const MatrixF& X1, const MatrixF* X2, const KernelOptions& o) {
  Pair p{MatrixF(X1.rows(), X2 ? X2->rows() : X1.rows()), MatrixF(X1.rows(), X2 ? X2->rows() : X1.rows())};
  kernel_compute<float>(X1, X2, o, p.K.data(), p.Th.data(), p.K.cols());
  return p;
}

Pair gpu(const MatrixF& X1, const MatrixF* X2, const KernelOptions& o, const CudaKernelOptions& co) {
  Pair p{MatrixF(X1.rows(), X2 ? X2->rows() : X1.rows()), MatrixF(X1.rows(), X2 ? X2->rows() : X1.rows())};
  const MatrixRef<float> x1(X1);
  if (X2) {
    const MatrixRef<float> x2(*X2);
    kernel_compute_cuda(x1, &x2, o, p.K.data(), p.Th.data(), p.K.cols(), co);
  } else {
    kernel_compute_cuda(x1, nullptr, o, p.K.data(), p.Th.data(), p.K.cols(), co);
  }
  return p;
}

}  // namespace

TEST(Device, ParseDevice) {
  EXPECT_EQ(parse_device("cpu", "--device"), Device::cpu);
  EXPECT_EQ(parse_device("cuda", "--device"), Device::cuda);
  EXPECT_EQ(parse_device("auto", "--device"), std::nullopt);
  try {
    parse_device("gpu", "--device");
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "--device 'gpu': expected cpu, cuda or auto");
  }
}

TEST(Device, StatusIsOneSentenceConsistentWithAvailability) {
  const std::string s = cuda_status();
  EXPECT_FALSE(s.empty());
  EXPECT_EQ(s.find('\n'), std::string::npos);
  if (!cuda_built()) {
    EXPECT_EQ(s.rfind("built without CUDA", 0), 0u) << s;
  }
  EXPECT_EQ(cuda_available(), s.rfind("CUDA device 0", 0) == 0) << s;
}

// The host-side finish of a symmetric GPU call, on the CPU: across several 256-blocks, a ragged last block, ld > n.
TEST(KernelCuda, SymmetrizeFromUpper) {
  for (int n : {1, 7, 256, 600}) {
    const int ld = n + 3;
    MatrixF M = random_inputs(n, ld, std::uint64_t(n));
    const MatrixF before = M;
    std::vector<double> diag(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) diag[std::size_t(i)] = 100.0 + i;
    symmetrize_from_upper(M.data(), n, ld, diag);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < ld; ++j) {
        const float want = j >= n ? before(i, j) : i == j ? float(100 + i) : j > i ? before(i, j) : before(j, i);
        ASSERT_EQ(M(i, j), want) << "n " << n << " at (" << i << ", " << j << ")";
      }
  }
  MatrixF M(2, 2);
  EXPECT_THROW(symmetrize_from_upper(M.data(), 2, 2, {1.0}), std::invalid_argument);
}

TEST(KernelCuda, RefusesUnsupportedRequestsEverywhere) {
  const MatrixF X = random_inputs(4, 3, 1);
  const MatrixRef<float> x(X);
  MatrixF K(4, 4);
  KernelOptions o = relu_options(2);
  o.act = activation_from_name("gelu");
  try {
    kernel_compute_cuda(x, nullptr, o, K.data(), nullptr, 4);
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("activation gelu"), std::string::npos) << e.what();
  }
  o = relu_options(0);  // invalid options are refused as kernel_compute refuses them
  EXPECT_THROW(kernel_compute_cuda(x, nullptr, o, K.data(), nullptr, 4), InputError);
}

TEST(KernelCuda, WithoutAGpuSaysWhy) {
  if (cuda_available()) GTEST_SKIP() << "a GPU is present: " << cuda_status();
  const MatrixF X = random_inputs(4, 3, 1);
  MatrixF K(4, 4);
  try {
    kernel_compute_cuda(MatrixRef<float>(X), nullptr, relu_options(2), K.data(), nullptr, 4);
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(cuda_status()), std::string::npos) << e.what();
  }
}

// Cross and symmetric, relu / erf / leaky relu, both parameterizations, bias, several panels per call.
TEST(KernelCuda, MatchesCpuFloat32) {
  if (!cuda_available()) GTEST_SKIP() << cuda_status();
  const MatrixF X1 = random_inputs(300, 256, 2), X2 = random_inputs(170, 256, 3);
  struct C {
    const char* act;
    Parameterization p;
    int depth;
    double b_std;
  };
  for (const C& c : {C{"relu", Parameterization::ntk, 3, 0.0}, C{"erf", Parameterization::ntk, 2, 0.2},
                     C{"leaky_relu:0.1", Parameterization::standard, 3, 0.3}}) {
    KernelOptions o = relu_options(c.depth);
    o.act = activation_from_name(c.act);
    o.parameterization = c.p;
    o.b_std = c.b_std;
    o.width = 128;
    CudaKernelOptions co;
    co.panel_bytes = 64 * 170 * 4;  // 64-row panels: 5 panels, both streams reused
    const Pair want = cpu(X1, &X2, o), got = gpu(X1, &X2, o, co);
    EXPECT_LE(max_rel(got.K, want.K), kStrictTol) << c.act;
    EXPECT_LE(max_rel(got.Th, want.Th), kStrictTol) << c.act;
    const Pair wsym = cpu(X1, nullptr, o), gsym = gpu(X1, nullptr, o, co);
    EXPECT_LE(max_rel(gsym.K, wsym.K), kStrictTol) << c.act;
    EXPECT_LE(max_rel(gsym.Th, wsym.Th), kStrictTol) << c.act;
    EXPECT_TRUE(gsym.K == gsym.K.transpose()) << "symmetric output must be exactly symmetric";
    EXPECT_TRUE(gsym.K.diagonal() == wsym.K.diagonal()) << "the exact diagonal, as the CPU path";
    EXPECT_TRUE(gsym.Th.diagonal() == wsym.Th.diagonal());
  }
}

TEST(KernelCuda, Tf32IsCloseButOptIn) {
  if (!cuda_available()) GTEST_SKIP() << cuda_status();
  const MatrixF X = random_inputs(200, 784, 4);
  const KernelOptions o = relu_options(3);
  CudaKernelOptions co;
  co.tf32 = true;
  const Pair want = cpu(X, nullptr, o), got = gpu(X, nullptr, o, co);
  EXPECT_LE(max_rel(got.K, want.K), kTf32Tol);
  EXPECT_LE(max_rel(got.Th, want.Th), kTf32Tol);
  EXPECT_GT(kernel_time_cuda(MatrixRef<float>(X), o, co, 2), 0.0);
}
