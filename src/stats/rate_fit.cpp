#include "widthlab/rate_fit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>

#include "widthlab/error.h"
#include "widthlab/quantiles.h"
#include "widthlab/rng.h"

namespace widthlab {

double ols_slope(const std::vector<double>& x, const std::vector<double>& y, double* intercept, double* stderr_out) {
  if (x.size() != y.size() || x.size() < 2)
    throw InputError(fmt::format("ols_slope: expected ≥ 2 (x, y) pairs, got {} x and {} y", x.size(), y.size()));
  const double n = double(x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) mx += x[i], my += y[i];
  mx /= n, my /= n;
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sxx += (x[i] - mx) * (x[i] - mx), sxy += (x[i] - mx) * (y[i] - my);
  if (!(sxx > 0)) throw InputError("ols_slope: all x values are equal; expected at least two distinct widths");
  double slope = sxy / sxx, b = my - slope * mx;
  if (intercept) *intercept = b;
  if (stderr_out) {
    if (x.size() < 3) {
      *stderr_out = RateFit::nan;
    } else {
      double rss = 0;
      for (std::size_t i = 0; i < x.size(); ++i) rss += std::pow(y[i] - b - slope * x[i], 2);
      *stderr_out = std::sqrt(rss / (n - 2) / sxx);
    }
  }
  return slope;
}

std::string RateFitOptions::validate() const {
  if (resamples < 0) return fmt::format("rate fit resamples = {}: expected an integer ≥ 0", resamples);
  if (!(level > 0 && level < 1)) return fmt::format("rate fit level = {}: expected a number in (0, 1)", level);
  return "";
}

namespace {
// The percentile interval of the usable slopes and `unknown` unusable ones, each of those at −∞ for the lower and
// at +∞ for the upper bound (RateFit::ci_low), interpolated between order statistics; and the outer ends of its
// endpoints' Monte Carlo bands from the bootstrap's own percentile code (percentile_interval, verdicts.h: the order
// statistics ⌊q B⌋ − m and ⌊(1 − q) B⌋ + m, which lie outside the interpolated ends since m ≥ 1). percentile_interval
// clamps a band end whose rank lies outside the sample to rank 0 or B − 1; here such an end is ∓∞ instead (RateFit::
// mc_low): B resamples too few to locate it say nothing about where it lies. Then all four ends are stretched about
// the slope for the number of resampled units (small_sample_stretch, quantiles.h; theory.md §8.7).
void rate_interval(const std::vector<double>& slopes, std::size_t unknown, double level, std::size_t units,
                   RateFit& fit) {
  const double alpha = (1 - level) / 2;
  if (slopes.empty() && unknown == 0) return;
  std::vector<double> low = slopes, high = slopes;
  low.insert(low.end(), unknown, -INFINITY);
  high.insert(high.end(), unknown, INFINITY);
  fit.ci_low = quantile(low, alpha);
  fit.ci_high = quantile(high, 1 - alpha);
  const Estimate band = percentile_interval(slopes, unknown, level);
  // The ranks percentile_interval takes (verdicts.cpp), before its clamping.
  const std::size_t n = slopes.size() + unknown, m = mc_band_halfwidth(n, alpha);
  auto rank = [&](double q) { return std::min(n - 1, std::size_t(q * double(n))); };
  fit.mc_low = rank((1 - level) / 2) < m ? -INFINITY : band.mc_lo;
  fit.mc_high = rank((1 + level) / 2) + m > n - 1 ? INFINITY : band.mc_hi;
  const double c = small_sample_stretch(units, level);
  stretch_about(fit.slope, c, fit.ci_low, fit.ci_high);
  stretch_about(fit.slope, c, fit.mc_low, fit.mc_high);
}
bool usable(double v) { return std::isfinite(v) && v > 0; }

// One bootstrap sample of seed indices. Without groups: n_seeds draws with replacement. With groups (two-stage,
// theory.md §8.7): as many draws of a group as there are groups, then, for each drawn group, as many draws of its seeds
// as it has; the sample's size varies when the groups differ in size.
class SeedResampler {
 public:
  SeedResampler(std::size_t n_seeds, const std::vector<int>& labels) : n_(n_seeds) {
    if (labels.empty()) return;
    if (labels.size() != n_seeds)
      throw InputError(
          fmt::format("rate fit groups: {} labels for {} seeds; expected one label per seed", labels.size(), n_seeds));
    std::map<int, std::vector<std::size_t>> by_label;
    for (std::size_t s = 0; s < n_seeds; ++s) by_label[labels[s]].push_back(s);
    for (auto& [label, seeds] : by_label) groups_.push_back(std::move(seeds));
  }
  int groups() const { return int(groups_.size()); }
  void draw(Rng& rng, std::vector<std::size_t>& sample) const {
    sample.clear();
    if (groups_.empty()) {
      std::uniform_int_distribution<std::size_t> pick(0, n_ - 1);
      for (std::size_t k = 0; k < n_; ++k) sample.push_back(pick(rng));
      return;
    }
    std::uniform_int_distribution<std::size_t> pick_group(0, groups_.size() - 1);
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      const std::vector<std::size_t>& members = groups_[pick_group(rng)];
      std::uniform_int_distribution<std::size_t> pick(0, members.size() - 1);
      for (std::size_t k = 0; k < members.size(); ++k) sample.push_back(members[pick(rng)]);
    }
  }

 private:
  std::size_t n_;
  std::vector<std::vector<std::size_t>> groups_;
};

void add_note(RateFit& fit, const std::string& text) { fit.note += (fit.note.empty() ? "" : "; ") + text; }

// Distinct values: a width given twice is one width, and the fit tests a power law only across distinct widths.
int distinct_count(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return int(std::unique(v.begin(), v.end()) - v.begin());
}

// theory.md §8.7: a percentile bootstrap over fewer than 3 units (the seeds, or the groups drawn in the first stage)
// gives no interval — one seed's resamples all coincide, two seeds' take 3 values. True (with a note) when so; reads
// fit.groups and fit.units (the groups, else RateFitOptions::stretch_units, else the seeds).
bool too_few_to_resample(RateFit& fit, std::size_t n_seeds) {
  if (fit.groups > 0 && fit.units < 3)
    add_note(fit, (fit.groups == 1 ? std::string("every seed shares one group (one limit run)")
                                   : std::string("the seeds fall in 2 groups (limit runs)")) +
                      ": fewer than 3 groups to resample give no interval");
  else if (fit.groups == 0 && n_seeds < 3)
    add_note(fit, fmt::format("{} seed(s): fewer than 3 give no interval", n_seeds));
  else if (fit.units < 3)
    add_note(fit, fmt::format("a fitted width has {} seed(s) with a value: fewer than 3 give no interval", fit.units));
  else
    return false;
  return true;
}
}  // namespace

RateFit fit_rate(const std::vector<double>& widths, std::size_t n_seeds, const SeedStatistic& stat,
                 const RateFitOptions& options) {
  if (auto msg = options.validate(); !msg.empty()) throw InputError(msg);
  const SeedResampler resampler(n_seeds, options.groups);
  RateFit fit;
  if (n_seeds == 0) {
    fit.note = "no seeds";
    return fit;
  }
  std::vector<std::size_t> all(n_seeds);
  for (std::size_t s = 0; s < n_seeds; ++s) all[s] = s;
  std::vector<std::size_t> used;
  std::vector<double> lx, ly;
  std::vector<std::string> dropped;
  for (std::size_t w = 0; w < widths.size(); ++w) {
    double v = stat(w, all);
    if (usable(v) && widths[w] > 0) {
      used.push_back(w);
      lx.push_back(std::log(widths[w]));
      ly.push_back(std::log(v));
    } else {
      dropped.push_back(fmt::format("{}", widths[w]));
    }
  }
  fit.widths_given = int(widths.size());
  fit.widths_used = distinct_count(lx);
  if (!dropped.empty())
    fit.note = fmt::format("widths without a finite positive distance left out: {}", fmt::join(dropped, ", "));
  if (fit.widths_used < int(used.size()))
    add_note(fit, fmt::format("{} of the {} usable widths repeat another, counted once",
                              int(used.size()) - fit.widths_used, used.size()));
  if (fit.widths_used < 2) {
    add_note(fit, "fewer than 2 usable widths: no fit");
    return fit;
  }
  fit.slope = ols_slope(lx, ly, &fit.intercept, &fit.slope_stderr);
  fit.ok = true;
  if (fit.few_widths())
    add_note(fit, "only 2 widths: a line through two points always fits; the slope is no tested rate");

  fit.groups = resampler.groups();
  fit.units = fit.groups > 0 ? std::size_t(fit.groups) : options.stretch_units > 0 ? options.stretch_units : n_seeds;
  if ((fit.too_few_units = too_few_to_resample(fit, n_seeds))) return fit;
  Rng rng = make_rng(options.seed, 0x72617465 /* "rate" */);
  std::vector<std::size_t> sample;
  std::vector<double> by(used.size());
  fit.resampled_slopes.assign(std::size_t(options.resamples), RateFit::nan);
  for (int b = 0; b < options.resamples; ++b) {
    resampler.draw(rng, sample);
    bool good = true;
    for (std::size_t k = 0; k < used.size() && good; ++k) {
      double v = stat(used[k], sample);
      good = usable(v);
      by[k] = good ? std::log(v) : 0.0;
    }
    if (good) fit.resampled_slopes[std::size_t(b)] = ols_slope(lx, by);
  }
  std::vector<double> slopes;  // the usable ones
  std::copy_if(fit.resampled_slopes.begin(), fit.resampled_slopes.end(), std::back_inserter(slopes),
               [](double s) { return std::isfinite(s); });
  fit.resamples = options.resamples;
  fit.resamples_used = int(slopes.size());
  rate_interval(slopes, std::size_t(options.resamples - fit.resamples_used), options.level, fit.units, fit);
  if (fit.resamples_used < options.resamples)
    add_note(fit, fmt::format("{} of {} bootstrap resamples unusable (a width's statistic not finite and positive): "
                              "counted as unknown slopes (−∞ for the lower, +∞ for the upper bound)",
                              options.resamples - fit.resamples_used, options.resamples));
  return fit;
}

Estimate rate_estimate(const RateFit& fit) {
  if (!fit.ok) return {};
  Estimate e{fit.slope, fit.ci_low, fit.ci_high, fit.mc_low, fit.mc_high};
  e.resamples = fit.resamples;
  return e;
}

RateFit fit_rate_mean(const std::vector<double>& widths, const MatrixD& values, const RateFitOptions& options) {
  if (std::size_t(values.rows()) != widths.size())
    throw InputError(fmt::format("fit_rate_mean: {} widths but {} rows of values", widths.size(), values.rows()));
  auto stat = [&](std::size_t w, const std::vector<std::size_t>& seeds) {
    double s = 0;
    int n = 0;
    for (auto k : seeds) {
      double v = values(Eigen::Index(w), Eigen::Index(k));
      if (std::isfinite(v)) s += v, ++n;
    }
    return n > 0 ? s / n : RateFit::nan;
  };
  RateFitOptions with_units = options;
  if (with_units.stretch_units == 0) {
    Eigen::Index fewest = values.cols();
    for (Eigen::Index w = 0; w < values.rows(); ++w) {
      const Eigen::Index present = values.row(w).unaryExpr([](double v) { return double(std::isfinite(v)); }).sum();
      if (present > 0) fewest = std::min(fewest, present);
    }
    with_units.stretch_units = std::size_t(fewest);
  }
  return fit_rate(widths, std::size_t(values.cols()), stat, with_units);
}

MatrixD without_undermeasured_widths(MatrixD values, const std::vector<int>& runs) {
  if (runs.size() != std::size_t(values.rows()))
    throw InputError(
        fmt::format("without_undermeasured_widths: {} run counts for {} widths", runs.size(), values.rows()));
  for (Eigen::Index w = 0; w < values.rows(); ++w)
    if (2 * values.row(w).array().isFinite().count() < runs[std::size_t(w)]) values.row(w).setConstant(RateFit::nan);
  return values;
}

double last_step_exponent(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = std::min(x.size(), y.size());
  if (n < 2) return RateFit::nan;
  return std::log(y[n - 1] / y[n - 2]) / std::log(x[n - 1] / x[n - 2]);
}

bool last_step_plateaus(double local_exponent, double interval_high) {
  return !(local_exponent < 0) || local_exponent > interval_high;
}

}  // namespace widthlab
