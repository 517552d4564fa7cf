// Predictions of theory.md §10.2 and §10.4 from the classifier's exponents.
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

CoordPrediction predict_coord_exponents(const Classification& c) {
  const int H = c.depth;
  if (int(c.layers.size()) != H + 1) throw std::logic_error("predict_coord_exponents: classification without layers");
  CoordPrediction p;
  double moving = -1e300;  // largest relative change of any layer output up to here (theory.md §10.4)
  for (int k = 0; k < H; ++k) {
    moving = std::max(moving, c.layers[k].coherent_change);
    const double size = c.layers[k + 1].input_size;  // |h^{k+1}| at init
    p.act_init.push_back(size);
    p.delta.push_back(size + moving);
  }
  p.act_init.push_back(c.A_uncorrected);  // the net's own logits (the coordinate check measures f(θ), no IC offset)
  p.delta.push_back(c.B);                 // the logit increment of a step ~ d^B
  return p;
}

ClaimRegion coord_region(double predicted, const std::string& quantity) {
  return {predicted - kCoordTolerance, predicted + kCoordTolerance,
          fmt::format("theory.md §10.4: {} exponent from the classifier's layer exponents, ± {} (fixed in "
                      "src/transfer/transfer_theory.cpp before the run)",
                      quantity, kCoordTolerance)};
}

}  // namespace widthlab
