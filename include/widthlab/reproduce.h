// `widthlab reproduce NAME --out DIR` (theory.md §6; architecture.md §4; STYLE 14): the seed papers' experiments built
// in. Each case is a config (configs/reproduce/NAME.toml, the experiment's setup), code that runs it, the published
// numbers or claims it is judged against (stored in the case's source file next to the verdict code, with their
// theory.md section), and DIR/report.md: setup, time taken, a claim table with a verdict per claim (holds / does not
// hold / inconclusive, with the numbers), the tables of the paper's figure and PNG plots
// (python/plots/reproduce_plots.py).
//
// CIFAR-10 is not bundled: image cases run on fashion-mnist-2 by default and on CIFAR-2 (airplane vs automobile)
// when `data_dir` points at CIFAR-10 binary files. Claims are about shape (flat / drifting / diverging / trivial),
// which is what transfers between the two datasets; published loss values are CIFAR-2's and shown for reference.
//
// Sizes: the config holds the paper's sizes; `smoke` applies the config's [smoke] overrides (small widths, few
// steps: seconds, used by the tests), `full` its [full] overrides (the paper's largest sizes where the config's
// default is reduced). `sets` (--set key=value) apply last.
#pragma once
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "widthlab/config.h"

namespace widthlab {

// ---- Verdicts (pure functions of numbers; unit-tested on synthetic inputs) --------------------------------------

enum class Verdict { holds, fails, inconclusive };
const char* verdict_name(Verdict v);  // "holds" | "does not hold" | "inconclusive"

struct VerdictResult {
  Verdict verdict = Verdict::inconclusive;
  std::string detail;  // the numbers the verdict was taken on, one line
};

// ---- Verdicts with intervals (theory.md §8.7): an estimate, its 95 % interval, a region fixed before the run ------

// An estimate with its two-sided 95 % interval.
struct Estimate {
  double value = NAN, lo = NAN, hi = NAN;
};

// The region a claim's estimate must lie in, written in code before the run, with its source (the paper's figure or
// table, or the theory.md § it is derived from).
struct ClaimRegion {
  double lo = -INFINITY, hi = INFINITY;  // closed interval; one side infinite for "below" / "above"
  std::string source;
};

// holds: the whole interval inside the region; fails: the whole interval outside it; inconclusive otherwise (and
// when the estimate or its interval is not finite). The detail line quotes the estimate, the interval and the region.
VerdictResult verdict_in_region(const Estimate& e, const ClaimRegion& region, const std::string& what);

// The mean over seeds with a percentile-bootstrap 95 % interval (B resamples of the seeds, make_rng(seed)); NaN
// values (missing / diverged runs) are dropped. Fewer than 2 values: the interval is NaN.
Estimate bootstrap_mean(const std::vector<double>& per_seed, int resamples = 2000, std::uint64_t seed = 0);
// The mean of a_i − b_i over seeds that have both (paired: runs that share a seed share their init).
Estimate bootstrap_paired_difference(const std::vector<double>& a, const std::vector<double>& b, int resamples = 2000,
                                     std::uint64_t seed = 0);

// Flat in width: every finite values[i] is within `tol` of values[0] (the reference width). Inconclusive with < 2
// finite values. A non-finite value (diverged run) fails.
VerdictResult verdict_flat(const std::vector<double>& widths, const std::vector<double>& values, double tol);
// Drifts away from the reference: |values[last] − values[0]| ≥ min_change and the OLS slope of values vs log2 width
// has the sign of that change (a trend, not one noisy end point). `direction` +1 / −1 also requires that sign (0:
// either). Inconclusive with < 3 finite values.
VerdictResult verdict_drifts(const std::vector<double>& widths, const std::vector<double>& values, double min_change,
                             int direction = 0);
// Blows up at the largest widths: the value at the largest width is non-finite (diverged) or exceeds both
// `factor` × the minimum over all widths and that minimum + `min_rise`.
VerdictResult verdict_blows_up(const std::vector<double>& widths, const std::vector<double>& values, double factor,
                               double min_rise);
// |measured − theory| ≤ tol (non-finite measured: inconclusive).
VerdictResult verdict_close(double measured, double theory, double tol, const std::string& what = "value");
// Approaches `target` as width grows: |values[last] − target| ≤ shrink × |values[0] − target| and the distance's
// OLS slope vs log2 width is negative. Used for "collapses to f ≡ 0 (loss → log 2)".
VerdictResult verdict_approaches(const std::vector<double>& widths, const std::vector<double>& values, double target,
                                 double shrink);
// Stays away from `target`: every finite value is ≤ target − margin (e.g. loss ≤ log 2 − margin: non-trivial).
VerdictResult verdict_below(const std::vector<double>& widths, const std::vector<double>& values, double target,
                            double margin);
// a < b − margin ("a is smaller than b"), with names for the detail line.
VerdictResult verdict_less(double a, double b, double margin, const std::string& name_a, const std::string& name_b);
// Power law: the OLS slope of log |values| vs log widths is within tol of `exponent` (non-positive or non-finite
// values are dropped; inconclusive with < 2 left).
VerdictResult verdict_slope(const std::vector<double>& widths, const std::vector<double>& values, double exponent,
                            double tol);

// ---- Report pieces --------------------------------------------------------------------------------------------

struct ClaimCheck {
  std::string id;         // e.g. "R1.mf-flat"
  std::string claim;      // the paper's claim in words
  std::string published;  // the published number / statement and its theory.md source
  VerdictResult result;   // our numbers and the verdict
  // A sanity check follows from the parameterisation alone (e.g. step-0 logit or kernel-size exponents of one shared
  // init draw): reported in its own section, not counted among the reproduction's verdicts.
  bool sanity = false;
};

struct ReportTable {
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::string markdown() const;
};

// What a case hands back to the driver.
struct CaseOutput {
  std::string setup;  // markdown: data, sizes actually used
  std::vector<ClaimCheck> claims;
  std::vector<ReportTable> tables;
  std::vector<std::string> plots;  // PNG file names expected in DIR (drawn by reproduce_plots.py)
  std::vector<std::string> notes;  // findings, reductions, caveats (markdown paragraphs)
};

// ---- Options, registry, driver --------------------------------------------------------------------------------

struct ReproduceOptions {
  std::string name;                    // a reproduction_registry() name
  std::filesystem::path out;           // output directory (prepared by the caller or run_reproduction)
  std::string config_path;             // "" = configs/reproduce/NAME.toml of the source tree
  std::vector<std::string> sets;       // --set overrides, applied after smoke/full
  bool smoke = false;                  // [smoke] overrides: seconds
  bool full = false;                   // [full] overrides: the paper's largest sizes
  std::string data_dir;                // CIFAR-10 binary directory → cifar-2 instead of fashion-mnist-2
  int threads = 0;                     // worker threads (0 = all cores)
  bool plots = true;                   // draw PNGs (python3 + matplotlib; skipped with a note when missing)
  bool force = false, resume = false;  // output directory mode (fresh otherwise)
  bool quiet = false;

  std::string validate() const;  // "" when valid
};

struct ReproduceContext {
  const ReproduceOptions& options;
  Config config;  // resolved (smoke/full/sets/data applied)
  std::filesystem::path out;
};

using CaseFunction = std::function<CaseOutput(const ReproduceContext&)>;

struct ReproductionInfo {
  std::string name;         // "golikov2020-width"
  std::string paper;        // "Golikov 2020 [G1], Fig. 1 / supp. Figs 1–2"
  std::string spec;         // "theory.md §6.1 R1, R2"
  std::string description;  // one line
  CaseFunction run;
};
const std::vector<ReproductionInfo>& reproduction_registry();
const ReproductionInfo& reproduction_info(const std::string& name);  // InputError listing the names

// configs/reproduce/NAME.toml: a widthlab config plus optional tables [smoke] and [full], each `set = ["key=value",
// …]`. Returns the resolved Config (InputError naming the file/key on any problem).
Config load_reproduce_config(const std::string& path, bool smoke, bool full, const std::vector<std::string>& sets,
                             const std::string& data_dir);
std::filesystem::path reproduce_config_path(const std::string& name);  // <source>/configs/reproduce/NAME.toml

struct ReproduceSummary {
  std::string name;
  std::vector<ClaimCheck> claims;
  int holds = 0, fails = 0, inconclusive = 0;
  double seconds = 0;
  std::filesystem::path report;
  std::string brief() const;  // one line: "golikov2020-width: 5 hold, 1 does not hold, 0 inconclusive (12.3 s)"
};

// Runs one case: resolves the config, writes DIR/config.toml, runs, draws the plots, writes DIR/report.md and
// DIR/claims.json. InputError for bad options/config/data.
ReproduceSummary run_reproduction(const ReproduceOptions& options);

// The report text (exposed for tests): title, paper, setup, time, claim table, tables, plots, notes.
std::string reproduce_report_markdown(const ReproductionInfo& info, const CaseOutput& out, double seconds,
                                      const std::string& mode);

}  // namespace widthlab
