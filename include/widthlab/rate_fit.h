// Convergence rates vs width (theory.md §8.7, architecture.md §8): the exponent p of a distance D(d) ≈ c·d^p, fitted as
// the OLS slope of log D on log d, with a 95 % interval from a percentile bootstrap over seeds (seeds are resampled
// with replacement, the same resample for every width, so that seed-paired widths stay paired; the statistic at each
// width is recomputed from the resampled seeds), stretched about the slope for the number of seeds or groups
// resampled (small_sample_stretch, quantiles.h: the plain percentile interval covers 74 % at 3 seeds). Seeds that share
// another source of randomness — several net seeds compared with one independent limit run — are resampled in two
// stages: their groups with replacement, then the seeds within each drawn group (RateFitOptions::groups). Fewer than 3
// seeds — or, resampled in two stages, fewer than 3 groups — give no interval (NaN; theory.md §8.7). Cost O(B · widths
// · cost(stat)). Deterministic for a given `seed` (std::mt19937_64 via make_rng).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "widthlab/tensor.h"
#include "widthlab/verdicts.h"

namespace widthlab {

// OLS fit y ≈ intercept + slope·x (≥ 2 points with distinct x, else InputError). stderr_out: the usual standard
// error of the slope (NaN for 2 points).
double ols_slope(const std::vector<double>& x, const std::vector<double>& y, double* intercept = nullptr,
                 double* stderr_out = nullptr);

struct RateFitOptions {
  int resamples = 1000;    // B bootstrap resamples
  std::uint64_t seed = 0;  // bootstrap rng seed
  double level = 0.95;     // two-sided interval level
  // groups[s]: the group of seed s (e.g. the index of the independent limit run it is compared with at every width,
  // theory.md §8.7). Empty: the seeds are independent and resampled alone. Otherwise one label per seed, and each
  // resample draws as many groups as there are with replacement, then each drawn group's seeds with replacement.
  // Fewer than 3 groups (one or two limit runs) give no interval, as fewer than 3 seeds do without groups.
  std::vector<int> groups = {};
  // n of the few-seeds stretch (small_sample_stretch) when the seeds are resampled alone; 0: n_seeds. fit_rate_mean
  // sets it to the fewest seeds any width with a value has (fewer seeds run at the widest widths, or some diverged);
  // below 3 the fit has no interval, as with fewer than 3 seeds.
  std::size_t stretch_units = 0;
  std::string validate() const;  // "" when valid
};

struct RateFit {
  static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  bool ok = false;            // false when fewer than 2 usable widths
  double slope = nan;         // OLS slope of log stat vs log width on all seeds
  double intercept = nan;     // in log space
  double slope_stderr = nan;  // OLS standard error (ignores seed structure; for reference)
  // Bootstrap percentile interval, stretched about `slope` by small_sample_stretch(seeds, or groups when resampled in
  // two stages) as every bootstrap interval is (theory.md §8.7). A resample is unusable when its statistic at some used
  // width is not finite and > 0 (e.g. a resampled lr optimum on the grid's edge). Leaving it out would make the
  // interval conditional on the usable resamples; instead its slope is unknown and counts at −∞ for the lower and at +∞
  // for the upper percentile, so the interval is unbounded once more than (1 − level)/2 of the resamples are unusable.
  // NaN (no interval, and no resamples drawn) with fewer than 3 seeds, or fewer than 3 groups when
  // RateFitOptions::groups is set: a percentile bootstrap over one or two units has no sampling distribution to speak
  // of (theory.md §8.7).
  double ci_low = nan, ci_high = nan;
  // The outer ends of the interval's endpoints' 95 % Monte Carlo bands (theory.md §8.7), counted like the interval:
  // the order statistics k_lo − m and k_hi + m of the B resampled slopes (unknown ones at ∓∞), k = ⌊q B⌋, m =
  // mc_band_halfwidth — the same percentile code as every bootstrap Estimate (percentile_interval, verdicts.h),
  // stretched alike. They contain [ci_low, ci_high]; every verdict drawn from a rate fit judges on them
  // (rate_estimate). An end whose rank lies outside the B resamples (k_lo < m, or k_hi + m > B − 1: too few resamples
  // to locate it; at 95 % every B < 161 and 171 ≤ B ≤ 200) is −∞ / +∞ rather than the sample's extreme, so that a small
  // B cannot give a finite widened interval.
  double mc_low = nan, mc_high = nan;
  int widths_given = 0;  // widths passed to the fit (used or not)
  int widths_used = 0;   // distinct widths with a finite, positive statistic (a repeated width counts once)
  // Fewer than 3 used widths: a line through 2 points always fits, so neither the slope nor its interval tests a
  // power law. Reports print such a fit as "2 widths only" and draw no verdict from it.
  bool few_widths() const { return ok && widths_used < 3; }
  int resamples = 0;       // resamples drawn (0 when there was no fit or no interval)
  int resamples_used = 0;  // resamples whose statistic was finite and positive at every used width
  int groups = 0;          // groups resampled in the first stage (RateFitOptions::groups); 0: seeds alone
  // The units a resample draws (the groups, else RateFitOptions::stretch_units, else the seeds): the n the interval is
  // stretched for (small_sample_stretch); set with a fit even when too few for an interval.
  std::size_t units = 0;
  // Resample b's slope, NaN where unusable; empty without an interval. Two fits of the same seeds with the same
  // RateFitOptions::seed draw the same seeds in resample b, so their slopes pair up (asymptotic_verdict.h).
  std::vector<double> resampled_slopes;
  std::string note;            // why not ok / what was dropped
  bool too_few_units = false;  // fewer than 3 seeds (or groups) to resample: no interval, whatever `resamples` asked
};

// stat(width_index, seed_indices): the distance at that width computed from those seeds (indices 0..n_seeds−1,
// possibly repeated). Widths whose full-sample statistic is not finite and > 0 are left out of the fit.
using SeedStatistic = std::function<double(std::size_t width_index, const std::vector<std::size_t>& seeds)>;
RateFit fit_rate(const std::vector<double>& widths, std::size_t n_seeds, const SeedStatistic& stat,
                 const RateFitOptions& options = {});

// The slope as a verdict judges it: {slope, ci_low, ci_high} with the Monte Carlo band (mc_low, mc_high, resamples),
// so verdict_in_region holds / fails only when the widened interval does (theory.md §8.7). An empty Estimate (NaN)
// when the fit is not ok.
Estimate rate_estimate(const RateFit& fit);

// Convenience: values(w, s) = per-run distance at width w and seed s (NaN = missing/diverged run, skipped);
// the statistic is the mean over the (resampled) seeds that are present, and the few-seeds stretch counts the fewest
// present at any width that has one (RateFitOptions::stretch_units).
RateFit fit_rate_mean(const std::vector<double>& widths, const MatrixD& values, const RateFitOptions& options = {});

// `values` (width × seed) with the row of every width where fewer than half of its `runs[w]` runs have a finite value
// set to NaN, so that fit_rate_mean leaves it out: the mean of the runs that did not diverge is no statistic of the
// width (theory.md §8.7; the study's has_distance_for_half_its_runs, report.h). runs.size() == values.rows().
MatrixD without_undermeasured_widths(MatrixD values, const std::vector<int>& runs);

// theory.md §8.7 (b): the local exponent of the last step, log(y_n/y_{n−1}) / log(x_n/x_{n−1}), over the last two
// points as given (the caller leaves out the ones it does not measure); NaN with fewer than two.
double last_step_exponent(const std::vector<double>& x, const std::vector<double>& y);

// Whether that last step shows a plateau: not below 0 (NaN included), or flatter than the fit's interval allows (above
// its upper end `interval_high`; a NaN upper end allows anything). A fall that stopped there is a floor, not a rate.
bool last_step_plateaus(double local_exponent, double interval_high);

}  // namespace widthlab
