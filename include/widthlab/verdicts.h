// Verdicts a referee would sign (theory.md §8.7): a claim's estimate with its 95 % interval, judged against a region
// written in code before the run, with its source. holds = the whole interval inside the region, fails = the whole
// interval outside it, inconclusive otherwise; a bootstrap interval counts with its Monte Carlo band (Estimate::mc_lo,
// mc_hi), so no verdict depends on the bootstrap's random numbers. Intervals are percentile bootstraps over seeds,
// stretched about the estimate for the number of seeds (small_sample_stretch, quantiles.h), so they cover at 95 %
// with few seeds too;
// every claim kind of the reproduction cases is one of the judge_* functions below, each unit-tested to return all
// three values.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace widthlab {

enum class Verdict { holds, fails, inconclusive };
const char* verdict_name(Verdict v);  // "holds" | "does not hold" | "inconclusive"

// An estimate with its two-sided 95 % interval. A percentile bootstrap's endpoints are order statistics of B random
// resamples, so they carry Monte Carlo error (theory.md §8.7): mc_lo / mc_hi are the outer ends of the endpoints'
// 95 % Monte Carlo bands (the order statistics k_lo − m and k_hi + m, mc_band_halfwidth), and `resamples` is B. They
// are NaN / 0 for intervals without Monte Carlo (jackknife, exact values). A rate fit's slope carries its band too
// (rate_estimate, rate_fit.h).
struct Estimate {
  double value = NAN, lo = NAN, hi = NAN;
  double mc_lo = NAN, mc_hi = NAN;
  int resamples = 0;

  bool has_mc_band() const { return !std::isnan(mc_lo) && !std::isnan(mc_hi); }
  // The interval a verdict is judged on: [mc_lo, mc_hi] when the estimate has a Monte Carlo band, else [lo, hi].
  Estimate widened() const;
};

// m = ⌈1.96 · √(B p (1 − p))⌉ order statistics: the 95 % Monte Carlo band of the percentile endpoint at tail
// probability p from B resamples, whose rank among the resamples is Binomial(B, p) (theory.md §8.7).
std::size_t mc_band_halfwidth(std::size_t resamples, double tail);

// The percentile interval of B = stats.size() + unknown resampled statistics: lo / hi the (1 − level)/2 and
// (1 + level)/2 order statistics (rank ⌊q B⌋, 0-based), mc_lo / mc_hi those m = mc_band_halfwidth(B, (1 − level)/2)
// ranks further out (clamped to the sample), resamples = B, value NaN. The `unknown` resamples (statistic not finite)
// count at −∞ for the lower and at +∞ for the upper points. Every bootstrap Estimate takes its interval from here, and
// every rate fit its Monte Carlo band (RateFit::mc_low, theory.md §8.7). All NaN when B = 0.
Estimate percentile_interval(std::vector<double> stats, std::size_t unknown, double level = 0.95);

// A statistic confined to [lo, hi] by construction (a fraction in [0, 1], a largest |deviation| or a ratio of
// distances ≥ 0) has its interval and Monte Carlo band cut to that range: the stretch for few seeds (theory.md §8.7)
// may reach past it, the quantity cannot, so the cut costs no coverage.
Estimate within_range(Estimate e, double lo, double hi);

// The region a claim's estimate must lie in (closed; one side infinite for "below" / "above"), with its source: the
// paper's figure or table, or the theory.md § it is derived from.
struct ClaimRegion {
  double lo = -INFINITY, hi = INFINITY;
  std::string source;
};

// What a verdict was judged on, for claims.json's "estimate" and "region": set by verdict_in_region and kept by the
// claim kinds that judge one estimate (a claim judged at several widths keeps the part it names); absent for counts
// (Clopper–Pearson) and verdicts that combine several estimates without naming one.
struct JudgedEstimate {
  std::string statistic;  // e.g. "fitted exponent of the neighbour gap"
  Estimate estimate;
  ClaimRegion region;
};

struct VerdictResult {
  Verdict verdict = Verdict::inconclusive;
  std::string detail;  // the estimate, its interval and the region, one line
  std::optional<JudgedEstimate> judged = std::nullopt;
};

// holds: the whole interval inside the region; fails: the whole interval outside it; inconclusive otherwise (and when
// the estimate or its interval is not finite). The detail quotes the estimate, the interval, the region and its source.
// A bootstrap estimate is judged on its widened interval (Estimate::widened, theory.md §8.7), so that no verdict
// depends on the bootstrap's random numbers; when that changes the verdict the 95 % interval alone would give, the
// detail says so and quotes the widened interval.
VerdictResult verdict_in_region(const Estimate& e, const ClaimRegion& region, const std::string& what);

// The mean over seeds with a percentile-bootstrap interval (B resamples of the seeds, make_rng(seed); `level` 0.95:
// the 2.5 % and 97.5 % points, then stretched about the mean by small_sample_stretch(n, level)); NaN values (missing /
// diverged runs) are dropped. Fewer than 3 values: the interval is NaN (a bootstrap of 2 values only spans them).
Estimate bootstrap_mean(const std::vector<double>& per_seed, int resamples = 2000, std::uint64_t seed = 0,
                        double level = 0.95);
// The mean of a_i − b_i over seeds that have both (paired: runs that share a seed share their init and data order).
Estimate bootstrap_paired_difference(const std::vector<double>& a, const std::vector<double>& b, int resamples = 2000,
                                     std::uint64_t seed = 0, double level = 0.95);

// A statistic of a set of seed indices, for statistics that are not functions of per-seed numbers (e.g. a KL between
// Gaussians fitted across seeds, which a bootstrap would bias: repeated seeds shrink the fitted spread). The interval
// is the delete-one jackknife's: value ± t(0.975, n−1) · SE_jack, SE_jack² = (n−1)/n Σ (θ_(i) − θ̄)², θ_(i) the
// statistic without seed i. value = stat(0..n_seeds−1); the interval is NaN with fewer than 3 seeds or a non-finite
// leave-one-out value.
Estimate jackknife_seeds(std::size_t n_seeds, const std::function<double(const std::vector<std::size_t>&)>& stat);

// A statistic of two independent sets of seeds (e.g. finite nets' seeds and independent limit runs), each a jackknife
// sample: value = stat(all of a, all of b); the variance is the sum of each set's delete-one jackknife variance
// (dropping one seed of that set, the other whole), SE² = SE_a² + SE_b², and the interval value ± t(0.975, ν) · SE
// with ν the Welch–Satterthwaite degrees of freedom SE⁴ / (SE_a⁴/(n_a − 1) + SE_b⁴/(n_b − 1)), rounded down (theory.md
// §8.7). n_b = 1 leaves the b part out (ν = n_a − 1). NaN interval with n_a < 3, n_b = 0, or a non-finite value.
using TwoSampleStatistic = std::function<double(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b)>;
Estimate jackknife_two_samples(std::size_t n_a, std::size_t n_b, const TwoSampleStatistic& stat);

// ---- Width sweeps ----------------------------------------------------------------------------------------------

// One quantity over a width sweep, per seed: values[i][s] is seed s at widths[i]. NaN marks a diverged (or failed)
// run; a width without any run has no values (missing: the claim kinds call it inconclusive, not diverged). Widths
// may hold different seed counts (fewer seeds at the largest width).
struct SeedGrid {
  std::vector<double> widths;
  std::vector<std::vector<double>> values;

  // More than half of the seeds at widths[i] are not finite (the cell "diverged"); also true without seeds.
  bool diverged(std::size_t i) const;
  // The mean over finite seeds at each width; NaN where diverged(i).
  std::vector<double> means() const;
};

// A statistic of the per-width means with a percentile-bootstrap 95 % interval. Each resample draws every width's
// finite seeds with replacement: the same seed indices at every width when all widths hold the same seeds (paired),
// independently per width otherwise. The value is the statistic of the full-sample means; the interval is NaN when a
// width has fewer than 3 finite seeds or the value is not finite, and is stretched about the value for the fewest
// finite seeds of any width (small_sample_stretch). A resampled statistic that is not finite is unknown: it counts at
// −∞ for the lower and at +∞ for the upper bound (theory.md §8.7), so the interval is unbounded once about 2.5 % of
// them are.
using MeansStatistic = std::function<double(const std::vector<double>& means)>;
Estimate bootstrap_statistic(const SeedGrid& g, const MeansStatistic& stat, int resamples = 2000,
                             std::uint64_t seed = 0);

// The change across the sweep of the OLS line through (log2 width, mean): slope × log2(w_last / w_first). A linear
// statistic of the means, so noise does not bias it (a largest deviation would be biased upward). The widths ascend
// (std::logic_error otherwise, as for every claim kind below that reads a sweep in order: flat, drifts, blows up,
// approaches; SweepSetup holds sweep.widths sorted).
double fitted_change(const std::vector<double>& widths, const std::vector<double>& means);
// The OLS slope of log mean on log width (NaN unless ≥ 2 widths have a positive finite mean).
double log_log_slope(const std::vector<double>& widths, const std::vector<double>& means);

// ---- Claim kinds: each is an estimate with an interval judged by verdict_in_region -----------------------------

// Flat in width: the fitted change across the sweep lies in [−tol, tol]. A diverged width fails; a width without runs
// (missing, not diverged) is inconclusive.
VerdictResult judge_flat(const SeedGrid& g, double tol, const std::string& source);
// Drifts: the fitted change lies in [min_change, ∞) (direction +1), (−∞, −min_change] (−1), or its magnitude is
// ≥ min_change (0). A diverged end width is inconclusive (the change is not measurable).
VerdictResult judge_drifts(const SeedGrid& g, double min_change, int direction, const std::string& source);
// Blows up at the largest width, against the narrowest. Inconclusive with fewer than 2 widths, a width without runs,
// fewer than 3 seeds at the largest width, or most seeds diverged at the narrowest width too (no contrast). When most
// seeds diverged at the largest width, a count: holds when the one-sided 95 % Clopper–Pearson lower bound on the
// diverged fraction (d of n) exceeds ½, else inconclusive (the detail quotes d, n and the bound). Otherwise the ratio
// mean(largest width) / min over widths of the mean must lie in [factor, ∞) — computed over the finite seeds, so with
// some seeds diverged at the largest width it may hold the claim but not fail it (inconclusive instead).
VerdictResult judge_blows_up(const SeedGrid& g, double factor, const std::string& source);
// One of `parts` judgements of one claim that holds when each holds and fails when any fails (several widths, several
// scalings): the seed mean (bootstrap_mean) holds on its 95 % interval as verdict_in_region says, and fails only when
// its 1 − 0.05/parts interval (Bonferroni, as judge_no_consistent_winner) lies outside the region too, so a true claim
// fails in at most about 5 % of runs however many parts it has; else inconclusive, the detail quoting that interval.
VerdictResult verdict_of_part(const std::vector<double>& per_seed, const ClaimRegion& region, const std::string& what,
                              std::size_t parts);
// Below a bound at every width: holds when every width's mean interval lies in (−∞, bound]; fails when some width
// diverged, or has its 1 − 0.05/k interval wholly above (verdict_of_part; k = the widths, or `parts` when the claim
// combines this grid with others into more judgements); a width without runs or anything else is inconclusive. The
// detail names the width closest to failing.
VerdictResult judge_below(const SeedGrid& g, double bound, const std::string& source, std::size_t parts = 0);
// Approaches `target`: |mean(last) − target| / |mean(first) − target| lies in [0, shrink].
VerdictResult judge_approaches(const SeedGrid& g, double target, double shrink, const std::string& source);
// Power law: the log-log slope lies in [exponent − tol, exponent + tol]. Fewer than 3 widths, a width without runs
// or a seed mean ≤ 0 (no logarithm) is inconclusive, a diverged width fails (as judge_flat); a resample with a mean
// ≤ 0 has an unknown slope (±∞ in the interval). With ≥ 4 widths a fit carried by one width is not a holds: when
// leaving out any one width moves the slope out of the region, holds becomes inconclusive.
VerdictResult judge_slope(const SeedGrid& g, double exponent, double tol, const std::string& source);
// a < b by more than `margin`: the mean of a − b (paired over seeds when `paired`, else the difference of the two
// bootstrap means) lies in (−∞, −margin].
VerdictResult judge_less(const std::vector<double>& a, const std::vector<double>& b, double margin, bool paired,
                         const std::string& name_a, const std::string& name_b, const std::string& source);
// No consistent winner between two methods compared at several widths: per width, the paired difference a − b over
// seeds (bootstrap_paired_difference of per_width_a[i], per_width_b[i], at the Bonferroni level 1 − 0.05/k for k
// widths, since "at some width" takes the best of k intervals). holds: at some width its interval lies within
// [−margin, margin] (there the two are equal to the margin, so neither wins at every width), or a wins beyond the
// margin at one width and b at another; fails: at every width it lies wholly above margin, or at every width wholly
// below −margin (one method wins everywhere); inconclusive otherwise.
VerdictResult judge_no_consistent_winner(const std::vector<double>& widths,
                                         const std::vector<std::vector<double>>& per_width_a,
                                         const std::vector<std::vector<double>>& per_width_b, double margin,
                                         const std::string& source);
// Close to a theory value: the mean over seeds lies in [theory − tol, theory + tol].
VerdictResult judge_close(const std::vector<double>& per_seed, double theory, double tol, const std::string& what,
                          const std::string& source);

}  // namespace widthlab
