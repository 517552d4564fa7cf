#include "widthlab/mlp.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

#include "nets/blas_ops.h"
#include "nets/layer_parameters.h"
#include "nets/layer_products.h"
#include "widthlab/error.h"
#include "widthlab/memory_guard.h"
#include "widthlab/rng.h"

extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}

namespace widthlab {
namespace {
using layer_products::column_sums;  // the backward products shared with ConvNet
using layer_products::kFewOutputs;
using layer_products::outer_accumulate;
}  // namespace

InitKind init_kind_from_name(std::string_view name) {
  if (name == "uniform") return InitKind::uniform;
  if (name == "gaussian") return InitKind::gaussian;
  throw InputError(fmt::format("model.init = '{}': unknown (allowed: uniform, gaussian)", name));
}

std::string init_kind_name(InitKind kind) { return kind == InitKind::uniform ? "uniform" : "gaussian"; }

std::string MlpConfig::validate() const {
  if (input_dim < 1) return fmt::format("model.input_dim = {}: expected an integer >= 1", input_dim);
  if (width < 1) return fmt::format("model.width = {}: expected an integer >= 1", width);
  if (depth < 1) return fmt::format("model.depth = {}: expected an integer >= 1", depth);
  if (outputs < 1) return fmt::format("model.outputs = {}: expected an integer >= 1", outputs);
  return "";
}

long long MlpConfig::parameter_count() const {
  long long n = 0;
  for (int l = 0; l < num_layers(); ++l) n += (long long)fan_out(l) * (fan_in(l) + (bias ? 1 : 0));
  return n;
}

void MlpConfig::check_fits_in_memory(Precision precision, const std::string& what, long long rows) const {
  // A training batch's workspace (MlpWorkspace) holds z, h and δ of every hidden unit for every sample.
  const double weights = double(parameter_count()), activations = 3.0 * double(rows) * double(width) * double(depth);
  const std::string acts =
      rows > 0 ? fmt::format(" and {:.3g} activation values (z, h, δ) on a batch of {}", activations, rows) : "";
  widthlab::check_fits_in_memory(
      (weights + activations) * precision_bytes(precision),
      fmt::format("{} {:.3g} weights{} ({})", what, weights, acts, precision_name(precision)));
}

void set_blas_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }
int blas_threads() { return openblas_get_num_threads(); }

template <class T>
Mlp<T>::Mlp(MlpConfig config, std::vector<LayerFactors> factors)
    : config_(std::move(config)), factors_(std::move(factors)) {
  if (auto err = config_.validate(); !err.empty()) throw InputError(err);
  if (int(factors_.size()) != num_layers())
    throw InputError(
        fmt::format("scaling factors: {} layers given, expected depth + 1 = {}", factors_.size(), num_layers()));
  for (int l = 0; l < num_layers(); ++l) {
    const auto& f = factors_[l];
    if (!std::isfinite(f.init) || !std::isfinite(f.multiplier) || !std::isfinite(f.lr))
      throw InputError(fmt::format("scaling factors of layer {}: init {} multiplier {} lr {}: expected finite numbers",
                                   l, f.init, f.multiplier, f.lr));
  }
  for (int l = 0; l < num_layers(); ++l) {
    w_.emplace_back(Matrix<T>::Zero(config_.fan_out(l), config_.fan_in(l)));
    b_.emplace_back(config_.bias ? Vector<T>::Zero(config_.fan_out(l)) : Vector<T>());
  }
}

template <class T>
void Mlp<T>::init(uint64_t seed) {
  layer_parameters::paired_init(seed, config_.init, factors_, w_, b_);
}

template <class T>
std::vector<double> Mlp<T>::layer_lrs(double lr) const {
  return widthlab::layer_lrs(factors_, lr);
}

template <class T>
void Mlp<T>::set_parameters(std::vector<Matrix<T>> w, std::vector<Vector<T>> b) {
  layer_parameters::replace("mlp", config_.bias, w_, b_, std::move(w), std::move(b));
}

template <class T>
long long Mlp<T>::parameter_count() const {
  return layer_parameters::count(w_, b_);
}

template <class T>
MlpWorkspace<T> Mlp<T>::make_workspace(int capacity, bool with_backward) const {
  MlpWorkspace<T> ws;
  ws.capacity = capacity;
  for (int l = 0; l < num_layers(); ++l) {
    ws.z.emplace_back(capacity, config_.fan_out(l));
    if (with_backward) ws.delta.emplace_back(capacity, config_.fan_out(l));
    if (l < config_.depth) ws.h.emplace_back(capacity, config_.fan_out(l));
  }
  ws.scratch.resize(std::max(config_.width, config_.outputs));
  return ws;
}

template <class T>
MlpGradients<T> Mlp<T>::make_gradients() const {
  return layer_parameters::zero_gradients(w_, b_);
}

template <class T>
const T* Mlp<T>::forward(const T* x, int rows, MlpWorkspace<T>& ws) const {
  if (rows < 0 || rows > ws.capacity || int(ws.z.size()) != num_layers())
    throw std::invalid_argument(fmt::format("Mlp::forward: {} rows for a workspace of capacity {} and {} layers", rows,
                                            ws.capacity, ws.z.size()));
  ws.rows = rows;
  const int H = config_.depth;
  if (rows == 0) return ws.z[H].data();
  const T* in = x;
  T* ab = ws.scratch.data();
  for (int l = 0; l <= H; ++l) {
    const int fi = config_.fan_in(l), fo = config_.fan_out(l);
    const T a = multiplier(l);
    T* z = ws.z[l].data();
    if (fo <= kFewOutputs) {
      // A readout with few outputs: one gemv per output (a gemm with n = 1 would pack all of `in`).
      std::fill(z, z + std::size_t(rows) * fo, T(0));
      for (int c = 0; c < fo; ++c)
        blas::gemv(false, rows, fi, a, in, fi, w_[l].data() + std::size_t(c) * fi, 1, T(1), z + c, fo);
    } else {
      blas::gemm(false, true, rows, fo, fi, a, in, fi, w_[l].data(), fi, T(0), z, fo);
    }
    if (config_.bias)
      for (int j = 0; j < fo; ++j) ab[j] = a * b_[l][j];
    T* h = l < H ? ws.h[l].data() : nullptr;
    // One row-wise pass: bias, then φ on the cache-resident row.
    for (int i = 0; i < rows; ++i) {
      T* zr = z + std::size_t(i) * fo;
      if (config_.bias)
        for (int j = 0; j < fo; ++j) zr[j] += ab[j];
      if (h) config_.activation.apply(zr, h + std::size_t(i) * fo, std::size_t(fo));
    }
    in = h;
  }
  return ws.z[H].data();
}

template <class T>
Matrix<T> Mlp<T>::predict(const Matrix<T>& x, MlpWorkspace<T>& ws) const {
  return layer_products::predict_in_chunks(*this, x, ws, config_.outputs);
}

template <class T>
void Mlp<T>::backward_signals(const T* dlogits, MlpWorkspace<T>& ws) const {
  const int H = config_.depth, rows = ws.rows;
  if (int(ws.delta.size()) != num_layers())
    throw std::invalid_argument("Mlp::backward_signals: workspace made without backward buffers");
  if (rows == 0) return;
  T* dH = ws.delta[H].data();
  if (dH != dlogits) std::memcpy(dH, dlogits, sizeof(T) * std::size_t(rows) * config_.outputs);
  T* dphi = ws.scratch.data();
  for (int l = H; l >= 1; --l) {
    const int fi = config_.fan_in(l), fo = config_.fan_out(l);
    T* prev = ws.delta[l - 1].data();
    const T a = multiplier(l);
    const bool few = fo <= kFewOutputs;
    if (!few) blas::gemm(false, false, rows, fi, fo, a, ws.delta[l].data(), fo, w_[l].data(), fi, T(0), prev, fi);
    const T* z = ws.z[l - 1].data();
    const T* W = w_[l].data();
    for (int i = 0; i < rows; ++i) {
      T* pr = prev + std::size_t(i) * fi;
      if (few) {  // δ_{l−1} row = α Σ_c δ_l[i,c] θ_l[c,:], fused with the φ' pass below
        const T* dr = ws.delta[l].data() + std::size_t(i) * fo;
        const T s0 = a * dr[0];
        for (int j = 0; j < fi; ++j) pr[j] = s0 * W[j];
        for (int c = 1; c < fo; ++c) {
          const T sc = a * dr[c];
          const T* Wc = W + std::size_t(c) * fi;
          for (int j = 0; j < fi; ++j) pr[j] += sc * Wc[j];
        }
      }
      config_.activation.apply_derivative(z + std::size_t(i) * fi, dphi, std::size_t(fi));
      for (int j = 0; j < fi; ++j) pr[j] *= dphi[j];
    }
  }
}

template <class T>
void Mlp<T>::weight_gradients(const T* x, const MlpWorkspace<T>& ws, MlpGradients<T>& grads) const {
  const int rows = ws.rows;
  for (int l = 0; l < num_layers(); ++l) {
    const int fi = config_.fan_in(l), fo = config_.fan_out(l);
    const T* in = l == 0 ? x : ws.h[l - 1].data();
    if (rows == 0) {
      grads.w[l].setZero();
      grads.b[l].setZero();
      continue;
    }
    outer_accumulate(fo, fi, rows, multiplier(l), ws.delta[l].data(), in, T(0), grads.w[l].data());
    if (config_.bias) column_sums(ws.delta[l].data(), rows, fo, multiplier(l), grads.b[l].data(), false);
  }
}

template <class T>
void Mlp<T>::backward(const T* x, const T* dlogits, MlpWorkspace<T>& ws, MlpGradients<T>& grads) const {
  backward_signals(dlogits, ws);
  weight_gradients(x, ws, grads);
}

template <class T>
void Mlp<T>::backward_sgd(const T* x, const T* dlogits, MlpWorkspace<T>& ws, std::span<const double> lrs) {
  if (int(lrs.size()) != num_layers())
    throw std::invalid_argument(fmt::format("Mlp: {} learning rates for {} layers", lrs.size(), num_layers()));
  const int rows = ws.rows;
  if (rows == 0) return;
  backward_signals(dlogits, ws);  // every δ from the weights before the update
  for (int l = 0; l < num_layers(); ++l) {
    const int fi = config_.fan_in(l), fo = config_.fan_out(l);
    const T* in = l == 0 ? x : ws.h[l - 1].data();
    const T step = static_cast<T>(-lrs[l]) * multiplier(l);
    outer_accumulate(fo, fi, rows, step, ws.delta[l].data(), in, T(1), w_[l].data());
    if (config_.bias) column_sums(ws.delta[l].data(), rows, fo, step, b_[l].data(), true);
  }
}

template <class T>
void Mlp<T>::apply_gradients(const MlpGradients<T>& grads, std::span<const double> lrs) {
  layer_parameters::gradient_step("Mlp", grads, lrs, w_, b_, config_.bias);
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace widthlab
