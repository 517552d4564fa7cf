// The transfer analysis on constructed loss surfaces (theory.md §10.3): each verdict value, and the predictions of
// §10.2 checked through the classifier itself (the coordinate check: tests/study/coord_check_test.cpp).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <vector>

#include "transfer/lr_grid_fixture.h"
#include "widthlab/classification.h"
#include "widthlab/transfer.h"
#include "widthlab/transfer_theory.h"

namespace widthlab {
namespace {

using transfer_test::kWidths;
using transfer_test::lr_grid;

// losses[w][i][s] = (log lr − log lr*(w) − noise)², lr*(w) = 0.3 (w/128)^e, noise ~ 0.05 per width and seed.
std::vector<std::vector<std::vector<double>>> surface(double e, double noise = 0.05) {
  const auto lrs = lr_grid();
  std::vector<std::vector<std::vector<double>>> L(kWidths.size());
  for (std::size_t w = 0; w < kWidths.size(); ++w) {
    L[w].assign(lrs.size(), std::vector<double>(5));
    const double centre = std::log(0.3) + e * std::log(kWidths[w] / 128.0);
    for (std::size_t i = 0; i < lrs.size(); ++i)
      for (int s = 0; s < 5; ++s)
        L[w][i][std::size_t(s)] = 0.1 + std::pow(std::log(lrs[i]) - centre - noise * std::sin(3.0 * w + 1.7 * s), 2);
  }
  return L;
}

TEST(TransferAnalysis, HoldsWhenTheExponentIsInsideTheRegion) {
  const MetricTransfer m =
      metric_transfer("train_loss", kWidths, lr_grid(), surface(-0.5), {-0.75, -0.25, "test"}, 400);
  ASSERT_TRUE(m.fit.ok);
  EXPECT_EQ(m.fit.widths_used, 5);
  EXPECT_NEAR(m.fit.slope, -0.5, 0.05);
  EXPECT_EQ(m.verdict.verdict, Verdict::holds) << m.verdict.detail;
  // Each width's optimum is the constructed one (to the noise).
  for (std::size_t w = 0; w < kWidths.size(); ++w)
    EXPECT_NEAR(std::log(m.optima[w].estimate.point.lr), std::log(0.3) - 0.5 * std::log(kWidths[w] / 128.0), 0.06);
}

TEST(TransferAnalysis, FailsWhenTheExponentIsOutsideTheRegion) {
  const MetricTransfer m = metric_transfer("train_loss", kWidths, lr_grid(), surface(-0.5), {-0.25, 0.25, "test"}, 400);
  EXPECT_EQ(m.verdict.verdict, Verdict::fails) << m.verdict.detail;
}

TEST(TransferAnalysis, InconclusiveWhenTheIntervalStraddlesTheEdgeOrNoOptimumIsInside) {
  // Noise 0.5 in log lr per width and seed: a wide interval across the region's edge at −0.5.
  const MetricTransfer wide =
      metric_transfer("train_loss", kWidths, lr_grid(), surface(-0.5, 0.5), {-0.5, 0.5, "t"}, 400);
  EXPECT_EQ(wide.verdict.verdict, Verdict::inconclusive) << wide.verdict.detail;
  // Monotone surfaces (optimum above the grid at every width): no interior optimum, no exponent.
  auto mono = surface(0.0);
  const auto lrs = lr_grid();
  for (auto& per_width : mono)
    for (std::size_t i = 0; i < lrs.size(); ++i)
      for (auto& v : per_width[i]) v = 1.0 / (1.0 + lrs[i]);
  const MetricTransfer none = metric_transfer("train_loss", kWidths, lrs, mono, {-0.25, 0.25, "t"}, 100);
  EXPECT_EQ(none.verdict.verdict, Verdict::inconclusive);
  EXPECT_EQ(none.optima[0].estimate.point.status, OptimumStatus::edge_high);
}

// A width with a missing run has no optimum and is left out of the fit (not read as diverged there); the others fit
// as before.
TEST(TransferAnalysis, AWidthWithAMissingRunIsLeftOutOfTheFit) {
  auto L = surface(-0.5);
  L[2][3][1] = std::numeric_limits<double>::quiet_NaN();
  const MetricTransfer m = metric_transfer("train_loss", kWidths, lr_grid(), L, {-0.75, -0.25, "test"}, 200);
  EXPECT_EQ(m.optima[2].estimate.point.status, OptimumStatus::missing);
  ASSERT_TRUE(m.fit.ok);
  EXPECT_EQ(m.fit.widths_used, int(kWidths.size()) - 1);
  EXPECT_NEAR(m.fit.slope, -0.5, 0.05);
}

// An optimum that stays put up to d = 512 and falls like d^-1 beyond (a prediction e* = −1 that only the widest
// widths reach): over all five widths the slope is −0.5, outside [−1.25, −0.75]; over the widest three it is −1.
// The exponent is asymptotic (theory.md §10.3), so the verdict is inconclusive, not "does not hold".
TEST(TransferAnalysis, AnOptimumThatStartsFallingLateIsInconclusive) {
  auto L = surface(0.0);
  const auto lrs = lr_grid();
  for (std::size_t w = 0; w < kWidths.size(); ++w) {
    const double centre = std::log(0.3) - std::max(0.0, std::log(kWidths[w] / 512.0));
    for (std::size_t i = 0; i < lrs.size(); ++i)
      for (int s = 0; s < 5; ++s)
        L[w][i][std::size_t(s)] = 0.1 + std::pow(std::log(lrs[i]) - centre - 0.05 * std::sin(3.0 * w + 1.7 * s), 2);
  }
  const MetricTransfer m = metric_transfer("train_loss", kWidths, lrs, L, {-1.25, -0.75, "test"}, 400);
  EXPECT_NEAR(m.fit.slope, -0.5, 0.05);
  EXPECT_LT(m.fit.ci_high, -0.25);
  EXPECT_GT(m.fit.ci_high, -0.75) << "the fit over every width lies outside the region";
  ASSERT_TRUE(m.widest.ok);
  EXPECT_EQ(m.widest.widths_used, 3);
  EXPECT_NEAR(m.widest.slope, -1.0, 0.05);
  EXPECT_EQ(m.verdict.verdict, Verdict::inconclusive) << m.verdict.detail;
  EXPECT_NE(m.verdict.detail.find("pre-asymptotic"), std::string::npos) << m.verdict.detail;
}

// A scaling with every layer's lr exponent shifted by e (the lr multiplied by ω^e).
Scaling shifted(Scaling s, double e) {
  for (auto& l : s.layers) l.lr += e;
  s.q_sigma.reset(), s.q_lr_out.reset(), s.q_lr_in.reset();
  return s;
}

// theory.md §10.1: an unstable run (finite, above its loss at init) makes its lr +inf like a diverged one. Without the
// rule the exploded neighbour bends the parabola and pulls lr* half a grid step down (0.3 → ~0.2 here).
TEST(TransferAnalysis, AnUnstableRunCountsAsDivergedAndIsCountedApart) {
  const auto lrs = lr_grid();
  const std::vector<std::uint64_t> seeds = {0, 1, 2, 3, 4};
  const auto L = surface(0.0, 0.0);  // lr* = 0.3 at every width; lrs[4] = 0.215 and lrs[5] = 0.464 around it
  std::vector<nlohmann::json> records;
  for (std::size_t w = 0; w < kWidths.size(); ++w)
    for (std::size_t i = 0; i < lrs.size(); ++i)
      for (std::uint64_t s : seeds) {
        nlohmann::json r = {{"scaling", "mup"},
                            {"width", kWidths[w]},
                            {"seed", s},
                            {"lr", lrs[i]},
                            {"status", "ok"},
                            {"train_loss", L[w][i][s]},
                            {"test_loss", L[w][i][s]},
                            {"train_loss_init", 100.0}};
        if (w == 0 && i == 5 && s == 0) r["train_loss"] = r["test_loss"] = 2.8e10;  // exploded, finite
        if (w == 0 && i == 9 && s == 1)
          r = {{"scaling", "mup"},     {"width", kWidths[w]},   {"seed", s},           {"lr", lrs[i]},
               {"status", "diverged"}, {"train_loss", nullptr}, {"test_loss", nullptr}};
        records.push_back(r);
      }
  const std::vector<TransferRun> runs = transfer_runs(records);
  EXPECT_TRUE(runs[5 * seeds.size()].unstable);
  EXPECT_FALSE(runs[4 * seeds.size()].unstable);
  const Classification c = classify(scaling_from_name("mup", 2), activation_from_name("relu"));
  const ScalingTransfer st = analyse_scaling(c, runs, kWidths, lrs, seeds, lrs[4], 200);
  EXPECT_EQ(st.runs_unstable, 1);
  EXPECT_EQ(st.runs_diverged, 1);
  EXPECT_EQ(st.runs_ok, int(records.size()) - 2);
  for (const MetricTransfer* m : {&st.train, &st.test}) {
    const LrOptimum& narrow = m->optima[0].estimate.point;
    EXPECT_EQ(narrow.status, OptimumStatus::next_to_diverged);
    EXPECT_DOUBLE_EQ(narrow.lr, lrs[4]);
    const LrOptimum& wide = m->optima[1].estimate.point;  // untouched: the vertex of the exact parabola
    EXPECT_EQ(wide.status, OptimumStatus::interior);
    EXPECT_NEAR(wide.lr, 0.3, 1e-9);
  }
}

// theory.md §10.1/§10.3: an optimum next to a diverged lr is known to its bracket only. With the best point at the
// same grid lr at every width and every resample, the slope is 0 and its interval the range the brackets allow: the
// widths below the mean log width at the upper, those above at the lower end of their bracket (and the reverse),
// i.e. ±Σ|d_i| h / Σ d_i² with d_i = log w_i − mean, h = ln(10)/3 the grid step: ±0.6 h / ln 2 for 5 doublings.
TEST(TransferAnalysis, ANextToDivergedOptimumIsKnownToItsBracketOnly) {
  const auto lrs = lr_grid();
  auto L = surface(0.0, 0.0);
  for (auto& per_width : L)
    for (std::size_t i = 0; i < lrs.size(); ++i)
      for (double& v : per_width[i])
        v = i >= 6 ? std::numeric_limits<double>::infinity() : 0.1 + std::pow(std::log(lrs[i] / lrs[5]), 2);
  const MetricTransfer m = metric_transfer("train_loss", kWidths, lrs, L, {-0.25, 0.25, "test"}, 200);
  for (const auto& o : m.optima) {
    EXPECT_EQ(o.estimate.point.status, OptimumStatus::next_to_diverged);
    EXPECT_DOUBLE_EQ(o.estimate.point.lr, lrs[5]);
    EXPECT_NEAR(o.estimate.lo, lrs[4], 1e-12 * lrs[4]);  // the bracket, not [lrs[5], lrs[5]]
    EXPECT_NEAR(o.estimate.hi, lrs[6], 1e-12 * lrs[6]);
  }
  const double half = 0.6 * (std::log(10.0) / 3.0) / std::log(2.0);
  ASSERT_TRUE(m.fit.ok);
  EXPECT_NEAR(m.fit.slope, 0.0, 1e-12);
  EXPECT_NEAR(m.fit.ci_low, -half, 1e-9);
  EXPECT_NEAR(m.fit.ci_high, half, 1e-9);
  // The interval reaches past the region ±0.25: inconclusive, where the point interval [0, 0] would have held.
  EXPECT_EQ(m.verdict.verdict, Verdict::inconclusive);
}

TEST(TransferTheory, LrShiftMovesBAndCByTheShiftAndThePredictionPutsTheNetOnTheEdge) {
  // theory.md §10.2, checked through the classifier (an independent computation of B and C).
  const Activation act = activation_from_name("leaky_relu:0.1");
  for (int depth : {1, 2, 3})
    for (const char* name : {"sp", "ntk", "mf", "mup"}) {
      const Scaling s = scaling_from_name(name, depth);
      const Classification c = classify(s, act);
      for (double e : {-1.0, -0.5, 0.25}) {
        const Classification ce = classify(shifted(s, e), act);
        EXPECT_NEAR(ce.B - c.B, e, 1e-9) << name << " depth " << depth;
        EXPECT_NEAR(ce.C - c.C, e, 1e-9) << name << " depth " << depth;
      }
      const LrExponentPrediction p = predict_lr_exponent(c);
      const Classification at = classify(shifted(s, p.exponent), act);
      EXPECT_NEAR(std::max(at.B, at.C), 0.0, 1e-9) << name << " depth " << depth;
      const ClaimRegion r = lr_exponent_region(p);
      EXPECT_NEAR(r.hi - r.lo, 2 * kLrExponentTolerance, 1e-12);
      EXPECT_FALSE(r.source.empty());
    }
}

TEST(TransferTheory, StableFeatureLearningAndKernelLimitsTransferAtOneHiddenLayer) {
  const Activation act = activation_from_name("leaky_relu:0.1");
  for (const char* name : {"ntk", "mf", "mup"})
    EXPECT_NEAR(predict_lr_exponent(classify(scaling_from_name(name, 1), act)).exponent, 0.0, 1e-9) << name;
  // SP with a constant lr diverges: its optimal lr must shrink with width.
  EXPECT_LT(predict_lr_exponent(classify(scaling_from_name("sp", 1), act)).exponent, -0.25);
}

}  // namespace
}  // namespace widthlab

// A runs.jsonl of another verb (no coordinate check in its records) was told to "pass --coord-steps 0", a value the
// flag refuses; it is told to rerun into a new directory.
TEST(TransferResume, RecordsWithoutACoordinateCheckAreNotResumed) {
  const auto dir = std::filesystem::temp_directory_path() / ("widthlab_transfer_resume_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "runs.jsonl") << R"({"status": "ok", "train_loss_init": 0.7})"
                                    << "\n";
  const std::string why = widthlab::transfer_resume_problem(dir, 3);
  EXPECT_NE(why.find("record 1 tracked no coordinate check"), std::string::npos) << why;
  EXPECT_EQ(why.find("--coord-steps 0"), std::string::npos) << why;
  std::ofstream(dir / "runs.jsonl")
      << R"({"status": "ok", "train_loss_init": 0.7, "coord_check": {"act_delta_track": [[1], [2]]}})"
      << "\n";
  EXPECT_NE(widthlab::transfer_resume_problem(dir, 3).find("pass --coord-steps 2 to resume it"), std::string::npos);
  EXPECT_EQ(widthlab::transfer_resume_problem(dir, 2), "");
  std::filesystem::remove_all(dir);
}
