// ConvNet (conv_net.h): gradients vs finite differences, forward vs direct loops (conv_test_util.h), a dense
// architecture vs Mlp, the 1×1 / covering-filter identities, chunked im2col, float32 vs float64, fused SGD, errors.
// The Monte Carlo check against the analytic NNGP is tests/kernels/conv_net_nngp_test.cpp (it needs the kernels).
#include "widthlab/conv_net.h"

#include <gtest/gtest.h>

#include <cmath>

#include "conv_test_util.h"
#include "nets_test_util.h"
#include "widthlab/error.h"

using namespace widthlab;
using namespace widthlab::test;

namespace {

// Every layer kind: conv same / valid / circular, strides (2, 2x1), even filters, dense per pixel and on vectors,
// few-output (gemv) and many-output (gemm) layers, flatten, gap, relu / erf / tanh / gelu.
using Case = ArchCase;
const Case kCases[] = {
    {"conv(3x3,same,6)-relu-conv(3x3,valid,5,stride=2)-tanh-flatten-dense(2)", {5, 5, 2}},
    {"conv(3x2,circular,5,stride=2)-erf-dense(6)-relu-gap-dense(3)", {6, 5, 2}},
    {"dense(3)-tanh-conv(2,same,6,stride=2x1)-gelu-flatten-dense(5)-erf-dense(1)", {4, 4, 3}},
    {"conv(3x3,valid,5)-erf-dense(2)", {3, 3, 2}},
    {"conv(1x1,same,6)-relu-conv(1,circular,3,stride=2)-tanh-gap-dense(2)", {5, 4, 2}},
    {"conv(4x4,circular,5)-tanh-conv(2x3,same,3)-relu-flatten-dense(6)", {3, 3, 1}},
};

ConvNetConfig make_config(const Case& c, bool bias, InitKind init = InitKind::uniform) {
  return arch_case_config(c, bias, init);
}

std::vector<LayerFactors> factors_for(const ConvNetConfig& cfg) { return odd_factors(cfg.num_layers() - 1); }

// Σ_i Σ_c dl(i, c) f_c(x_i) through ConvNet's forward: its gradient is backward with dlogits = dl.
double functional(const ConvNet<double>& net, const MatrixD& x, const MatrixD& dl) {
  auto ws = net.make_workspace(int(x.rows()), false);
  return (net.predict(x, ws).array() * dl.array()).sum();
}

double max_abs(const MatrixD& m) { return m.cwiseAbs().maxCoeff(); }

}  // namespace

// Every weight and bias gradient vs float64 central differences, relative error < 1e-6 (the floor 1e-2 · the layer's
// largest gradient keeps entries that are zero in exact arithmetic from dividing by nothing).
TEST(ConvNetGradient, MatchesFiniteDifferences) {
  int checked = 0;
  for (const Case& c : kCases)
    for (bool bias : {false, true}) {
      ConvNet<double> net(make_config(c, bias), factors_for(make_config(c, bias)));
      net.init(17 + bias);
      const MatrixD x = random_matrix(3, int(c.input.size()), 5);
      const MatrixD dl = random_matrix(3, net.config().outputs(), 6);
      auto ws = net.make_workspace(3);
      auto grads = net.make_gradients();
      net.forward(x, ws);
      net.backward(x.data(), dl.data(), ws, grads);
      const double h = 1e-6;
      for (int l = 0; l < net.num_layers(); ++l) {
        const double tiny = 1e-2 * std::max(max_abs(grads.w[l]), 1e-12);
        auto check = [&](double& p, double g, const char* what, Eigen::Index i) {
          const double p0 = p;
          p = p0 + h;
          const double up = functional(net, x, dl);
          p = p0 - h;
          const double down = functional(net, x, dl);
          p = p0;
          const double fd = (up - down) / (2 * h);
          EXPECT_LE(std::abs(g - fd), 1e-6 * std::max(std::abs(fd), tiny))
              << c.arch << " bias " << bias << " layer " << l << " " << what << "[" << i << "]";
          ++checked;
        };
        for (Eigen::Index i = 0; i < net.weight(l).size(); ++i)
          check(net.weight(l).data()[i], grads.w[l].data()[i], "w", i);
        for (Eigen::Index i = 0; i < net.bias(l).size(); ++i)
          check(net.bias(l).data()[i], grads.b[l].data()[i], "b", i);
      }
    }
  EXPECT_GT(checked, 1000);
}

// Forward (float64) against the direct loops of conv_test_util.h, to 1e-12 relative, with and without bias.
TEST(ConvNet, ForwardMatchesDirectLoops) {
  for (const Case& c : kCases)
    for (bool bias : {false, true}) {
      const ConvNetConfig cfg = make_config(c, bias);
      ConvNet<double> net(cfg, factors_for(cfg));
      net.init(3);
      const MatrixD x = random_matrix(4, int(c.input.size()), 8);
      auto ws = net.make_workspace(5);
      const MatrixD logits = Eigen::Map<const MatrixD>(net.forward(x, ws), 4, cfg.outputs());
      for (int i = 0; i < 4; ++i) {
        const std::vector<double> ref = naive_conv_forward(net, x.row(i).data());
        ASSERT_EQ(int(ref.size()), cfg.outputs());
        for (int k = 0; k < cfg.outputs(); ++k)
          EXPECT_NEAR(logits(i, k), ref[k], 1e-12 * (1 + std::abs(ref[k]))) << c.arch << " sample " << i;
      }
    }
}

// A dense architecture on (1, 1, n0) inputs is Mlp: the same weights from the same seed, logits and gradients.
TEST(ConvNet, DenseArchitectureIsMlp) {
  for (int depth : {1, 3})
    for (bool bias : {false, true})
      for (int k : {1, 6}) {
        MlpConfig m;
        m.input_dim = 5;
        m.width = 7;
        m.depth = depth;
        m.outputs = k;
        m.bias = bias;
        m.activation = activation_from_name("tanh");
        std::string arch;
        for (int d = 0; d < depth; ++d) arch += "dense(7)-tanh-";
        ConvNetConfig cfg;
        cfg.arch = parse_architecture(arch + "dense(" + std::to_string(k) + ")");
        cfg.input = ImageShape{1, 1, 5};
        cfg.bias = bias;
        Mlp<double> mlp(m, odd_factors(depth));
        ConvNet<double> net(cfg, odd_factors(depth));
        mlp.init(11);
        net.init(11);
        for (int l = 0; l <= depth; ++l) {
          EXPECT_EQ(net.weight(l), mlp.weight(l)) << l;
          EXPECT_EQ(net.bias(l), mlp.bias(l)) << l;
        }
        const MatrixD x = random_matrix(6, 5, 12), dl = random_matrix(6, k, 13);
        auto mws = mlp.make_workspace(6);
        auto cws = net.make_workspace(6);
        const MatrixD a = Eigen::Map<const MatrixD>(mlp.forward(x, mws), 6, k);
        const MatrixD b = Eigen::Map<const MatrixD>(net.forward(x, cws), 6, k);
        EXPECT_LE(max_abs(a - b), 1e-12 * max_abs(a)) << arch;
        auto ga = mlp.make_gradients();
        auto gb = net.make_gradients();
        mlp.backward(x.data(), dl.data(), mws, ga);
        net.backward(x.data(), dl.data(), cws, gb);
        for (int l = 0; l <= depth; ++l) {
          EXPECT_LE(max_abs(ga.w[l] - gb.w[l]), 1e-12 * max_abs(ga.w[l])) << l;
          if (bias) {
            EXPECT_LE((ga.b[l] - gb.b[l]).cwiseAbs().maxCoeff(), 1e-12 * ga.b[l].cwiseAbs().maxCoeff());
          }
        }
        EXPECT_EQ(net.layer_lrs(0.1), mlp.layer_lrs(0.1));
        EXPECT_EQ(net.parameter_count(), mlp.parameter_count());
      }
}

// A 1×1 conv is dense per pixel, and a VALID filter covering the image is dense on the flattened image, with the
// same weight matrices (equal fan_in, so the same paired init).
TEST(ConvNet, PointwiseAndCoveringConvsAreDense) {
  const std::pair<Case, Case> pairs[] = {
      {{"conv(1x1,same,4)-relu-flatten-dense(3)", {3, 4, 2}}, {"dense(4)-relu-flatten-dense(3)", {3, 4, 2}}},
      {{"conv(1,circular,6)-erf-gap-dense(2)", {2, 3, 5}}, {"dense(6)-erf-gap-dense(2)", {2, 3, 5}}},
      {{"conv(3x4,valid,5)-erf-dense(2)", {3, 4, 2}}, {"dense(5)-erf-dense(2)", {1, 1, 24}}},
      {{"conv(2x2,valid,5,stride=3)-tanh-dense(6)", {2, 2, 3}}, {"flatten-dense(5)-tanh-dense(6)", {2, 2, 3}}},
  };
  for (const auto& [conv, dense] : pairs)
    for (bool bias : {false, true}) {
      const ConvNetConfig a_cfg = make_config(conv, bias), b_cfg = make_config(dense, bias);
      ConvNet<double> a(a_cfg, factors_for(a_cfg)), b(b_cfg, factors_for(b_cfg));
      a.init(21);
      b.init(21);
      for (int l = 0; l < a.num_layers(); ++l) ASSERT_EQ(a.weight(l), b.weight(l)) << conv.arch;
      const MatrixD x = random_matrix(3, int(conv.input.size()), 22), dl = random_matrix(3, a_cfg.outputs(), 23);
      auto wa = a.make_workspace(3), wb = b.make_workspace(3);
      const MatrixD fa = Eigen::Map<const MatrixD>(a.forward(x, wa), 3, a_cfg.outputs());
      const MatrixD fb = Eigen::Map<const MatrixD>(b.forward(x, wb), 3, b_cfg.outputs());
      EXPECT_LE(max_abs(fa - fb), 1e-13 * max_abs(fb)) << conv.arch;
      auto ga = a.make_gradients(), gb = b.make_gradients();
      a.backward(x.data(), dl.data(), wa, ga);
      b.backward(x.data(), dl.data(), wb, gb);
      for (int l = 0; l < a.num_layers(); ++l) EXPECT_LE(max_abs(ga.w[l] - gb.w[l]), 1e-13 * max_abs(gb.w[l]));
    }
}

// The batch cut into one-sample im2col chunks gives the forward, gradients and SGD step of the whole batch.
TEST(ConvNet, ChunkedIm2colEqualsWholeBatch) {
  for (const Case& c : kCases) {
    ConvNetConfig whole = make_config(c, true), chunked = whole;
    chunked.column_budget = 1;
    ConvNet<double> a(whole, factors_for(whole)), b(chunked, factors_for(chunked));
    a.init(4);
    b.init(4);
    for (const ConvStep& s : b.steps())
      if (s.im2col) {
        EXPECT_EQ(s.chunk, 1);
      }
    const MatrixD x = random_matrix(5, int(c.input.size()), 30), dl = random_matrix(5, whole.outputs(), 31);
    auto wa = a.make_workspace(5), wb = b.make_workspace(5);
    const MatrixD fa = Eigen::Map<const MatrixD>(a.forward(x, wa), 5, whole.outputs());
    const MatrixD fb = Eigen::Map<const MatrixD>(b.forward(x, wb), 5, whole.outputs());
    EXPECT_LE(max_abs(fa - fb), 1e-13 * max_abs(fa)) << c.arch;
    auto ga = a.make_gradients(), gb = b.make_gradients();
    a.backward(x.data(), dl.data(), wa, ga);
    b.backward(x.data(), dl.data(), wb, gb);
    for (int l = 0; l < a.num_layers(); ++l) {
      EXPECT_LE(max_abs(ga.w[l] - gb.w[l]), 1e-13 * max_abs(ga.w[l])) << c.arch;
      EXPECT_LE((ga.b[l] - gb.b[l]).cwiseAbs().maxCoeff(), 1e-13 * ga.b[l].cwiseAbs().maxCoeff());
    }
    const auto lrs = a.layer_lrs(0.05);
    a.backward_sgd(x.data(), dl.data(), wa, lrs);
    b.backward_sgd(x.data(), dl.data(), wb, lrs);
    for (int l = 0; l < a.num_layers(); ++l) EXPECT_LE(max_abs(a.weight(l) - b.weight(l)), 1e-14);
  }
}

// float32 from the same seed agrees with float64 to 1e-5 relative (logits and gradients); the fused SGD step equals
// backward + apply_gradients; predict in chunks equals one forward.
TEST(ConvNet, Float32FusedSgdAndPredict) {
  for (const Case& c : kCases)
    for (bool bias : {false, true}) {
      const ConvNetConfig cfg = make_config(c, bias);
      ConvNet<double> d(cfg, factors_for(cfg)), e(cfg, factors_for(cfg));
      ConvNet<float> f(cfg, factors_for(cfg));
      d.init(7);
      e.init(7);
      f.init(7);
      const int k = cfg.outputs();
      const MatrixD x = random_matrix(4, int(c.input.size()), 40), dl = random_matrix(4, k, 41);
      const MatrixF xf = x.cast<float>(), dlf = dl.cast<float>();
      auto wd = d.make_workspace(4), we = e.make_workspace(4);
      auto wf = f.make_workspace(4);
      const MatrixD fd = Eigen::Map<const MatrixD>(d.forward(x, wd), 4, k);
      const MatrixD ff = Eigen::Map<const MatrixF>(f.forward(xf, wf), 4, k).cast<double>();
      EXPECT_LE(max_abs(fd - ff), 1e-5 * max_abs(fd)) << c.arch;
      auto gd = d.make_gradients();
      auto gf = f.make_gradients();
      d.backward(x.data(), dl.data(), wd, gd);
      f.backward(xf.data(), dlf.data(), wf, gf);
      for (int l = 0; l < d.num_layers(); ++l)
        EXPECT_LE(max_abs(gf.w[l].cast<double>() - gd.w[l]), 1e-5 * max_abs(gd.w[l])) << c.arch << " layer " << l;

      const auto lrs = d.layer_lrs(0.1);
      d.apply_gradients(gd, lrs);
      e.forward(x, we);
      e.backward_sgd(x.data(), dl.data(), we, lrs);
      for (int l = 0; l < d.num_layers(); ++l) {
        EXPECT_LE(max_abs(d.weight(l) - e.weight(l)), 1e-14) << c.arch;
        if (bias) {
          EXPECT_LE((d.bias(l) - e.bias(l)).cwiseAbs().maxCoeff(), 1e-14);
        }
      }
      auto small = d.make_workspace(3, false);
      const MatrixD p = d.predict(x, small);
      EXPECT_LE(max_abs(p - Eigen::Map<const MatrixD>(d.forward(x, wd), 4, k)), 1e-14);
    }
}

// Paired init: raw weights do not depend on factors or bias; the laws have the fan-in KH·KW·C_in.
TEST(ConvNetInit, PairedAndFanIn) {
  const ConvNetConfig cfg = make_config({"conv(3x3,same,64)-relu-conv(2x2,valid,64)-relu-flatten-dense(2)", {6, 6, 8}},
                                        false, InitKind::gaussian);
  ConvNetConfig with_bias = cfg;
  with_bias.bias = true;
  ConvNet<double> a(cfg, std::vector<LayerFactors>(3)), b(with_bias, factors_for(cfg));
  a.init(5);
  b.init(5);
  for (int l = 0; l < 3; ++l) {
    EXPECT_LT(max_abs(b.weight(l) / factors_for(cfg)[l].init - a.weight(l)), 1e-15);
    EXPECT_GT(b.bias(l).cwiseAbs().maxCoeff(), 0.0);
  }
  EXPECT_EQ(a.weight(0).cols(), 3 * 3 * 8);
  EXPECT_EQ(a.weight(1).cols(), 2 * 2 * 64);
  EXPECT_EQ(a.weight(2).cols(), 5 * 5 * 64);
  // Gaussian N(0, 1/fan_in): the sample variance within 5 standard errors (Var w² = 2σ⁴).
  for (int l = 0; l < 2; ++l) {
    const double n = double(a.weight(l).size()), s2 = 1.0 / double(a.weight(l).cols());
    EXPECT_NEAR(a.weight(l).squaredNorm() / n, s2, 5 * std::sqrt(2 / n) * s2) << l;
  }
}

TEST(ConvNet, RejectsBadConfigsAndMisuse) {
  ConvNetConfig cfg = make_config(kCases[0], false);
  EXPECT_EQ(cfg.validate(), "");
  EXPECT_EQ(cfg.num_layers(), 3);
  EXPECT_EQ(cfg.outputs(), 2);
  EXPECT_THROW(ConvNet<float>(cfg, std::vector<LayerFactors>(2)), InputError);
  EXPECT_THROW(ConvNet<float>(cfg, {{1, 1, 1}, {1, NAN, 1}, {1, 1, 1}}), InputError);
  ConvNetConfig bad = make_config({"conv(3x3,same,4)-relu-flatten-dense(2)-relu", {4, 4, 1}}, false);
  EXPECT_NE(bad.validate().find("expected a dense or conv readout"), std::string::npos) << bad.validate();
  bad = make_config({"conv(3x3,same,4)-relu", {4, 4, 1}}, false);  // not a vector
  EXPECT_NE(bad.validate(), "");
  EXPECT_THROW(ConvNet<double>(bad, std::vector<LayerFactors>(1)), InputError);

  ConvNet<double> net(cfg, std::vector<LayerFactors>(3));
  std::vector<MatrixD> w = {MatrixD::Ones(6, 18), MatrixD::Ones(5, 54), MatrixD::Ones(2, 19)};
  EXPECT_THROW(net.set_parameters(w), InputError);
  w[2] = MatrixD::Ones(2, 20);
  net.set_parameters(w);
  EXPECT_EQ(net.parameter_count(), 6 * 18 + 5 * 54 + 2 * 20);
  EXPECT_THROW(net.set_parameters(w, {VectorD::Ones(6), VectorD::Ones(5), VectorD::Ones(2)}), InputError);
  const MatrixD x = MatrixD::Ones(4, 50), dl = MatrixD::Ones(4, 2);
  auto ws = net.make_workspace(2);
  EXPECT_THROW(net.forward(x, ws), std::invalid_argument);
  auto empty = net.make_workspace(0, false);
  EXPECT_THROW(net.predict(x, empty), std::invalid_argument);
  auto eval = net.make_workspace(4, false);
  net.forward(x, eval);
  EXPECT_THROW(net.backward_signals(dl.data(), eval), std::invalid_argument);
  auto ws4 = net.make_workspace(4);
  net.forward(x, ws4);
  EXPECT_THROW(net.backward_sgd(x.data(), dl.data(), ws4, std::vector<double>{0.1}), std::invalid_argument);
}
