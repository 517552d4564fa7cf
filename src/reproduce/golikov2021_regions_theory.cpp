// golikov2021-regions (theory.md §6.5 R29; §2.2, §3.4, §4, §8.7), the theory side: per region the rate at which the
// finite nets' distance to the limit model should fall (region_rate), the width from which the L_∞ rules act on
// saturated logits (asymptotic_width), and the verdict on a fitted exponent against that rate (verdict_region_rate).
// Pure functions of numbers (golikov2021_regions.h), tested in tests/reproduce/regions_test.cpp; the case that runs
// the study and judges each region is golikov2021_regions.cpp.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "widthlab/golikov2021_regions.h"

namespace widthlab::repro::regions {

std::string exponent_fraction(double e) {
  // Exponents of this case are multiples of 1/12 (theory.md §2.2 example points); print them as fractions.
  for (int den : {1, 2, 3, 4, 6, 8, 12}) {
    const double num = e * den;
    if (std::abs(num - std::round(num)) < 1e-9) {
      const long n = std::lround(num);
      if (den == 1) return fmt::format("{}{}", n < 0 ? "−" : "", std::labs(n));
      return fmt::format("{}{}/{}", n < 0 ? "−" : "", std::labs(n), den);
    }
  }
  return fmt::format("{:.3g}", e);
}

std::string RegionRate::text() const {
  std::vector<std::string> parts;
  for (const auto& t : terms) parts.push_back(fmt::format("{} {}", exponent_fraction(t.exponent), t.what));
  return fmt::format("max({}) = {}", fmt::join(parts, ", "), exponent_fraction(theory));
}

RegionRate region_rate(const Classification& c, const LimitModelInfo& model) {
  if (!c.stable || !c.rate_exponent || !c.region)
    throw std::logic_error("region_rate: needs a stable 1-hidden-layer classification with a rate");
  RegionRate r;
  r.classifier = *c.rate_exponent;
  r.logit_exponent = std::max(c.A, c.B);
  r.terms.push_back({r.classifier, "classifier (CLT / dropped terms, theory.md §4)"});
  const double M = r.logit_exponent;
  if (model.later.rule == LossRule::zero && M < 0) r.terms.push_back({M, "L_0 linearisation, later steps"});
  if (model.later.rule == LossRule::inf && M > 0) {
    r.terms.push_back({-M, "L_∞ saturation, later steps"});
    r.linf_later = true;
  }
  if (model.first.rule == LossRule::zero && c.A < 0) r.terms.push_back({c.A, "L_0 at the init logits, step 0"});
  if (model.first.rule == LossRule::inf && model.first.at == RuleArg::init_logits && c.A > 0) {
    r.terms.push_back({-c.A, "L_∞ at g, step 0"});
    r.linf_first_g = true;
  }
  r.theory = r.classifier;
  for (const auto& t : r.terms) r.theory = std::max(r.theory, t.exponent);
  return r;
}

double asymptotic_width(const RegionRate& rate, double reference_width, double limit_mean_abs_logit,
                        double narrowest_width, double narrowest_mean_abs_init_logit, double A) {
  double omega = 1.0;
  if (rate.linf_later) {
    if (!(limit_mean_abs_logit > 0) || !std::isfinite(limit_mean_abs_logit) || !(rate.logit_exponent > 0)) return NAN;
    omega = std::max(omega, std::pow(kSaturationLogit / limit_mean_abs_logit, 1.0 / rate.logit_exponent));
  }
  if (rate.linf_first_g) {
    if (!(narrowest_mean_abs_init_logit > 0) || !std::isfinite(narrowest_mean_abs_init_logit) || !(A > 0) ||
        !(narrowest_width > 0))
      return NAN;
    const double omega0 = narrowest_width / reference_width;
    omega = std::max(omega, omega0 * std::pow(kSaturationLogit / narrowest_mean_abs_init_logit, 1.0 / A));
  }
  return omega * reference_width;
}

VerdictResult verdict_region_rate(const RateEvidence& e, double theory_rate, const std::string& source) {
  auto ci = [](const Estimate& x) {
    return std::isfinite(x.value) ? fmt::format("{:.3f} [{:.3f}, {:.3f}]", x.value, x.lo, x.hi) : std::string("n/a");
  };
  if (!std::isfinite(e.width_needed))
    return {Verdict::inconclusive, "the saturation width could not be computed (no finite limit or init logits)"};
  if (e.widths_fitted < 3)
    return {Verdict::inconclusive,
            fmt::format("inconclusive at these widths: the L_∞ rule's saturation regime (typical |raw logit| ≥ {:.2f}) "
                        "starts at d ≈ {:.3g}, above all but {} of the widths run (largest {:g}); a fit needs 3 "
                        "widths there, d ≈ {:.3g} … {:.3g}. Fit over all widths (not judged): {}",
                        kSaturationLogit, e.width_needed, e.widths_fitted, e.largest_width, e.width_needed,
                        4 * e.width_needed, ci(e.all_widths))};
  ClaimRegion region{theory_rate - kRateTolerance, theory_rate + kRateTolerance, source};
  // The particles can only flatten the fit (raise the exponent toward 0), by at most `flattening`: the nets' own
  // exponent lies in [lo − flattening, hi], and that is the interval judged.
  Estimate judged = e.exponent;
  if (e.flattening > 0) judged.lo -= e.flattening, judged.mc_lo -= e.flattening;  // NaN (no band) stays NaN
  VerdictResult v = verdict_in_region(judged, region, e.flattening > 0 ? "exponent, widened" : "exponent");
  v.detail =
      fmt::format("{} widths in the asymptotic regime (d ≥ {:.3g}): {}", e.widths_fitted, e.width_needed, v.detail);
  if (e.flattening > 0)
    v.detail += fmt::format(
        " (the fitted {:.4g} [{:.4g}, {:.4g}], its lower end lowered by {:.3f}: the limit's own particle error, N = "
        "{:g}, "
        "flattens a true d^{} by about that much at these widths under the CLT heuristic of theory.md §8.7)",
        e.exponent.value, e.exponent.lo, e.exponent.hi, e.flattening, e.particles, exponent_fraction(theory_rate));
  return v;
}

double particle_flattening(const std::vector<double>& widths, double rate, const std::vector<double>& particles) {
  if (widths.size() < 2 || particles.size() != widths.size()) return 0;
  double mx = 0, my = 0;
  std::vector<double> x, y;
  for (std::size_t i = 0; i < widths.size(); ++i) {
    const double w = widths[i];
    x.push_back(std::log(w));
    y.push_back(0.5 * std::log(std::pow(w, 2 * rate) + 1 / particles[i]));
    mx += x.back() / double(widths.size()), my += y.back() / double(widths.size());
  }
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx);
  return sxy / sxx - rate;
}

}  // namespace widthlab::repro::regions
