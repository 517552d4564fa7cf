// The narrowest/widest-widths checks of a predicted asymptotic exponent (asymptotic_verdict.h; theory.md §10.3).
#include "widthlab/asymptotic_verdict.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace widthlab {
namespace {

std::string g(double x) {
  return std::isfinite(x) ? fmt::format("{:.4g}", x + 0.0) : std::isinf(x) ? (x < 0 ? "-inf" : "inf") : "n/a";
}

bool usable(const RateFit& f) { return f.ok && !f.few_widths() && std::isfinite(f.ci_low) && std::isfinite(f.ci_high); }

// How far x lies outside the region (0 inside).
double outside_by(double x, const ClaimRegion& r) { return std::max({r.lo - x, x - r.hi, 0.0}); }

std::string fit_text(const char* which, const RateFit& f) {
  return fmt::format("over the {} {} widths the exponent is {} [{}, {}]", which, f.widths_used, g(f.slope), g(f.ci_low),
                     g(f.ci_high));
}

// How many widths the sweep has: the fit over every width was given them all (a fit built without widths_given
// has at least the widths it used).
int sweep_widths(const RateFit& all) { return std::max(all.widths_given, all.widths_used); }

// Why the widest widths' re-fit cannot enter the verdict, with the widths it lacked (its note).
std::string missing_refit_text(const RateFit& widest, int n) {
  const int k = widest.widths_given > 0 ? widest.widths_given : widest_width_count(n);
  const std::string why = !widest.ok ? fmt::format("has no fit ({} usable width(s))", widest.widths_used)
                          : widest.few_widths()
                              ? fmt::format("has only {} usable widths", widest.widths_used)
                              : fmt::format("has no finite interval ([{}, {}])", g(widest.ci_low), g(widest.ci_high));
  return fmt::format("the re-fit over the widest {} of the {} widths {}{}", k, n, why,
                     widest.note.empty() ? std::string() : ": " + widest.note);
}

// +1: the exponent moves toward the region from the narrowest to the widest widths (disjoint intervals), −1: away
// from it, 0: no settled movement (overlapping intervals, or a re-fit missing).
int movement(const RateFit& narrowest, const RateFit& widest, const ClaimRegion& region) {
  if (!usable(narrowest) || !usable(widest)) return 0;
  if (!(widest.ci_low > narrowest.ci_high || widest.ci_high < narrowest.ci_low)) return 0;
  const double from = outside_by(narrowest.slope, region), to = outside_by(widest.slope, region);
  return to < from ? 1 : to > from ? -1 : 0;
}

}  // namespace

int widest_width_count(int n) { return n < 4 ? n : std::max(3, (n + 1) / 2); }

WidthHalves width_halves(const std::vector<double>& widths) {
  const int n = int(widths.size());
  if (n < 4) return {};
  std::vector<std::size_t> order(widths.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return widths[a] < widths[b]; });
  const int k = widest_width_count(n);
  return {{order.begin(), order.begin() + k}, {order.end() - k, order.end()}};
}

namespace {

// The verdict on the fits' intervals: widened by their Monte Carlo bands (rate_estimate, theory.md §8.7) or not. The
// movement between the narrowest and widest widths stays on the 95 % intervals in both: it can only turn a verdict
// inconclusive, and widening it would let fewer verdicts be.
VerdictResult judge(const RateFit& all, const RateFit& narrowest, const RateFit& widest, const ClaimRegion& region,
                    const std::string& what, bool widen) {
  auto estimate = [&](const RateFit& f) { return widen ? rate_estimate(f) : Estimate{f.slope, f.ci_low, f.ci_high}; };
  VerdictResult v = verdict_in_region(estimate(all), region, what);
  if (v.verdict == Verdict::inconclusive) return v;
  if (!usable(widest)) {
    // With fewer than 4 widths no re-fit is made and the fit over every width stands; with 4 or more the widest
    // widths must agree, and a re-fit without a finite interval over ≥ 3 widths cannot (theory.md §10.3).
    const int n = sweep_widths(all);
    if (n < 4) return v;
    return {Verdict::inconclusive, v.detail + "; but " + missing_refit_text(widest, n) +
                                       " — the widest widths can neither confirm nor contradict it (theory.md §10.3)"};
  }
  const Verdict w = verdict_in_region(estimate(widest), region, what).verdict;
  const int moves = movement(narrowest, widest, region);
  const std::string fits =
      (usable(narrowest) ? fit_text("narrowest", narrowest) + ", " : std::string()) + fit_text("widest", widest);
  if (v.verdict == Verdict::fails && w != Verdict::fails)
    return {Verdict::inconclusive, v.detail + "; but " + fits +
                                       ", not outside the region: the narrower widths may be pre-asymptotic "
                                       "(theory.md §10.3)"};
  if (v.verdict == Verdict::fails && moves > 0)
    return {Verdict::inconclusive,
            v.detail + "; but " + fits + ": the exponent still moves toward the region (theory.md §10.3)"};
  if (v.verdict == Verdict::holds && (w != Verdict::holds || moves < 0))
    return {Verdict::inconclusive, v.detail + "; but " + fits +
                                       (w == Verdict::fails ? ", outside the region: the exponent drifts out of it"
                                        : moves < 0         ? ": the exponent moves away from the region"
                                                    : ", not inside the region: the widest widths do not confirm it") +
                                       " (theory.md §10.3)"};
  return v;
}

}  // namespace

VerdictResult asymptotic_exponent_verdict(const RateFit& all, const RateFit& narrowest, const RateFit& widest,
                                          const ClaimRegion& region, const std::string& what) {
  if (!all.ok || all.few_widths()) return {Verdict::inconclusive, what + ": fewer than 3 widths with finite values"};
  VerdictResult v = judge(all, narrowest, widest, region, what, true);
  const Verdict plain = judge(all, narrowest, widest, region, what, false).verdict;
  // verdict_in_region says so itself when the band changed the fit over every width's verdict; here the widest
  // widths' band changed the outcome.
  if (v.verdict != plain && v.detail.find("Monte Carlo") == std::string::npos)
    v.detail += fmt::format(
        "; the widest widths' interval is within the bootstrap's Monte Carlo error of the region's edge ({} "
        "resamples): widened interval [{}, {}]",
        widest.resamples, g(widest.mc_low), g(widest.mc_high));
  return v;
}

}  // namespace widthlab
