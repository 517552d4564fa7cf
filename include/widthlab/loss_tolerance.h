// When two training losses count as the same (theory.md §10.1): they differ by at most kLossTolerance · max(1, |loss|).
// One tolerance for both places that compare losses this way: a flat loss-vs-lr curve (lr_optimum.h) and a run that
// ended above its loss at init (trained_above_initial_loss, train_run.h).
#pragma once

namespace widthlab {

constexpr double kLossTolerance = 1e-3;

}  // namespace widthlab
