// Predictions of theory.md §10.2 from the classifier's exponents.
#include "widthlab/transfer_theory.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace widthlab {

LrExponentPrediction predict_lr_exponent(const Classification& c) {
  LrExponentPrediction p;
  p.exponent = -std::max(c.B, c.C);
  p.divergence_exponent = -c.C;
  p.limit = c.model.empty() ? to_string(c.regime) : c.model;
  const bool b_binds = c.B >= c.C;
  p.rule = fmt::format("e* = -max(B, C) = -max({:.3g}, {:.3g}) = {:.3g}: {}; lrs above ~d^{:.3g} diverge", c.B, c.C,
                       p.exponent + 0.0,
                       b_binds ? "the logit increment d^B binds (the lr keeps it O(1))"
                               : "the relative weight step d^C binds (the lr keeps it O(1))",
                       p.divergence_exponent + 0.0);
  if (std::abs(p.exponent) < 1e-9)
    p.rule += c.stable ? "; stable limit at fixed base lr, so the optimum transfers (exponent 0)" : "; exponent 0";
  else
    p.rule += p.exponent < 0 ? "; at fixed base lr the net leaves the stable band as d grows: the optimum drifts down"
                             : "; at fixed base lr the updates vanish as d grows: the optimum drifts up";
  return p;
}

ClaimRegion lr_exponent_region(const LrExponentPrediction& p) {
  return {p.exponent - kLrExponentTolerance, p.exponent + kLrExponentTolerance,
          fmt::format("theory.md §10.2-§10.3: e* = -max(B, C) from classify(), ± {} (fixed in "
                      "src/transfer/transfer_theory.cpp before the run)",
                      kLrExponentTolerance)};
}

}  // namespace widthlab
