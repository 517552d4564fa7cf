// A plain finite CNN in float64 for the CNN kernel tests (cnn_kernel_test.cpp), written independently of
// src/kernels/cnn_kernel.cpp: its own padding arithmetic (lax rule), im2col convolutions as GEMMs, an explicit backward
// pass, and the per-layer gradient inner products that make up the empirical NTK.
//
// Every conv / dense layer is z = (σ_w/√fan_in)·Σ θ_W h + σ_b·θ_b with θ ~ N(0, 1) (the forward pass of both
// parameterizations). The tangent kernel sums, per layer, m_W·⟨Σ δh, Σ δ'h'⟩ + m_b·⟨Σ δ, Σ δ'⟩ with
// ntk: m_W = σ_w²/fan_in, m_b = σ_b²; standard (gradients in the actual weights W = σ_w/√fan_in·θ_W, b = σ_b·θ_b):
// m_W = 1, m_b = [σ_b > 0].
#pragma once
#include <cmath>
#include <vector>

#include "widthlab/architecture.h"
#include "widthlab/kernel.h"
#include "widthlab/rng.h"
#include "widthlab/tensor.h"

namespace widthlab::test {

struct RefImage {
  std::int64_t h = 1, w = 1, c = 1;
  MatrixD v;  // (h·w) × c
};

// Input index along one axis for output o and tap t (−1: zero padding), computed from the lax rule directly.
inline std::int64_t ref_source(std::int64_t o, int t, std::int64_t in, int k, int s, Padding pad) {
  if (pad == Padding::valid) return o * s + t;
  const std::int64_t out = (in + s - 1) / s, total = std::max<std::int64_t>((out - 1) * s + k - in, 0);
  std::int64_t i = o * s + t - total / 2;
  if (pad == Padding::circular) return ((i % in) + in) % in;
  return (i < 0 || i >= in) ? -1 : i;
}

struct RefLayer {
  Layer spec;
  MatrixD W;  // (kh·kw·c_in) × c_out
  Eigen::RowVectorXd b;
  double scale = 1;  // σ_w/√fan_in
};

// One example's forward record: per layer its input image, its im2col patches (affine layers) and pre-activations.
struct RefTape {
  std::vector<RefImage> in;
  std::vector<MatrixD> patches;
};

class RefCnn {
 public:
  RefCnn(const Architecture& arch, const ImageShape& shape, const KernelOptions& o, std::uint64_t seed) : o_(o) {
    Rng g = make_rng(seed, rng_stream::init);
    std::normal_distribution<double> N(0, 1);
    auto shapes = architecture_shapes(arch, shape);
    for (std::size_t i = 0; i < arch.layers.size(); ++i) {
      RefLayer L;
      L.spec = arch.layers[i];
      if (L.spec.kind == LayerKind::dense) L.spec = conv1x1(L.spec.width);
      if (L.spec.affine()) {
        const std::int64_t fan = std::int64_t(L.spec.filter_h) * L.spec.filter_w * shapes[i].channels;
        L.W = MatrixD(fan, L.spec.width).unaryExpr([&](double) { return N(g); });
        L.b = Eigen::RowVectorXd(L.spec.width).unaryExpr([&](double) { return N(g); });
        L.scale = o.W_std / std::sqrt(double(fan));
      }
      layers_.push_back(L);
    }
  }

  // f(x) (the first output unit) and the tape for backward().
  double forward(const RefImage& x, RefTape& tape) const {
    RefImage h = x;
    tape = {};
    for (const RefLayer& L : layers_) {
      tape.in.push_back(h);
      tape.patches.emplace_back();
      if (L.spec.affine()) {
        tape.patches.back() = im2col(h, L.spec);
        RefImage z = out_image(h, L.spec);
        z.v = L.scale * (tape.patches.back() * L.W);
        z.v.rowwise() += o_.b_std * L.b;
        h = z;
      } else if (L.spec.kind == LayerKind::activation) {
        h.v = h.v.unaryExpr([&](double t) { return L.spec.act.value(t); });
      } else if (L.spec.kind == LayerKind::flatten) {
        MatrixD flat = h.v;
        h = {1, 1, h.h * h.w * h.c, Eigen::Map<MatrixD>(flat.data(), 1, flat.size())};
      } else {
        h = {1, 1, h.c, h.v.colwise().mean()};
      }
    }
    return h.v(0, 0);
  }

  // Per affine layer ℓ: the raw gradient sums G_W = patchesᵀ δ (as the pair (patches, δ)) and G_b = Σ_pixels δ.
  struct Grad {
    std::vector<MatrixD> patches, delta;
  };
  Grad backward(const RefTape& tape) const {
    Grad gr;
    gr.patches.resize(layers_.size());
    gr.delta.resize(layers_.size());
    MatrixD d = MatrixD::Zero(1, layers_.back().spec.width);  // the last layer is affine (nngp_sample)
    d(0, 0) = 1;
    for (std::size_t i = layers_.size(); i-- > 0;) {
      const RefLayer& L = layers_[i];
      const RefImage& in = tape.in[i];
      if (L.spec.affine()) {
        gr.patches[i] = tape.patches[i];
        gr.delta[i] = d;
        d = col2im(L.scale * (d * L.W.transpose()), in, L.spec);
      } else if (L.spec.kind == LayerKind::activation) {
        d = d.cwiseProduct(in.v.unaryExpr([&](double t) { return L.spec.act.derivative(t); }));
      } else if (L.spec.kind == LayerKind::flatten) {  // (copies first: d is resized, its own data must not alias)
        d = MatrixD(Eigen::Map<const MatrixD>(d.data(), in.h * in.w, in.c));
      } else {
        d = MatrixD(d.replicate(in.h * in.w, 1) / double(in.h * in.w));
      }
    }
    return gr;
  }

  // The empirical NTK entry of two examples from their gradients.
  double ntk(const Grad& a, const Grad& b) const {
    const bool standard = o_.parameterization == Parameterization::standard;
    double t = 0;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      if (!layers_[i].spec.affine()) continue;
      const double mw = standard ? 1.0 : layers_[i].scale * layers_[i].scale;
      const double mb = standard ? (o_.b_std > 0 ? 1.0 : 0.0) : o_.b_std * o_.b_std;
      const MatrixD gg = a.patches[i] * b.patches[i].transpose(), dd = a.delta[i] * b.delta[i].transpose();
      t += mw * gg.cwiseProduct(dd).sum() + mb * dd.sum();
    }
    return t;
  }

  // The NNGP sample of two examples: the covariance of the output given the last layer's input (an affine layer with
  // one output pixel), σ_w²/fan_in·⟨patch, patch'⟩ + σ_b².
  double nngp_sample(const RefTape& a, const RefTape& b) const {
    const RefLayer& L = layers_.back();
    return L.scale * L.scale * a.patches.back().row(0).dot(b.patches.back().row(0)) + o_.b_std * o_.b_std;
  }

  // Adds eps·v to every parameter, v ~ N(0, 1) from `seed` (for finite-difference checks); returns ⟨∇θ f, v⟩'s
  // weights, i.e. the direction, layer by layer, as (W, b) pairs.
  std::vector<std::pair<MatrixD, Eigen::RowVectorXd>> direction(std::uint64_t seed) const {
    Rng g = make_rng(seed, 7);
    std::normal_distribution<double> N(0, 1);
    std::vector<std::pair<MatrixD, Eigen::RowVectorXd>> v;
    for (const RefLayer& L : layers_)
      v.emplace_back(L.W.unaryExpr([&](double) { return N(g); }), L.b.unaryExpr([&](double) { return N(g); }));
    return v;
  }
  void perturb(const std::vector<std::pair<MatrixD, Eigen::RowVectorXd>>& v, double eps) {
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      layers_[i].W += eps * v[i].first;
      layers_[i].b += eps * v[i].second;
    }
  }
  // ⟨∂f/∂θ, v⟩ from a backward pass (θ = the N(0, 1) coefficients).
  double directional(const Grad& gr, const std::vector<std::pair<MatrixD, Eigen::RowVectorXd>>& v) const {
    double s = 0;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      if (!layers_[i].spec.affine()) continue;
      s += layers_[i].scale * (gr.patches[i].transpose() * gr.delta[i]).cwiseProduct(v[i].first).sum();
      s += o_.b_std * (gr.delta[i].colwise().sum()).cwiseProduct(v[i].second).sum();
    }
    return s;
  }

 private:
  static Layer conv1x1(std::int64_t width) {
    Layer l;
    l.kind = LayerKind::conv;
    l.width = width;
    return l;
  }
  static RefImage out_image(const RefImage& in, const Layer& l) {
    RefImage z;
    z.h = l.padding == Padding::valid ? (in.h - l.filter_h) / l.stride_h + 1 : (in.h + l.stride_h - 1) / l.stride_h;
    z.w = l.padding == Padding::valid ? (in.w - l.filter_w) / l.stride_w + 1 : (in.w + l.stride_w - 1) / l.stride_w;
    z.c = l.width;
    return z;
  }
  // Patches (out pixels × kh·kw·c_in), tap-major (a, b, channel).
  template <class F>
  static void for_taps(const RefImage& in, const Layer& l, F&& f) {
    const RefImage z = out_image(in, l);
    for (std::int64_t oy = 0; oy < z.h; ++oy)
      for (std::int64_t ox = 0; ox < z.w; ++ox)
        for (int a = 0; a < l.filter_h; ++a)
          for (int b = 0; b < l.filter_w; ++b) {
            const std::int64_t y = ref_source(oy, a, in.h, l.filter_h, l.stride_h, l.padding);
            const std::int64_t x = ref_source(ox, b, in.w, l.filter_w, l.stride_w, l.padding);
            if (y >= 0 && x >= 0) f(oy * z.w + ox, (a * l.filter_w + b) * in.c, y * in.w + x);
          }
  }
  static MatrixD im2col(const RefImage& in, const Layer& l) {
    const RefImage z = out_image(in, l);
    MatrixD P = MatrixD::Zero(z.h * z.w, std::int64_t(l.filter_h) * l.filter_w * in.c);
    for_taps(in, l, [&](std::int64_t o, std::int64_t col, std::int64_t p) { P.block(o, col, 1, in.c) = in.v.row(p); });
    return P;
  }
  static MatrixD col2im(const MatrixD& dp, const RefImage& in, const Layer& l) {
    MatrixD d = MatrixD::Zero(in.h * in.w, in.c);
    for_taps(in, l, [&](std::int64_t o, std::int64_t col, std::int64_t p) { d.row(p) += dp.block(o, col, 1, in.c); });
    return d;
  }

  KernelOptions o_;
  std::vector<RefLayer> layers_;
};

}  // namespace widthlab::test
