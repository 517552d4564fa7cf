// golikov2021-limits, stage 2 (golikov2021_limit_models.h). [G2]'s subject is the limit models themselves: MF, NTK,
// IC-MF and sym-default are each the d → ∞ limit of the finite nets of that scaling. The stage runs the study
// (study.h) on the case's data and training, for those four scalings at widths 2·d* … d (powers of two up to the
// case's large width), each against its simulated limit (coupled to each net's own init logits where the model uses
// them, theory.md §3.5), and judges the fitted exponent of the logit distance to the limit (theory.md §8.7).
#include "reproduce/golikov2021_limit_models.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "widthlab/error.h"
#include "widthlab/results_io.h"

namespace widthlab::repro {
namespace {

using json = nlohmann::json;

// The four limit models of [G2] (theory.md §6.2), each the limit of the scaling of the same name.
const std::vector<std::string> kLimitScalings = {"mf", "ntk", "ic-mf", "sym-default"};
constexpr const char* kConvergenceSource = "theory.md §8.7 (a): the exponent's 95 % interval below zero";
constexpr int kLimitSeeds = 3;  // independent limit runs per model (the coupled ones follow the nets' seeds)
constexpr int kIndependentParticlesPerWidth = 16;  // × the largest width (limit_study_config)
constexpr int kCoupledParticlesPerWidth = 4;       // × each width (limit_study_config)

// The case's config turned into the stage's study: same data, model and training; the four scalings; widths 2·d* …
// the largest sweep width; every model simulated. A limit run of P particles carries its own Monte Carlo error
// (variance ∝ 1/P, theory.md §3.3 "Particle form") beside the width-d net's (∝ 1/d), so the measured distance goes like
// √(1/d + 1/P) and flattens where P is not ≫ d: with P = 4·d_max the last doubling's exponent would be −0.42 for a
// true −1/2, which the convergence evidence (theory.md §8.7) reads as a floor. Hence
// * the independent runs (one P for every width) use kIndependentParticlesPerWidth·d_max particles: −0.48 there;
// * the coupled runs use kCoupledParticlesPerWidth·d at width d (limits.coupled_particles_per_width, as the default
//   study): both errors ∝ d^-1/2, so their ratio is the same at every width and the exponent is not flattened.
Config limit_study_config(const Config& c) {
  Config s = c;
  const int ref = int(c.scaling.reference_width);
  const int big = *std::max_element(c.sweep.widths.begin(), c.sweep.widths.end());
  s.scaling.presets.clear();
  for (const auto& name : kLimitScalings)
    if (std::find(c.scaling.presets.begin(), c.scaling.presets.end(), name) != c.scaling.presets.end())
      s.scaling.presets.push_back(name);
  s.sweep.widths.clear();
  for (int w = 2 * ref; w <= big; w *= 2) s.sweep.widths.push_back(w);
  if (s.sweep.widths.empty()) s.sweep.widths.push_back(big);
  s.limits.compute = s.scaling.presets;
  s.limits.seeds.assign(
      c.sweep.seeds.begin(),
      c.sweep.seeds.begin() + std::min<std::ptrdiff_t>(kLimitSeeds, std::ptrdiff_t(c.sweep.seeds.size())));
  s.limits.mf_particles = kIndependentParticlesPerWidth * big;
  s.limits.coupled_particles_per_width = kCoupledParticlesPerWidth;
  s.reproduce.name.clear();
  return s;
}

// The claim of one model from its rates.json entry: the fitted exponent against (−∞, 0); a holds that the study's
// convergence evidence does not back (a plateau in the last doubling, no normalisation-free metric shrinking) is
// inconclusive, with the reason.
ClaimCheck limit_claim(const std::string& scaling, const json& rates) {
  const json& fit = rates.at("fit");
  const json& conv = rates.at("convergence");
  // The Monte Carlo band (theory.md §8.7): a null end is unbounded; a rates.json written before the band has none.
  auto band_end = [&](const char* key, double unbounded) {
    return !fit.contains(key) ? double(NAN) : fit[key].is_number() ? fit[key].get<double>() : unbounded;
  };
  Estimate e{json_number(fit, "slope"), json_number(fit, "ci_low"), json_number(fit, "ci_high"),
             band_end("mc_low", -INFINITY), band_end("mc_high", INFINITY)};
  e.resamples = fit.value("resamples", 0);
  const std::string what = fmt::format("exponent of the logit RMS to the simulated {} limit", scaling);
  VerdictResult v = fit.value("few_widths", true) ? VerdictResult{Verdict::inconclusive, what + ": fewer than 3 widths"}
                                                  : verdict_in_region(e, {-INFINITY, 0.0, kConvergenceSource}, what);
  if (const int groups = fit.value("resampled_groups", 0); groups > 1)
    v.detail += fmt::format(
        "; the interval resamples the {} independent limit runs, then the seeds compared with each "
        "(theory.md §8.7)",
        groups);
  if (v.verdict == Verdict::holds && !conv.value("approaches", false)) {
    v.verdict = Verdict::inconclusive;
    std::string why = conv.value("statement", std::string("the convergence evidence is incomplete"));
    if (why.rfind("No ", 0) == 0) why[0] = 'n';  // the study's sentence, continued mid-sentence
    v.detail += "; but " + why;
  }
  const double theory = json_number(rates, "theory");
  return {fmt::format("R13.{}-limit", scaling),
          fmt::format("{} nets approach their simulated d = ∞ limit ({}): the logit distance shrinks with width",
                      scaling, rates.value("limit_model", scaling)),
          fmt::format("[G2]: {} is the limit of the {} scaling (theory.md §3, §6.2); theory rate d^{}", scaling,
                      scaling, std::isfinite(theory) ? fmt::format("{:+.2f}", theory) : std::string("n/a")),
          v};
}

std::vector<std::string> table_row(const std::string& scaling, const json& r) {
  const json& fit = r.at("fit");
  const json& conv = r.at("convergence");
  auto yes_no = [&](const char* key) { return conv.value(key, false) ? std::string("yes") : std::string("no"); };
  return {scaling,
          r.value("limit_model", std::string()),
          fmt::format("{} [{}, {}]", fmt_num(json_number(fit, "slope"), 3), fmt_num(json_number(fit, "ci_low"), 3),
                      fmt_num(json_number(fit, "ci_high"), 3)),
          fmt_num(json_number(r, "theory"), 3),
          fmt_num(json_number(conv, "last_doubling_exponent"), 3),
          yes_no("plateau"),
          yes_no("normalisation_free_metric_shrinks")};
}

}  // namespace

void limit_model_claims(const ReproduceContext& ctx, CaseOutput& out) {
  const Config config = limit_study_config(ctx.config);
  if (config.scaling.presets.empty()) return;
  const StudySummary summary = run_case_study(
      ctx, config, "limits_study",
      "Stage 2 of `widthlab reproduce golikov2021-limits` (theory.md §6.2 R13): the finite nets against their "
      "simulated limit models; its verdicts are in ../report.md.");
  const json rates = json::parse(std::ifstream(ctx.out / "limits_study" / "rates.json"));
  ReportTable t;
  t.title = fmt::format("finite nets vs their simulated limits, widths {} ({} seeds; limits_study/report.md)",
                        fmt::join(config.sweep.widths, ", "), config.sweep.seeds.size());
  t.columns = {"scaling",       "limit model", "distance exponent [95 % CI]",      "theory",
               "last doubling", "plateau",     "normalisation-free metric shrinks"};
  for (const auto& s : config.scaling.presets) {
    if (!rates.contains(s)) continue;
    out.claims.push_back(limit_claim(s, rates[s]));
    t.rows.push_back(table_row(s, rates[s]));
  }
  out.tables.push_back(std::move(t));
  out.notes.push_back(fmt::format(
      "Limit models (limits_study/): {} finite runs ({} diverged) and {} limit runs ({} failed) in {:.0f} s (finite "
      "nets {:.0f} s, limits {:.0f} s); MF particles {} in the independent runs, {}·d in the coupled runs at width d, "
      "independent limit seeds {}. Per-width distances, the limits' curves and the coordinate check are in "
      "limits_study/report.md.",
      summary.runs, summary.runs_diverged, summary.limits, summary.limits_failed, summary.seconds,
      summary.sweep_seconds, summary.limit_seconds, config.limits.mf_particles,
      config.limits.coupled_particles_per_width, fmt::join(config.limits.seeds, ", ")));
}

}  // namespace widthlab::repro
