// golikov2021-regions (theory.md §6.5 R29): what the case measures per region (golikov2021_regions.cpp) and the
// pieces of its report written from that (golikov2021_regions_report.cpp). Internal to src/reproduce.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "widthlab/config.h"
#include "widthlab/golikov2021_regions.h"
#include "widthlab/rate_fit.h"
#include "widthlab/reproduce.h"
#include "widthlab/study.h"
#include "widthlab/tensor.h"

namespace widthlab::repro::regions_case {

// A region's example point (theory.md §2.2): q_σ and the symmetric learning-rate exponent q̃.
struct RegionPoint {
  int region;
  double q_sigma, q_lr;
};

// Everything measured for one region.
struct RegionResult {
  RegionPoint point;
  std::string scaling, model;
  Classification cls;
  regions::RegionRate rate;
  std::vector<double> widths;
  MatrixD distance;          // widths × seeds, the study's per-run logit RMS (NaN: missing / diverged)
  std::vector<int> runs_at;  // per width: the runs distances.csv lists (ok, diverged or missing)
  MatrixD init_logits;       // widths × seeds, raw mean |f⁽⁰⁾| on the test inputs
  // Per seed: the seed of the independent limit run its distances are to (distances.csv's "limit sK"), −1 when they
  // are to its own coupled runs. Seeds that share a run are resampled together (RateFitOptions::groups).
  std::vector<long long> limit_run_of_seed;
  double limit_mean_abs = NAN;
  int limit_runs = 0;
  double width_needed = NAN;
  RateFit fit_all, fit_asym, fit_init;
  int widths_fitted = 0;
  nlohmann::json study_rates;
  VerdictResult verdict;
};

using Regions = std::map<int, RegionResult>;

// The sweep's axes: the widths in increasing order and the config's seeds; a run's row / column in a region's
// widths × seeds matrices (size() when absent).
struct Axes {
  std::vector<int> widths;
  std::vector<std::uint64_t> seeds;
  std::size_t width_index(int w) const {
    return std::size_t(std::find(widths.begin(), widths.end(), w) - widths.begin());
  }
  std::size_t seed_index(std::uint64_t s) const {
    return std::size_t(std::find(seeds.begin(), seeds.end(), s) - seeds.begin());
  }
};

// Row `i` of a widths × seeds matrix, one value per seed.
inline std::vector<double> row_values(const MatrixD& m, std::size_t i) {
  return std::vector<double>(m.row(Eigen::Index(i)).data(), m.row(Eigen::Index(i)).data() + m.cols());
}

// Whether `width` lies in the region's asymptotic regime (at or above the saturation width, asymptotic_width).
inline bool asymptotic(const RegionResult& r, int width) {
  return std::isfinite(r.width_needed) && width >= r.width_needed * (1 - 1e-9);
}

// With its Monte Carlo band: verdicts judge on the widened interval (rate_estimate, theory.md §8.7).
inline Estimate estimate_of(const RateFit& f) { return rate_estimate(f); }

// Measured cost per kind of run (seconds as recorded by the study): finite nets per width, limits per state / kind.
using RunCost = std::map<std::string, std::vector<double>>;

// The cost table of the report, regions_cost.csv, and the seconds of all finite and all limit runs.
struct CostSummary {
  ReportTable table;
  double finite_seconds = 0, limit_seconds = 0;
};
CostSummary write_cost(const std::filesystem::path& out, const RunCost& cost);

// The files the report's numbers come from: regions.csv (one row per region) and regions_distances.csv (per region
// and width: the mean distance and init logits over seeds).
void write_region_csvs(const std::filesystem::path& out, const Regions& res, const Axes& axes);

// The claims: every region's rate, then per region the two sanity claims (the classifier's region, the init logits'
// exponent A).
void add_claims(CaseOutput& out, const Regions& res);

// The report's tables: per region (theory rate, fits, saturation width, verdict), and the mean distance per region
// and width.
ReportTable rate_table(const Regions& res);
ReportTable distance_table(const Regions& res, const Axes& axes);

// The notes: the verdicts by region and the pre-asymptotic ones; how the tolerance and the theory rates were set, the
// particle limits' own error and the measured cost.
void add_verdict_notes(CaseOutput& out, const Regions& res);
void add_method_notes(CaseOutput& out, const Config& config, const Axes& axes, const StudySummary& summary,
                      const CostSummary& cost);

// The report's setup lines; `rfo` is the fit of the exponents.
std::string setup_text(const Config& config, const Axes& axes, const RateFitOptions& rfo);

}  // namespace widthlab::repro::regions_case
