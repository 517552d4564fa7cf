// The Golikov 2020 [G1] verdicts beyond verdicts.h (src/reproduce/golikov2020_judges.cpp; theory.md §6.1 R2, R10–R12)
// on constructed per-seed inputs: each returns holds, does not hold and inconclusive, and its statistic matches the
// value computed by hand. And a derived claim's source kind in the report (theory.md §0).
#include <gtest/gtest.h>

#include <cmath>

#include "reproduce/common.h"
#include "reproduce/golikov2020_common.h"  // internal to src/reproduce (src/ is on this test's include path)

namespace widthlab::repro::g1 {
namespace {

const double kLn2 = std::log(2.0);
// Seed offsets of mean 0: the constructed seed noise (5 seeds).
const std::vector<double> kNoise = {1.0, -1.0, 0.5, -0.5, 0.0};

// Per seed at two widths: the first width's value a + sd_a·noise, the last's b + sd_b·noise(reversed).
AlignedSeeds ends(double a, double b, double sd_a = 0, double sd_b = 0,
                  std::vector<std::uint64_t> seeds = {0, 1, 2, 3, 4}) {
  AlignedSeeds x;
  x.widths = {128, 2048};
  x.seeds = seeds;
  x.values.assign(2, {});
  for (std::size_t s = 0; s < seeds.size(); ++s) {
    x.values[0].push_back(a + sd_a * kNoise[s]);
    x.values[1].push_back(b + sd_b * kNoise[kNoise.size() - 1 - s]);
  }
  return x;
}

TEST(Golikov2020Verdicts, CollapseContrastHoldsFailsAndIsInconclusive) {
  // Distances to log 2: deep 0.05 → 0.0005 (ratio 0.01), shallow 0.2 → 0.06 (ratio 0.3) over a width ratio of 16:
  // exponent ln(0.01 / 0.3) / ln 16 = −1.2267, no noise → a zero-width interval, inside (−∞, −1/2].
  const VerdictResult holds =
      judge_collapse_contrast(ends(kLn2 - 0.05, kLn2 - 0.0005), ends(kLn2 - 0.2, kLn2 - 0.06), kLn2, -0.5, "test");
  EXPECT_EQ(holds.verdict, Verdict::holds) << holds.detail;
  EXPECT_NE(holds.detail.find(fmt_num(std::log(0.01 / 0.3) / std::log(16.0))), std::string::npos) << holds.detail;
  EXPECT_NE(holds.detail.find("-1.227"), std::string::npos) << holds.detail;
  // Both depths approach log 2 alike: exponent 0, outside the region.
  const VerdictResult fails =
      judge_collapse_contrast(ends(kLn2 - 0.2, kLn2 - 0.06), ends(kLn2 - 0.2, kLn2 - 0.06), kLn2, -0.5, "test");
  EXPECT_EQ(fails.verdict, Verdict::fails) << fails.detail;
  // The deep ratio exactly 16^−1/2 × the shallow one (exponent −1/2, the region's edge) with seed noise: straddles.
  const VerdictResult edge = judge_collapse_contrast(ends(kLn2 - 0.2, kLn2 - 0.015, 0.0, 0.005),
                                                     ends(kLn2 - 0.2, kLn2 - 0.06), kLn2, -0.5, "test");
  EXPECT_EQ(edge.verdict, Verdict::inconclusive) << edge.detail;
  // Other seeds at the two depths: no pairing, inconclusive.
  const VerdictResult unpaired = judge_collapse_contrast(
      ends(kLn2 - 0.05, kLn2 - 0.0005), ends(kLn2 - 0.2, kLn2 - 0.06, 0, 0, {0, 1, 2, 3, 5}), kLn2, -0.5, "test");
  EXPECT_EQ(unpaired.verdict, Verdict::inconclusive);
}

// A grid at widths 128…1024 with means `m` and seed offsets of size sd; `last_two` its last two widths, paired.
SeedGrid grid_of(const std::vector<double>& m, double sd, AlignedSeeds& last_two) {
  SeedGrid g;
  for (std::size_t i = 0; i < m.size(); ++i) {
    g.widths.push_back(128.0 * double(1 << i));
    g.values.emplace_back();
    for (double n : kNoise) g.values.back().push_back(m[i] + sd * n);
  }
  last_two.widths = {g.widths[m.size() - 2], g.widths.back()};
  last_two.values = {g.values[m.size() - 2], g.values.back()};
  last_two.seeds = {0, 1, 2, 3, 4};
  return g;
}

TEST(Golikov2020Verdicts, NontrivialLimitHoldsFailsAndIsInconclusive) {
  const double bound = kLn2 - 0.05;
  AlignedSeeds last;
  // Flat at 0.40: every width and the extrapolated limit 0.40 are below the bound.
  const VerdictResult holds =
      judge_nontrivial_limit(grid_of({0.40, 0.40, 0.40, 0.40}, 0.002, last), last, bound, 0.5, "test");
  EXPECT_EQ(holds.verdict, Verdict::holds) << holds.detail;
  // Above the bound at every width.
  const VerdictResult fails =
      judge_nontrivial_limit(grid_of({0.68, 0.68, 0.68, 0.68}, 0.002, last), last, bound, 0.5, "test");
  EXPECT_EQ(fails.verdict, Verdict::fails) << fails.detail;
  // Climbing, every width below the bound: +0.02 over the last doubling extrapolates at d^−1/2 to
  // 0.63 + 0.02 / (√2 − 1) = 0.6783, above the bound: the loss may not stay below it.
  const VerdictResult climbing =
      judge_nontrivial_limit(grid_of({0.55, 0.58, 0.61, 0.63}, 0.0005, last), last, bound, 0.5, "test");
  EXPECT_EQ(climbing.verdict, Verdict::inconclusive) << climbing.detail;
  EXPECT_NE(climbing.detail.find(fmt_num(0.63 + 0.02 / (std::sqrt(2.0) - 1))), std::string::npos) << climbing.detail;
  EXPECT_NE(climbing.detail.find("still climbs"), std::string::npos) << climbing.detail;
  // The same climb judged with a fast rate (d^−4: 0.63 + 0.02 / 15 = 0.6313) stays below: holds.
  EXPECT_EQ(judge_nontrivial_limit(grid_of({0.55, 0.58, 0.61, 0.63}, 0.0005, last), last, bound, 4.0, "test").verdict,
            Verdict::holds);
}

// Quantity values A·w^power × exp(sd·noise(seed, width)) at `widths`, 5 seeds.
AlignedSeeds power_law(const std::vector<double>& widths, double power, double sd) {
  AlignedSeeds a;
  a.widths = widths;
  a.seeds = {0, 1, 2, 3, 4};
  for (std::size_t i = 0; i < widths.size(); ++i) {
    a.values.emplace_back();
    for (std::size_t s = 0; s < 5; ++s)
      a.values.back().push_back(3.0 * std::pow(widths[i], power) * std::exp(sd * kNoise[(s + 2 * i) % 5]));
  }
  return a;
}

TEST(Golikov2020Verdicts, ExponentsOverThreeWidthsHoldFailAndAreInconclusive) {
  const std::vector<double> w = {16384, 32768, 65536};
  // A variance ∝ w^−1 (std exponent −1/2 after scale 1/2) and an increment ∝ w^−1/4 with offset +1/4 (0 after it).
  const std::vector<AlignedSeeds> exact = {power_law(w, -1.0, 0), power_law(w, -0.25, 0)};
  const std::vector<double> scale = {0.5, 1}, offset = {0, 0.25};
  const std::vector<double> e = fitted_exponents(exact, scale, offset, {0, 1, 2, 3, 4});
  EXPECT_NEAR(e[0], -0.5, 1e-12);
  EXPECT_NEAR(e[1], 0.0, 1e-12);
  EXPECT_EQ(judge_exponents(exact, scale, offset, {-0.5, 0.0}, 0.1, "worst", "test").verdict, Verdict::holds);
  // The targets of another scaling: |−1/2 − 0| = 1/2 > 0.1.
  EXPECT_EQ(judge_exponents(exact, scale, offset, {0.0, 0.0}, 0.1, "worst", "test").verdict, Verdict::fails);
  // A target NaN is not judged: only the second quantity, on target.
  EXPECT_EQ(judge_exponents(exact, scale, offset, {NAN, 0.0}, 0.1, "worst", "test").verdict, Verdict::holds);
  // Seed noise of ±30 % per width: the jackknife interval (t(4)) straddles 0.1.
  const std::vector<AlignedSeeds> noisy = {power_law(w, -1.0, 0.3), power_law(w, -0.25, 0.3)};
  const VerdictResult v = judge_exponents(noisy, scale, offset, {-0.5, 0.0}, 0.1, "worst", "test");
  EXPECT_EQ(v.verdict, Verdict::inconclusive) << v.detail;
  // Two widths: a slope that is no tested rate.
  const std::vector<AlignedSeeds> two = {power_law({32768, 65536}, -1.0, 0)};
  const VerdictResult t = judge_exponents(two, {0.5}, {0}, {-0.5}, 0.1, "worst", "test");
  EXPECT_EQ(t.verdict, Verdict::inconclusive);
  EXPECT_NE(t.detail.find("no tested rate"), std::string::npos) << t.detail;
}

TEST(Golikov2020Verdicts, AlignedSeedsKeepsTheSeedsEveryWidthHas) {
  std::map<SweepRunKey, TrainResult> res;
  const auto add = [&](const std::string& label, int w, std::uint64_t seed, double loss) {
    TrainResult r;
    r.status = RunStatus::ok;
    r.test_loss = loss;
    res[SweepRunKey{label, w, seed}] = r;
  };
  for (std::uint64_t s = 0; s < 4; ++s) add("mf", 128, s, 0.1 * double(s));
  for (std::uint64_t s = 0; s < 3; ++s) add("mf", 256, s, 1 + 0.1 * double(s));
  add("ntk", 256, 3, 9);  // another label's seed 3 does not count
  const auto loss = [](const TrainResult& r) { return metric(r, "test_loss"); };
  const AlignedSeeds a = aligned_seeds(res, "mf", {128, 256}, loss);
  EXPECT_EQ(a.seeds, (std::vector<std::uint64_t>{0, 1, 2}));
  ASSERT_EQ(a.values.size(), 2u);
  EXPECT_DOUBLE_EQ(a.values[1][2], 1.2);
  EXPECT_EQ(aligned_seeds(res, "mf", {128, 256}, loss, {1, 3}).seeds, (std::vector<std::uint64_t>{1}));
}

TEST(Golikov2020Report, DerivedClaimsAreMarkedAndCounted) {
  ReproductionInfo info{"demo", "Paper", "theory.md §0", "a demo", nullptr};
  CaseOutput out;
  out.claims.push_back({"R0.a", "claim a", "0.41", {Verdict::holds, "1 [0.9, 1.1]"}});
  out.claims.push_back(derived({"R0.d", "claim d", "expected", {Verdict::fails, "2 [1.9, 2.1]"}}));
  EXPECT_EQ(out.claims[0].source_kind, SourceKind::paper);
  EXPECT_EQ(out.claims[1].source_kind, SourceKind::derived);
  EXPECT_STREQ(source_kind_name(SourceKind::derived), "derived");
  EXPECT_STREQ(source_kind_name(SourceKind::paper), "paper");
  const std::string md = reproduce_report_markdown(info, out, 1.0, "default");
  EXPECT_NE(md.find("1 of the counted claims are *derived*"), std::string::npos) << md;
  EXPECT_NE(md.find("| R0.d | claim d | *derived:* expected |"), std::string::npos) << md;
  EXPECT_NE(md.find("| R0.a | claim a | 0.41 |"), std::string::npos) << md;
}

}  // namespace
}  // namespace widthlab::repro::g1
