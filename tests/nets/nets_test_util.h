// Helpers shared by the nets tests: small random nets, data and a naive loop implementation of the MLP.
#pragma once
#include <cmath>
#include <random>
#include <vector>

#include "widthlab/loss.h"
#include "widthlab/mlp.h"
#include "widthlab/rng.h"

namespace widthlab::test {

inline MatrixD random_matrix(int rows, int cols, uint64_t seed, double scale = 1.0) {
  Rng rng = make_rng(seed, 99);
  std::normal_distribution<double> n(0.0, scale);
  MatrixD m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = n(rng);
  return m;
}

// Labels for `loss` with k outputs: ±1 (logistic), reals (mse), class ids (cross-entropy).
inline VectorD random_labels(const Loss& loss, int n, int k, uint64_t seed) {
  Rng rng = make_rng(seed, 98);
  VectorD y(n);
  for (int i = 0; i < n; ++i) {
    if (loss.kind == LossKind::logistic) {
      y[i] = (rng() & 1) ? 1.0 : -1.0;
    } else if (loss.kind == LossKind::mse) {
      y[i] = std::normal_distribution<double>(0, 1)(rng);
    } else {
      y[i] = double(rng() % uint64_t(k));
    }
  }
  return y;
}

// Non-trivial factors, different per layer.
inline std::vector<LayerFactors> odd_factors(int depth) {
  std::vector<LayerFactors> f;
  for (int l = 0; l <= depth; ++l) f.push_back({0.6 + 0.3 * l, 1.3 - 0.2 * l, 0.5 + l});
  return f;
}

// Mean loss of `net` on (x, y), via forward + Loss::value.
template <class T>
double mean_loss(const Mlp<T>& net, const Matrix<T>& x, const VectorD& y, const Loss& loss) {
  auto ws = net.make_workspace(int(x.rows()));
  const T* out = net.forward(x, ws);
  Matrix<T> logits = Eigen::Map<const Matrix<T>>(out, x.rows(), net.config().outputs);
  return loss.value(logits, y);
}

// The MLP written as plain loops in double, independent of Mlp's GEMM/fused code paths.
struct NaiveMlp {
  MlpConfig cfg;
  std::vector<LayerFactors> f;
  std::vector<MatrixD> w;
  std::vector<VectorD> b;

  template <class T>
  static NaiveMlp from(const Mlp<T>& net) {
    NaiveMlp n{net.config(), net.factors(), {}, {}};
    for (int l = 0; l < net.num_layers(); ++l) {
      n.w.push_back(net.weight(l).template cast<double>());
      n.b.push_back(net.bias(l).template cast<double>());
    }
    return n;
  }

  // zs[l][i][r] pre-activations, hs[l][i][r] activations (hs[0] = x), returns logits.
  MatrixD forward(const MatrixD& x, std::vector<MatrixD>* zs = nullptr, std::vector<MatrixD>* hs = nullptr) const {
    std::vector<MatrixD> Z, Hs{x};
    for (int l = 0; l <= cfg.depth; ++l) {
      const MatrixD& h = Hs.back();
      MatrixD z(h.rows(), w[l].rows());
      for (int i = 0; i < h.rows(); ++i)
        for (int r = 0; r < w[l].rows(); ++r) {
          double s = cfg.bias ? b[l][r] : 0.0;
          for (int c = 0; c < w[l].cols(); ++c) s += w[l](r, c) * h(i, c);
          z(i, r) = f[l].multiplier * s;
        }
      Z.push_back(z);
      if (l < cfg.depth) {
        MatrixD a(z.rows(), z.cols());
        for (int i = 0; i < z.size(); ++i) a.data()[i] = cfg.activation.value(z.data()[i]);
        Hs.push_back(a);
      }
    }
    if (zs) *zs = Z;
    if (hs) *hs = Hs;
    return Z.back();
  }

  // Gradients of Σ_i Σ_c dlogits(i,c) f_c(x_i) by per-sample backprop loops.
  void backward(const MatrixD& x, const MatrixD& dlogits, std::vector<MatrixD>& gw, std::vector<VectorD>& gb) const {
    std::vector<MatrixD> Z, Hs;
    forward(x, &Z, &Hs);
    gw.clear();
    gb.clear();
    for (int l = 0; l <= cfg.depth; ++l) {
      gw.push_back(MatrixD::Zero(w[l].rows(), w[l].cols()));
      gb.push_back(VectorD::Zero(w[l].rows()));
    }
    for (int i = 0; i < x.rows(); ++i) {
      VectorD delta = dlogits.row(i).transpose();  // ∂/∂z^H
      for (int l = cfg.depth; l >= 0; --l) {
        for (int r = 0; r < w[l].rows(); ++r) {
          for (int c = 0; c < w[l].cols(); ++c) gw[l](r, c) += f[l].multiplier * delta[r] * Hs[l](i, c);
          gb[l][r] += f[l].multiplier * delta[r];
        }
        if (l == 0) break;
        VectorD prev = VectorD::Zero(w[l].cols());
        for (int c = 0; c < w[l].cols(); ++c) {
          double s = 0;
          for (int r = 0; r < w[l].rows(); ++r) s += f[l].multiplier * w[l](r, c) * delta[r];
          prev[c] = s * cfg.activation.derivative(Z[l - 1](i, c));
        }
        delta = prev;
      }
    }
  }
};

}  // namespace widthlab::test
