// Verdicts of `widthlab reproduce` (verdicts.h, theory.md §8.7): estimates with percentile-bootstrap intervals over
// seeds, judged against regions fixed before the run.
#include "widthlab/verdicts.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>
#include <stdexcept>

#include "widthlab/quantiles.h"
#include "widthlab/rate_fit.h"
#include "widthlab/rng.h"

namespace widthlab {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::holds: return "holds";
    case Verdict::fails: return "does not hold";
    case Verdict::inconclusive: return "inconclusive";
  }
  return "?";
}

namespace {

std::string num(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return "0";  // also −0 (a zero margin negated)
  return fmt::format("{:.4g}", v);
}

std::string width_name(double w) {
  const double l = std::log2(w);
  if (w >= 64 && std::abs(l - std::round(l)) < 1e-9) return fmt::format("2^{}", int(std::round(l)));
  return fmt::format("{:g}", w);
}

VerdictResult make(Verdict v, std::string detail) { return {v, std::move(detail)}; }

std::vector<double> finite_only(const std::vector<double>& v) {
  std::vector<double> f;
  for (double x : v)
    if (std::isfinite(x)) f.push_back(x);
  return f;
}

double mean_of(const std::vector<double>& v) {
  return v.empty() ? NAN : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

// The bootstrap of a statistic of per-group means (a group: one width, or one side of a comparison).
Estimate bootstrap_groups(const std::vector<std::vector<double>>& groups, const MeansStatistic& stat, bool paired,
                          int resamples, std::uint64_t seed, double level = 0.95) {
  std::vector<std::vector<double>> finite;
  std::vector<double> full;
  for (const auto& g : groups) {
    finite.push_back(finite_only(g));
    full.push_back(2 * finite.back().size() < g.size() ? NAN : mean_of(finite.back()));
  }
  Estimate e;
  e.value = stat(full);
  bool enough = resamples > 0 && !groups.empty();  // no group (e.g. no width above d*): no interval
  for (const auto& f : finite) enough = enough && f.size() >= 3;
  if (!enough) return e;
  // Paired: one draw of seed indices for every group when all groups hold the same seeds (a seed's NaN entries are
  // then skipped in each group's mean, so groups computed from the same runs stay consistent).
  bool same = paired;
  for (const auto& g : groups) same = same && g.size() == groups[0].size();
  Rng rng = make_rng(seed, 0x626f6f74 /* "boot" */);
  std::vector<double> stats;
  std::vector<double> means(groups.size());
  std::vector<std::size_t> picks;
  std::size_t unknown = 0;
  for (int b = 0; b < resamples; ++b) {
    if (same) {
      std::uniform_int_distribution<std::size_t> pick(0, groups[0].size() - 1);
      picks.resize(groups[0].size());
      for (auto& p : picks) p = pick(rng);
    }
    for (std::size_t i = 0; i < groups.size(); ++i) {
      const auto& f = same ? groups[i] : finite[i];
      std::uniform_int_distribution<std::size_t> pick(0, f.size() - 1);
      double s = 0;
      std::size_t n = 0;
      for (std::size_t k = 0; k < f.size(); ++k) {
        const double x = f[same ? picks[k] : pick(rng)];
        if (std::isfinite(x)) s += x, ++n;
      }
      means[i] = n ? s / double(n) : NAN;
    }
    const double x = stat(means);
    if (std::isfinite(x))
      stats.push_back(x);
    else
      ++unknown;
  }
  const Estimate p = percentile_interval(std::move(stats), unknown, level);
  e.lo = p.lo, e.hi = p.hi, e.mc_lo = p.mc_lo, e.mc_hi = p.mc_hi, e.resamples = p.resamples;
  // Stretched for the fewest seeds any group resamples (small_sample_stretch, theory.md §8.7).
  std::size_t units = finite[0].size();
  for (const auto& f : finite) units = std::min(units, f.size());
  const double c = small_sample_stretch(units, level);
  stretch_about(e.value, c, e.lo, e.hi);
  stretch_about(e.value, c, e.mc_lo, e.mc_hi);
  return e;
}

std::string interval_text(const Estimate& e) { return fmt::format("{} [{}, {}]", num(e.value), num(e.lo), num(e.hi)); }

Verdict judge_interval(double lo, double hi, const ClaimRegion& region) {
  if (lo >= region.lo && hi <= region.hi) return Verdict::holds;
  if (hi < region.lo || lo > region.hi) return Verdict::fails;
  return Verdict::inconclusive;
}

}  // namespace

// The widened interval contains [lo, hi], so it can only turn a holds or a fails into an inconclusive (theory.md §8.7).
VerdictResult verdict_in_region(const Estimate& e, const ClaimRegion& region, const std::string& what) {
  const std::string where = fmt::format("{} {} vs region [{}, {}] ({})", what, interval_text(e), num(region.lo),
                                        num(region.hi), region.source);
  const auto judged = [&](Verdict v, std::string detail) {
    VerdictResult r = make(v, std::move(detail));
    r.judged = JudgedEstimate{what, e, region};
    return r;
  };
  if (!std::isfinite(e.value) || !std::isfinite(e.lo) || !std::isfinite(e.hi))
    return judged(Verdict::inconclusive, where + ": no finite interval");
  const Verdict plain = judge_interval(e.lo, e.hi, region);
  const Estimate w = e.widened();
  const Verdict v = judge_interval(w.lo, w.hi, region);
  if (v != plain)
    return judged(v, where + fmt::format(": within the bootstrap's Monte Carlo error of the region's edge ({} "
                                         "resamples): widened interval [{}, {}]",
                                         e.resamples, num(w.lo), num(w.hi)));
  return judged(v, v == Verdict::inconclusive ? where + ": the interval straddles the region's edge" : where);
}

Estimate bootstrap_mean(const std::vector<double>& per_seed, int resamples, std::uint64_t seed, double level) {
  return bootstrap_groups(
      {finite_only(per_seed)}, [](const std::vector<double>& m) { return m[0]; }, false, resamples, seed, level);
}

Estimate bootstrap_paired_difference(const std::vector<double>& a, const std::vector<double>& b, int resamples,
                                     std::uint64_t seed, double level) {
  std::vector<double> d;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (std::isfinite(a[i]) && std::isfinite(b[i])) d.push_back(a[i] - b[i]);
  return bootstrap_mean(d, resamples, seed, level);
}

// ---- SeedGrid ------------------------------------------------------------------------------------------------------

bool SeedGrid::diverged(std::size_t i) const {
  const auto& v = values.at(i);
  return v.empty() || 2 * finite_only(v).size() < v.size();
}

std::vector<double> SeedGrid::means() const {
  std::vector<double> m;
  for (std::size_t i = 0; i < values.size(); ++i) m.push_back(diverged(i) ? NAN : mean_of(finite_only(values[i])));
  return m;
}

Estimate bootstrap_statistic(const SeedGrid& g, const MeansStatistic& stat, int resamples, std::uint64_t seed) {
  return bootstrap_groups(g.values, stat, true, resamples, seed);
}

namespace {
// Claims that read a sweep in order (first → last) take its widths ascending, as SweepSetup holds them.
void require_ascending(const std::vector<double>& widths, const char* who) {
  if (!std::is_sorted(widths.begin(), widths.end()))
    throw std::logic_error(fmt::format("{}: widths {} are not in ascending order", who, fmt::join(widths, ", ")));
}
}  // namespace

double fitted_change(const std::vector<double>& widths, const std::vector<double>& means) {
  require_ascending(widths, "fitted_change");
  std::vector<double> x, y;
  for (std::size_t i = 0; i < widths.size() && i < means.size(); ++i) {
    if (!std::isfinite(means[i])) return NAN;
    x.push_back(std::log2(widths[i]));
    y.push_back(means[i]);
  }
  if (x.size() < 2 || x.front() == x.back()) return NAN;
  return ols_slope(x, y) * (x.back() - x.front());
}

double log_log_slope(const std::vector<double>& widths, const std::vector<double>& means) {
  std::vector<double> x, y;
  for (std::size_t i = 0; i < widths.size() && i < means.size(); ++i)
    if (std::isfinite(means[i]) && means[i] > 0) {
      x.push_back(std::log(widths[i]));
      y.push_back(std::log(means[i]));
    }
  if (x.size() < 2 || *std::min_element(x.begin(), x.end()) == *std::max_element(x.begin(), x.end())) return NAN;
  return ols_slope(x, y);
}

// ---- Claim kinds ---------------------------------------------------------------------------------------------------

namespace {

std::string sweep_text(const SeedGrid& g) {
  if (g.widths.empty()) return "no widths";
  const auto m = g.means();
  return fmt::format("{} at {} → {} at {}", num(m.front()), width_name(g.widths.front()), num(m.back()),
                     width_name(g.widths.back()));
}

VerdictResult with_prefix(VerdictResult v, const std::string& prefix) {
  v.detail = prefix + "; " + v.detail;
  return v;
}

Estimate change_estimate(const SeedGrid& g) {
  return bootstrap_statistic(g, [&](const std::vector<double>& m) { return fitted_change(g.widths, m); });
}

std::optional<VerdictResult> missing_width(const SeedGrid& g) {  // no runs at all: missing, not diverged
  for (std::size_t i = 0; i < g.widths.size(); ++i)
    if (g.values.at(i).empty())
      return make(Verdict::inconclusive, fmt::format("no runs at width {}", width_name(g.widths[i])));
  return std::nullopt;
}

// A claim that needs a value at every width: a diverged width fails it, a missing one leaves it inconclusive.
std::optional<VerdictResult> unjudged_width(const SeedGrid& g) {
  for (std::size_t i = 0; i < g.widths.size(); ++i)
    if (!g.values.at(i).empty() && g.diverged(i))
      return make(Verdict::fails, fmt::format("diverged at width {}", width_name(g.widths[i])));
  return missing_width(g);
}

// The one-sided (1 − alpha) Clopper–Pearson lower bound on a binomial fraction from d of n: the p with
// P(X ≥ d | n, p) = alpha (0 when d = 0), by bisection on the binomial tail.
double clopper_pearson_lower(std::size_t d, std::size_t n, double alpha) {
  const auto log_c = [](double m, double j) {
    return std::lgamma(m + 1) - std::lgamma(j + 1) - std::lgamma(m - j + 1);
  };
  double lo = 0, hi = 1;
  for (int it = 0; d > 0 && it < 60; ++it) {
    const double p = (lo + hi) / 2;
    double tail = 0;
    for (std::size_t j = d; j <= n; ++j)
      tail += std::exp(log_c(double(n), double(j)) + double(j) * std::log(p) + double(n - j) * std::log1p(-p));
    (tail < alpha ? lo : hi) = p;
  }
  return lo;
}

}  // namespace

VerdictResult verdict_of_part(const std::vector<double>& per_seed, const ClaimRegion& region, const std::string& what,
                              std::size_t parts) {
  VerdictResult v = verdict_in_region(bootstrap_mean(per_seed), region, what);
  if (parts <= 1 || v.verdict != Verdict::fails) return v;
  const double level = 1 - 0.05 / double(parts);
  const Estimate b = bootstrap_mean(per_seed, 2000, 0, level).widened();
  const std::string at = fmt::format("{:.3g} % interval (Bonferroni over {} parts), widened: [{}, {}]", 100 * level,
                                     parts, num(b.lo), num(b.hi));
  const bool fails = judge_interval(b.lo, b.hi, region) == Verdict::fails;
  v.detail += fails ? "; its " + at : ": outside the region at 95 %, but not its " + at;
  if (!fails) v.verdict = Verdict::inconclusive;
  return v;
}

VerdictResult judge_flat(const SeedGrid& g, double tol, const std::string& source) {
  require_ascending(g.widths, "judge_flat");
  if (auto v = unjudged_width(g)) return *v;
  return with_prefix(verdict_in_region(change_estimate(g), {-tol, tol, source}, "fitted change across the sweep"),
                     sweep_text(g));
}

VerdictResult judge_drifts(const SeedGrid& g, double min_change, int direction, const std::string& source) {
  require_ascending(g.widths, "judge_drifts");
  if (g.widths.size() < 3) return make(Verdict::inconclusive, "fewer than 3 widths: no trend to fit");
  if (direction == 0) {
    const auto abs_change = [&](const std::vector<double>& m) { return std::abs(fitted_change(g.widths, m)); };
    return with_prefix(verdict_in_region(bootstrap_statistic(g, abs_change), {min_change, INFINITY, source},
                                         "|fitted change| across the sweep"),
                       sweep_text(g));
  }
  const ClaimRegion region =
      direction > 0 ? ClaimRegion{min_change, INFINITY, source} : ClaimRegion{-INFINITY, -min_change, source};
  return with_prefix(verdict_in_region(change_estimate(g), region, "fitted change across the sweep"), sweep_text(g));
}

VerdictResult judge_blows_up(const SeedGrid& g, double factor, const std::string& source) {
  require_ascending(g.widths, "judge_blows_up");
  if (g.widths.size() < 2) return make(Verdict::inconclusive, "fewer than 2 widths: no contrast in width");
  if (auto v = missing_width(g)) return *v;
  const std::size_t last = g.widths.size() - 1, n = g.values[last].size(), d = n - finite_only(g.values[last]).size();
  const std::string count =
      fmt::format("{} of {} seeds diverged at the largest width {}", d, n, width_name(g.widths[last]));
  if (n < 3) return make(Verdict::inconclusive, count + ": fewer than 3 seeds");
  if (g.diverged(0))
    return make(Verdict::inconclusive,
                count + fmt::format("; most diverged at the narrowest {} too: no contrast", width_name(g.widths[0])));
  if (g.diverged(last)) {  // a count: holds when most seeds diverge, at 95 % (one-sided)
    const double lower = clopper_pearson_lower(d, n, 0.05);
    return make(
        lower > 0.5 ? Verdict::holds : Verdict::inconclusive,
        count + fmt::format(": one-sided 95 % Clopper–Pearson lower bound on the diverged fraction {} {} ½ ({})",
                            num(lower), lower > 0.5 ? ">" : "≤", source));
  }
  const auto ratio = [](const std::vector<double>& m) {
    double lowest = INFINITY;
    for (double x : m)
      if (std::isfinite(x)) lowest = std::min(lowest, x);
    return lowest > 0 ? m.back() / lowest : NAN;
  };
  VerdictResult v = with_prefix(verdict_in_region(bootstrap_statistic(g, ratio), {factor, INFINITY, source},
                                                  "mean at the largest width / smallest mean"),
                                sweep_text(g));
  if (d > 0 && v.verdict == Verdict::fails)  // the survivors' ratio: a diverged seed is not evidence against it
    return make(Verdict::inconclusive, v.detail + "; but " + count + ": not a fail");
  return v;
}

VerdictResult judge_below(const SeedGrid& g, double bound, const std::string& source, std::size_t parts) {
  if (g.widths.empty()) return make(Verdict::inconclusive, "no widths");
  if (auto v = unjudged_width(g)) return *v;
  parts = std::max(parts, g.widths.size());
  std::size_t worst = 0;
  Estimate worst_e;
  bool all_hold = true;
  VerdictResult v;  // the worst part's
  for (std::size_t i = 0; i < g.widths.size(); ++i) {
    const Estimate e = bootstrap_mean(g.values[i]);
    VerdictResult part = verdict_of_part(g.values[i], {-INFINITY, bound, source}, "mean", parts);
    if (part.verdict == Verdict::fails) {
      part.detail = fmt::format("at width {}: {}", width_name(g.widths[i]), part.detail);
      return part;
    }
    all_hold = all_hold && part.verdict == Verdict::holds;
    if (i == 0 || !(e.hi <= worst_e.hi)) worst = i, worst_e = e, v = std::move(part);
  }
  // "closest to the bound" only among several widths: a claim judged at one width names it plainly.
  v.verdict = all_hold ? Verdict::holds : Verdict::inconclusive;
  v.detail = fmt::format("{} width {}: {}", g.widths.size() > 1 ? "closest to the bound at" : "at",
                         width_name(g.widths[worst]), v.detail);
  return v;
}

VerdictResult judge_no_consistent_winner(const std::vector<double>& widths,
                                         const std::vector<std::vector<double>>& per_width_a,
                                         const std::vector<std::vector<double>>& per_width_b, double margin,
                                         const std::string& source) {
  if (widths.empty() || per_width_a.size() != widths.size() || per_width_b.size() != widths.size())
    return make(Verdict::inconclusive, "no widths");
  std::size_t above = 0, below = 0;
  bool some_within = false;
  // "At some width" picks the best of k intervals: Bonferroni's 1 − 0.05/k per width keeps the whole verdict at 95 %.
  const double level = 1 - 0.05 / double(widths.size());
  std::string detail =
      fmt::format("per-width intervals at {:.3g} % (Bonferroni over {} widths)", 100 * level, widths.size());
  for (std::size_t i = 0; i < widths.size(); ++i) {
    const Estimate e = bootstrap_paired_difference(per_width_a[i], per_width_b[i], 2000, 0, level);
    const VerdictResult v =
        verdict_in_region(e, {-margin, margin, source}, fmt::format("width {}: difference", width_name(widths[i])));
    some_within = some_within || v.verdict == Verdict::holds;
    const Estimate w = e.widened();  // a winner beyond the margin, as a verdict: on the widened interval (§8.7)
    above += std::isfinite(w.lo) && w.lo > margin;
    below += std::isfinite(w.hi) && w.hi < -margin;
    detail += "; " + v.detail;
  }
  const bool one_wins = above == widths.size() || below == widths.size();
  const bool each_wins_somewhere = above > 0 && below > 0;
  return make(some_within || each_wins_somewhere ? Verdict::holds
              : one_wins                         ? Verdict::fails
                                                 : Verdict::inconclusive,
              detail);
}

VerdictResult judge_approaches(const SeedGrid& g, double target, double shrink, const std::string& source) {
  require_ascending(g.widths, "judge_approaches");
  const auto ratio = [target](const std::vector<double>& m) {
    const double first = std::abs(m.front() - target);
    return first > 0 ? std::abs(m.back() - target) / first : NAN;
  };
  if (g.widths.size() < 2) return make(Verdict::inconclusive, "fewer than 2 widths");
  return with_prefix(
      verdict_in_region(within_range(bootstrap_statistic(g, ratio), 0.0, INFINITY), {0.0, shrink, source},
                        fmt::format("|distance to {}| at the largest width / at the smallest", num(target))),
      sweep_text(g));
}

VerdictResult judge_slope(const SeedGrid& g, double exponent, double tol, const std::string& source) {
  if (g.widths.size() < 3) return make(Verdict::inconclusive, "fewer than 3 widths: 2 lie on any power law");
  if (auto v = unjudged_width(g)) return *v;
  const auto m = g.means();
  for (std::size_t i = 0; i < m.size(); ++i)
    if (!(m[i] > 0))
      return make(Verdict::inconclusive,
                  fmt::format("mean {} at width {}: no log-log slope", num(m[i]), width_name(g.widths[i])));
  // A resampled mean that is not positive leaves the slope unknown (±∞ in the interval), not fitted without it.
  const auto slope = [&](const std::vector<double>& mm) {
    for (double x : mm)
      if (!(x > 0)) return double(NAN);
    return log_log_slope(g.widths, mm);
  };
  const ClaimRegion region{exponent - tol, exponent + tol, source};
  VerdictResult v = verdict_in_region(bootstrap_statistic(g, slope), region, "fitted log-log slope");
  if (v.verdict != Verdict::holds || g.widths.size() < 4) return v;
  for (std::size_t drop = 0; drop < g.widths.size(); ++drop) {
    std::vector<double> w, mm;
    for (std::size_t i = 0; i < g.widths.size(); ++i)
      if (i != drop) w.push_back(g.widths[i]), mm.push_back(m[i]);
    const double s = log_log_slope(w, mm);
    const std::string without = fmt::format("; without width {} the slope is {}", width_name(g.widths[drop]), num(s));
    if (!(s >= region.lo && s <= region.hi))
      return make(Verdict::inconclusive, v.detail + without + " (carried by one width)");
  }
  return v;
}

VerdictResult judge_less(const std::vector<double>& a, const std::vector<double>& b, double margin, bool paired,
                         const std::string& name_a, const std::string& name_b, const std::string& source) {
  const Estimate d = paired ? bootstrap_paired_difference(a, b)
                            : bootstrap_groups(
                                  {a, b}, [](const std::vector<double>& m) { return m[0] - m[1]; }, false, 2000, 0);
  return with_prefix(
      verdict_in_region(d, {-INFINITY, -margin, source}, fmt::format("{} − {}", name_a, name_b)),
      fmt::format("{} = {}, {} = {}", name_a, num(mean_of(finite_only(a))), name_b, num(mean_of(finite_only(b)))));
}

VerdictResult judge_close(const std::vector<double>& per_seed, double theory, double tol, const std::string& what,
                          const std::string& source) {
  return verdict_in_region(bootstrap_mean(per_seed), {theory - tol, theory + tol, source}, what);
}

}  // namespace widthlab
