#include "widthlab/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nets_test_util.h"
#include "widthlab/error.h"
#include "widthlab/scaling.h"

using namespace widthlab;
using namespace widthlab::test;

namespace {

// A one-parameter "net" (1 → 1 → 1 without bias): the tests drive layer 0's single weight.
Mlp<double> scalar_net() {
  MlpConfig cfg;
  cfg.input_dim = 1;
  cfg.width = 1;
  cfg.depth = 1;
  cfg.outputs = 1;
  Mlp<double> net(cfg, std::vector<LayerFactors>(2));
  net.set_parameters({MatrixD::Constant(1, 1, 1.0), MatrixD::Constant(1, 1, 2.0)});
  return net;
}

MlpGradients<double> scalar_grads(const Mlp<double>& net, double g0, double g1) {
  auto g = net.make_gradients();
  g.w[0](0, 0) = g0;
  g.w[1](0, 0) = g1;
  return g;
}

}  // namespace

TEST(Optimizer, RegistryNamesAndErrors) {
  std::vector<std::string> names;
  for (const auto& info : optimizer_registry()) names.push_back(info.name);
  EXPECT_EQ(names, (std::vector<std::string>{"gd", "sgd", "rmsprop", "adam"}));
  EXPECT_EQ(optimizer_from_name("rmsprop").kind, OptimizerKind::rmsprop);
  // The names are exact, as the config's train.optimizer is: torch's spelling "RMSprop" is refused, not guessed.
  EXPECT_THROW(optimizer_from_name("RMSprop"), InputError);
  // Every optimizer has the step family the exponent counting needs (the row's optimizer_family: SGD-like updates
  // scale with the gradient, adaptive ones do not), and only the registry's spelling has one.
  for (const auto& info : optimizer_registry()) {
    const OptimizerKind kind = optimizer_from_name(info.name).kind;
    EXPECT_EQ(optimizer_family(info.name),
              kind == OptimizerKind::sgd ? OptimizerFamily::sgd : OptimizerFamily::adaptive)
        << info.name;
  }
  EXPECT_THROW(optimizer_family("RMSprop"), InputError);
  EXPECT_THROW(optimizer_family("GD"), InputError);  // the registry's exact names, as train.optimizer takes them
  EXPECT_THROW(optimizer_family("lbfgs"), InputError);
  EXPECT_TRUE(optimizer_from_name("gd").full_batch);
  EXPECT_FALSE(optimizer_from_name("sgd").full_batch);
  try {
    optimizer_from_name("lbfgs");
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("allowed: gd, sgd, rmsprop, adam"), std::string::npos) << e.what();
  }
}

// Hand-computed first steps with θ = 1, g = 0.5, lr = 0.1.
TEST(Optimizer, HandComputedFirstSteps) {
  const std::vector<double> lrs = {0.1, 0.0};
  {
    Mlp<double> net = scalar_net();
    auto opt = make_optimizer(optimizer_from_name("sgd"), net);
    EXPECT_TRUE(opt->plain());
    opt->step(net, scalar_grads(net, 0.5, 0.3), lrs);
    EXPECT_DOUBLE_EQ(net.weight(0)(0, 0), 0.95);
    EXPECT_DOUBLE_EQ(net.weight(1)(0, 0), 2.0);  // lr 0 for layer 1
  }
  {
    // v = 0.01·0.25 = 0.0025, θ = 1 − 0.1·0.5/(0.05 + 1e-8) = 2e-7 − 4e-14 (ε shows at 4e-14).
    Mlp<double> net = scalar_net();
    auto opt = make_optimizer(optimizer_from_name("rmsprop"), net);
    opt->step(net, scalar_grads(net, 0.5, 0.3), lrs);
    EXPECT_NEAR(net.weight(0)(0, 0), 2e-7 - 4e-14, 1e-15);  // 1 − (1 − 2e-7) cancels to ~1e-16
  }
  {
    // Adam's first step is lr·g/(|g| + ε): θ = 1 − 0.1·0.5/(0.5 + 1e-8) = 0.9 + 2e-9 − 4e-17.
    Mlp<double> net = scalar_net();
    auto opt = make_optimizer(optimizer_from_name("adam"), net);
    opt->step(net, scalar_grads(net, 0.5, 0.3), lrs);
    EXPECT_NEAR(net.weight(0)(0, 0), 0.9 + 2e-9, 1e-15);
  }
}

// Several steps on every parameter of a small net with per-layer lrs vs the textbook updates written as scalar loops.
TEST(Optimizer, MultiStepMatchesTextbookFormulas) {
  MlpConfig cfg;
  cfg.input_dim = 3;
  cfg.width = 4;
  cfg.depth = 2;
  cfg.outputs = 2;
  cfg.bias = true;
  const std::vector<double> lrs = {0.01, 0.02, 0.03};
  for (const char* name : {"sgd", "rmsprop", "adam"}) {
    Mlp<double> net(cfg, std::vector<LayerFactors>(3));
    net.init(1);
    auto opt = make_optimizer(optimizer_from_name(name), net);
    // Reference state per parameter, flattened per layer: weights then bias.
    std::vector<std::vector<double>> p(3), m(3), v(3);
    for (int l = 0; l < 3; ++l) {
      p[l].assign(net.weight(l).data(), net.weight(l).data() + net.weight(l).size());
      p[l].insert(p[l].end(), net.bias(l).data(), net.bias(l).data() + net.bias(l).size());
      m[l].assign(p[l].size(), 0.0);
      v[l].assign(p[l].size(), 0.0);
    }
    for (int t = 1; t <= 4; ++t) {
      auto g = net.make_gradients();
      for (int l = 0; l < 3; ++l) {
        g.w[l] = random_matrix(int(g.w[l].rows()), int(g.w[l].cols()), 10 * t + l, 0.1 * t);
        g.b[l] = random_matrix(int(g.b[l].size()), 1, 100 * t + l, 0.2);
      }
      opt->step(net, g, lrs);
      for (int l = 0; l < 3; ++l) {
        std::vector<double> gl(g.w[l].data(), g.w[l].data() + g.w[l].size());
        gl.insert(gl.end(), g.b[l].data(), g.b[l].data() + g.b[l].size());
        for (std::size_t i = 0; i < gl.size(); ++i) {
          const double gi = gl[i];
          if (std::string(name) == "sgd") {
            p[l][i] -= lrs[l] * gi;
          } else if (std::string(name) == "rmsprop") {
            v[l][i] = 0.99 * v[l][i] + 0.01 * gi * gi;
            p[l][i] -= lrs[l] * gi / (std::sqrt(v[l][i]) + 1e-8);
          } else {
            m[l][i] = 0.9 * m[l][i] + 0.1 * gi;
            v[l][i] = 0.999 * v[l][i] + 0.001 * gi * gi;
            const double mhat = m[l][i] / (1 - std::pow(0.9, t)), vhat = v[l][i] / (1 - std::pow(0.999, t));
            p[l][i] -= lrs[l] * mhat / (std::sqrt(vhat) + 1e-8);
          }
        }
      }
    }
    for (int l = 0; l < 3; ++l) {
      const Eigen::Index nw = net.weight(l).size();
      for (Eigen::Index i = 0; i < nw; ++i) EXPECT_NEAR(net.weight(l).data()[i], p[l][i], 1e-14) << name << l;
      for (Eigen::Index i = 0; i < net.bias(l).size(); ++i) EXPECT_NEAR(net.bias(l)[i], p[l][nw + i], 1e-14) << name;
    }
  }
}

// float32 optimizers follow the same formulas to float rounding.
TEST(Optimizer, Float32MatchesFloat64) {
  MlpConfig cfg;
  cfg.input_dim = 3;
  cfg.width = 5;
  cfg.depth = 1;
  cfg.outputs = 1;
  for (const char* name : {"rmsprop", "adam"}) {
    Mlp<double> nd(cfg, std::vector<LayerFactors>(2));
    Mlp<float> nf(cfg, std::vector<LayerFactors>(2));
    nd.init(4);
    nf.init(4);
    auto od = make_optimizer(optimizer_from_name(name), nd);
    auto of = make_optimizer(optimizer_from_name(name), nf);
    for (int t = 0; t < 3; ++t) {
      auto gd = nd.make_gradients();
      auto gf = nf.make_gradients();
      for (int l = 0; l < 2; ++l) {
        gd.w[l] = random_matrix(int(gd.w[l].rows()), int(gd.w[l].cols()), t * 3 + l);
        gf.w[l] = gd.w[l].cast<float>();
      }
      od->step(nd, gd, std::vector<double>{0.01, 0.001});
      of->step(nf, gf, std::vector<double>{0.01, 0.001});
    }
    for (int l = 0; l < 2; ++l) EXPECT_LT((nf.weight(l).cast<double>() - nd.weight(l)).cwiseAbs().maxCoeff(), 1e-6);
  }
}
