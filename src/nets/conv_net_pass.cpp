// ConvNet forward and backward passes (include/widthlab/conv_net.h; theory.md §1.1, §3.9).
//
// An affine layer is one GEMM over rows = samples × rows_per_sample: the input itself when it already is the patch
// matrix (dense, 1×1 stride-1 conv, a VALID filter covering the image), else the im2col matrix of a chunk of
// samples. The GEMM / GEMV calls are the ones Mlp makes (mlp.cpp), so a dense architecture reproduces Mlp.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "nets/blas_ops.h"
#include "nets/conv_onednn.h"
#include "nets/im2col.h"
#include "nets/layer_products.h"
#include "widthlab/conv_net.h"

namespace widthlab {

namespace {

using layer_products::column_sums;
using layer_products::kFewOutputs;
using layer_products::outer_accumulate;

// z (m × fo) = a · in (m × fi) · Wᵀ.
template <class T>
void product(int m, int fi, int fo, T a, const T* in, const T* W, T* z) {
  if (fo <= kFewOutputs) {
    std::fill(z, z + std::size_t(m) * fo, T(0));
    for (int c = 0; c < fo; ++c) blas::gemv(false, m, fi, a, in, fi, W + std::size_t(c) * fi, 1, T(1), z + c, fo);
  } else {
    blas::gemm(false, true, m, fo, fi, a, in, fi, W, fi, T(0), z, fo);
  }
}

// out (m × fi) = a · g (m × fo) · W: the input signal of an affine layer.
template <class T>
void signal_product(int m, int fi, int fo, T a, const T* g, const T* W, T* out) {
  if (fo > kFewOutputs) {
    blas::gemm(false, false, m, fi, fo, a, g, fo, W, fi, T(0), out, fi);
    return;
  }
  for (int i = 0; i < m; ++i) {  // row i = α Σ_c g[i,c] W[c,:], in Mlp's order
    T* pr = out + std::size_t(i) * fi;
    const T* gr = g + std::size_t(i) * fo;
    const T s0 = a * gr[0];
    for (int j = 0; j < fi; ++j) pr[j] = s0 * W[j];
    for (int c = 1; c < fo; ++c) {
      const T sc = a * gr[c];
      const T* Wc = W + std::size_t(c) * fi;
      for (int j = 0; j < fi; ++j) pr[j] += sc * Wc[j];
    }
  }
}

}  // namespace

template <class T>
const T* ConvNet<T>::slot_value(const ConvWorkspace<T>& ws, int slot, const T* x) const {
  return slot < 0 ? x : ws.value[slot].data();
}

template <class T>
void ConvNet<T>::affine_forward(const ConvStep& s, const T* in, int rows, ConvWorkspace<T>& ws) const {
  const int l = s.affine, fi = s.fan_in, fo = s.fan_out, rps = int(s.rows_per_sample);
  const T a = multiplier(l);
  T* z = ws.value[s.out_slot].data();
  if constexpr (std::is_same_v<T, float>) {
    if (s.onednn) {  // bias and α inside the primitive
      const float* b = config_.bias ? b_[l].data() : nullptr;
      conv_onednn::forward(s, in, rows, w_[l].data(), b, a, z, ws.onednn);
      return;
    }
  }
  if (!s.im2col) {
    product(rows * rps, fi, fo, a, in, w_[l].data(), z);
  } else {
    for (int n0 = 0; n0 < rows; n0 += s.chunk) {
      const int n = std::min(s.chunk, rows - n0);
      im2col(s, in + std::size_t(n0) * s.in.size(), n, ws.col.data());
      product(n * rps, fi, fo, a, ws.col.data(), w_[l].data(), z + std::size_t(n0) * rps * fo);
    }
  }
  if (!config_.bias) return;
  T* ab = ws.scratch.data();
  for (int j = 0; j < fo; ++j) ab[j] = a * b_[l][j];
  for (std::int64_t i = 0; i < std::int64_t(rows) * rps; ++i) {
    T* zr = z + i * fo;
    for (int j = 0; j < fo; ++j) zr[j] += ab[j];
  }
}

template <class T>
const T* ConvNet<T>::forward(const T* x, int rows, ConvWorkspace<T>& ws) const {
  if (rows < 0 || rows > ws.capacity || ws.value.size() != slot_size_.size())
    throw std::invalid_argument(fmt::format("ConvNet::forward: {} rows for a workspace of capacity {} and {} buffers",
                                            rows, ws.capacity, ws.value.size()));
  ws.rows = rows;
  T* logits = ws.value[steps_.back().out_slot].data();
  if (rows == 0) return logits;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const ConvStep& s = steps_[i];
    const T* in = slot_value(ws, s.in_slot, x);
    if (s.affine >= 0) {
      affine_forward(s, in, rows, ws);
    } else if (s.kind == LayerKind::activation) {
      config_.arch.layers[i].act.apply(in, ws.value[s.out_slot].data(), std::size_t(rows) * s.in.size());
    } else if (s.kind == LayerKind::global_avg_pool) {
      const std::int64_t P = s.in.pixels(), C = s.in.channels;
      const T inv = T(1) / T(P);
      T* out = ws.value[s.out_slot].data();
      for (int n = 0; n < rows; ++n) {  // mean over pixels: accumulate in the output row, then scale
        T* o = out + n * C;
        std::fill(o, o + C, T(0));
        for (std::int64_t p = 0; p < P; ++p) {
          const T* r = in + (n * P + p) * C;
          for (std::int64_t c = 0; c < C; ++c) o[c] += r[c];
        }
        for (std::int64_t c = 0; c < C; ++c) o[c] *= inv;
      }
    }  // flatten: nothing to do
  }
  return logits;
}

template <class T>
Matrix<T> ConvNet<T>::predict(const Matrix<T>& x, ConvWorkspace<T>& ws) const {
  return layer_products::predict_in_chunks(*this, x, ws, config_.outputs());
}

template <class T>
void ConvNet<T>::affine_signal(const ConvStep& s, const T* g, int rows, ConvWorkspace<T>& ws) const {
  const int l = s.affine, fi = s.fan_in, fo = s.fan_out, rps = int(s.rows_per_sample);
  T* gin = ws.grad[s.in_slot].data();
  if constexpr (std::is_same_v<T, float>) {
    if (s.onednn) {
      conv_onednn::backward_data(s, g, rows, w_[l].data(), multiplier(l), config_.bias, gin, ws.onednn);
      return;
    }
  }
  if (!s.im2col) {
    signal_product(rows * rps, fi, fo, multiplier(l), g, w_[l].data(), gin);
    return;
  }
  std::fill(gin, gin + std::size_t(rows) * s.in.size(), T(0));
  for (int n0 = 0; n0 < rows; n0 += s.chunk) {
    const int n = std::min(s.chunk, rows - n0);
    signal_product(n * rps, fi, fo, multiplier(l), g + std::size_t(n0) * rps * fo, w_[l].data(), ws.col.data());
    col2im_add(s, ws.col.data(), n, gin + std::size_t(n0) * s.in.size());
  }
}

template <class T>
void ConvNet<T>::backward_signals(const T* dlogits, ConvWorkspace<T>& ws) const {
  if (ws.grad.size() != slot_size_.size())
    throw std::invalid_argument("ConvNet::backward_signals: workspace made without backward buffers");
  const int rows = ws.rows;
  if (rows == 0) return;
  T* top = ws.grad[steps_.back().out_slot].data();
  if (top != dlogits) std::memcpy(top, dlogits, sizeof(T) * std::size_t(rows) * config_.outputs());
  for (std::size_t i = steps_.size(); i-- > 0;) {
    const ConvStep& s = steps_[i];
    if (!s.signal || s.kind == LayerKind::flatten) continue;  // flatten: the same buffer
    const T* g = ws.grad[s.out_slot].data();
    T* gin = ws.grad[s.in_slot].data();
    const std::size_t n_in = std::size_t(rows) * s.in.size();
    if (s.affine >= 0) {
      affine_signal(s, g, rows, ws);
    } else if (s.kind == LayerKind::activation) {
      config_.arch.layers[i].act.apply_derivative(ws.value[s.in_slot].data(), gin, n_in);
      for (std::size_t j = 0; j < n_in; ++j) gin[j] *= g[j];
    } else if (s.kind == LayerKind::global_avg_pool) {
      const std::int64_t P = s.in.pixels(), C = s.in.channels;
      const T inv = T(1) / T(P);
      for (int n = 0; n < rows; ++n)
        for (std::int64_t p = 0; p < P; ++p)
          for (std::int64_t c = 0; c < C; ++c) gin[(n * P + p) * C + c] = g[n * C + c] * inv;
    }
  }
}

template <class T>
void ConvNet<T>::weight_pass(const T* x, ConvWorkspace<T>& ws, std::span<Matrix<T>> wt, std::span<Vector<T>> bt,
                             std::span<const double> lrs) const {
  const int rows = ws.rows;
  const bool sgd = !lrs.empty();
  for (const ConvStep& s : steps_) {
    if (s.affine < 0) continue;
    const int l = s.affine, fi = s.fan_in, fo = s.fan_out, rps = int(s.rows_per_sample);
    const T scale = sgd ? static_cast<T>(-lrs[l]) * multiplier(l) : multiplier(l);
    const T* g = ws.grad[s.out_slot].data();
    const T* in = slot_value(ws, s.in_slot, x);
    if (rows == 0) {
      if (!sgd) {
        wt[l].setZero();
        bt[l].setZero();
      }
      continue;
    }
    if constexpr (std::is_same_v<T, float>) {
      if (s.onednn) {  // G and g_b in one primitive; dw / db as outer_accumulate and column_sums below
        float* db = config_.bias ? bt[l].data() : nullptr;
        conv_onednn::backward_weights(s, in, g, rows, multiplier(l), scale, sgd, wt[l].data(), db, ws.onednn);
        continue;
      }
    }
    if (!s.im2col) {
      outer_accumulate(fo, fi, rows * rps, scale, g, in, T(sgd), wt[l].data());
    } else {
      for (int n0 = 0; n0 < rows; n0 += s.chunk) {
        const int n = std::min(s.chunk, rows - n0);
        im2col(s, in + std::size_t(n0) * s.in.size(), n, ws.col.data());
        const T beta = (sgd || n0 > 0) ? T(1) : T(0);
        outer_accumulate(fo, fi, n * rps, scale, g + std::size_t(n0) * rps * fo, ws.col.data(), beta, wt[l].data());
      }
    }
    if (config_.bias) column_sums(g, std::int64_t(rows) * rps, fo, scale, bt[l].data(), sgd);
  }
}

template <class T>
void ConvNet<T>::weight_gradients(const T* x, ConvWorkspace<T>& ws, MlpGradients<T>& grads) const {
  weight_pass(x, ws, grads.w, grads.b, {});
}

template <class T>
void ConvNet<T>::backward(const T* x, const T* dlogits, ConvWorkspace<T>& ws, MlpGradients<T>& grads) const {
  backward_signals(dlogits, ws);
  weight_gradients(x, ws, grads);
}

template <class T>
void ConvNet<T>::backward_sgd(const T* x, const T* dlogits, ConvWorkspace<T>& ws, std::span<const double> lrs) {
  if (int(lrs.size()) != num_layers())
    throw std::invalid_argument(fmt::format("ConvNet: {} learning rates for {} layers", lrs.size(), num_layers()));
  if (ws.rows == 0) return;
  backward_signals(dlogits, ws);  // every δ from the weights before the update
  weight_pass(x, ws, w_, b_, lrs);
}

// The members defined here, for both precisions: conv_net.cpp instantiates the class, but only the members it
// defines, and `extern template` (conv_net.h) keeps every other file from instantiating these.
#define WIDTHLAB_CONV_NET_PASS(T)                                                                                \
  template const T* ConvNet<T>::slot_value(const ConvWorkspace<T>&, int, const T*) const;                        \
  template void ConvNet<T>::affine_forward(const ConvStep&, const T*, int, ConvWorkspace<T>&) const;             \
  template void ConvNet<T>::affine_signal(const ConvStep&, const T*, int, ConvWorkspace<T>&) const;              \
  template void ConvNet<T>::weight_pass(const T*, ConvWorkspace<T>&, std::span<Matrix<T>>, std::span<Vector<T>>, \
                                        std::span<const double>) const;                                          \
  template const T* ConvNet<T>::forward(const T*, int, ConvWorkspace<T>&) const;                                 \
  template Matrix<T> ConvNet<T>::predict(const Matrix<T>&, ConvWorkspace<T>&) const;                             \
  template void ConvNet<T>::backward_signals(const T*, ConvWorkspace<T>&) const;                                 \
  template void ConvNet<T>::weight_gradients(const T*, ConvWorkspace<T>&, MlpGradients<T>&) const;               \
  template void ConvNet<T>::backward(const T*, const T*, ConvWorkspace<T>&, MlpGradients<T>&) const;             \
  template void ConvNet<T>::backward_sgd(const T*, const T*, ConvWorkspace<T>&, std::span<const double>);
WIDTHLAB_CONV_NET_PASS(float)
WIDTHLAB_CONV_NET_PASS(double)
#undef WIDTHLAB_CONV_NET_PASS

}  // namespace widthlab
