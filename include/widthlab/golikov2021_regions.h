// golikov2021-regions (theory.md §6.5 R29, §2.2, §3.4, §4): the pieces of the case that are pure functions of numbers,
// exposed for the unit tests (tests/reproduce/regions_test.cpp) — the theory rate of the finite-to-limit distance per
// region and the verdict on a fitted exponent against it (golikov2021_regions_theory.cpp). The case itself is
// run_golikov2021_regions (cases.h, golikov2021_regions.cpp).
#pragma once
#include <string>
#include <vector>

#include "widthlab/classification.h"
#include "widthlab/limit_models.h"
#include "widthlab/reproduce.h"

namespace widthlab::repro::regions {

// Tolerance of the rate claims, fixed before any run: half the gap between the two rates the theory gives at most of
// the 13 points, the CLT rate −1/2 and the slow rate −1/4 (theory.md §4, §6.5 R29), so that an interval that "holds"
// for one of them lies wholly outside the other's region.
inline constexpr double kRateTolerance = 0.125;

// The raw logit size z at which the logistic loss derivative is saturated to 5 %: s(−z) = 0.05, z = ln 19. Below it
// the finite net's ℓ'(y, z) is not yet the perceptron rule L_∞ of the limit (theory.md §3.1).
inline constexpr double kSaturationLogit = 2.9444389791664403;

// An exponent as a fraction with a denominator up to 12 ("−1/4", "−1/6"), else 3 significant digits.
std::string exponent_fraction(double e);

// One correction to the finite-to-limit distance, ∝ ω^{exponent} (ω = d/d*).
struct RateTerm {
  double exponent = 0;
  std::string what;
};

// The theory rate of a stable 1-hidden-layer point's distance to its limit model [derived heuristic, theory.md §3.1,
// §3.4, §4]: the largest of
//   * the classifier's rate (CLT d^{−1/2}; for −1/2 < C < 0 also d^{2C} and d^{−C−1/2}), Classification::rate_exponent;
//   * the loss rule of the later steps evaluated at raw logits ω^{M} m, M = max(A, B): L_0 is the linearisation of
//     ℓ'(y, ω^M m) → error ω^{M}; L_∞ is its saturation → error ∝ the fraction of points with |ω^M m| ≲ 1, ω^{−M}
//     (the slow ω^{−B} corrections of the L_∞ regions 6 and 11);
//   * the first step's rule at the raw init logits ω^A g: L_0 (A < 0) → ω^{A}; L_∞ at g (A > 0) → ω^{−A}.
struct RegionRate {
  double classifier = 0;  // Classification::rate_exponent
  double theory = 0;      // the largest term
  std::vector<RateTerm> terms;
  bool linf_later = false;    // later steps use L_∞ (a saturation regime is needed: see asymptotic_width)
  bool linf_first_g = false;  // the first step uses L_∞ at the GP sample g
  double logit_exponent = 0;  // M = max(A, B): normalised logits are f / ω^M
  std::string text() const;   // "max(−1/2 CLT, −1/4 L_∞ saturation, …) = −1/4"
};
RegionRate region_rate(const Classification& c, const LimitModelInfo& model);

// The smallest width at which the L_∞ rules of a model act on saturated logits (|raw logit| ≥ kSaturationLogit for the
// typical test point), from
//   * the later steps: ω^M · mean|m|, m the limit's normalised final test logits (mean over its runs);
//   * the first step at g (A > 0): the finite nets' raw init logits, mean |f⁽⁰⁾| at the narrowest width d0, grown as
//     ω^A (the parameterisation's exponent, checked as a sanity claim).
// Returns reference_width when the model has no L_∞ rule (every width is asymptotic) and NaN when an input is not
// finite and positive.
double asymptotic_width(const RegionRate& rate, double reference_width, double limit_mean_abs_logit,
                        double narrowest_width, double narrowest_mean_abs_init_logit, double A);

// What the rate verdict is taken on.
struct RateEvidence {
  Estimate exponent;           // fitted exponent of the distance over the widths in the asymptotic regime, 95 % CI
  int widths_fitted = 0;       // widths ≥ the asymptotic width (and with a finite distance)
  double width_needed = NAN;   // asymptotic_width(...)
  double largest_width = NAN;  // the widest net run
  Estimate all_widths;         // the fit over every width (shown when the verdict is not taken, never judged)
  // How much a particle limit's own Monte Carlo error raises the fitted exponent (particle_flattening; 0 for a
  // kernel limit), and its particle count at the widest width.
  double flattening = 0;
  double particles = 0;
};

// holds / fails / inconclusive by verdict_in_region on [theory − kRateTolerance, theory + kRateTolerance] when at
// least 3 widths lie in the asymptotic regime; otherwise inconclusive "at these widths", naming the width the theory
// needs (3 widths for a fit: width_needed … 4·width_needed). A particle limit's own error can only flatten the fit
// (raise the exponent), by up to `flattening`, so the interval judged is [lo − flattening, hi] (theory.md §8.7).
VerdictResult verdict_region_rate(const RateEvidence& e, double theory_rate, const std::string& source);

// The CLT heuristic of theory.md §8.7 for a distance to a particle limit of N(d) particles: the nets' own error d^rate
// and the particles' N^{-1/2} add in quadrature, D(d) = (d^{2·rate} + 1/N(d))^{1/2}. Returns the OLS slope of log D
// on log d over `widths` minus `rate` (> 0: how far the particles flatten a fitted exponent; 0 for N ∝ d at the CLT
// rate). `particles` holds N(d) per width.
double particle_flattening(const std::vector<double>& widths, double rate, const std::vector<double>& particles);

}  // namespace widthlab::repro::regions
