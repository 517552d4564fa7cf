// R24's largest stable lr (src/reproduce/sohl_dickstein_common.h, theory.md §6.3): its bisection over the √2 grid
// against a scan of every grid point, and its stability test against a trial that blows up and ends below its loss at
// init. Each trial's curve is read here from run_training, with the rule written out: stable when every recorded train
// loss is finite and ≤ the loss at step 0.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "../../src/reproduce/sohl_dickstein_common.h"  // internal to src/reproduce
#include "widthlab/activation.h"

namespace widthlab::repro::sd {
namespace {

constexpr int kSteps = 20;

Dataset small_task() {
  DataOptions o;
  o.dataset = "gaussians";
  o.gaussians_dim = 16;
  o.train_size = 32;
  o.test_size = 8;
  return load_dataset(o);
}

SpNet naive_sp(int width, const Dataset& d) {
  return sp_net(int(d.x_train.cols()), width, 1, 2, activation_from_name("relu"), false, std::sqrt(2.0));
}

// The train loss at every step of max_stable_lr's trial (lr_trial), NaN appended when the run diverged.
std::vector<double> loss_curve(const SpNet& n, const Dataset& d, double lr, std::uint64_t seed) {
  const TrainData td{d.x_train, d.y_train, d.x_test, d.y_test, d.classes};
  const TrainResult r = run_training(lr_trial(n, lr, kSteps, seed), td);
  std::vector<double> losses;
  for (const CurvePoint& p : r.curve) losses.push_back(p.train_loss);
  if (r.status != RunStatus::ok) losses.push_back(NAN);
  return losses;
}

bool stable_by_definition(const std::vector<double>& losses) {
  return !losses.empty() &&
         std::all_of(losses.begin(), losses.end(), [&](double l) { return std::isfinite(l) && l <= losses.front(); });
}

// Every grid point scanned: where stability is monotone along the grid (asserted), the bisection must land on the
// last stable point before the first unstable one.
TEST(MaxStableLr, BisectionFindsTheEdgeAScanOfTheGridFinds) {
  const Dataset d = small_task();
  const double lr_min = 1e-3;
  const int K = 24;  // lr up to 1e-3 · 2^11.5 ≈ 2.9
  for (int width : {16, 64}) {
    const SpNet n = naive_sp(width, d);
    for (std::uint64_t seed : {0u, 1u}) {
      std::vector<bool> stable;
      for (int k = 0; k < K; ++k)
        stable.push_back(stable_by_definition(loss_curve(n, d, lr_min * std::pow(2.0, 0.5 * k), seed)));
      const auto first_unstable = std::find(stable.begin(), stable.end(), false);
      ASSERT_NE(first_unstable, stable.begin()) << "width " << width << " seed " << seed << ": lr_min unstable";
      ASSERT_NE(first_unstable, stable.end()) << "width " << width << " seed " << seed << ": no unstable grid point";
      ASSERT_TRUE(std::none_of(first_unstable, stable.end(), [](bool s) { return s; }))
          << "width " << width << " seed " << seed << ": stability is not monotone along this grid";
      const int edge = int(first_unstable - stable.begin()) - 1;
      EXPECT_DOUBLE_EQ(max_stable_lr(n, d, kSteps, seed, lr_min, K), lr_min * std::pow(2.0, 0.5 * edge))
          << "width " << width << " seed " << seed;
    }
  }
}

// A trial whose loss rises far above its initial value and still ends below it is unstable: with a one-point grid
// max_stable_lr says NaN (lr_min unstable), where a test of the last step alone would say +∞ (stable to the top).
TEST(MaxStableLr, ATrialThatBlowsUpAndEndsBelowItsInitialLossIsUnstable) {
  const Dataset d = small_task();
  const SpNet n = naive_sp(16, d);
  int found = 0;
  for (double lr : {0.5, 1.0, 2.0, 4.0, 8.0})
    for (std::uint64_t seed = 0; seed < 8; ++seed) {
      const std::vector<double> losses = loss_curve(n, d, lr, seed);
      const bool ends_below = std::isfinite(losses.back()) && losses.back() <= losses.front();
      const double peak = *std::max_element(losses.begin(), losses.end());
      if (!ends_below || !(peak > 10 * losses.front())) continue;
      ++found;
      EXPECT_TRUE(std::isnan(max_stable_lr(n, d, kSteps, seed, lr, 1))) << "lr " << lr << " seed " << seed;
    }
  ASSERT_GT(found, 0) << "no trial blew up and ended below its initial loss: the test saw nothing to check";
}

// An lr ∝ 1/width exactly, 5 seeds per width: the slope is −1 and judge_lr_slope holds it; one seed censored at either
// end of the grid (+∞: stable to the top; NaN: unstable at the bottom) makes it inconclusive, naming the seed.
TEST(MaxStableLr, ASeedCensoredAtEitherEndOfTheGridLeavesTheSlopeInconclusive) {
  SeedGrid g;
  for (double w : {32.0, 64.0, 128.0, 256.0}) {
    g.widths.push_back(w);
    g.values.push_back({});
    for (int s = 0; s < 5; ++s) g.values.back().push_back((1.0 + 0.01 * s) / w);
  }
  EXPECT_EQ(judge_lr_slope(g, -1.0, 0.25, "test").verdict, Verdict::holds);
  for (double censored : {double(INFINITY), double(NAN)}) {
    SeedGrid c = g;
    c.values[1][2] = censored;
    const VerdictResult v = judge_lr_slope(c, -1.0, 0.25, "test");
    EXPECT_EQ(v.verdict, Verdict::inconclusive);
    EXPECT_NE(v.detail.find(std::isnan(censored) ? "unstable at the grid's smallest lr (1 of 5 at width 64)"
                                                 : "stable up to the grid's largest lr (1 of 5 at width 64)"),
              std::string::npos)
        << v.detail;
  }
}

}  // namespace
}  // namespace widthlab::repro::sd
