// golikov2021-regions (R29): the theory rate per region and the rate verdict on constructed numbers — each of holds,
// does not hold and inconclusive (interval straddling the region, and too few widths in the L_∞ saturation regime).
#include <gtest/gtest.h>

#include <cmath>

#include "widthlab/classification.h"
#include "widthlab/golikov2021_regions.h"
#include "widthlab/limit_models.h"

namespace widthlab::repro::regions {
namespace {

RegionRate rate_at(double q_sigma, double q_lr) {
  const Classification c = classify_golikov(q_sigma, q_lr, q_lr);
  return region_rate(c, limit_model_for_region(*c.region));
}

// The theory rates of the 13 example points of theory.md §2.2 (§6.5 R29): −1/2 where the CLT dominates, −1/4 on the
// slow points, −1/6 in the triangle; L_∞ corrections where the model's later steps saturate.
TEST(RegionsRate, TheoryRatePerRegion) {
  struct Case {
    double qs, ql, rate;
    bool linf_later, linf_first_g;
  };
  const Case cases[] = {
      {-1.0, 1.0, -0.5, false, false},
      {-0.5, 0.0, -0.5, false, false},
      {-0.5, 0.5, -0.5, true, false},
      {-0.75, 0.5, -0.25, false, false},
      {-0.5, 0.25, -0.25, true, false},
      {-0.75, 0.75, -0.25, true, false},
      {-1.5, 1.5, -0.5, false, false},
      {0.0, 0.0, -0.5, true, true},
      {-1.0, 0.5, -0.5, false, false},
      {0.0, -0.5, -0.5, true, false},
      {-2.0 / 3.0, 0.5, -1.0 / 6.0, true, false},
      {-1.0, 0.75, -0.25, false, false},
      {0.0, -0.25, -0.25, true, true},
  };
  for (const auto& k : cases) {
    const RegionRate r = rate_at(k.qs, k.ql);
    EXPECT_NEAR(r.theory, k.rate, 1e-12) << k.qs << ", " << k.ql << ": " << r.text();
    EXPECT_EQ(r.linf_later, k.linf_later) << k.qs << ", " << k.ql;
    EXPECT_EQ(r.linf_first_g, k.linf_first_g) << k.qs << ", " << k.ql;
  }
  // Region 6: the classifier says d^-1/2 (C = 0), the L_∞ saturation of the later steps slows it to ω^-B = ω^-1/4.
  const RegionRate r6 = rate_at(-0.75, 0.75);
  EXPECT_NEAR(r6.classifier, -0.5, 1e-12);
  EXPECT_NE(r6.text().find("L_∞ saturation"), std::string::npos) << r6.text();
}

// Saturation width: ω^M · mean|m| = ln 19 for the later steps; the init logits grown as ω^A for an L_∞ first step.
TEST(RegionsRate, AsymptoticWidth) {
  const RegionRate r6 = rate_at(-0.75, 0.75);  // M = B = 1/4
  EXPECT_NEAR(asymptotic_width(r6, 128, 1.0, 128, NAN, -0.25), 128 * std::pow(kSaturationLogit, 4.0), 1e-6);
  const RegionRate r1 = rate_at(-1.0, 1.0);  // no L_∞ rule: every width
  EXPECT_DOUBLE_EQ(asymptotic_width(r1, 128, NAN, 128, NAN, -0.5), 128.0);
  const RegionRate r8 = rate_at(0.0, 0.0);  // M = B = 1, A = 1/2, L_∞ at g first
  // later: ω = ln19 / 10 < 1 → 1; first: |f0| = ln19 / 2 at d = 128 → ω = 4.
  EXPECT_NEAR(asymptotic_width(r8, 128, 10.0, 128, kSaturationLogit / 2, 0.5), 512.0, 1e-9);
  EXPECT_TRUE(std::isnan(asymptotic_width(r6, 128, 0.0, 128, NAN, -0.25)));
}

// A fit over the 7 widths 2^7 … 2^13, all in the asymptotic regime, with the given exponent.
RateEvidence seven_widths(const Estimate& exponent) {
  RateEvidence e;
  e.widths_fitted = 7;
  e.width_needed = 128;
  e.largest_width = 8192;
  e.exponent = exponent;
  return e;
}

// The rate verdict takes each of its three values.
TEST(RegionsRate, VerdictIsThreeValued) {
  RateEvidence e = seven_widths({-0.49, -0.55, -0.43});  // inside [−5/8, −3/8]
  EXPECT_EQ(verdict_region_rate(e, -0.5, "constructed").verdict, Verdict::holds);
  e.exponent = {-0.1, -0.15, -0.05};  // wholly outside
  EXPECT_EQ(verdict_region_rate(e, -0.5, "constructed").verdict, Verdict::fails);
  e.exponent = {-0.4, -0.5, -0.3};  // straddles −3/8
  EXPECT_EQ(verdict_region_rate(e, -0.5, "constructed").verdict, Verdict::inconclusive);
  // Pre-asymptotic: whatever the fit, inconclusive at these widths, with the width the theory needs.
  e.exponent = {-0.25, -0.27, -0.23};
  e.widths_fitted = 1;
  e.width_needed = 9600;
  e.all_widths = {-0.25, -0.27, -0.23};
  const VerdictResult v = verdict_region_rate(e, -0.25, "constructed");
  EXPECT_EQ(v.verdict, Verdict::inconclusive);
  EXPECT_NE(v.detail.find("inconclusive at these widths"), std::string::npos) << v.detail;
  EXPECT_NE(v.detail.find("9.6e+03"), std::string::npos) << v.detail;
  e.width_needed = NAN;
  EXPECT_EQ(verdict_region_rate(e, -0.25, "constructed").verdict, Verdict::inconclusive);
}

// A particle limit's own error flattens the fitted exponent: with two widths the OLS slope is the secant of
// log D = ½ log(d^{2r} + 1/N), so the flattening has a closed form; N ∝ d at the CLT rate flattens nothing.
TEST(RegionsRate, ParticleFlattening) {
  const auto secant = [](double a, double b, double r, double na, double nb) {
    return 0.5 * std::log((std::pow(b, 2 * r) + 1 / nb) / (std::pow(a, 2 * r) + 1 / na)) / std::log(b / a) - r;
  };
  EXPECT_NEAR(particle_flattening({1024, 8192}, -0.5, {8192, 8192}), secant(1024, 8192, -0.5, 8192, 8192), 1e-12);
  EXPECT_NEAR(particle_flattening({128, 8192}, -0.25, {4096, 4096}), secant(128, 8192, -0.25, 4096, 4096), 1e-12);
  EXPECT_NEAR(particle_flattening({128, 256, 512, 1024}, -0.5, {512, 1024, 2048, 4096}), 0.0, 1e-12);
  EXPECT_NEAR(particle_flattening({128, 256, 512}, -0.5, {1e300, 1e300, 1e300}), 0.0, 1e-12);
  // P = d_max over 2^7 … 2^13 (golikov2021-regions' limits): a true −1/2 fits ≈ 0.07 flatter.
  const std::vector<double> w = {128, 256, 512, 1024, 2048, 4096, 8192};
  const double f = particle_flattening(w, -0.5, std::vector<double>(w.size(), 8192));
  EXPECT_GT(f, 0.05);
  EXPECT_LT(f, 0.1);
}

// The particles can only flatten the fit, so the interval's lower end is lowered by the flattening before judging:
// a hold must stay inside the region after that, a failure well above it stays a failure.
TEST(RegionsRate, FlatteningParticlesWidenTheIntervalDownward) {
  RateEvidence e = seven_widths({-0.46, -0.48, -0.44});  // inside [−5/8, −3/8]
  e.particles = 8192;
  e.flattening = 0.1;  // [−0.58, −0.44]: still inside
  EXPECT_EQ(verdict_region_rate(e, -0.5, "constructed").verdict, Verdict::holds);
  e.flattening = 0.2;  // [−0.68, −0.44]: reaches below −5/8
  const VerdictResult v = verdict_region_rate(e, -0.5, "constructed");
  EXPECT_EQ(v.verdict, Verdict::inconclusive);
  EXPECT_NE(v.detail.find("particle error, N = 8192"), std::string::npos) << v.detail;
  e.exponent = {-0.06, -0.065, -0.055};  // far above the region even 0.2 steeper
  EXPECT_EQ(verdict_region_rate(e, -0.5, "constructed").verdict, Verdict::fails);
  e.exponent = {-0.3, -0.32, -0.28};  // above the region, but within the flattening of it
  EXPECT_EQ(verdict_region_rate(e, -0.5, "constructed").verdict, Verdict::inconclusive);
  e.flattening = 0;  // a kernel limit: judged as fitted
  EXPECT_EQ(verdict_region_rate(e, -0.5, "constructed").verdict, Verdict::fails);
}

}  // namespace
}  // namespace widthlab::repro::regions
