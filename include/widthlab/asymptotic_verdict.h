// The verdict of an exponent that theory predicts for d → ∞ (theory.md §10.3): a power law fitted over a finite
// width sweep can still carry the narrower widths' pre-asymptotic parts, so the fit over every width is checked
// against a re-fit over the widest widths. The coordinate check (coord_check.h) and the optimal-lr exponent of
// `widthlab transfer` (transfer.h) both judge their exponents this way.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "widthlab/rate_fit.h"
#include "widthlab/verdicts.h"

namespace widthlab {

// How many of n widths the exponent is re-fitted on: the widest half, at least 3; n when n < 4 (no narrower part
// to set apart, and no re-fit is made).
int widest_width_count(int n);
// The indices of those widest widths in `widths` (any order), widest last; empty when n < 4.
std::vector<std::size_t> widest_width_indices(const std::vector<double>& widths);

// verdict_in_region on the fit over every width (`all`), then checked against the fit over the widest widths
// (`widest`; ignored when it is not ok or has fewer than 3 widths): a fit outside the region whose widest widths'
// interval is not outside it ("the narrower widths may be pre-asymptotic"), or one inside the region whose widest
// widths' interval lies outside it ("drifts out"), is inconclusive, with both fits in the detail. A fit over fewer
// than 3 widths is inconclusive.
VerdictResult asymptotic_exponent_verdict(const RateFit& all, const RateFit& widest, const ClaimRegion& region,
                                          const std::string& what);

}  // namespace widthlab
