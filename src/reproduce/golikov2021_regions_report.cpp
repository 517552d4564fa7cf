// golikov2021-regions (theory.md §6.5 R29): the report of the case from its per-region results — regions.csv,
// regions_distances.csv, regions_cost.csv, the claims, tables, notes and setup lines. The measuring and judging is in
// golikov2021_regions.cpp.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "reproduce/common.h"
#include "reproduce/golikov2021_regions_case.h"
#include "widthlab/limit_models.h"

namespace widthlab::repro::regions_case {

namespace {

namespace fs = std::filesystem;

std::string cnum(double v) { return std::isfinite(v) ? fmt::format("{:.9g}", v) : "nan"; }

bool study_approaches(const RegionResult& r) {
  return r.study_rates.contains("convergence") && r.study_rates["convergence"].value("approaches", false);
}

// One row of regions.csv (columns in write_region_csvs).
std::vector<std::string> region_csv_row(int region, const RegionResult& r) {
  return {std::to_string(region),
          cnum(r.point.q_sigma),
          cnum(r.point.q_lr),
          r.scaling,
          r.model,
          cnum(r.cls.A),
          cnum(r.cls.B),
          cnum(r.cls.C),
          cnum(r.rate.classifier),
          cnum(r.rate.theory),
          r.rate.text(),
          std::to_string(r.limit_runs),
          std::to_string(r.fit_all.groups),
          cnum(r.limit_mean_abs),
          cnum(r.width_needed),
          std::to_string(r.widths_fitted),
          cnum(r.fit_all.slope),
          cnum(r.fit_all.ci_low),
          cnum(r.fit_all.ci_high),
          cnum(r.fit_asym.slope),
          cnum(r.fit_asym.ci_low),
          cnum(r.fit_asym.ci_high),
          cnum(r.rate.theory - regions::kRateTolerance),
          cnum(r.rate.theory + regions::kRateTolerance),
          verdict_name(r.verdict.verdict),
          cnum(r.fit_init.slope),
          cnum(r.fit_init.ci_low),
          cnum(r.fit_init.ci_high),
          study_approaches(r) ? "yes" : "no"};
}

}  // namespace

CostSummary write_cost(const fs::path& out, const RunCost& cost) {
  CostSummary c;
  std::vector<std::vector<std::string>> ccsv;
  c.table.title = "Measured cost (seconds per run as the study recorded them; study_summary.json has the totals)";
  c.table.columns = {"run", "count", "mean s", "total s"};
  for (const auto& [what, secs] : cost) {
    double total = 0;
    for (double x : secs) total += std::isfinite(x) ? x : 0;
    ccsv.push_back({what, std::to_string(secs.size()), cnum(total / double(secs.size())), cnum(total)});
    c.table.rows.push_back({what, std::to_string(secs.size()), fmt::format("{:.2f}", total / double(secs.size())),
                            fmt::format("{:.0f}", total)});
  }
  for (const auto& [what, secs] : cost)
    for (double x : secs)
      (what.rfind("finite", 0) == 0 ? c.finite_seconds : c.limit_seconds) += std::isfinite(x) ? x : 0;
  write_table_csv(out / "regions_cost.csv", {"run", "count", "mean_seconds", "total_seconds"}, ccsv);
  return c;
}

// The files the report's numbers come from: regions.csv (one row per region) and regions_distances.csv (per region
// and width: the mean distance and init logits over seeds).
void write_region_csvs(const fs::path& out, const Regions& res, const Axes& axes) {
  std::vector<std::vector<std::string>> rcsv, dcsv;
  for (const auto& [region, r] : res) {
    rcsv.push_back(region_csv_row(region, r));
    for (std::size_t wi = 0; wi < axes.widths.size(); ++wi) {
      const SeedStat ds = seed_stat(row_values(r.distance, wi));
      dcsv.push_back({std::to_string(region), std::to_string(axes.widths[wi]), std::to_string(ds.n - ds.n_bad),
                      cnum(ds.mean), cnum(ds.std), cnum(seed_stat(row_values(r.init_logits, wi)).mean),
                      asymptotic(r, axes.widths[wi]) ? "1" : "0"});
    }
  }
  write_table_csv(out / "regions.csv",
                  {"region",
                   "q_sigma",
                   "q_lr",
                   "scaling",
                   "model",
                   "A",
                   "B",
                   "C",
                   "rate_classifier",
                   "rate_theory",
                   "rate_terms",
                   "limit_runs",
                   "resampled_limit_runs",
                   "limit_mean_abs_logit",
                   "width_needed",
                   "widths_fitted",
                   "slope_all",
                   "ci_low_all",
                   "ci_high_all",
                   "slope",
                   "ci_low",
                   "ci_high",
                   "region_lo",
                   "region_hi",
                   "verdict",
                   "init_logit_exponent",
                   "init_ci_low",
                   "init_ci_high",
                   "study_approaches"},
                  rcsv);
  write_table_csv(out / "regions_distances.csv",
                  {"region", "width", "runs", "distance_mean", "distance_std", "init_abs_logit_mean", "asymptotic"},
                  dcsv);
}

// The claims: every region's rate, then per region the two sanity claims (the classifier's region, the init logits'
// exponent A).
void add_claims(CaseOutput& out, const Regions& res) {
  for (const auto& [region, r] : res) {
    const std::string where =
        fmt::format("region {} ({}) at (q_σ, q̃) = ({}, {})", region, r.cls.label,
                    regions::exponent_fraction(r.point.q_sigma), regions::exponent_fraction(r.point.q_lr));
    out.claims.push_back(
        {fmt::format("R29.r{}.rate", region),
         fmt::format("{}: the finite nets' logit RMS to the simulated {} limit falls like d^{} "
                     "(fitted exponent within ±{:g})",
                     where, r.model, regions::exponent_fraction(r.rate.theory), regions::kRateTolerance),
         fmt::format("d^{}: {} (theory.md §3.1, §3.4, §4 [derived heuristic])",
                     regions::exponent_fraction(r.rate.theory), r.rate.text()),
         r.verdict});
  }
  for (const auto& [region, r] : res) {
    const bool same = r.cls.region && *r.cls.region == region;
    out.claims.push_back({fmt::format("R29.r{}.region", region),
                          fmt::format("the classifier puts (q_σ, q̃) = ({:.4g}, {:.4g}) in region {}", r.point.q_sigma,
                                      r.point.q_lr, region),
                          "theory.md §2.2 table (the example point of the region)",
                          {same ? Verdict::holds : Verdict::fails,
                           fmt::format("region {}, model {}; A = {:.4g}, B = {:.4g}, C = {:.4g}",
                                       r.cls.region ? *r.cls.region : 0, r.cls.model, r.cls.A, r.cls.B, r.cls.C)},
                          /*sanity=*/true});
    out.claims.push_back(
        {fmt::format("R29.r{}.init-logits", region),
         fmt::format("region {}: the raw init logits' mean |f⁽⁰⁾| grows like d^A, A = {} (±0.1)", region,
                     regions::exponent_fraction(r.cls.A)),
         "theory.md §1.3: f⁽⁰⁾ ~ d^A, A = q_σ + 1/2",
         verdict_in_region(estimate_of(r.fit_init), {r.cls.A - 0.1, r.cls.A + 0.1, "theory.md §1.3"}, "exponent"),
         /*sanity=*/true});
  }
}

// The report's table per region: theory rate, fits, saturation width, verdict.
ReportTable rate_table(const Regions& res) {
  ReportTable t;
  t.title = "Per region: theory rate, fitted exponent of the logit RMS to the limit (95 % bootstrap interval)";
  t.columns = {"region",      "(q_σ, q̃)",         "limit model",         "A, B, C",
               "theory rate", "fit, all widths",  "asymptotic from d ≈", "fit, asymptotic widths",
               "verdict",     "study: approaches"};
  auto ci = [](const RateFit& f) {
    return f.ok ? fmt::format("{:.3f} [{:.3f}, {:.3f}]", f.slope, f.ci_low, f.ci_high) : std::string("—");
  };
  for (const auto& [region, r] : res) {
    t.rows.push_back(
        {std::to_string(region),
         fmt::format("({}, {})", regions::exponent_fraction(r.point.q_sigma), regions::exponent_fraction(r.point.q_lr)),
         r.model,
         fmt::format("{}, {}, {}", regions::exponent_fraction(r.cls.A), regions::exponent_fraction(r.cls.B),
                     regions::exponent_fraction(r.cls.C)),
         r.rate.text(), ci(r.fit_all), std::isfinite(r.width_needed) ? fmt::format("{:.4g}", r.width_needed) : "n/a",
         r.widths_fitted >= 2 ? fmt::format("{} ({} widths)", ci(r.fit_asym), r.widths_fitted) : "—",
         verdict_name(r.verdict.verdict), study_approaches(r) ? "yes" : "no"});
  }
  return t;
}

// The report's table of mean distances per region and width.
ReportTable distance_table(const Regions& res, const Axes& axes) {
  ReportTable dt;
  dt.title =
      "Mean logit RMS to the limit over seeds (normalised logits f / ω^{max(A,B)}); * = in the asymptotic regime";
  dt.columns = {"region"};
  for (int w : axes.widths) dt.columns.push_back(width_label(w));
  for (const auto& [region, r] : res) {
    std::vector<std::string> row{std::to_string(region)};
    for (std::size_t wi = 0; wi < axes.widths.size(); ++wi)
      row.push_back(fmt_num(seed_stat(row_values(r.distance, wi)).mean, 3) +
                    (asymptotic(r, axes.widths[wi]) ? "*" : ""));
    dt.rows.push_back(row);
  }
  return dt;
}

// The verdicts by region, and which regions are pre-asymptotic at these widths.
void add_verdict_notes(CaseOutput& out, const Regions& res) {
  std::map<std::string, std::vector<int>> by_verdict;
  std::vector<int> pre_asymptotic;
  for (const auto& [region, r] : res) {
    by_verdict[verdict_name(r.verdict.verdict)].push_back(region);
    if (r.widths_fitted < 3) pre_asymptotic.push_back(region);
  }
  std::string counts;
  for (const auto& [v, list] : by_verdict)
    counts += fmt::format("{}{}: regions {}", counts.empty() ? "" : "; ", v, fmt::join(list, ", "));
  out.notes.push_back("Rate verdicts by region — " + counts + ".");
  if (pre_asymptotic.empty()) return;
  std::vector<std::string> need;
  for (int region : pre_asymptotic)
    need.push_back(fmt::format("region {} d ≈ {:.3g}", region, res.at(region).width_needed));
  out.notes.push_back(fmt::format(
      "Pre-asymptotic at these widths (fewer than 3 widths where the L_∞ rule acts on saturated logits, so the "
      "verdict is inconclusive whatever the fit over all widths says): {}. The saturation width is where the typical "
      "raw logit reaches ln 19 ≈ {:.2f} (ℓ' within 5 % of the perceptron rule): ω^{{max(A,B)}} · mean |m| for the "
      "later "
      "steps (m the limit's normalised test logits), the raw init logits for an L_∞ first step.",
      fmt::join(need, ", "), regions::kSaturationLogit));
}

// How the tolerance and the theory rates were set, the particle limits' own error, and the measured cost.
void add_method_notes(CaseOutput& out, const Config& config, const Axes& axes, const StudySummary& summary,
                      const CostSummary& cost) {
  out.notes.push_back(fmt::format(
      "Tolerance ±{:g} on every rate claim, fixed before the run: half the gap between the two rates the theory gives "
      "at "
      "most points, the CLT rate −1/2 and the slow rate −1/4, so that a 'holds' for one excludes the other. The theory "
      "rate of a region is the largest of the classifier's rate (classify(): d^-1/2 CLT; for −1/2 < C < 0 also the "
      "dropped f_aw terms d^2C and init logits d^(−C−1/2)) and the loss-rule corrections of theory.md §3.1/§3.4 — L_0 "
      "replaces ℓ'(y, ω^M m) by its value at 0 "
      "(error ω^M, M = max(A, B) < 0), L_∞ by its saturation (error ∝ the share of points with |ω^M m| ≲ 1, ω^−M), and "
      "a "
      "first step at the init logits ω^A g gives ω^A (L_0) or ω^−A (L_∞ at g) [derived heuristic].",
      regions::kRateTolerance));
  const double dmax = axes.widths.back();
  const double np = double(config.limits.mf_particles);
  std::vector<int> particle_regions, coupled_regions;  // from the limit-model table, not by hand
  for (int region = 1; region <= 13; ++region) {
    const LimitModelInfo& m = limit_model_for_region(region);
    if (m.state == LimitStateKind::particles) particle_regions.push_back(region);
    if (m.needs_g()) coupled_regions.push_back(region);
  }
  std::vector<double> widths(axes.widths.begin(), axes.widths.end());
  const double flat = regions::particle_flattening(widths, -0.5, std::vector<double>(widths.size(), np));
  out.notes.push_back(fmt::format(
      "Particle limits (regions {}) use N = {:g} particles, {:g}× the widest net; under the CLT heuristic their own "
      "error is (d_max/N)^1/2 = {:.2f} of the finite error at d_max = {:g}, which raises the distance there by at most "
      "√(1 + d_max/N) = {:.3f} and flattens a fitted d^−1/2 over widths {}…{} by ≈ {:.3f} (theory.md §8.7); each "
      "rate claim's interval is lowered by its own flattening before it is judged. Models that use the GP "
      "sample g (regions {}) are run coupled: one limit per (width, seed) whose g is that net's own init logits "
      "divided by ω^A; the others run {} independent limit seeds (the i-th net seed compared with the (i mod {})-th "
      "limit run at every width), and their distance fits resample the limit runs, then the net seeds compared with "
      "each (theory.md §8.7).",
      fmt::join(particle_regions, ", "), np, np / dmax, std::sqrt(dmax / np), dmax, std::sqrt(1 + dmax / np),
      axes.widths.front(), axes.widths.back(), flat, fmt::join(coupled_regions, ", "), config.limits.seeds.size(),
      config.limits.seeds.size()));
  out.notes.push_back(fmt::format(
      "Measured: {} finite runs ({} ok, {} diverged, {} failed) and {} limit runs ({} failed); the seconds the runs "
      "recorded add up to {:.0f} s for the finite nets and {:.0f} s for the limits (regions_cost.csv; wall clock per "
      "run, runs of width ≤ 1024 two at a time). This invocation took {:.0f} s (study_summary.json; runs and limits "
      "already in study/runs.jsonl and study/limits.jsonl were reused, not rerun). The study's own report (per region: "
      "tables per width, KL over seeds, sign gap, |Δ test loss|, the convergence evidence of theory.md §8.7) is "
      "study/report.md.",
      summary.runs, summary.runs_ok, summary.runs_diverged, summary.runs_failed, summary.limits, summary.limits_failed,
      cost.finite_seconds, cost.limit_seconds, summary.seconds));
}

std::string setup_text(const Config& config, const Axes& axes, const RateFitOptions& rfo) {
  return fmt::format(
      "- data: {} train / {} test of {} ({})\n- nets: 1 hidden layer, {}, {} init, {} lr {} (base, d* = {:g}), batch "
      "{}, "
      "{} steps, {}\n- widths {}; seeds {}\n- points: the 13 example points of theory.md §2.2, one inside each region "
      "(regions.csv)\n- limits: the region's model (limit_models.h), {} independent seeds, MF particles {}; coupled to "
      "each net's init logits where the model uses g\n- distance: the study's per-run logit RMS in normalised units, "
      "exponent fitted by OLS of log mean distance on log width with a bootstrap ({} resamples) of the seeds, or of "
      "the independent limit runs and then the seeds compared with each",
      config.data.train_size, config.data.test_size, config.data.dataset, "standardize " + config.data.standardize,
      config.model.activation, config.model.init, config.train.optimizer, config.train.lr,
      config.scaling.reference_width, config.train.batch.full ? "full" : std::to_string(config.train.batch.size),
      config.train.steps, config.train.loss, fmt::join(axes.widths, ", "), fmt::join(axes.seeds, ", "),
      config.limits.seeds.size(), config.limits.mf_particles, rfo.resamples);
}

}  // namespace widthlab::repro::regions_case
