// The verdicts of the Golikov 2020 [G1] cases that verdicts.h has no kind for (theory.md §6.1): the paired depth
// contrast of R10/R11, a non-trivial limit judged against the trend of its last doubling (R10–R12), and power-law
// exponents fitted over ≥ 3 widths (R2). Each interval is the delete-one jackknife over seeds with t(n − 1)
// (jackknife_seeds, theory.md §8.7): these statistics rest on the 5 seeds of the widest nets, where a percentile
// bootstrap under-covers (§8.7).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "reproduce/common.h"
#include "reproduce/golikov2020_common.h"

namespace widthlab::repro::g1 {

AlignedSeeds aligned_seeds(const std::map<SweepRunKey, TrainResult>& results, const std::string& label,
                           const std::vector<int>& widths, const std::function<double(const TrainResult&)>& fn,
                           const std::vector<std::uint64_t>& only) {
  std::map<std::uint64_t, std::vector<double>> by_seed;
  for (std::size_t i = 0; i < widths.size(); ++i)
    for (const auto& [k, r] : results)
      if (k.scaling == label && k.width == widths[i]) {
        auto& row = by_seed[k.seed];
        row.resize(widths.size(), NAN);
        row[i] = fn(r);
      }
  AlignedSeeds a;
  a.widths.assign(widths.begin(), widths.end());
  a.values.assign(widths.size(), {});
  for (const auto& [seed, row] : by_seed) {
    if (!only.empty() && std::find(only.begin(), only.end(), seed) == only.end()) continue;
    bool everywhere = true;  // a seed missing at some width is left out (the seeds every width has)
    for (std::size_t i = 0; i < widths.size(); ++i) everywhere = everywhere && i < row.size() && !std::isnan(row[i]);
    if (!everywhere) continue;
    a.seeds.push_back(seed);
    for (std::size_t i = 0; i < widths.size(); ++i) a.values[i].push_back(row[i]);
  }
  return a;
}

namespace {

double mean_at(const std::vector<double>& v, const std::vector<std::size_t>& idx) {
  double s = 0;
  for (std::size_t k : idx) s += v.at(k);
  return idx.empty() ? NAN : s / double(idx.size());
}

// |mean(last) − target| / |mean(first) − target| over the seeds idx: R11's collapse statistic (judge_approaches).
double collapse_ratio(const AlignedSeeds& a, double target, const std::vector<std::size_t>& idx) {
  const double first = std::abs(mean_at(a.values.front(), idx) - target);
  return first > 0 ? std::abs(mean_at(a.values.back(), idx) - target) / first : NAN;
}

std::string estimate_text(const Estimate& e) {
  return fmt::format("{} [{}, {}]", fmt_num(e.value), fmt_num(e.lo), fmt_num(e.hi));
}

std::vector<std::size_t> first_n(std::size_t n) {
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), std::size_t(0));
  return idx;
}

}  // namespace

VerdictResult judge_collapse_contrast(const AlignedSeeds& deep, const AlignedSeeds& shallow, double target,
                                      double max_exponent, const std::string& source) {
  if (deep.widths.size() < 2 || shallow.widths.size() < 2 || deep.widths.front() != shallow.widths.front() ||
      deep.widths.back() != shallow.widths.back())
    return {Verdict::inconclusive, "the two depths were not run at the same first and last widths"};
  if (deep.seeds != shallow.seeds) return {Verdict::inconclusive, "the two depths do not hold the same seeds"};
  const double log_span = std::log(deep.widths.back() / deep.widths.front());
  const auto exponent = [&](const std::vector<std::size_t>& idx) {
    return std::log(collapse_ratio(deep, target, idx) / collapse_ratio(shallow, target, idx)) / log_span;
  };
  const std::vector<std::size_t> all = first_n(deep.seeds.size());
  VerdictResult v = verdict_in_region(jackknife_seeds(deep.seeds.size(), exponent), {-INFINITY, max_exponent, source},
                                      "exponent of (deeper / shallower collapse ratio) in width");
  v.detail = fmt::format(
                 "|distance to {}| at {} / at {}, paired over the {} seeds both depths have: deeper {}, shallower "
                 "{}; ",
                 fmt_num(target), width_label(deep.widths.back()), width_label(deep.widths.front()), deep.seeds.size(),
                 fmt_num(collapse_ratio(deep, target, all)), fmt_num(collapse_ratio(shallow, target, all))) +
             v.detail;
  return v;
}

VerdictResult judge_nontrivial_limit(const SeedGrid& g, const AlignedSeeds& last_two, double bound, double rate,
                                     const std::string& source) {
  const VerdictResult every_width = judge_below(g, bound, source);
  if (every_width.verdict == Verdict::fails) return every_width;
  if (last_two.widths.size() != 2 || last_two.seeds.size() < 3)
    return {Verdict::inconclusive,
            every_width.detail +
                "; the trend of the last doubling is not measurable (fewer than 3 seeds at both of "
                "the last two widths)"};
  const double factor = std::pow(last_two.widths[1] / last_two.widths[0], rate) - 1;
  const auto change = [&](const std::vector<std::size_t>& idx) {
    return mean_at(last_two.values[1], idx) - mean_at(last_two.values[0], idx);
  };
  // L(d) = L∞ − A·d^(−rate) gives L∞ − L(w2) = (L(w2) − L(w1)) / ((w2/w1)^rate − 1).
  const auto limit = [&](const std::vector<std::size_t>& idx) {
    return mean_at(last_two.values[1], idx) + change(idx) / factor;
  };
  const std::size_t n = last_two.seeds.size();
  const Estimate dl = jackknife_seeds(n, change);
  const VerdictResult trend =
      verdict_in_region(jackknife_seeds(n, limit), {-INFINITY, bound, source},
                        fmt::format("limit extrapolated at the rate d^−{} from {} → {}", fmt_num(rate, 2),
                                    width_label(last_two.widths[0]), width_label(last_two.widths[1])));
  std::string detail = every_width.detail +
                       fmt::format("; change over the last doubling {} ({} seeds); ", estimate_text(dl), n) +
                       trend.detail;
  if (every_width.verdict == Verdict::holds && trend.verdict == Verdict::holds) return {Verdict::holds, detail};
  if (every_width.verdict == Verdict::holds && dl.lo > 0)
    detail +=
        ": every width is below the bound, but the loss still climbs toward it and the trend does not say it "
        "stays below";
  return {Verdict::inconclusive, detail};
}

std::vector<double> fitted_exponents(const std::vector<AlignedSeeds>& quantities, const std::vector<double>& scale,
                                     const std::vector<double>& offset, const std::vector<std::size_t>& idx) {
  std::vector<double> e;
  for (std::size_t q = 0; q < quantities.size(); ++q) {
    std::vector<double> means;
    for (const auto& v : quantities[q].values) means.push_back(mean_at(v, idx));
    e.push_back(log_log_slope(quantities[q].widths, means) * scale.at(q) + offset.at(q));
  }
  return e;
}

VerdictResult judge_exponents(const std::vector<AlignedSeeds>& quantities, const std::vector<double>& scale,
                              const std::vector<double>& offset, const std::vector<double>& target, double tol,
                              const std::string& what, const std::string& source) {
  if (quantities.empty()) return {Verdict::inconclusive, "no quantities"};
  const AlignedSeeds& first = quantities.front();
  if (first.widths.size() < 3)
    return {Verdict::inconclusive, fmt::format("{} widths: a slope through fewer than 3 widths is no tested rate "
                                               "(theory.md §6.1 R2)",
                                               first.widths.size())};
  for (const auto& q : quantities)
    if (q.seeds != first.seeds || q.widths != first.widths)
      return {Verdict::inconclusive, "the quantities do not hold the same seeds and widths"};
  const auto worst = [&](const std::vector<std::size_t>& idx) {
    const std::vector<double> e = fitted_exponents(quantities, scale, offset, idx);
    double w = 0;
    for (std::size_t q = 0; q < e.size(); ++q)
      if (!std::isnan(target.at(q))) w = std::max(w, std::isfinite(e[q]) ? std::abs(e[q] - target[q]) : INFINITY);
    return w;
  };
  // The statistic is ≥ 0 by construction: the jackknife's symmetric interval is cut at 0 (its parameter space).
  Estimate e = jackknife_seeds(first.seeds.size(), worst);
  if (e.lo < 0) e.lo = 0;
  VerdictResult v = verdict_in_region(e, {0.0, tol, source}, what);
  v.detail = fmt::format("OLS over widths {}…{} ({} widths), {} seeds, delete-one jackknife with t({}): ",
                         width_label(first.widths.front()), width_label(first.widths.back()), first.widths.size(),
                         first.seeds.size(), first.seeds.size() - 1) +
             v.detail;
  return v;
}

}  // namespace widthlab::repro::g1
