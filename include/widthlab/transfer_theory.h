// What a scaling's exponents predict for learning-rate transfer (theory.md §10.2; the coordinate check's
// predictions are in coord_check.h). Pure functions of a Classification (classification.h); the verdict regions are
// fixed here, before any run.
#pragma once
#include <string>
#include <vector>

#include "widthlab/classification.h"
#include "widthlab/verdicts.h"

namespace widthlab {

// theory.md §10.2: multiplying every layer's lr by d^e shifts B and C by e (both are linear in the lr exponent with
// coefficient 1), and the loss after a fixed number of steps is best at the largest lr whose logit increments
// (d^B) and relative weight steps (d^C) stay O(1). So the optimal base lr ~ d^{e*}, e* = −max(B, C), and lrs above
// ~ d^{−C} diverge.
struct LrExponentPrediction {
  double exponent = 0;             // e* = −max(B, C)
  double divergence_exponent = 0;  // −C: the largest stable base lr scales like d^{−C}
  std::string limit;               // the classification's model / regime
  std::string rule;                // one line: which exponent binds and what it means
};
LrExponentPrediction predict_lr_exponent(const Classification& c);

// The region the fitted optimal-lr exponent must lie in: e* ± kLrExponentTolerance (theory.md §10.3).
constexpr double kLrExponentTolerance = 0.25;
ClaimRegion lr_exponent_region(const LrExponentPrediction& p);

}  // namespace widthlab
