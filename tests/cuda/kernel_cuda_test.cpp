// The CUDA dense NNGP/NTK (kernel_cuda.h) against the CPU engine (kernel_compute<T>), its panels and symmetric
// finish (host code, tested everywhere), and device selection
// (device.h). The GPU comparisons GTEST_SKIP with cuda_status() on machines without a usable GPU (CI has none);
// the refusals (unsupported requests, no GPU, bad --device text) run everywhere.
#include "widthlab/kernel_cuda.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>

#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/rng.h"

using namespace widthlab;

namespace {

template <class T = float>
Matrix<T> random_inputs(int n, int d, std::uint64_t seed) {
  Rng g = make_rng(seed, 25);
  std::normal_distribution<double> N(0, 1);
  Matrix<T> X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = T(N(g));
  return X;
}

KernelOptions relu_options(int depth) {
  KernelOptions o;
  o.depth = depth;
  o.precision = Precision::float32;
  return o;
}

// Infinite when `got` holds a NaN or inf (an entry left unwritten, see gpu()).
template <class T>
double max_rel(const Matrix<T>& got, const Matrix<T>& want) {
  if (!got.allFinite()) return std::numeric_limits<double>::infinity();
  return double((got - want).cwiseAbs().maxCoeff()) / double(want.cwiseAbs().maxCoeff());
}

// Tolerances against kernel_compute<float> (kernel_cuda.h "Accuracy"): the recursion is the same; cuBLAS's and
// OpenBLAS's Gram entries differ by their summation orders, |Δg| ≲ √d·eps·|x||x'| typically and d·eps·|x||x'| at
// worst (d = 256: 4e-6 relative at worst), atan2f vs fast_atan2 adds ≤ 2 ulp per layer; random inputs have no
// near-duplicate pairs. 2e-5 of the largest entry covers that with margin and still catches any wrong term (≥ 1e-3).
// TF32 rounds inputs to 11 significant bits (2^-11 ≈ 5e-4 relative each): 5e-3. Float64: the same argument with
// eps = 2^-53 (d·eps ≈ 3e-14 at d = 256, atan2 ≤ 2 ulp), so 1e-11 of the largest entry.
constexpr double kStrictTol = 2e-5, kTf32Tol = 5e-3, kFloat64Tol = 1e-11;

template <class T = float>
struct Pair {
  Matrix<T> K, Th;
};

template <class T>
Pair<T> cpu(const Matrix<T>& X1, const Matrix<T>* X2, const KernelOptions& o) {
  Pair<T> p{Matrix<T>(X1.rows(), X2 ? X2->rows() : X1.rows()), Matrix<T>(X1.rows(), X2 ? X2->rows() : X1.rows())};
  kernel_compute<T>(X1, X2, o, p.K.data(), p.Th.data(), p.K.cols());
  return p;
}

// The GPU's outputs, written over NaN: an entry the call leaves unwritten shows up as NaN in the comparison.
template <class T>
Pair<T> gpu(const Matrix<T>& X1, const Matrix<T>* X2, const KernelOptions& o, const CudaKernelOptions& co) {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  const Eigen::Index n2 = X2 ? X2->rows() : X1.rows();
  Pair<T> p{Matrix<T>::Constant(X1.rows(), n2, nan), Matrix<T>::Constant(X1.rows(), n2, nan)};
  const MatrixRef<T> x1(X1);
  if (X2) {
    const MatrixRef<T> x2(*X2);
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

// The GPU writes only the upper triangle of a symmetric call: the finish must read nothing below the diagonal.
TEST(KernelCuda, SymmetrizeFromUpperReadsNothingBelowTheDiagonal) {
  const int n = 700;
  MatrixD M = random_inputs<double>(n, n, 9);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) M(i, j) = std::numeric_limits<double>::quiet_NaN();
  const MatrixD upper = M;
  symmetrize_from_upper(M.data(), n, n, std::vector<double>(std::size_t(n), 2.5));
  ASSERT_TRUE(M.allFinite());
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) ASSERT_EQ(M(i, j), i == j ? 2.5 : i < j ? upper(i, j) : upper(j, i)) << i << ", " << j;
}

// The panels cover a cross call's every entry once, and a symmetric call's upper triangle (diagonal included) once
// with its redundant part confined to the diagonal blocks: Σ rows·cols = Σ_p rows_p·(n − r0_p).
TEST(KernelCuda, PanelsCoverTheOutputOnce) {
  for (const bool symmetric : {false, true})
    for (const auto& [n1, n2, m] :
         {std::array<std::int64_t, 3>{1, 1, 1}, {10, 10, 3}, {10, 10, 10}, {10, 10, 64}, {257, 257, 64}, {7, 13, 2}}) {
      if (symmetric && n1 != n2) continue;
      const std::vector<KernelPanel> panels = kernel_panels(n1, n2, m, symmetric);
      ASSERT_EQ(std::int64_t(panels.size()), (n1 + m - 1) / m);
      std::vector<int> hits(std::size_t(n1 * n2), 0);
      std::int64_t next_row = 0;
      for (const KernelPanel& p : panels) {
        EXPECT_EQ(p.r0, next_row);  // consecutive, disjoint row ranges of at most m rows
        EXPECT_TRUE(p.rows >= 1 && p.rows <= m);
        EXPECT_EQ(p.col0 + p.cols, n2);  // every panel runs to the last column
        EXPECT_EQ(p.col0, symmetric ? p.r0 : 0);
        next_row += p.rows;
        for (std::int64_t i = p.r0; i < p.r0 + p.rows; ++i)
          for (std::int64_t j = p.col0; j < n2; ++j) ++hits[std::size_t(i * n2 + j)];
      }
      EXPECT_EQ(next_row, n1);
      for (std::int64_t i = 0; i < n1; ++i)
        for (std::int64_t j = 0; j < n2; ++j) {
          const bool needed = !symmetric || j >= i;
          if (needed) {
            ASSERT_EQ(hits[std::size_t(i * n2 + j)], 1) << i << ", " << j;
          } else if (hits[std::size_t(i * n2 + j)]) {  // computed though mirrored: only inside a diagonal block
            ASSERT_EQ(i / m, j / m) << i << ", " << j;
          }
        }
    }
  // The device's per-column row loop (panel_rows_computed) computes exactly the needed entries of a symmetric call:
  // (i, j) with j ≥ i, each once across the panels, and every entry of a cross call.
  for (const bool symmetric : {false, true}) {
    const std::int64_t n = 37;
    std::vector<int> hits(std::size_t(n * n), 0);
    for (const KernelPanel& p : kernel_panels(n, n, 8, symmetric))
      for (std::int64_t j = 0; j < p.cols; ++j)
        for (std::int64_t i = 0; i < panel_rows_computed(p, j, symmetric); ++i)
          ++hits[std::size_t((p.r0 + i) * n + p.col0 + j)];
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < n; ++j)
        ASSERT_EQ(hits[std::size_t(i * n + j)], !symmetric || j >= i ? 1 : 0) << i << ", " << j;
  }
  EXPECT_THROW(kernel_panels(4, 5, 2, true), std::invalid_argument);
  EXPECT_THROW(kernel_panels(4, 4, 0, false), std::invalid_argument);
  EXPECT_THROW(kernel_panels(-1, 4, 2, false), std::invalid_argument);
  EXPECT_TRUE(kernel_panels(0, 4, 2, false).empty());
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
  const MatrixD Xd = random_inputs<double>(4, 3, 1);
  MatrixD Kd(4, 4);
  CudaKernelOptions tf32;
  tf32.tf32 = true;
  try {
    kernel_compute_cuda(MatrixRef<double>(Xd), nullptr, relu_options(2), Kd.data(), nullptr, 4, tf32);
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("tf32 applies to float32 only"), std::string::npos) << e.what();
  }
}

// choose_kernel_device: the kernel and predict verbs' --device and Python's device=, on any machine.
TEST(KernelCuda, ChooseKernelDeviceSaysWhereAndWhy) {
  KernelOptions relu = relu_options(2), tanh = relu_options(2);
  tanh.act = activation_from_name("tanh");
  const KernelDevice cpu = choose_kernel_device("cpu", tanh, "device");
  EXPECT_EQ(cpu.device, Device::cpu);
  EXPECT_EQ(cpu.note, "asked");
  const KernelDevice fallback = choose_kernel_device("auto", tanh, "device");
  EXPECT_EQ(fallback.device, Device::cpu);
  EXPECT_EQ(fallback.note.rfind("auto: the CUDA kernel does not support activation tanh", 0), 0u) << fallback.note;
  EXPECT_EQ(choose_kernel_device("auto", relu, "device").device, cuda_available() ? Device::cuda : Device::cpu);
  EXPECT_EQ(choose_kernel_device("auto", relu, "device", 2).device, Device::cpu);  // MPI ranks share no GPU path
  auto refusal = [](const std::string& text, const KernelOptions& o, int ranks) {
    try {
      choose_kernel_device(text, o, "device", ranks);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no InputError");
  };
  EXPECT_EQ(refusal("gpu", relu, 1), "device 'gpu': expected cpu, cuda or auto");
  EXPECT_NE(refusal("cuda", tanh, 1).find("device cuda: not supported for activation tanh"), std::string::npos);
  EXPECT_NE(refusal("cuda", relu, 2).find("more than one rank"), std::string::npos);
  if (!cuda_available()) {
    EXPECT_EQ(refusal("cuda", relu, 1), "device cuda: CUDA is not available: " + cuda_status());
  }
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
template <class T>
void expect_matches_cpu(double tol) {
  const Matrix<T> X1 = random_inputs<T>(300, 256, 2), X2 = random_inputs<T>(170, 256, 3);
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
    o.precision = std::is_same_v<T, float> ? Precision::float32 : Precision::float64;
    CudaKernelOptions co;
    co.panel_bytes = 64 * 170 * std::int64_t(sizeof(T));  // cross: 5 panels of 64 rows; symmetric: 9 of 36
    const Pair<T> want = cpu(X1, &X2, o), got = gpu(X1, &X2, o, co);
    EXPECT_LE(max_rel(got.K, want.K), tol) << c.act;
    EXPECT_LE(max_rel(got.Th, want.Th), tol) << c.act;
    const Pair<T> wsym = cpu<T>(X1, nullptr, o), gsym = gpu<T>(X1, nullptr, o, co);
    EXPECT_LE(max_rel(gsym.K, wsym.K), tol) << c.act;
    EXPECT_LE(max_rel(gsym.Th, wsym.Th), tol) << c.act;
    EXPECT_TRUE(gsym.K == gsym.K.transpose()) << "symmetric output must be exactly symmetric";
    EXPECT_TRUE(gsym.K.diagonal() == wsym.K.diagonal()) << "the exact diagonal, as the CPU path";
    EXPECT_TRUE(gsym.Th.diagonal() == wsym.Th.diagonal());
  }
}

TEST(KernelCuda, MatchesCpuFloat32) {
  if (!cuda_available()) GTEST_SKIP() << cuda_status();
  expect_matches_cpu<float>(kStrictTol);
}

TEST(KernelCuda, MatchesCpuFloat64) {
  if (!cuda_available()) GTEST_SKIP() << cuda_status();
  expect_matches_cpu<double>(kFloat64Tol);
  const MatrixD X = random_inputs<double>(300, 64, 5);
  KernelOptions o = relu_options(2);
  o.precision = Precision::float64;
  EXPECT_GT(kernel_time_cuda(MatrixRef<double>(X), o, {}, 2), 0.0);
}

// predict()'s GPU kernels (cuda_kernel_source): refused without a GPU; on one, predict() gives the CPU's prediction
// (kernel entries within 1e-11 relative, amplified by the regularized solve's cond ≤ 100·n + 1).
TEST(KernelCuda, KernelSourceForPredict) {
  KernelOptions o = relu_options(2);
  o.precision = Precision::float64;
  o.b_std = 0.1;
  const KernelSource gpu_kernels = cuda_kernel_source(o);
  const MatrixD X = random_inputs<double>(40, 8, 6), T = random_inputs<double>(7, 8, 7),
                Y = random_inputs<double>(40, 1, 8);
  MatrixD K;
  if (!cuda_available()) {
    EXPECT_THROW(gpu_kernels(X, nullptr, &K, nullptr), InputError);
    return;
  }
  PredictOptions po;
  po.diag_reg = 0.01;
  po.cov = true;
  const PredictResult want = predict(X, Y, T, o, po), got = predict(X, Y, T, o, po, gpu_kernels);
  EXPECT_LE((got.mean - want.mean).cwiseAbs().maxCoeff(), 1e-8 * want.mean.cwiseAbs().maxCoeff());
  EXPECT_LE((got.cov - want.cov).cwiseAbs().maxCoeff(), 1e-8 * std::max(1.0, want.cov.cwiseAbs().maxCoeff()));
}

TEST(KernelCuda, Tf32IsCloseButOptIn) {
  if (!cuda_available()) GTEST_SKIP() << cuda_status();
  const MatrixF X = random_inputs(200, 784, 4);
  const KernelOptions o = relu_options(3);
  CudaKernelOptions co;
  co.tf32 = true;
  const Pair<float> want = cpu<float>(X, nullptr, o), got = gpu<float>(X, nullptr, o, co);
  EXPECT_LE(max_rel(got.K, want.K), kTf32Tol);
  EXPECT_LE(max_rel(got.Th, want.Th), kTf32Tol);
  EXPECT_GT(kernel_time_cuda(MatrixRef<float>(X), o, co, 2), 0.0);
}
