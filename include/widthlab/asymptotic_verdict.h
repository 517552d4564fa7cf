// The verdict of an exponent that theory predicts for d → ∞ (theory.md §10.3). A power law fitted over a finite
// width sweep can still carry the narrower widths' pre-asymptotic parts, so the fit over every width is checked
// against re-fits over the narrowest and the widest widths: a prediction is not called failed while the exponent is
// still moving toward it, nor confirmed while it could still move out. The coordinate check (coord_check.h) and the
// optimal-lr exponent of `widthlab transfer` (transfer.h) both judge their exponents this way.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "widthlab/rate_fit.h"
#include "widthlab/verdicts.h"

namespace widthlab {

// How many of n widths each re-fit uses: half, at least 3; n when n < 4 (then no re-fit is made).
int widest_width_count(int n);

// The indices (into `widths`, any order) of the narrowest and of the widest widest_width_count(n) widths, each
// sorted by width; both empty when n < 4. With n odd they share the middle width.
struct WidthHalves {
  std::vector<std::size_t> narrowest, widest;
};
WidthHalves width_halves(const std::vector<double>& widths);

// The change of the exponent from the narrowest to the widest widths, e_widest − e_narrowest, with the 95 % interval
// the verdict uses (theory.md §10.3): paired over the two re-fits' common resamples when both kept them (the
// percentile interval of the resamples' changes, an unknown one at ∓∞, stretched for the fewer units of the two),
// else bounded by the two intervals, [w_lo − n_hi, w_hi − n_lo]. NaN (all three) unless both re-fits are usable.
Estimate exponent_change(const RateFit& narrowest, const RateFit& widest);

// verdict_in_region on the fit over every width (`all`), then checked against the re-fits. A re-fit is usable when it
// is ok with at least 3 widths and a finite interval. With fewer than 4 widths in the sweep (max(all.widths_given,
// all.widths_used)) no re-fit is made, nothing bounds how fast the exponent still moves, and neither verdict stands.
// Inconclusive, with the fits in the detail:
//   * with 4 or more widths, a holds or a fails whose widest widths' re-fit is not ok, has fewer than 3 widths with
//     finite values or no finite interval: the widest widths can neither confirm nor contradict it (the detail quotes
//     the re-fit's note, which names the widths left out);
//   * a fit outside the region whose widest widths' interval is not outside it ("the narrower widths may be
//     pre-asymptotic"), or whose approach to the region the sweep does not bound: the change of the exponent from
//     the narrowest to the widest widths toward the region has its 95 % interval above zero ("still moves toward
//     the region"), or its upper end reaches the gap between the widest widths' interval and the region ("not
//     settled": one more such span of widths could bring it in), or cannot be had (no usable narrowest widths'
//     re-fit). The interval is paired over the two re-fits' common resamples (RateFit::resampled_slopes; both must
//     come from the same seeds and RateFitOptions::seed) when both kept them, else bounded by the two intervals;
//   * a fit inside the region whose widest widths' interval is not inside it too ("do not confirm", or "drifts out"
//     when it lies outside), or whose stay in the region the sweep does not bound: the widest widths' interval, each
//     end moved by the change's 95 % interval end in its direction, reaches the region's edge ("not settled": one
//     more such span of widths could take it out), or no usable narrowest re-fit gives the change.
// Both verdicts thus need the widest widths to agree and the sweep to bound the exponent's further movement: "holds"
// an exponent inside the region there that cannot leave it within one more span, "does not hold" one outside that
// cannot reach it. A fit over fewer than 3 widths is inconclusive. The fits over every and over the widest widths are
// judged on their Monte Carlo-widened intervals (rate_estimate, theory.md §8.7); the detail says so when that changes
// the verdict. The movement uses the 95 % intervals (it only ever makes a verdict inconclusive).
VerdictResult asymptotic_exponent_verdict(const RateFit& all, const RateFit& narrowest, const RateFit& widest,
                                          const ClaimRegion& region, const std::string& what);

}  // namespace widthlab
