// The parameters of a stack of affine layers, shared by Mlp and ConvNet (private to the nets module): θ_l stored
// fan_out × fan_in (the columns are the layer's fan-in), b_l of size fan_out or empty without bias (theory.md §1.1,
// §6.0). One paired init, one shape check, one plain gradient step, so that the two nets cannot drift apart (a dense
// architecture's ConvNet is the Mlp of the same seed, tests/nets).
#pragma once
#include <fmt/format.h>

#include <cmath>
#include <random>
#include <span>
#include <stdexcept>
#include <vector>

#include "widthlab/error.h"
#include "widthlab/mlp.h"
#include "widthlab/rng.h"

namespace widthlab::layer_parameters {

// Paired PyTorch-default init (mlp.h): raw draws in float64 from make_rng(seed, init), U(±1/√fan_in) or
// N(0, 1/fan_in) with fan_in = θ_l's columns, all weights first (layer order, row-major), then all biases, each times
// its layer's init factor, rounded to T.
template <class T>
void paired_init(std::uint64_t seed, InitKind kind, const std::vector<LayerFactors>& factors, std::vector<Matrix<T>>& w,
                 std::vector<Vector<T>>& b) {
  Rng rng = make_rng(seed, rng_stream::init);
  auto draw = [&](Eigen::Index fan_in, T* out, Eigen::Index n, double factor) {
    const double scale = 1.0 / std::sqrt(double(fan_in));
    if (kind == InitKind::uniform) {
      std::uniform_real_distribution<double> dist(-scale, scale);
      for (Eigen::Index i = 0; i < n; ++i) out[i] = static_cast<T>(dist(rng) * factor);
    } else {
      std::normal_distribution<double> dist(0.0, scale);
      for (Eigen::Index i = 0; i < n; ++i) out[i] = static_cast<T>(dist(rng) * factor);
    }
  };
  // All weights first, then all biases: the raw weights do not depend on the bias option or the factors.
  for (std::size_t l = 0; l < w.size(); ++l) draw(w[l].cols(), w[l].data(), w[l].size(), factors[l].init);
  for (std::size_t l = 0; l < b.size(); ++l) draw(w[l].cols(), b[l].data(), b[l].size(), factors[l].init);
}

// Replaces (w_, b_) by (w, b) after checking every shape against the current one; InputErrors name `what` ("mlp",
// "conv net"), the layer and the expected shape.
template <class T>
void replace(const char* what, bool bias, std::vector<Matrix<T>>& w_, std::vector<Vector<T>>& b_,
             std::vector<Matrix<T>> w, std::vector<Vector<T>> b) {
  const std::size_t L = w_.size();
  if (w.size() != L) throw InputError(fmt::format("{} weights: {} layers given, expected {}", what, w.size(), L));
  for (std::size_t l = 0; l < L; ++l)
    if (w[l].rows() != w_[l].rows() || w[l].cols() != w_[l].cols())
      throw InputError(fmt::format("{} weights of layer {}: shape {}x{}, expected {}x{}", what, l, w[l].rows(),
                                   w[l].cols(), w_[l].rows(), w_[l].cols()));
  if (bias) {
    if (b.size() != L) throw InputError(fmt::format("{} biases: {} layers given, expected {}", what, b.size(), L));
    for (std::size_t l = 0; l < L; ++l)
      if (b[l].size() != w_[l].rows())
        throw InputError(fmt::format("{} bias of layer {}: size {}, expected {}", what, l, b[l].size(), w_[l].rows()));
    b_ = std::move(b);
  } else if (!b.empty()) {
    throw InputError(fmt::format("{} biases given for a net without bias (model.bias = false)", what));
  }
  w_ = std::move(w);
}

template <class T>
long long count(const std::vector<Matrix<T>>& w, const std::vector<Vector<T>>& b) {
  long long n = 0;
  for (std::size_t l = 0; l < w.size(); ++l) n += w[l].size() + b[l].size();
  return n;
}

// Zero-filled gradients of the parameters' shapes.
template <class T>
MlpGradients<T> zero_gradients(const std::vector<Matrix<T>>& w, const std::vector<Vector<T>>& b) {
  MlpGradients<T> g;
  for (std::size_t l = 0; l < w.size(); ++l) {
    g.w.emplace_back(Matrix<T>::Zero(w[l].rows(), w[l].cols()));
    g.b.emplace_back(Vector<T>::Zero(b[l].size()));
  }
  return g;
}

// θ_l −= lrs[l] · g_l (and the biases); `what` names the net in the error for a wrong number of lrs.
template <class T>
void gradient_step(const char* what, const MlpGradients<T>& grads, std::span<const double> lrs,
                   std::vector<Matrix<T>>& w, std::vector<Vector<T>>& b, bool bias) {
  if (lrs.size() != w.size())
    throw std::invalid_argument(fmt::format("{}: {} learning rates for {} layers", what, lrs.size(), w.size()));
  for (std::size_t l = 0; l < w.size(); ++l) {
    w[l].noalias() -= static_cast<T>(lrs[l]) * grads.w[l];
    if (bias) b[l].noalias() -= static_cast<T>(lrs[l]) * grads.b[l];
  }
}

}  // namespace widthlab::layer_parameters
