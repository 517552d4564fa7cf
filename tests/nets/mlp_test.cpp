#include "widthlab/mlp.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nets_test_util.h"
#include "widthlab/error.h"

using namespace widthlab;
using namespace widthlab::test;

namespace {

std::string act_spec(const std::string& name) { return name == "leaky_relu" ? "leaky_relu:0.1" : name; }

MlpConfig small_config(const std::string& act, int depth, bool bias, int outputs) {
  MlpConfig c;
  c.input_dim = 3;
  c.width = 4;
  c.depth = depth;
  c.outputs = outputs;
  c.bias = bias;
  c.activation = activation_from_name(act_spec(act));
  return c;
}

}  // namespace

// Every gradient of the mean loss vs float64 central differences: activation × loss × depth 1–3 × bias (STYLE 10).
TEST(MlpGradient, MatchesFiniteDifferences) {
  int cases = 0;
  for (const auto& info : activation_registry()) {
    for (const auto& loss_name : loss_names()) {
      const Loss loss = loss_from_name(loss_name);
      const int k = loss.outputs(3);  // logits per sample for a 3-class task
      for (int depth = 1; depth <= 3; ++depth) {
        for (bool bias : {false, true}) {
          const uint64_t seed = 1000 * depth + 7 * bias + cases;
          Mlp<double> net(small_config(info.name, depth, bias, k), odd_factors(depth));
          net.init(seed);
          const MatrixD x = random_matrix(5, 3, seed);
          const VectorD y = random_labels(loss, 5, k, seed);
          auto ws = net.make_workspace(5);
          auto grads = net.make_gradients();
          const double* out = net.forward(x, ws);
          MatrixD logits = Eigen::Map<const MatrixD>(out, 5, k), dl;
          loss.gradient(logits, y, dl);
          net.backward(x.data(), dl.data(), ws, grads);
          const double h = 1e-6;
          for (int l = 0; l < net.num_layers(); ++l) {
            auto check = [&](double& p, double g, const char* what, Eigen::Index idx) {
              const double p0 = p;
              p = p0 + h;
              const double up = mean_loss(net, x, y, loss);
              p = p0 - h;
              const double down = mean_loss(net, x, y, loss);
              p = p0;
              const double fd = (up - down) / (2 * h);
              EXPECT_NEAR(g, fd, 1e-7 * (1 + std::abs(fd)))
                  << info.name << " " << loss_name << " depth " << depth << " bias " << bias << " layer " << l << " "
                  << what << "[" << idx << "] seed " << seed;
            };
            for (Eigen::Index i = 0; i < net.weight(l).size(); ++i)
              check(net.weight(l).data()[i], grads.w[l].data()[i], "w", i);
            for (Eigen::Index i = 0; i < net.bias(l).size(); ++i)
              check(net.bias(l).data()[i], grads.b[l].data()[i], "b", i);
          }
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, int(activation_registry().size() * loss_names().size() * 6));
}

// Forward and backward against the naive loops, float64 and float32, odd sizes, factors ≠ 1; k = 2 takes the
// few-outputs (gemv) readout path, k = 6 the gemm path; width 3 takes the few-outputs path in hidden layers too.
TEST(Mlp, ForwardBackwardMatchNaiveLoops) {
  for (auto [k, width] : {std::pair{2, 9}, {6, 9}, {2, 3}})
    for (int depth = 1; depth <= 3; ++depth) {
      for (bool bias : {false, true}) {
        for (const char* act : {"relu", "leaky_relu:0.1", "tanh", "gelu"}) {
          MlpConfig cfg;
          cfg.input_dim = 7;
          cfg.width = width;
          cfg.depth = depth;
          cfg.outputs = k;
          cfg.bias = bias;
          cfg.activation = activation_from_name(act);
          const uint64_t seed = 31 * depth + bias;
          Mlp<double> net(cfg, odd_factors(depth));
          net.init(seed);
          const MatrixD x = random_matrix(6, 7, seed + 1);
          const MatrixD dl = random_matrix(6, k, seed + 2);
          NaiveMlp naive = NaiveMlp::from(net);
          const MatrixD ref = naive.forward(x);
          std::vector<MatrixD> gw;
          std::vector<VectorD> gb;
          naive.backward(x, dl, gw, gb);

          auto ws = net.make_workspace(8);  // capacity > rows
          auto grads = net.make_gradients();
          const double* out = net.forward(x, ws);
          const MatrixD logits = Eigen::Map<const MatrixD>(out, 6, k);
          EXPECT_LT((logits - ref).cwiseAbs().maxCoeff(), 1e-12 * (1 + ref.cwiseAbs().maxCoeff())) << act;
          net.backward(x.data(), dl.data(), ws, grads);
          for (int l = 0; l <= depth; ++l) {
            EXPECT_LT((grads.w[l] - gw[l]).cwiseAbs().maxCoeff(), 1e-12 * (1 + gw[l].cwiseAbs().maxCoeff()))
                << act << " layer " << l;
            if (bias) {
              EXPECT_LT((grads.b[l] - gb[l]).cwiseAbs().maxCoeff(), 1e-12 * (1 + gb[l].cwiseAbs().maxCoeff()));
            }
          }

          // float32 net from the same seed: agrees to float rounding.
          Mlp<float> netf(cfg, odd_factors(depth));
          netf.init(seed);
          auto wsf = netf.make_workspace(6);
          auto gf = netf.make_gradients();
          const MatrixF xf = x.cast<float>(), dlf = dl.cast<float>();
          const float* outf = netf.forward(xf, wsf);
          const MatrixD logits_f = Eigen::Map<const MatrixF>(outf, 6, k).cast<double>();
          EXPECT_LT((logits_f - ref).cwiseAbs().maxCoeff(), 1e-5 * (1 + ref.cwiseAbs().maxCoeff())) << act;
          netf.backward(xf.data(), dlf.data(), wsf, gf);
          for (int l = 0; l <= depth; ++l)
            EXPECT_LT((gf.w[l].cast<double>() - gw[l]).cwiseAbs().maxCoeff(), 1e-5 * (1 + gw[l].cwiseAbs().maxCoeff()));
        }
      }
    }
}

// The fused SGD backward equals backward + apply_gradients, and per-sample signals do not mix rows.
TEST(Mlp, FusedSgdEqualsExplicitStep) {
  for (bool bias : {false, true}) {
    MlpConfig cfg = small_config("leaky_relu", 2, bias, 1);
    Mlp<double> a(cfg, odd_factors(2)), b(cfg, odd_factors(2));
    a.init(5);
    b.init(5);
    const MatrixD x = random_matrix(5, 3, 6);
    const MatrixD dl = random_matrix(5, 1, 7);
    const std::vector<double> lrs = a.layer_lrs(0.3);
    EXPECT_DOUBLE_EQ(lrs[1], 0.3 * odd_factors(2)[1].lr);
    auto wsa = a.make_workspace(5), wsb = b.make_workspace(5);
    auto g = b.make_gradients();
    a.forward(x, wsa);
    a.backward_sgd(x.data(), dl.data(), wsa, lrs);
    b.forward(x, wsb);
    b.backward(x.data(), dl.data(), wsb, g);
    b.apply_gradients(g, lrs);
    for (int l = 0; l < 3; ++l) {
      EXPECT_LT((a.weight(l) - b.weight(l)).cwiseAbs().maxCoeff(), 1e-14);
      if (bias) {
        EXPECT_LT((a.bias(l) - b.bias(l)).cwiseAbs().maxCoeff(), 1e-14);
      }
    }
  }
}

// Paired init (theory.md §6.0): the same seed draws the same raw weights for any factors, bias option and precision.
TEST(MlpInit, PairedAcrossScalingsBiasAndPrecision) {
  MlpConfig cfg = small_config("relu", 3, false, 2);
  cfg.input_dim = 11;
  cfg.width = 13;
  std::vector<LayerFactors> ones(4), odd = odd_factors(3);
  Mlp<double> a(cfg, ones), b(cfg, odd);
  a.init(42);
  b.init(42);
  cfg.bias = true;
  Mlp<double> c(cfg, ones);
  c.init(42);
  Mlp<float> f(cfg, ones);
  f.init(42);
  for (int l = 0; l < 4; ++l) {
    EXPECT_LT((b.weight(l) / odd[l].init - a.weight(l)).cwiseAbs().maxCoeff(), 1e-15) << l;
    EXPECT_EQ(c.weight(l), a.weight(l)) << l;  // biases are drawn after all weights
    EXPECT_EQ(f.weight(l), a.weight(l).cast<float>()) << l;
    EXPECT_TRUE(c.bias(l).allFinite());
    EXPECT_GT(c.bias(l).cwiseAbs().maxCoeff(), 0.0);
  }
  Mlp<double> other(cfg, ones);
  other.init(43);
  EXPECT_NE(other.weight(0), c.weight(0));
  // The output layer of width-d nets is the same across scalings before the factor (checked above for l = 3).
}

// The init laws: uniform U(±1/√fan_in) (variance 1/(3 fan_in)); gaussian N(0, 1/fan_in). Tolerances are 5 standard
// errors of the variance estimate from the sample count.
TEST(MlpInit, UniformAndGaussianLaws) {
  MlpConfig cfg;
  cfg.input_dim = 50;
  cfg.width = 400;
  cfg.depth = 1;
  cfg.outputs = 1;
  for (InitKind kind : {InitKind::uniform, InitKind::gaussian}) {
    cfg.init = kind;
    Mlp<double> net(cfg, std::vector<LayerFactors>(2));
    net.init(3);
    const MatrixD& w = net.weight(0);
    const double bound = 1 / std::sqrt(50.0), n = double(w.size());
    const double var = w.squaredNorm() / n, mean = w.mean();
    const double target = kind == InitKind::uniform ? bound * bound / 3 : bound * bound;
    // Var of w²: uniform: b⁴/5 − (b²/3)² = 4b⁴/45; gaussian: 2σ⁴.
    const double var_w2 = kind == InitKind::uniform ? 4 * std::pow(bound, 4) / 45 : 2 * std::pow(bound, 4);
    EXPECT_NEAR(var, target, 5 * std::sqrt(var_w2 / n)) << init_kind_name(kind);
    EXPECT_NEAR(mean, 0.0, 5 * std::sqrt(target / n));
    if (kind == InitKind::uniform) {
      EXPECT_LE(w.cwiseAbs().maxCoeff(), bound);
    }
  }
  EXPECT_EQ(init_kind_from_name("gaussian"), InitKind::gaussian);
  EXPECT_THROW(init_kind_from_name("xavier"), InputError);
}

TEST(Mlp, RejectsBadShapesAndFactors) {
  MlpConfig cfg = small_config("relu", 2, false, 1);
  EXPECT_THROW(Mlp<float>(cfg, std::vector<LayerFactors>(2)), InputError);
  EXPECT_THROW(Mlp<float>(cfg, {{1, 1, 1}, {1, NAN, 1}, {1, 1, 1}}), InputError);
  MlpConfig bad = cfg;
  bad.width = 0;
  EXPECT_THROW(Mlp<float>(bad, std::vector<LayerFactors>(3)), InputError);
  EXPECT_FALSE(cfg.validate().size());
  Mlp<double> net(cfg, std::vector<LayerFactors>(3));
  std::vector<MatrixD> w = {MatrixD::Ones(4, 3), MatrixD::Ones(4, 4), MatrixD::Ones(1, 3)};
  EXPECT_THROW(net.set_parameters(w), InputError);
  w[2] = MatrixD::Ones(1, 4);
  net.set_parameters(w);
  EXPECT_EQ(net.weight(2), MatrixD::Ones(1, 4));
  EXPECT_EQ(net.parameter_count(), 12 + 16 + 4);
  EXPECT_THROW(net.set_parameters(w, {VectorD::Ones(4), VectorD::Ones(4), VectorD::Ones(1)}), InputError);
}

// MlpConfig::parameter_count (the count before a net exists, for memory checks) against the closed form
// n0·d + (H − 1)·d² + d·k (+ (H·d + k) biases) and against the net's own count.
TEST(Mlp, ConfigCountsTheNetsParameters) {
  for (const bool bias : {false, true})
    for (const int depth : {1, 2, 3}) {
      MlpConfig cfg;
      cfg.input_dim = 5, cfg.width = 7, cfg.depth = depth, cfg.outputs = 3, cfg.bias = bias;
      const long long closed = 5 * 7 + (depth - 1) * 49 + 7 * 3 + (bias ? depth * 7 + 3 : 0);
      EXPECT_EQ(cfg.parameter_count(), closed) << "depth " << depth << " bias " << bias;
      EXPECT_EQ(Mlp<float>(cfg, std::vector<LayerFactors>(std::size_t(depth + 1))).parameter_count(), closed);
    }
  MlpConfig wide;  // past 2^31: counted in 64 bits
  wide.input_dim = 784, wide.width = 65536, wide.depth = 3, wide.outputs = 1;
  EXPECT_EQ(wide.parameter_count(), 784LL * 65536 + 2LL * 65536 * 65536 + 65536);
}

// predict() in chunks smaller than the input equals one forward.
TEST(Mlp, PredictInChunksEqualsOneForward) {
  MlpConfig cfg = small_config("tanh", 2, true, 3);
  Mlp<double> net(cfg, odd_factors(2));
  net.init(9);
  const MatrixD x = random_matrix(10, 3, 10);
  auto small = net.make_workspace(3), big = net.make_workspace(10);
  const MatrixD p = net.predict(x, small);
  const MatrixD q = Eigen::Map<const MatrixD>(net.forward(x, big), 10, 3);
  EXPECT_LT((p - q).cwiseAbs().maxCoeff(), 1e-14);
}

// Misuse of the workspace / lr vectors is caught, not a buffer overrun.
TEST(Mlp, WorkspaceAndLrMisuseThrows) {
  MlpConfig cfg = small_config("relu", 1, false, 1);
  Mlp<float> net(cfg, std::vector<LayerFactors>(2));
  net.init(1);
  const MatrixF x = MatrixF::Ones(4, 3);
  auto ws = net.make_workspace(2);
  EXPECT_THROW(net.forward(x, ws), std::invalid_argument);
  auto eval_ws = net.make_workspace(4, false);
  net.forward(x, eval_ws);
  const MatrixF dl = MatrixF::Ones(4, 1);
  EXPECT_THROW(net.backward_signals(dl.data(), eval_ws), std::invalid_argument);
  auto ws4 = net.make_workspace(4);
  net.forward(x, ws4);
  EXPECT_THROW(net.backward_sgd(x.data(), dl.data(), ws4, std::vector<double>{0.1}), std::invalid_argument);
}
