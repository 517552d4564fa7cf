// The widest-widths check of a predicted asymptotic exponent (asymptotic_verdict.h; theory.md §10.3).
#include "widthlab/asymptotic_verdict.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace widthlab {
namespace {

std::string g(double x) { return std::isfinite(x) ? fmt::format("{:.4g}", x + 0.0) : "n/a"; }

}  // namespace

int widest_width_count(int n) { return n < 4 ? n : std::max(3, (n + 1) / 2); }

std::vector<std::size_t> widest_width_indices(const std::vector<double>& widths) {
  const int n = int(widths.size());
  if (n < 4) return {};
  std::vector<std::size_t> order(widths.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return widths[a] < widths[b]; });
  return {order.end() - widest_width_count(n), order.end()};
}

VerdictResult asymptotic_exponent_verdict(const RateFit& all, const RateFit& widest, const ClaimRegion& region,
                                          const std::string& what) {
  if (!all.ok || all.few_widths()) return {Verdict::inconclusive, what + ": fewer than 3 widths with finite values"};
  VerdictResult v = verdict_in_region({all.slope, all.ci_low, all.ci_high}, region, what);
  if (!widest.ok || widest.few_widths() || v.verdict == Verdict::inconclusive) return v;
  const Verdict w = verdict_in_region({widest.slope, widest.ci_low, widest.ci_high}, region, what).verdict;
  const std::string over = fmt::format("over the widest {} widths the exponent is {} [{}, {}]", widest.widths_used,
                                       g(widest.slope), g(widest.ci_low), g(widest.ci_high));
  if (v.verdict == Verdict::fails && w != Verdict::fails)
    return {Verdict::inconclusive, v.detail + "; but " + over +
                                       ", not outside the region: the narrower widths may be pre-asymptotic "
                                       "(theory.md §10.3)"};
  if (v.verdict == Verdict::holds && w == Verdict::fails)
    return {Verdict::inconclusive, v.detail + "; but " + over +
                                       ", outside the region: the exponent drifts out of it "
                                       "at the widest widths (theory.md §10.3)"};
  return v;
}

}  // namespace widthlab
