// The classifier: A/B/C, the band, the 13 regions of theory.md §2.2 and their boundaries, theory exponents (§6.1 R2),
// the deep-net propagation against theory.md §5 and the GD degeneracy verdicts (§3.6).
#include "widthlab/classification.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "widthlab/error.h"
#include "widthlab/exponent_text.h"

using namespace widthlab;

namespace {
constexpr OptimizerFamily kSgd = OptimizerFamily::sgd;
constexpr OptimizerFamily kAdaptive = OptimizerFamily::adaptive;

// theory.md §2.2 table, typed from the SPEC: #, model, example (q_σ, q̃), A-sign, B-sign, C (0 / -1/2 / interior).
struct Row {
  int region;
  const char* model;
  double qs, qt;
};
const Row kTable[] = {{1, "mf", -1, 1},
                      {2, "ntk", -0.5, 0},
                      {3, "sym-default", -0.5, 0.5},
                      {4, "intermediate", -0.75, 0.5},
                      {5, "ntk-sym-default", -0.5, 0.25},
                      {6, "sym-default-mf", -0.75, 0.75},
                      {7, "post-mf", -1.5, 1.5},
                      {8, "pre-sym-default", 0, 0},
                      {9, "post-ntk", -1, 0.5},
                      {10, "pre-ntk", 0, -0.5},
                      {11, "triangle", -2.0 / 3.0, 0.5},
                      {12, "post-mf-ntk", -1, 0.75},
                      {13, "pre-ntk-sym-default", 0, -0.25}};

Classification at(double qs, double qt) { return classify_golikov(qs, qt, qt); }
int region_at(double qs, double qt) {
  const auto c = at(qs, qt);
  return c.region ? *c.region : -1;
}
const Activation kRelu = activation_from_name("relu");
}  // namespace

TEST(Classification, ThirteenExamplePointsOfSpec22) {
  for (const auto& r : kTable) {
    const auto c = at(r.qs, r.qt);
    ASSERT_TRUE(c.region.has_value()) << r.model;
    EXPECT_EQ(*c.region, r.region) << r.model;
    EXPECT_EQ(c.model, r.model);
    EXPECT_TRUE(c.stable);
    EXPECT_EQ(c.regime, Regime::stable);
    EXPECT_EQ(region_info(r.region).model, r.model);
    EXPECT_NEAR(region_info(r.region).example_q_sigma, r.qs, 1e-15);
    // theory.md §2.2 table columns: A "finite" only in 2, 3, 5 (q_σ = −1/2); B finite only in 1, 2, 4; C = 0 in 1, 3,
    // 6, 7, 8.
    const bool a0 = r.region == 2 || r.region == 3 || r.region == 5;
    const bool b0 = r.region == 1 || r.region == 2 || r.region == 4;
    const bool c0 = r.region == 1 || r.region == 3 || (r.region >= 6 && r.region <= 8);
    EXPECT_EQ(c.finite_init_logits, a0) << r.model;
    EXPECT_EQ(c.finite_kernel, b0) << r.model;
    EXPECT_EQ(c.feature_learning, c0) << r.model;
  }
  // The three "most properties" models (theory.md §2.2): each misses exactly one property.
  EXPECT_NEAR(at(-0.5, 0).C, -0.5, 1e-15);
  EXPECT_NEAR(at(-1, 1).A, -0.5, 1e-15);
  EXPECT_NEAR(at(-0.5, 0.5).B, 0.5, 1e-15);
  EXPECT_THROW(region_info(0), InputError);
  EXPECT_THROW(region_info(14), InputError);
}

TEST(Classification, DivergingAndStagnatingExamples) {
  const auto d = at(1, 1);
  EXPECT_EQ(d.regime, Regime::diverges);
  EXPECT_NEAR(d.C, 2.0, 1e-15);
  EXPECT_FALSE(d.stable);
  EXPECT_FALSE(d.region.has_value());
  EXPECT_FALSE(d.finite_init_logits || d.finite_kernel || d.feature_learning);
  const auto s = at(-1, -1);
  EXPECT_EQ(s.regime, Regime::stagnates);
  EXPECT_FALSE(s.region.has_value());
  EXPECT_LT(s.B, s.A);  // theory.md §2.2: C < −1/2 ⇒ B < A
  EXPECT_FALSE(s.finite_init_logits || s.finite_kernel || s.feature_learning);
  // SP with constant lrs: output layer C_a = +1/2 → diverges (theory.md §1.4).
  const auto sp = classify(scaling_from_name("sp"), kRelu);
  EXPECT_EQ(sp.regime, Regime::diverges);
  EXPECT_NEAR(sp.C_a, 0.5, 1e-12);
  EXPECT_NEAR(sp.C_w, -0.5, 1e-12);
  EXPECT_NEAR(sp.B, 1.0, 1e-12);
}

// Points on and beside each boundary line. In (q_σ, q̃): A = 0 ⇔ q_σ = −1/2; C = c ⇔ q̃ = c − q_σ;
// B = 0 ⇔ q̃ = −1 − 2q_σ.
TEST(Classification, BoundaryLinesBelongToTheOneDimensionalPieces) {
  const double e = 1e-3;
  // C = 0 line: just below it is interior (−1/2 < C < 0), just above diverges.
  for (auto [qs, on, below] : {std::tuple{-1.0, 1, 12}, {-0.75, 6, 11}, {-1.5, 7, 12}, {0.0, 8, 13}, {-0.5, 3, 5}}) {
    EXPECT_EQ(region_at(qs, -qs), on) << qs;
    EXPECT_EQ(region_at(qs, -qs - e), below) << qs;
    EXPECT_EQ(at(qs, -qs + e).regime, Regime::diverges) << qs;
  }
  // C = −1/2 line: just above is interior, just below stagnates.
  for (auto [qs, on, above] : {std::tuple{-0.5, 2, 5}, {-1.0, 9, 12}, {0.0, 10, 13}, {-0.6, 9, 12}, {-0.5001, 9, 11}}) {
    EXPECT_EQ(region_at(qs, -0.5 - qs), on) << qs;
    EXPECT_EQ(region_at(qs, -0.5 - qs + e), above) << qs;
    EXPECT_EQ(at(qs, -0.5 - qs - e).regime, Regime::stagnates) << qs;
  }
  // A = 0 line inside the band: q_σ = −1/2 ± e, q̃ = 0.25 (C ≈ −1/4).
  EXPECT_EQ(region_at(-0.5, 0.25), 5);
  EXPECT_EQ(region_at(-0.5 - e, 0.25 + e), 11);
  EXPECT_EQ(region_at(-0.5 + e, 0.25 - e), 13);
  // B = 0 line inside the band: q_σ = −0.75, q̃ = −1 − 2q_σ = 0.5 ± e.
  EXPECT_EQ(region_at(-0.75, 0.5), 4);
  EXPECT_EQ(region_at(-0.75, 0.5 + e), 11);
  EXPECT_EQ(region_at(-0.75, 0.5 - e), 12);
  // The three points and their neighbours along the lines.
  EXPECT_EQ(region_at(-1 - e, 1 + e), 7);
  EXPECT_EQ(region_at(-1 + e, 1 - e), 6);
  EXPECT_EQ(region_at(-0.5 - e, 0.5 + e), 6);
  EXPECT_EQ(region_at(-0.5 + e, 0.5 - e), 8);
  EXPECT_EQ(region_at(-0.5 - e, e), 9);
  EXPECT_EQ(region_at(-0.5 + e, -e), 10);
  // Along the B = 0 segment towards its ends.
  EXPECT_EQ(region_at(-1 + e, 1 - 2 * e), 4);
  EXPECT_EQ(region_at(-0.5 - e, 2 * e), 4);
  // Within the tolerance a point counts as on the line.
  EXPECT_EQ(region_at(-1 + 1e-12, 1), 1);
}

TEST(Classification, IdentityBEqualsAPlusCPlusHalfOnRandomPoints) {
  std::mt19937_64 rng(123);
  std::uniform_real_distribution<double> u(-3, 3);
  int stable = 0;
  for (int i = 0; i < 2000; ++i) {
    const double qs = u(rng), qa = u(rng), qw = u(rng);
    const auto c = classify_golikov(qs, qa, qw);
    EXPECT_NEAR(c.B, c.A + c.C + 0.5, 1e-12);
    EXPECT_NEAR(c.C, std::max(c.C_a, c.C_w), 1e-15);
    EXPECT_EQ(c.stable, c.C <= 1e-9 && c.C >= -0.5 - 1e-9);
    if (c.stable) {
      ++stable;
      ASSERT_TRUE(c.region.has_value());
      EXPECT_GE(*c.region, 11);  // random points land in the open regions with probability 1
      // TP4: r = −C_w on the band, the features' own exponent, whichever layer dominates C (theory.md §1.3).
      ASSERT_TRUE(c.abc.has_value());
      EXPECT_NEAR(c.abc->r, -c.C_w, 1e-12);
    }
    // The depth-1 exponent propagation (the deep-net machinery) agrees with Golikov's formulas.
    EXPECT_NEAR(c.layers[1].output_size, c.A, 1e-12);
    EXPECT_NEAR(c.layers[1].rel_step, c.C_a, 1e-12);
    EXPECT_NEAR(c.layers[0].rel_step, c.C_w, 1e-12);
    EXPECT_NEAR(std::max(c.layers[0].kernel, c.layers[1].kernel), c.B, 1e-12);
  }
  EXPECT_GT(stable, 50);
}

TEST(Classification, PresetsLandInTheirRegions) {
  struct P {
    const char* name;
    int region;
    const char* model;
  };
  for (const auto fam : {kSgd, kAdaptive}) {
    for (const P& p : {P{"mf", 1, "mf"}, P{"ntk", 2, "ntk"}, P{"sym-default", 3, "sym-default"},
                       P{"intermediate:0.75", 4, "intermediate"}, P{"intermediate:0.6", 4, "intermediate"},
                       P{"mup", 1, "mf"}, P{"ic-mf", 1, "ic-mf"}}) {
      const auto c = classify(scaling_from_name(p.name, 1, 128, fam), kRelu);
      ASSERT_TRUE(c.region.has_value()) << p.name;
      EXPECT_EQ(*c.region, p.region) << p.name;
      EXPECT_EQ(c.model, p.model) << p.name;
    }
  }
  EXPECT_EQ(*classify(scaling_from_name("improved-sp"), kRelu).region, 2);
  // IC-MF has all three properties (theory.md §2.2, §3.5); its scaling alone has A = −1/2.
  const auto ic = classify(scaling_from_name("ic-mf"), kRelu);
  EXPECT_TRUE(ic.finite_init_logits && ic.finite_kernel && ic.feature_learning);
  EXPECT_EQ(ic.A, 0.0);
  EXPECT_NEAR(ic.A_uncorrected, -0.5, 1e-12);
  const auto mf = classify(scaling_from_name("mf"), kRelu);
  EXPECT_FALSE(mf.finite_init_logits);
  EXPECT_TRUE(mf.finite_kernel && mf.feature_learning);
}

// theory.md §6.1 R2 "theoretic" table and the measured default values.
TEST(Classification, TheoryExponentsOfR2) {
  struct R {
    double qs, qt, f0, fa, fw, faw, da, dw;
  };
  for (const R& r : {R{-1, 1, 0, 0, 0, 0, 0, 0}, R{-0.5, 0, 0, 0, 0, -1, -0.5, -0.5},
                     R{-0.75, 0.5, -0.25, 0, 0, -0.5, -0.25, -0.25}}) {
    const auto c = at(r.qs, r.qt);
    ASSERT_TRUE(c.theory.has_value());
    const auto& t = *c.theory;
    EXPECT_TRUE(t.exact_rule);
    EXPECT_NEAR(t.f_init, r.f0, 1e-12) << r.qs;
    EXPECT_NEAR(t.f_a, r.fa, 1e-12) << r.qs;
    EXPECT_NEAR(t.f_w, r.fw, 1e-12) << r.qs;
    EXPECT_NEAR(t.f_aw, r.faw, 1e-12) << r.qs;
    EXPECT_NEAR(t.delta_a, r.da, 1e-12) << r.qs;
    EXPECT_NEAR(t.delta_w, r.dw, 1e-12) << r.qs;
  }
  // The B = 0 rule q_f∅ = max(A, B+C), q_faw = B + 2C on random points of the MF–NTK segment.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-1, -0.5);
  for (int i = 0; i < 100; ++i) {
    const double qs = u(rng);
    const auto c = at(qs, -1 - 2 * qs);
    EXPECT_NEAR(c.B, 0.0, 1e-12);
    EXPECT_NEAR(c.theory->f_init, std::max(c.A, c.B + c.C), 1e-12);
    EXPECT_NEAR(c.theory->f_aw, c.B + 2 * c.C, 1e-12);
  }
  // Off the line the rule is flagged as the heuristic, not theory.md's exact rule.
  EXPECT_FALSE(at(-0.5, 0.5).theory->exact_rule);
  // Rates: MF d^{-1/2}; intermediate q = 3/4 (C = −1/4) d^{-1/4}; C = −1/8 on the MF–NTK segment:
  // max(d^{-1/2}, d^{2C} = d^{-1/4}, d^{−C−1/2} = d^{-3/8}) = d^{-1/4} (theory.md §3.4: the f_aw terms, not d^C).
  EXPECT_NEAR(*at(-1, 1).rate_exponent, -0.5, 1e-12);
  EXPECT_NEAR(*at(-0.75, 0.5).rate_exponent, -0.25, 1e-12);
  EXPECT_NEAR(at(-0.875, 0.75).C, -0.125, 1e-12);
  EXPECT_NEAR(*at(-0.875, 0.75).rate_exponent, -0.25, 1e-12);
  EXPECT_FALSE(at(1, 1).rate_exponent.has_value());
}

// Deep nets: the theory.md §5 table (MF, H = 3, GD): hidden v² and v¹ relative steps d^{-1/2}, output and input d^{-1};
// layer-2 pre-activations d^{-1/2}, output d^{-3/2}.
TEST(Classification, DeepPropagationReproducesSpec5Table) {
  const auto c = classify(scaling_from_name("mf", 3), kRelu);
  ASSERT_EQ(c.layers.size(), 4u);
  EXPECT_NEAR(c.layers[2].rel_step, -0.5, 1e-12);
  EXPECT_NEAR(c.layers[1].rel_step, -0.5, 1e-12);
  EXPECT_NEAR(c.layers[3].rel_step, -1.0, 1e-12);
  EXPECT_NEAR(c.layers[0].rel_step, -1.0, 1e-12);
  EXPECT_NEAR(c.layers[1].output_size, -0.5, 1e-12);
  EXPECT_NEAR(c.A, -1.5, 1e-12);
  // H = 2: the rank-one update of v¹ is O(1) relative at step 1 (theory.md §5).
  const auto c2 = classify(scaling_from_name("mf", 2), kRelu);
  EXPECT_NEAR(c2.layers[1].rel_step, 0.0, 1e-12);
}

TEST(Classification, DeepDegeneracyVerdicts) {
  const Activation tanh_ = activation_from_name("tanh"), sigmoid = activation_from_name("sigmoid"),
                   leaky = activation_from_name("leaky_relu:0.1");
  auto verdict = [](const char* name, int H, OptimizerFamily f, const Activation& a) {
    const auto c = classify(scaling_from_name(name, H, 128, f), a);
    EXPECT_TRUE(c.degenerate_gd.has_value()) << name;
    EXPECT_FALSE(c.degenerate_reason.empty());
    return c;
  };
  for (const Activation* a : {&kRelu, &tanh_, &leaky}) {
    const auto deg = verdict("mf", 3, kSgd, *a);
    EXPECT_TRUE(*deg.degenerate_gd) << a->name;
    EXPECT_EQ(deg.model, "deep-degenerate");
    EXPECT_NE(deg.degenerate_reason.find("degenerate: updates vanish, f -> 0"), std::string::npos);
    EXPECT_FALSE(deg.feature_learning);
    EXPECT_TRUE(*verdict("mf", 4, kSgd, *a).degenerate_gd) << a->name;
    EXPECT_TRUE(*verdict("ic-mf", 3, kSgd, *a).degenerate_gd) << a->name;
    EXPECT_FALSE(*verdict("mf", 3, kAdaptive, *a).degenerate_gd) << a->name;  // RMSProp (theory.md §5)
    EXPECT_FALSE(*verdict("mf", 2, kSgd, *a).degenerate_gd) << a->name;       // H = 2 (theory.md §3.6)
    EXPECT_FALSE(*verdict("mup", 3, kSgd, *a).degenerate_gd) << a->name;      // CLT hidden scale
    EXPECT_FALSE(*verdict("ntk", 3, kSgd, *a).degenerate_gd) << a->name;
  }
  // φ(0) ≠ 0 keeps the hidden activations O(1): not degenerate (theory.md §3.6).
  const auto sig = verdict("mf", 3, kSgd, sigmoid);
  EXPECT_FALSE(*sig.degenerate_gd);
  EXPECT_NE(sig.degenerate_reason.find("phi(0) != 0"), std::string::npos);
  // Deep regimes: muP learns features, NTK is a kernel regime, SP diverges.
  const auto mup = classify(scaling_from_name("mup", 3), kRelu);
  EXPECT_TRUE(mup.stable && mup.feature_learning && mup.finite_kernel);
  EXPECT_EQ(mup.model, "deep-feature-learning");
  EXPECT_NEAR(mup.abc->r, 0.0, 1e-12);
  const auto ntk = classify(scaling_from_name("ntk", 3), kRelu);
  EXPECT_TRUE(ntk.stable && ntk.finite_init_logits && ntk.finite_kernel);
  EXPECT_FALSE(ntk.feature_learning);
  EXPECT_EQ(ntk.model, "deep-kernel");
  const auto sp = classify(scaling_from_name("sp", 3), kRelu);
  EXPECT_EQ(sp.regime, Regime::diverges);
  // Depth 1 has no deep verdict.
  EXPECT_FALSE(classify(scaling_from_name("mf"), kRelu).degenerate_gd.has_value());
}

TEST(Classification, NonFiniteInputsAreInputErrors) {
  EXPECT_THROW(classify_golikov(NAN, 0, 0), InputError);
  EXPECT_THROW(classify_golikov(0, INFINITY, 0), InputError);
}

// Audit: --q-sigma 1e300 printed A, B and C as null: clean_exponent's x·1e12 overflowed, and sums of exponents near
// 1e308 do. Typed exponents are bounded (kMaxExponent) and clean_exponent leaves numbers without 12 decimals alone.
TEST(Classification, ExponentsBeyondTheBoundAreInputErrorsAndLargeOnesStayNumbers) {
  EXPECT_THROW(parse_exponent("1e308", "--q-sigma"), InputError);
  EXPECT_THROW(parse_exponent("-2e6", "--q-lr"), InputError);
  EXPECT_EQ(parse_exponent("1e6", "--q-sigma"), 1e6);
  EXPECT_EQ(clean_exponent(1e300), 1e300);
  EXPECT_EQ(clean_exponent(-0.1 + 1e-17), -0.1);
  const Classification c = classify_golikov(1e6, 1, 1);
  EXPECT_EQ(c.A, 1e6 + 0.5);
  EXPECT_TRUE(std::isfinite(c.B) && std::isfinite(c.C));
}
