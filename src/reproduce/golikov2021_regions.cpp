// golikov2021-regions (theory.md §6.5 R29; §2.2, §3.4, §4, §8.7): one (q_σ, q̃) point inside each of the 13 regions of
// the stable band, finite nets over a width sweep and the region's simulated limit model, and per region a verdict on
// the fitted exponent of the finite-to-limit distance against the rate the theory gives there.
//
// The measurement is the study's (study.h): the case runs run_study on its config in DIR/study — the sweep, every
// point's limit model (coupled to each net's own init logits where the model uses g), the per-run logit RMS in
// normalised units (distances.csv), the seed-bootstrap rate fits and the convergence evidence (rates.json) — and reads
// its files back. What the case adds: the theory rate per region (region_rate: the classifier's rate and the loss-rule
// corrections), the saturation regime the L_∞ rules need (asymptotic_width), a refit of the study's distances over
// the widths in that regime (fit_rate_mean, the study's fit), the verdicts, regions.csv and regions_distances.csv.
//
// Files: golikov2021_regions_theory.cpp (the theory rates and the rate verdict, golikov2021_regions.h), this file
// (points, study, reading its files back, measuring and judging each region) and golikov2021_regions_report.cpp (the
// CSVs, claims, tables and notes), sharing golikov2021_regions_case.h.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>

#include "reproduce/cases.h"
#include "reproduce/common.h"
#include "reproduce/golikov2021_regions_case.h"
#include "widthlab/config_scalings.h"
#include "widthlab/error.h"
#include "widthlab/limit_models.h"
#include "widthlab/output_dir.h"
#include "widthlab/rate_fit.h"
#include "widthlab/results_io.h"
#include "widthlab/study.h"

namespace widthlab::repro {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace regions_case;

// The 13 points: the example points of theory.md §2.2's table (one per region, each inside its piece: the isolated
// points 1–3, interior points of the segments and rays 4–10, interior points of the open regions 11–13). The config's
// scaling.q must hold exactly these (checked: the classifier must put each in its region, a sanity claim).
constexpr RegionPoint kPoints[] = {
    {1, -1.0, 1.0},        {2, -0.5, 0.0},   {3, -0.5, 0.5},   {4, -0.75, 0.5}, {5, -0.5, 0.25},
    {6, -0.75, 0.75},      {7, -1.5, 1.5},   {8, 0.0, 0.0},    {9, -1.0, 0.5},  {10, 0.0, -0.5},
    {11, -2.0 / 3.0, 0.5}, {12, -1.0, 0.75}, {13, 0.0, -0.25},
};

// RFC 4180 line splitting (the study quotes names holding commas, e.g. "(-1, 1)").
std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"')
        cur += '"', ++i;
      else if (ch == '"')
        quoted = false;
      else
        cur += ch;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      cells.push_back(cur), cur.clear();
    } else if (ch != '\r') {
      cur += ch;
    }
  }
  cells.push_back(cur);
  return cells;
}

std::vector<std::map<std::string, std::string>> read_csv_rows(const fs::path& path) {
  std::ifstream f(path);
  if (!f) throw InputError(fmt::format("{}: cannot read the study's table", printable_path(path)));
  std::string line;
  std::getline(f, line);
  const auto header = split_csv_line(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    const auto cells = split_csv_line(line);
    std::map<std::string, std::string> r;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) r[header[i]] = cells[i];
    rows.push_back(std::move(r));
  }
  return rows;
}

double to_num(const std::string& s) {
  if (s.empty()) return NAN;
  try {
    return std::stod(s);
  } catch (const std::exception&) {
    return NAN;
  }
}

Axes sweep_axes(const Config& config) {
  Axes axes{config.sweep.widths, config.sweep.seeds};
  std::sort(axes.widths.begin(), axes.widths.end());
  return axes;
}

// Which scaling of the config is which region's point; every point of kPoints must be there.
Regions match_points(const Config& config) {
  const Activation act = activation_from_name(config.model.activation);
  Regions res;
  for (const auto& s : config_scalings(config)) {
    Classification c = classify(s, act);
    for (const auto& p : kPoints) {
      if (!s.q_sigma || std::abs(*s.q_sigma - p.q_sigma) > 1e-9 || !c.golikov ||
          std::abs(c.golikov->q_lr_in - p.q_lr) > 1e-9 || std::abs(c.golikov->q_lr_out - p.q_lr) > 1e-9)
        continue;
      RegionResult r;
      r.point = p;
      r.scaling = s.name;
      r.cls = c;
      res[p.region] = std::move(r);
    }
  }
  for (const auto& p : kPoints)
    if (!res.count(p.region))
      throw InputError(fmt::format("reproduce golikov2021-regions: scaling.q must hold the point [{}, {}] of region {}",
                                   p.q_sigma, p.q_lr, p.region));
  return res;
}

RegionResult* by_scaling(Regions& res, const std::string& name) {
  for (auto& [region, r] : res)
    if (r.scaling == name) return &r;
  return nullptr;
}

// Each region's limit model, theory rate, empty widths × seeds matrices and the study's rate fits (rates.json).
void start_results(const fs::path& sdir, const Axes& axes, Regions& res) {
  const json rates = json::parse(std::ifstream(sdir / "rates.json"));
  for (auto& [region, r] : res) {
    r.model = r.cls.model;
    r.rate = regions::region_rate(r.cls, limit_model_from_name(r.model));
    r.widths.assign(axes.widths.begin(), axes.widths.end());
    r.distance = MatrixD::Constant(Eigen::Index(axes.widths.size()), Eigen::Index(axes.seeds.size()), NAN);
    r.init_logits = r.distance;
    r.runs_at.assign(axes.widths.size(), 0);
    r.limit_run_of_seed.assign(axes.seeds.size(), -1);
    if (rates.contains(r.scaling)) r.study_rates = rates[r.scaling];
  }
}

// The study's per-run logit RMS to the limit (distances.csv) of every run that is ok.
void read_distances(const fs::path& sdir, const Axes& axes, Regions& res) {
  for (const auto& row : read_csv_rows(sdir / "distances.csv")) {
    RegionResult* r = by_scaling(res, row.at("scaling"));
    if (!r || row.at("seed") == "all") continue;
    const std::size_t wi = axes.width_index(std::stoi(row.at("width"))),
                      si = axes.seed_index(std::stoull(row.at("seed")));
    if (wi < axes.widths.size()) ++r->runs_at[wi];
    if (row.at("status") != "ok") continue;
    if (wi < axes.widths.size() && si < axes.seeds.size()) {
      r->distance(Eigen::Index(wi), Eigen::Index(si)) = to_num(row.at("logit_rms"));
      const std::string& with = row.at("compared_with");
      const std::string run = with.rfind("limit s", 0) == 0 ? with.substr(7) : "";
      if (!run.empty() && run.size() < 19 &&
          std::all_of(run.begin(), run.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
        r->limit_run_of_seed[si] = std::stoll(run);
    }
  }
}

// The groups of a region's distance fits: seeds compared with the same independent limit run share its Monte Carlo
// error and are resampled together (theory.md §8.7); a seed with its own coupled runs is a group of its own. Empty
// when every seed is its own group.
std::vector<int> limit_run_groups(const RegionResult& r) {
  std::map<long long, int> label;
  std::vector<int> groups;
  for (std::size_t si = 0; si < r.limit_run_of_seed.size(); ++si) {
    const long long run = r.limit_run_of_seed[si];
    const long long key = run >= 0 ? run : -1 - static_cast<long long>(si);  // own runs: a key no other seed has
    groups.push_back(label.emplace(key, int(label.size())).first->second);
  }
  if (label.size() == groups.size()) groups.clear();
  return groups;
}

// The finite runs (runs.jsonl): their cost and raw init logits.
void read_runs(const fs::path& sdir, const Axes& axes, Regions& res, RunCost& cost) {
  for (const auto& rec : read_jsonl(sdir / "runs.jsonl")) {
    RegionResult* r = by_scaling(res, rec.value("scaling", ""));
    if (!r) continue;
    cost[fmt::format("finite net, d = {:>5}", rec["width"].get<int>())].push_back(json_number(rec, "seconds"));
    const std::size_t wi = axes.width_index(rec["width"].get<int>()),
                      si = axes.seed_index(rec["seed"].get<std::uint64_t>());
    if (wi < axes.widths.size() && si < axes.seeds.size())
      r->init_logits(Eigen::Index(wi), Eigen::Index(si)) = json_number(rec, "mean_abs_logit_init");
  }
}

// The limit runs (limits.jsonl): their cost, and per scaling the mean |test logit| of every limit run that is ok.
std::map<std::string, std::vector<double>> read_limits(const fs::path& sdir, RunCost& cost) {
  std::map<std::string, std::vector<double>> limit_abs;
  for (const auto& rec : read_jsonl(sdir / "limits.jsonl")) {
    cost[fmt::format("limit, {} model, {}", rec.value("state", ""), rec.value("kind", ""))].push_back(
        json_number(rec, "seconds"));
    if (rec.value("status", "") == "ok")
      limit_abs[rec.value("scaling", "")].push_back(json_number(rec, "test_mean_abs_logit"));
  }
  return limit_abs;
}

// One region's measurements and verdict: the saturation width (asymptotic_width, from the limit's mean |test logit|
// `limit_abs` and the narrowest nets' init logits), the fits of the distance over all widths and over the asymptotic
// ones and of the init logits (the study's fit, fit_rate_mean), and the rate verdict (verdict_region_rate).
struct ParticleCounts {
  int base = 0, per_width = 0;  // limits.mf_particles, limits.coupled_particles_per_width
};

void measure_region(RegionResult& r, const std::vector<double>& limit_abs, const Axes& axes, double ref,
                    const ParticleCounts& particles, const RateFitOptions& rfo) {
  const std::vector<int>& widths = axes.widths;
  r.limit_runs = int(limit_abs.size());
  r.limit_mean_abs = seed_stat(limit_abs).mean;
  const double init0 = seed_stat(row_values(r.init_logits, 0)).mean;
  r.width_needed = regions::asymptotic_width(r.rate, ref, r.limit_mean_abs, widths.front(), init0, r.cls.A);
  RateFitOptions by_limit_run = rfo;
  by_limit_run.groups = limit_run_groups(r);
  r.distance = without_undermeasured_widths(r.distance, r.runs_at);  // as the study's own fits
  r.fit_all = fit_rate_mean(r.widths, r.distance, by_limit_run);
  r.fit_init = fit_rate_mean(r.widths, r.init_logits, rfo);
  std::vector<double> wa;
  std::vector<Eigen::Index> rows;
  for (std::size_t wi = 0; wi < widths.size(); ++wi)
    if (asymptotic(r, widths[wi])) {
      bool any = false;
      for (Eigen::Index s = 0; s < r.distance.cols(); ++s) any = any || std::isfinite(r.distance(Eigen::Index(wi), s));
      if (any) wa.push_back(widths[wi]), rows.push_back(Eigen::Index(wi));
    }
  r.widths_fitted = int(wa.size());
  if (wa.size() >= 2) {
    MatrixD sub(Eigen::Index(rows.size()), r.distance.cols());
    for (std::size_t i = 0; i < rows.size(); ++i) sub.row(Eigen::Index(i)) = r.distance.row(rows[i]);
    r.fit_asym = fit_rate_mean(wa, sub, by_limit_run);
  }
  regions::RateEvidence ev;
  ev.exponent = estimate_of(r.fit_asym);
  ev.widths_fitted = r.widths_fitted;
  ev.width_needed = r.width_needed;
  ev.largest_width = widths.back();
  ev.all_widths = estimate_of(r.fit_all);
  if (const LimitModelInfo& m = limit_model_from_name(r.model);
      m.state == LimitStateKind::particles && wa.size() >= 2) {
    // Independent limit runs have limits.mf_particles; coupled ones (models that use g) the study's per-width count.
    std::vector<double> n;
    for (double w : wa)
      n.push_back(m.needs_g() ? coupled_particle_count(particles.base, particles.per_width, int(w)) : particles.base);
    ev.particles = n.back();
    ev.flattening = regions::particle_flattening(wa, r.rate.theory, n);
  }
  r.verdict =
      regions::verdict_region_rate(ev, r.rate.theory,
                                   fmt::format("theory.md §3.1, §3.4, §4 [derived heuristic]: {} ± {}",
                                               regions::exponent_fraction(r.rate.theory), regions::kRateTolerance));
  if (r.fit_all.groups > 1)
    r.verdict.detail += fmt::format(
        "; the intervals resample the {} independent limit runs, then the seeds compared with each (theory.md §8.7)",
        r.fit_all.groups);
}

}  // namespace

CaseOutput run_golikov2021_regions(const ReproduceContext& ctx) {
  const Config& config = ctx.config;
  if (config.model.depth != 1)
    throw InputError("reproduce golikov2021-regions: model.depth must be 1 (theory.md §2.2)");
  Regions res = match_points(config);

  const fs::path sdir = ctx.out / "study";
  const StudySummary summary = run_case_study(
      ctx, ctx.config, "study",
      "Run by `widthlab reproduce golikov2021-regions` (theory.md §6.5 R29); its verdicts are in ../report.md.");

  // Read the study's files back.
  const Axes axes = sweep_axes(config);
  start_results(sdir, axes, res);
  read_distances(sdir, axes, res);
  RunCost cost;
  read_runs(sdir, axes, res, cost);
  std::map<std::string, std::vector<double>> limit_abs = read_limits(sdir, cost);
  const CostSummary costs = write_cost(ctx.out, cost);

  RateFitOptions rfo;  // the study's fit (seed bootstrap, 1000 resamples, seed 0)
  const ParticleCounts particles{config.limits.mf_particles, config.limits.coupled_particles_per_width};
  for (auto& [region, r] : res)
    measure_region(r, limit_abs[r.scaling], axes, config.scaling.reference_width, particles, rfo);
  write_region_csvs(ctx.out, res, axes);

  CaseOutput out;
  add_claims(out, res);
  out.tables = {rate_table(res), distance_table(res, axes), costs.table};
  add_verdict_notes(out, res);
  add_method_notes(out, config, axes, summary, costs);
  out.setup = setup_text(config, axes, rfo);
  out.plots = {"regions_distance.png", "regions_exponents.png"};
  return out;
}

}  // namespace widthlab::repro