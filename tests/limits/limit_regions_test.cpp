// theory.md §2.2 / §3.4 / R29: for each of the 13 regions, the finite net at the region's example point (q_σ, q̃)
// (scaling_from_golikov, the [G2] `dev` recipe), with logits normalised by ω^{max(A,B)}, predicts the same classes
// as its limit model more and more often as the width grows, and its normalised logits come closer to the limit's.
// The limit's g is the finite net's own normalised init logits f⁽⁰⁾/ω^A (a paired comparison: f⁽⁰⁾/ω^A → GP(0, K)
// in law, theory.md §3.2); the MF particles are independent.
#include <gtest/gtest.h>

#include <cmath>

#include "limit_test_data.h"
#include "widthlab/classification.h"
#include "widthlab/limit_run.h"
#include "widthlab/scaling.h"
#include "widthlab/train_run.h"

namespace widthlab {
namespace {

// RMS over test points of the difference of the normalised logits.
double rms_distance(const MatrixD& a, const MatrixD& b) {
  return std::sqrt((a.col(0) - b.col(0)).squaredNorm() / double(a.rows()));
}

double agreement(const MatrixD& a, const MatrixD& b) {
  int same = 0;
  for (Eigen::Index i = 0; i < a.rows(); ++i) same += (a(i, 0) > 0) == (b(i, 0) > 0);
  return double(same) / double(a.rows());
}

TEST(LimitRegions, FiniteNetsApproachTheirLimitModelsClasses) {
  const bool small = test::sanitized();
  const Dataset d = test::teacher_task(10, 40, 150, 21);
  const std::vector<int> widths = small ? std::vector<int>{128, 2048} : std::vector<int>{128, 1024, 8192};
  // Printed per region: class agreement and RMS distance to the limit model per width.
  const std::vector<uint64_t> seeds = small ? std::vector<uint64_t>{0} : std::vector<uint64_t>{0, 1};
  const double lr = 0.1, dstar = 128;
  const int steps = 8;
  const Activation act = activation_from_name("leaky_relu:0.1");
  for (const RegionInfo& ri : region_registry()) {
    SCOPED_TRACE("region " + std::to_string(ri.region) + " " + ri.model);
    const double qs = ri.example_q_sigma, ql = ri.example_q_lr;
    const Classification c = classify_golikov(qs, ql, ql);
    ASSERT_TRUE(c.region.has_value());
    ASSERT_EQ(*c.region, ri.region);
    const LimitModelInfo& model = limit_model_for_region(ri.region);
    EXPECT_EQ(model.name, ri.model);
    const double A = qs + 0.5;
    std::vector<double> agree(widths.size(), 0.0), dist(widths.size(), 0.0);
    for (uint64_t seed : seeds) {
      LimitOptions o;
      o.model = model.name;
      o.lr = lr;
      o.steps = steps;
      o.precision = Precision::float64;
      o.particles = small ? 1 << 12 : 1 << 14;
      o.curve_every = 0;
      o.kernel_points = 0;
      for (size_t wi = 0; wi < widths.size(); ++wi) {
        const int width = widths[wi];
        const Scaling s = scaling_from_golikov(qs, ql, ql, 1, dstar);
        TrainTask task;
        task.model.width = width;
        task.model.activation = act;
        task.factors = s.factors_at(width);
        task.seed = seed;
        task.train.lr = lr;
        task.train.steps = steps;
        task.train.precision = Precision::float64;
        task.train.curve_every = 0;
        task.train.decomposition = false;
        task.train.kernel_points = 0;
        task.train.coord_points = 0;
        const TrainResult fin = run_training(task, TrainData{d.x_train, d.y_train, d.x_test, d.y_test, 2});
        ASSERT_EQ(fin.status, RunStatus::ok);
        const double norm = limit_logit_normaliser(qs, ql, ql, width, dstar);
        const MatrixD f = fin.test_logits / norm;
        LimitFixedInputs fixed;
        if (model.needs_g()) {
          MlpConfig cfg = task.model;
          cfg.input_dim = int(d.x_train.cols());
          Mlp<double> net(cfg, task.factors);
          net.init(seed);
          auto ws = net.make_workspace(256);
          const double init_norm = std::pow(width / dstar, A);
          fixed.g_train = net.predict(d.x_train, ws) / init_norm;
          fixed.g_test = net.predict(d.x_test, ws) / init_norm;
        }
        const LimitSeedResult lim = simulate_limit_seed(o, d, seed, fixed);
        ASSERT_EQ(lim.status, RunStatus::ok);
        agree[wi] += agreement(f, lim.test_logits) / double(seeds.size());
        dist[wi] += rms_distance(f, lim.test_logits) / double(seeds.size());
      }
    }
    std::printf("region %2d %-20s agreement:", ri.region, ri.model.c_str());
    for (double a : agree) std::printf(" %.3f", a);
    std::printf("  RMS distance:");
    for (double x : dist) std::printf(" %.4f", x);
    std::printf("\n");
    // The normalised logits approach the limit model's in every region: the RMS distance falls at each width step
    // (only overall in the sanitized build: one seed, fewer particles). Regions 6 and 11 replace ℓ'(y, ω^B·m) by
    // L_inf with B = 1/4 and 1/6, so the distance falls slowly (measured: 0.43 → 0.37 → 0.30 and 0.42 → 0.40 →
    // 0.34 over d = 128, 1024, 8192) and their class agreement shows no trend at affordable widths (0.70 → 0.76 and
    // 0.62 → 0.65 up to d = 2^14): for them the class check is only better-than-chance. Classes follow the distance
    // at the faster regions; the sanitized build checks the class trend only where the corrections decay fastest.
    if (small) {
      EXPECT_LT(dist.back(), dist.front());
    } else {
      for (size_t wi = 1; wi < dist.size(); ++wi) EXPECT_LT(dist[wi], dist[wi - 1]) << "width " << widths[wi];
    }
    const bool slow = ri.region == 6 || ri.region == 11;
    const bool fast =
        ri.region == 1 || ri.region == 2 || ri.region == 4 || ri.region == 7 || ri.region == 9 || ri.region == 12;
    if (small ? fast : !slow) {
      EXPECT_GT(agree.back(), agree.front() + 0.01);
    }
    EXPECT_GT(agree.back(), 0.6);
  }
}

}  // namespace
}  // namespace widthlab
