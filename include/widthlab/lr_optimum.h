// The optimal learning rate of a loss-vs-lr curve (theory.md §10.1): the minimum of the parabola in log lr through the
// best grid point and its two neighbours, and its seed-bootstrap interval. Pure functions of numbers.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "widthlab/loss_tolerance.h"

namespace widthlab {

enum class OptimumStatus {
  interior,          // best grid point has finite neighbours on both sides: parabola vertex
  next_to_diverged,  // best grid point is next to a diverged (non-finite) lr: the grid lr, no parabola
  edge_low,          // best at the smallest finite lr: no interior optimum (the optimum lies below the grid)
  edge_high,         // best at the largest lr: no interior optimum (above the grid)
  flat,              // two or more finite losses that vary by less than the flatness tolerance: no optimum
  none,              // no finite loss
  missing            // a run of the curve is missing (not run: time budget, error): no optimum is computed
};
// optimum.csv's status: "interior", "next to diverged", "no interior optimum (edge: smallest lr)", "no interior
// optimum (edge: largest lr)", "no interior optimum (flat)", "no finite loss", "runs missing".
const char* optimum_status_name(OptimumStatus s);
// interior and next_to_diverged: the optimum lies inside the grid.
inline bool has_interior_optimum(OptimumStatus s) {
  return s == OptimumStatus::interior || s == OptimumStatus::next_to_diverged;
}

struct LrOptimum {
  OptimumStatus status = OptimumStatus::none;
  double lr = NAN;  // the optimum (interior: vertex; next_to_diverged / edges: the best grid lr); NaN otherwise
  // Where the optimum is known to lie: [lr, lr] for interior (the vertex); for next_to_diverged the bracket of the
  // best grid point's two neighbours, which holds the minimum of any unimodal curve through these losses (§10.1); at
  // an edge, beyond it: [lr, +∞) at the largest lr, (0, lr] at the smallest.
  double lr_low = NAN, lr_high = NAN;
  double grid_lr = NAN;  // the best grid point
  double loss = NAN;     // the loss at the best grid point
};

// A run that ended above its loss at init did not train and counts as diverged (trained_above_initial_loss,
// train_run.h; theory.md §10.1).

// lrs: distinct, > 0 (any order); losses: one per lr, non-finite = diverged. InputError on mismatched sizes or a
// non-positive lr. The curve is flat when it has two or more finite losses and (max − min) of them ≤ flat_tol ·
// max(1, |min|) (by default kLossTolerance, loss_tolerance.h); one finite loss is an edge (the optimum at or below
// the one lr that trains), not a flat curve.
LrOptimum find_lr_optimum(const std::vector<double>& lrs, const std::vector<double>& losses,
                          double flat_tol = kLossTolerance);

// Vertex of the parabola through (x0,y0), (x1,y1), (x2,y2) with x0 < x1 < x2 (NaN when the three are collinear).
double parabola_vertex(double x0, double y0, double x1, double y1, double x2, double y2);

// losses[i][s]: the loss at lrs[i] of seed s (non-finite: diverged). The curve of a set of seeds is the mean over
// them at each lr, +inf when any of them diverged there (a diverged seed makes that lr unusable).
// (estimate_lr_optimum reads NaN as a missing run, +inf as a diverged one; see there.)
std::vector<double> mean_curve(const std::vector<std::vector<double>>& losses, const std::vector<std::size_t>& seeds);

struct LrOptimumEstimate {
  LrOptimum point;  // on the mean over all seeds
  // 95 % interval of the optimum lr over seed resamples: the 2.5 % point of the resamples' lr_low, the 97.5 % point of
  // their lr_high (a next-to-diverged optimum is known to its bracket only; a resample without an optimum counts at
  // 0 and +∞, so more than 2.5 % of those give lo = 0 / hi = +∞; none with one: NaN, no interval), stretched in
  // log lr for the seed count (small_sample_stretch, quantiles.h), lo about point.lr_low and hi about point.lr_high
  // (NaN when the mean curve has no optimum: no centre; an end the mean curve leaves open at an edge stays 0 / +∞).
  // Fewer than 3 seeds: no interval (NaN), as every seed bootstrap here (theory.md §8.7).
  double lo = NAN, hi = NAN;
  int resamples_with_optimum = 0, resamples = 0;  // resamples whose optimum is inside the grid
};
// The optimum of the mean curve and a percentile bootstrap over seeds (resampled with replacement; a resample's
// optimum is its [lr_low, lr_high] whatever its status, so more than 2.5 % of resamples at an edge open that end).
// losses[i][s] = +inf: seed s diverged at lrs[i]; NaN: that run is missing (never run or failed, errors.jsonl), and
// the curve then has no optimum (status missing): a missing run is not a diverged one, and reading it as one could
// put an optimum next to it.
LrOptimumEstimate estimate_lr_optimum(const std::vector<double>& lrs, const std::vector<std::vector<double>>& losses,
                                      int resamples = 1000, std::uint64_t seed = 0);

}  // namespace widthlab
