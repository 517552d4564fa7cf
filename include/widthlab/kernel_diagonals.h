// The per-row diagonals of the dense NNGP/NTK recursion (kernel.h, theory.md §3.8), as kernel_compute computes them
// (in double, closed-form diagonal duals or quadrature): for the GPU path (kernel_cuda.h), which needs the layer
// diagonals per row and writes the exact output diagonal, bit for bit the CPU path's.
#pragma once
#include <vector>

#include "widthlab/kernel.h"

namespace widthlab {

// k[(l−1)·n + i] = K^l(x_i, x_i) for l = 1..L (layer-major), nngp[i] = K^{L+1}(x_i, x_i), ntk[i] = Θ^{L+1}(x_i, x_i).
struct DenseDiagonals {
  std::vector<double> k, nngp, ntk;
};

// The Dense stack's diagonals of X's rows (opts.arch must be unset; std::invalid_argument otherwise).
// `layer_weights` as in kernel_compute (null: all 1; sizes are not checked here: callers check as KernelPlan does).
template <class T>
DenseDiagonals dense_diagonals(const MatrixRef<T>& X, const KernelOptions& opts,
                               const std::vector<double>* layer_weights = nullptr);

}  // namespace widthlab
