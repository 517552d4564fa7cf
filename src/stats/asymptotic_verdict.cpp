// The narrowest/widest-widths checks of a predicted asymptotic exponent (asymptotic_verdict.h; theory.md §10.3).
#include "widthlab/asymptotic_verdict.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "widthlab/quantiles.h"

namespace widthlab {
namespace {

std::string g(double x) {
  return std::isfinite(x) ? fmt::format("{:.4g}", x + 0.0) : std::isinf(x) ? (x < 0 ? "-inf" : "inf") : "n/a";
}

bool usable(const RateFit& f) { return f.ok && !f.few_widths() && std::isfinite(f.ci_low) && std::isfinite(f.ci_high); }

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

// The change of the exponent from the narrowest to the widest widths, times s (s = ±1: for a failure, positive toward
// the region; for a hold s = +1, the plain change), with its 95 % interval (theory.md §10.3). Paired when both re-fits
// kept their resamples and drew them alike (same count, same seeds: rate_fit.h): the percentile interval of s·(e_widest
// − e_narrowest) over the resamples, an unknown one (either slope unusable) at ∓∞, stretched about the point change by
// small_sample_stretch for the fewer units of the two. Otherwise the interval the two intervals bound, [s·(w_away −
// n_toward), s·(w_toward − n_away)], which holds with ≥ 90 % when each interval covers (Bonferroni) and is wider than
// the paired one.
Estimate change_toward(const RateFit& narrowest, const RateFit& widest, double s) {
  Estimate e;
  e.value = s * (widest.slope - narrowest.slope);
  const auto& a = narrowest.resampled_slopes;
  const auto& b = widest.resampled_slopes;
  if (!a.empty() && a.size() == b.size() && narrowest.groups == widest.groups) {
    std::vector<double> changes;
    std::size_t unknown = 0;
    for (std::size_t k = 0; k < a.size(); ++k)
      if (std::isfinite(a[k]) && std::isfinite(b[k]))
        changes.push_back(s * (b[k] - a[k]));
      else
        ++unknown;
    const Estimate p = percentile_interval(std::move(changes), unknown, 0.95);
    e.lo = p.lo, e.hi = p.hi;
    stretch_about(e.value, small_sample_stretch(std::min(narrowest.units, widest.units), 0.95), e.lo, e.hi);
    return e;
  }
  const double w_toward = s > 0 ? widest.ci_high : widest.ci_low, w_away = s > 0 ? widest.ci_low : widest.ci_high;
  const double n_toward = s > 0 ? narrowest.ci_high : narrowest.ci_low,
               n_away = s > 0 ? narrowest.ci_low : narrowest.ci_high;
  e.lo = s * (w_away - n_toward), e.hi = s * (w_toward - n_away);
  return e;
}

// Why a failure outside the region is not yet settled, or "" when it is (theory.md §10.3). A failure claims the
// exponent stays outside the region as d grows, so the sweep must bound how fast it can still approach: the widest
// widths' interval end nearest the region, moved on by the largest change toward the region the sweep allows (the
// upper end of change_toward) over one more step of the same span, must stay outside. A change whose interval lies
// above zero is movement toward the region outright. Without a usable narrowest re-fit nothing bounds the change.
std::string unsettled_approach(const RateFit& narrowest, const RateFit& widest, const ClaimRegion& region) {
  if (!usable(narrowest))
    return "the narrowest widths have no re-fit with a finite interval over 3 widths, so nothing bounds how fast the "
           "exponent may still approach the region — not settled";
  const double s = widest.slope < region.lo ? 1.0 : -1.0;
  const Estimate c = change_toward(narrowest, widest, s);
  const double gap = s > 0 ? region.lo - widest.ci_high : widest.ci_low - region.hi;  // > 0: outside
  const std::string change =
      fmt::format("the change toward the region from the narrowest to the widest widths is {} [{}, {}]", g(c.value),
                  g(c.lo), g(c.hi));
  if (c.lo > 0) return change + ": the exponent still moves toward the region";
  if (!(c.hi < gap))
    return change + fmt::format(
                        ", and the widest widths' interval lies {} from the region: at the largest change the sweep "
                        "allows, one more such span of widths could bring it in — not settled",
                        g(gap));
  return "";
}

// Why a hold is not yet settled, or "" when it is (theory.md §10.3): the mirror of unsettled_approach. A hold claims
// the exponent stays inside the region as d grows, so the sweep must bound how fast it can still leave: the widest
// widths' interval, each end moved on by the change from the narrowest to the widest widths in its direction (the
// change's interval end) over one more step of the same span, must stay inside. A change that is significant but
// small against the room left (an exponent settling onto the prediction) keeps the hold, so more seeds, which narrow
// the change's interval, do not by themselves make a hold unsettled. Without a usable narrowest re-fit nothing
// bounds the change.
std::string unsettled_stay(const RateFit& narrowest, const RateFit& widest, const ClaimRegion& region) {
  if (!usable(narrowest))
    return "the narrowest widths have no re-fit with a finite interval over 3 widths, so nothing bounds how fast the "
           "exponent may still leave the region — not settled";
  const Estimate c = change_toward(narrowest, widest, 1.0);
  const double room_up = region.hi - widest.ci_high, room_down = widest.ci_low - region.lo;  // ≥ 0: inside
  const bool up = !(c.hi < room_up), down = !(-c.lo < room_down);
  if (!up && !down) return "";
  return fmt::format(
      "the change from the narrowest to the widest widths is {} [{}, {}], and the widest widths' interval lies {} "
      "inside the region's {} end: at the largest change the sweep allows, one more such span of widths could take "
      "it out — not settled",
      g(c.value), g(c.lo), g(c.hi), g(up ? room_up : room_down), up ? "upper" : "lower");
}

}  // namespace

Estimate exponent_change(const RateFit& narrowest, const RateFit& widest) {
  if (!usable(narrowest) || !usable(widest)) return {};
  return change_toward(narrowest, widest, 1.0);
}

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
    // With fewer than 4 widths no re-fit is made, so nothing bounds how fast the exponent may still move: neither
    // verdict is settled. With 4 or more the widest widths must agree, and a re-fit without a finite interval over
    // ≥ 3 widths cannot (theory.md §10.3).
    const int n = sweep_widths(all);
    if (n < 4)
      return {Verdict::inconclusive,
              v.detail + fmt::format("; but {} widths give no re-fits over the narrowest and the widest widths, so "
                                     "nothing bounds how fast the exponent may still {} the region — not settled "
                                     "(theory.md §10.3)",
                                     n, v.verdict == Verdict::fails ? "approach" : "leave")};
    return {Verdict::inconclusive, v.detail + "; but " + missing_refit_text(widest, n) +
                                       " — the widest widths can neither confirm nor contradict it (theory.md §10.3)"};
  }
  const Verdict w = verdict_in_region(estimate(widest), region, what).verdict;
  const std::string fits =
      (usable(narrowest) ? fit_text("narrowest", narrowest) + ", " : std::string()) + fit_text("widest", widest);
  if (v.verdict == Verdict::fails && w != Verdict::fails)
    return {Verdict::inconclusive, v.detail + "; but " + fits +
                                       ", not outside the region: the narrower widths may be pre-asymptotic "
                                       "(theory.md §10.3)"};
  if (v.verdict == Verdict::fails)
    if (const std::string why = unsettled_approach(narrowest, widest, region); !why.empty())
      return {Verdict::inconclusive, v.detail + "; but " + fits + "; " + why + " (theory.md §10.3)"};
  if (v.verdict == Verdict::holds && w != Verdict::holds)
    return {Verdict::inconclusive,
            v.detail + "; but " + fits +
                (w == Verdict::fails ? ", outside the region: the exponent drifts out of it"
                                     : ", not inside the region: the widest widths do not confirm it") +
                " (theory.md §10.3)"};
  if (v.verdict == Verdict::holds)
    if (const std::string why = unsettled_stay(narrowest, widest, region); !why.empty())
      return {Verdict::inconclusive, v.detail + "; but " + fits + "; " + why + " (theory.md §10.3)"};
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
