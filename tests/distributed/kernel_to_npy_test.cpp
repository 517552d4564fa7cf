// kernel_to_npy_mpi with one rank (the `widthlab kernel` output path, include/widthlab/mpi_runtime.h): the files it
// writes in row panels (upper triangle, then the lower triangle read back and transposed) equal, bit for bit, the
// kernel computed in memory by kernel_compute — for symmetric and X1 × X2 kernels, float32 and float64, panels narrower
// than the matrix (several column panels per block row), partial last blocks, and the overlapped-write path.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <random>

#include "widthlab/error.h"
#include "widthlab/mpi_runtime.h"
#include "widthlab/npy.h"
#include "widthlab/rng.h"

using namespace widthlab;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
  fs::path p = fs::temp_directory_path() / fmt::format("widthlab_kernel_npy_{}_{}", name, ::getpid());
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

template <class T>
Matrix<T> gaussian(std::int64_t n, std::int64_t d, std::uint64_t seed) {
  Rng rng = make_rng(seed);
  std::normal_distribution<double> normal;
  Matrix<T> X(n, d);
  for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = T(normal(rng));
  return X;
}

template <class T>
bool bitwise_equal(const Matrix<T>& a, const Matrix<T>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), std::size_t(a.size()) * sizeof(T)) == 0;
}

template <class T>
void check_against_memory(int threads, std::size_t panel_bytes) {
  const fs::path dir = scratch(fmt::format("{}_{}_{}", sizeof(T), threads, panel_bytes));
  Matrix<T> X1 = gaussian<T>(45, 6, 1), X2 = gaussian<T>(29, 6, 2);
  X1.row(17) = X1.row(4);  // a duplicate pair: exact diagonal vs the general formula
  KernelOptions o;
  o.depth = 2;
  o.act = activation_from_name("relu");
  o.b_std = 0.3;
  o.block = 8;  // 6 block rows, the last one partial
  o.threads = threads;
  for (bool symmetric : {true, false}) {
    const Matrix<T>* x2 = symmetric ? nullptr : &X2;
    const std::int64_t n2 = symmetric ? X1.rows() : X2.rows();
    Matrix<T> nngp(X1.rows(), n2), ntk(X1.rows(), n2);
    kernel_compute<T>(X1, x2, o, nngp.data(), ntk.data(), n2);
    const KernelSummary s = kernel_to_npy_mpi<T>(X1, x2, o, dir / "nngp.npy", dir / "ntk.npy", panel_bytes);
    EXPECT_EQ(s.rows, X1.rows());
    EXPECT_EQ(s.cols, n2);
    EXPECT_EQ(s.symmetric, symmetric);
    EXPECT_TRUE(bitwise_equal(npy_read_matrix<T>((dir / "nngp.npy").string()), nngp))
        << "nngp, symmetric " << symmetric;
    EXPECT_TRUE(bitwise_equal(npy_read_matrix<T>((dir / "ntk.npy").string()), ntk)) << "ntk, symmetric " << symmetric;
    EXPECT_FALSE(fs::exists(dir / "ntk.npy.tmp"));
  }
  fs::remove_all(dir);
}

}  // namespace

// Panel budgets: one block (8 × 8 values → one block column per panel: 6 panels per row), a few blocks, and the
// default (one panel spans every column).
TEST(KernelToNpy, EqualsInMemoryKernelFloat64) {
  for (std::size_t bytes : {std::size_t(64 * 8), std::size_t(3 * 64 * 8), std::size_t(16) << 20})
    for (int threads : {1, 2}) check_against_memory<double>(threads, bytes);
}

TEST(KernelToNpy, EqualsInMemoryKernelFloat32) {
  for (std::size_t bytes : {std::size_t(64 * 4), std::size_t(16) << 20})
    for (int threads : {1, 2}) check_against_memory<float>(threads, bytes);
}

TEST(KernelToNpy, RejectsBadInputBeforeWritingAnything) {
  const fs::path dir = scratch("bad");
  MatrixD X1 = gaussian<double>(10, 3, 3);
  X1(7, 1) = std::nan("");
  KernelOptions o;
  try {
    kernel_to_npy_mpi<double>(X1, nullptr, o, dir / "nngp.npy", dir / "ntk.npy");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("x1: row 7"), std::string::npos) << e.what();
  }
  MatrixD X2 = gaussian<double>(4, 2, 4);
  X1(7, 1) = 0;
  EXPECT_THROW(kernel_to_npy_mpi<double>(X1, &X2, o, dir / "nngp.npy", dir / "ntk.npy"), InputError);
  EXPECT_TRUE(fs::is_empty(dir)) << "no file, not even a .tmp, after rejected input";
  fs::remove_all(dir);
}
