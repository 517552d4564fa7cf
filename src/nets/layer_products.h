// The BLAS products of an affine layer's backward pass shared by Mlp and ConvNet (private to the nets module), so
// that a dense architecture's ConvNet makes exactly the Mlp's calls (tests/nets: equal to rounding).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "nets/blas_ops.h"
#include "widthlab/tensor.h"

namespace widthlab::layer_products {

// Layers with at most this many outputs use gemv / fused loops instead of gemm (a 1- or few-logit readout).
inline constexpr int kFewOutputs = 4;

// C (fo × fi) = scale · δᵀ·in + beta · C: one gemm, or one gemv per row of C for a readout with few outputs.
template <class T>
void outer_accumulate(int fo, int fi, int rows, T scale, const T* delta, const T* in, T beta, T* C) {
  if (fo <= kFewOutputs) {
    for (int c = 0; c < fo; ++c) {
      T* row = C + std::size_t(c) * fi;
      if (beta == T(0)) std::fill(row, row + fi, T(0));
      blas::gemv(true, rows, fi, scale, in, fi, delta + c, fo, T(1), row, 1);
    }
  } else {
    blas::gemm(true, false, fo, fi, rows, scale, delta, fo, in, fi, beta, C, fi);
  }
}

// out (+)= scale · Σ_i d[i, :] (a bias gradient), without temporaries.
template <class T>
void column_sums(const T* d, std::int64_t rows, int cols, T scale, T* out, bool accumulate) {
  if (!accumulate) std::fill(out, out + cols, T(0));
  for (std::int64_t i = 0; i < rows; ++i) {
    const T* r = d + i * cols;
    for (int j = 0; j < cols; ++j) out[j] += scale * r[j];
  }
}

// The logits (rows of x × k) of a net's forward passes over chunks of ws.capacity rows.
template <class Net, class T, class Workspace>
Matrix<T> predict_in_chunks(const Net& net, const Matrix<T>& x, Workspace& ws, int k) {
  const int n = int(x.rows());
  if (n > 0 && ws.capacity < 1) throw std::invalid_argument("predict: workspace of capacity 0");
  Matrix<T> out(n, k);
  for (int start = 0; start < n; start += ws.capacity) {
    const int rows = std::min(ws.capacity, n - start);
    const T* logits = net.forward(x.data() + std::size_t(start) * x.cols(), rows, ws);
    std::memcpy(out.data() + std::size_t(start) * k, logits, sizeof(T) * std::size_t(rows) * k);
  }
  return out;
}

}  // namespace widthlab::layer_products
