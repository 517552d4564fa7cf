// ConvNet<float>'s oneDNN backend (conv_net.h "Implementation", src/nets/conv_onednn.h) against its im2col backend:
// forward logits, backward_signals, weight_gradients and the fused backward_sgd, with bias on and off and scaling
// multipliers α ≠ 1; bit-identical results run to run; which layers oneDNN takes; the backend errors. Skipped
// (GTEST_SKIP) when widthlab is built without oneDNN.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "conv_test_util.h"
#include "nets_test_util.h"
#include "widthlab/conv_net.h"
#include "widthlab/error.h"

using namespace widthlab;
using namespace widthlab::test;

namespace {

using Case = ArchCase;
// 3×3 SAME stride 1, 4×4 SAME (even filter: padding 1 before, 2 after), 3×3 VALID stride 2 (the last input row
// unread), 5×5 SAME on a 6×6 image, stride-2 SAME on an odd-sized non-square image followed by flatten + dense
// layers, gap readouts, and a 260 → 260 conv (backward data in oneDNN's blocked layout, conv_onednn.cpp).
const Case kCases[] = {
    {"conv(3x3,same,8)-relu-conv(3x3,same,8)-relu-gap-dense(2)", {8, 8, 2}},
    {"conv(4x4,same,6)-tanh-conv(4x4,same,5)-relu-flatten-dense(3)", {7, 8, 2}},
    {"conv(3x3,valid,6,stride=2)-erf-conv(3x3,valid,4,stride=2)-flatten-dense(2)", {12, 11, 3}},
    {"conv(5x5,same,7)-relu-conv(5x5,same,4)-gelu-gap-dense(2)", {6, 6, 2}},
    {"conv(3x3,same,5,stride=2)-relu-flatten-dense(4)-tanh-dense(1)", {7, 5, 1}},
    {"conv(2x3,same,4,stride=2x1)-relu-conv(3x3,same,6)-gap-dense(3)", {6, 7, 3}},
    {"conv(3x3,same,260)-relu-conv(3x3,same,260)-gap-dense(2)", {4, 4, 1}},  // > 256 channels: blocked backward data
};
constexpr int kRows = 3;

ConvNetConfig make_config(const Case& c, bool bias, ConvBackend backend) {
  return arch_case_config(c, bias, InitKind::uniform, backend);
}

template <class E>
double max_abs(const Eigen::MatrixBase<E>& m) {
  return m.size() ? double(m.cwiseAbs().maxCoeff()) : 0.0;
}

// Both backends round every sum in float32, in different orders. A sum of n terms is off by at most n·u·Σ|terms|
// (u = 2^-24, Higham's γ_n); the longest sum of these nets is n = the largest of fan_in, fan_out and samples ×
// output pixels (a weight gradient), and errors pass through every affine layer. The tolerance on
// max |oneDNN − im2col| is 2 · layers · n · u · max |im2col value| (2: both backends' errors), i.e. 1e-5 – 1e-4 here.
double tolerance(const ConvNet<float>& net) {
  std::int64_t n = 1;
  for (const ConvStep& s : net.steps())
    if (s.affine >= 0) n = std::max({n, std::int64_t(s.fan_in), std::int64_t(s.fan_out), kRows * s.rows_per_sample});
  return 2.0 * net.num_layers() * double(n) * std::ldexp(1.0, -24);
}

MatrixD as_double(const float* p, int rows, int cols) {
  return Eigen::Map<const MatrixF>(p, rows, cols).cast<double>();
}

// The two backends of one case with the same parameters, workspaces of kRows samples, inputs and ∂loss/∂logits.
struct Pair {
  ConvNet<float> dnn, ref;
  ConvWorkspace<float> wd, wr;
  MatrixF x, dl;
  Pair(const Case& c, bool bias)
      : dnn(make_config(c, bias, ConvBackend::onednn), odd_factors(make_config(c, bias, {}).num_layers() - 1)),
        ref(make_config(c, bias, ConvBackend::im2col), dnn.factors()) {
    dnn.init(11);
    ref.init(11);
    wd = dnn.make_workspace(kRows);
    wr = ref.make_workspace(kRows);
    x = random_matrix(kRows, int(c.input.size()), 50).cast<float>();
    dl = random_matrix(kRows, dnn.config().outputs(), 51).cast<float>();
  }
};

}  // namespace

// Which layers oneDNN takes: every conv that needs a patch matrix (none of these is CIRCULAR), nothing else; the
// im2col backend and float64 nets take none.
TEST(ConvOnednn, TakesThePatchMatrixConvs) {
  if (!conv_onednn_available()) GTEST_SKIP() << "built without oneDNN";
  for (const Case& c : kCases) {
    const ConvNetConfig cfg = make_config(c, true, ConvBackend::automatic);
    ConvNet<float> f(cfg, odd_factors(cfg.num_layers() - 1));
    ConvNet<double> d(cfg, odd_factors(cfg.num_layers() - 1));
    ConvNet<float> r(make_config(c, true, ConvBackend::im2col), odd_factors(cfg.num_layers() - 1));
    int taken = 0;
    for (std::size_t i = 0; i < f.steps().size(); ++i) {
      EXPECT_EQ(f.steps()[i].onednn, f.steps()[i].im2col) << c.arch << " step " << i;
      EXPECT_FALSE(d.steps()[i].onednn);
      EXPECT_FALSE(r.steps()[i].onednn);
      taken += f.steps()[i].onednn;
    }
    EXPECT_GE(taken, 1) << c.arch;
  }
  ConvNetConfig circ =
      make_config({"conv(3x3,circular,4)-relu-conv(3x3,same,4)-gap-dense(1)", {5, 5, 1}}, false, ConvBackend::onednn);
  ConvNet<float> net(circ, std::vector<LayerFactors>(3));
  EXPECT_FALSE(net.steps()[0].onednn);  // oneDNN has no circular padding: im2col for that layer
  EXPECT_TRUE(net.steps()[2].onednn);
}

// Forward logits, every layer's ∂loss/∂value (backward_signals) and the weight and bias gradients.
TEST(ConvOnednn, ForwardSignalsAndGradientsMatchIm2col) {
  if (!conv_onednn_available()) GTEST_SKIP() << "built without oneDNN";
  for (const Case& c : kCases)
    for (bool bias : {false, true}) {
      Pair p(c, bias);
      const double tol = tolerance(p.ref);
      const int k = p.ref.config().outputs();
      const MatrixD fr = as_double(p.ref.forward(p.x, p.wr), kRows, k);
      const MatrixD fd = as_double(p.dnn.forward(p.x, p.wd), kRows, k);
      EXPECT_LE(max_abs(fd - fr), tol * max_abs(fr)) << c.arch << " bias " << bias;
      for (std::size_t s = 0; s < p.wr.value.size(); ++s)  // every intermediate value too
        EXPECT_LE(max_abs((p.wd.value[s] - p.wr.value[s]).cast<double>()), tol * max_abs(p.wr.value[s].cast<double>()))
            << c.arch << " slot " << s;
      auto gr = p.ref.make_gradients(), gd = p.dnn.make_gradients();
      p.ref.backward(p.x.data(), p.dl.data(), p.wr, gr);
      p.dnn.backward(p.x.data(), p.dl.data(), p.wd, gd);
      for (std::size_t s = 0; s < p.wr.grad.size(); ++s) {
        const MatrixD a = p.wd.grad[s].cast<double>(), b = p.wr.grad[s].cast<double>();
        EXPECT_LE(max_abs(a - b), tol * max_abs(b)) << c.arch << " bias " << bias << " grad slot " << s;
      }
      for (int l = 0; l < p.ref.num_layers(); ++l) {
        const MatrixD a = gd.w[l].cast<double>(), b = gr.w[l].cast<double>();
        EXPECT_LE(max_abs(a - b), tol * max_abs(b)) << c.arch << " bias " << bias << " layer " << l;
        if (bias) {
          const VectorD ab = gd.b[l].cast<double>(), bb = gr.b[l].cast<double>();
          EXPECT_LE(max_abs(ab - bb), tol * max_abs(bb)) << c.arch << " bias of layer " << l;
        }
      }
    }
}

// The fused SGD step: the same parameters as im2col's fused step (within the tolerance of the gradients times the
// learning rate) and as the oneDNN backend's own backward + apply_gradients (to a few float32 roundings of θ).
TEST(ConvOnednn, FusedSgdMatchesIm2colAndUnfused) {
  if (!conv_onednn_available()) GTEST_SKIP() << "built without oneDNN";
  for (const Case& c : kCases)
    for (bool bias : {false, true}) {
      Pair p(c, bias);
      ConvNet<float> unfused = p.dnn;
      auto wu = unfused.make_workspace(kRows);
      const double tol = tolerance(p.ref), lr = 0.1;
      const auto lrs = p.ref.layer_lrs(lr);
      auto g = p.ref.make_gradients();
      for (int step = 0; step < 2; ++step) {
        p.ref.forward(p.x, p.wr);
        p.ref.backward_sgd(p.x.data(), p.dl.data(), p.wr, lrs);
        p.dnn.forward(p.x, p.wd);
        p.dnn.backward_sgd(p.x.data(), p.dl.data(), p.wd, lrs);
        unfused.forward(p.x, wu);
        unfused.backward(p.x.data(), p.dl.data(), wu, g);
        unfused.apply_gradients(g, lrs);
      }
      for (int l = 0; l < p.ref.num_layers(); ++l) {
        const MatrixD a = p.dnn.weight(l).cast<double>(), b = p.ref.weight(l).cast<double>();
        const MatrixD u = unfused.weight(l).cast<double>();
        EXPECT_LE(max_abs(a - b), tol * (max_abs(b) + 1)) << c.arch << " bias " << bias << " layer " << l;
        EXPECT_LE(max_abs(a - u), 1e-6 * (max_abs(u) + 1)) << c.arch << " layer " << l;
        if (bias) {
          const VectorD ab = p.dnn.bias(l).cast<double>(), bb = p.ref.bias(l).cast<double>();
          EXPECT_LE(max_abs(ab - bb), tol * (max_abs(bb) + 1)) << c.arch << " bias of layer " << l;
        }
      }
    }
}

// Same thread count, same inputs: identical bits (forward and three fused SGD steps), twice from fresh nets and
// workspaces; and a workspace copy (which rebuilds its primitives) gives the same bits too.
TEST(ConvOnednn, RunToRunIdentical) {
  if (!conv_onednn_available()) GTEST_SKIP() << "built without oneDNN";
  const int saved = blas_threads();
  set_blas_threads(2);
  const Case& c = kCases[0];
  auto run = [&](bool copy) {
    Pair p(c, true);
    ConvWorkspace<float> ws = copy ? ConvWorkspace<float>(p.wd) : std::move(p.wd);
    const auto lrs = p.dnn.layer_lrs(0.05);
    for (int step = 0; step < 3; ++step) {
      p.dnn.forward(p.x, ws);
      p.dnn.backward_sgd(p.x.data(), p.dl.data(), ws, lrs);
    }
    std::vector<MatrixF> w;
    for (int l = 0; l < p.dnn.num_layers(); ++l) w.push_back(p.dnn.weight(l));
    return w;
  };
  const auto a = run(false), b = run(false), d = run(true);
  set_blas_threads(saved);
  for (std::size_t l = 0; l < a.size(); ++l) {
    EXPECT_TRUE(a[l] == b[l]) << "layer " << l;
    EXPECT_TRUE(a[l] == d[l]) << "layer " << l;
  }
}

// ConvBackend::onednn where oneDNN cannot work is an InputError (no silent fallback); built without oneDNN any
// net asking for it is.
TEST(ConvOnednn, BackendErrors) {
  const ConvNetConfig cfg = make_config(kCases[0], false, ConvBackend::onednn);
  EXPECT_THROW(ConvNet<double>(cfg, odd_factors(cfg.num_layers() - 1)), InputError);
  if (conv_onednn_available())
    EXPECT_NO_THROW(ConvNet<float>(cfg, odd_factors(cfg.num_layers() - 1)));
  else
    EXPECT_THROW(ConvNet<float>(cfg, odd_factors(cfg.num_layers() - 1)), InputError);
}
