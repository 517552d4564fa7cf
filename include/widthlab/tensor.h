// Dense matrix types shared by every module. Row-major so that a data matrix X (n × d) is one sample per row,
// matching the .npy C order on disk; Eigen routes GEMM to OpenBLAS (EIGEN_USE_BLAS).
#pragma once
#include <Eigen/Dense>
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

}  // namespace widthlab
