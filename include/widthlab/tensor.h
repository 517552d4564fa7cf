// Dense matrix types shared by every module. Row-major so that a data matrix X (n × d) is one sample per row,
// matching the .npy C order on disk; Eigen routes GEMM to OpenBLAS (EIGEN_USE_BLAS).
#pragma once
#include <Eigen/Dense>
#include <cmath>
#include <cstdint>

namespace widthlab {

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

using MatrixF = Matrix<float>;
using MatrixD = Matrix<double>;
using VectorD = Vector<double>;

enum class Precision { float32, float64 };
constexpr int precision_bytes(Precision p) { return p == Precision::float32 ? 4 : 8; }
constexpr const char* precision_name(Precision p) { return p == Precision::float32 ? "float32" : "float64"; }

// True when every value is finite. Eigen's allFinite() compiles to an early-exit scalar loop (0.1 s on the
// kernel verb's 20000 × 784 inputs, run twice per rank); x·0 is 0 for finite x and NaN for ±inf and NaN, and the
// sum vectorises.
template <class Derived>
bool all_finite(const Eigen::DenseBase<Derived>& x) {
  using S = typename Derived::Scalar;
  return !std::isnan((x.derived().array() * S(0)).sum());
}

}  // namespace widthlab
