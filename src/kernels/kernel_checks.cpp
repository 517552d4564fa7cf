// The checks a kernel computation starts with (kernel.h: kernel_check_inputs, kernel_check_scale): options, shapes,
// finite inputs, and a scale the precision's products hold (theory.md §3.8).
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "widthlab/cnn_kernel.h"
#include "widthlab/error.h"
#include "widthlab/kernel.h"
#include "widthlab/kernel_diagonals.h"

namespace widthlab {
namespace {

template <class T>
void check_input(const MatrixRef<T>& X, const char* name) {
  if (X.rows() < 1 || X.cols() < 1)
    throw InputError(fmt::format("{}: expected a non-empty (N, d) array, got ({}, {})", name, X.rows(), X.cols()));
  if (!all_finite(X)) {
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      if (!all_finite(X.row(i)))
        throw InputError(fmt::format("{}: row {} holds a non-finite value (NaN or inf)", name, i));
  }
}

// Per input row, the values the recursion multiplies: the layer diagonals K^l(x, x), l = 1..L, and the output NNGP
// and NTK diagonals (a Dense stack), or the per-pixel variances of every layer (an architecture). Row-major.
template <class T>
std::vector<double> recursion_diagonals(const MatrixRef<T>& X, const KernelOptions& opts, std::size_t* per_row) {
  if (opts.arch) {
    const CnnKernel cnn(opts, X.cols());
    *per_row = cnn.variance_size();
    return cnn_kernel_variances<T>(cnn, X);
  }
  const DenseDiagonals D = dense_diagonals(X, opts);
  const std::size_t n = std::size_t(X.rows()), L = std::size_t(opts.depth);
  *per_row = L + 2;
  std::vector<double> values(*per_row * n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t l = 0; l < L; ++l) values[i * *per_row + l] = D.k[l * n + i];
    values[i * *per_row + L] = D.nngp[i];
    values[i * *per_row + L + 1] = D.ntk[i];
  }
  return values;
}

}  // namespace

template <class T>
void kernel_check_inputs(const MatrixRef<T>& X1, const MatrixRef<T>* X2, const KernelOptions& opts) {
  if (auto err = opts.validate(); !err.empty()) throw InputError("kernel options: " + err);
  check_input(X1, "x1");
  if (X2) {
    check_input(*X2, "x2");
    if (X2->cols() != X1.cols())
      throw InputError(fmt::format("x2: expected {} columns (as x1), got {}", X1.cols(), X2->cols()));
  }
  if (opts.arch) (void)CnnKernel(opts, X1.cols());  // the architecture fits the input shape and columns
  kernel_check_scale(X1, opts);
  if (X2) kernel_check_scale(*X2, opts);
}

template <class T>
void kernel_check_scale(const MatrixRef<T>& X, const KernelOptions& opts) {
  const double bound = std::sqrt(double(std::numeric_limits<T>::max())) / 4;
  std::size_t per_row = 1;
  const std::vector<double> values = recursion_diagonals(X, opts, &per_row);
  for (std::size_t j = 0; j < values.size(); ++j)
    if (!(std::abs(values[j]) <= bound))
      throw InputError(fmt::format(
          "row {}: the kernel recursion's K(x, x) reaches {:.3g}, beyond what {} products hold (≤ {:.2g}), so the "
          "kernel would be inf or NaN; rescale the inputs (divide them by a constant) or lower W_std or the depth",
          j / per_row, values[j], std::is_same_v<T, float> ? "float32" : "float64", bound));
}

#define WIDTHLAB_KERNEL_CHECKS_INSTANTIATE(T)                                                           \
  template void kernel_check_inputs<T>(const MatrixRef<T>&, const MatrixRef<T>*, const KernelOptions&); \
  template void kernel_check_scale<T>(const MatrixRef<T>&, const KernelOptions&);
WIDTHLAB_KERNEL_CHECKS_INSTANTIATE(float)
WIDTHLAB_KERNEL_CHECKS_INSTANTIATE(double)

}  // namespace widthlab
