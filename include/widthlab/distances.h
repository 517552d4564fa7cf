// Distances between finite-width nets and their limit on the same test inputs (architecture.md §3 "Study", theory.md
// §6.2 R13, theory.md §8.7). All inputs are test logits of a binary task (one logit per test point); "normalised"
// logits are the logits divided by the scaling's normaliser d^{max(A,B)} (theory.md §2.2, §3.1) — callers pass the
// divided values.
//
// Per run (one width, one seed):
//   logit_rms      sqrt(mean_i (f_i − m_i)²)                     O(n)
//   |Δ test loss|, |Δ accuracy|                                  (plain absolute differences)
// Across seeds (one width; rows = seeds, columns = test points):
//   gaussian_kl    mean_i KL(N(μ_i, σ_i²) ‖ N(μ̂_i, σ̂_i²)), the moments fitted over seeds per test point (R13),
//                  KL(p‖q) = log(σ_q/σ_p) + (σ_p² + (μ_p − μ_q)²)/(2σ_q²) − 1/2.
//                  σ is the unbiased std over seeds (needs ≥ 2 seeds); a σ below `sigma_floor` is raised to it (a
//                  deterministic limit such as MF has σ → 0 and the KL would be infinite), and the number of raised
//                  σ's is reported so the report can say so.
//   sign_gap       mean_i |P(f_i > 0) − P_lim(f_i > 0)|, probabilities = fractions of seeds.   O(seeds · n)
#pragma once
#include <cstddef>
#include <vector>

#include "widthlab/tensor.h"
#include "widthlab/verdicts.h"

namespace widthlab {

// sqrt(mean (a − b)²) over matching entries; a and b must have the same size (asserted by InputError).
double logit_rms(const std::vector<double>& a, const std::vector<double>& b);

// Closed-form KL(N(mu_p, var_p) ‖ N(mu_q, var_q)); variances > 0.
double gaussian_kl(double mu_p, double var_p, double mu_q, double var_q);

struct SeedKl {
  double kl = 0;            // mean over test points
  std::size_t floored = 0;  // number of (point, side) standard deviations raised to the floor
  std::size_t points = 0;   // test points averaged
  double sigma_floor = 0;   // the floor used
};

// finite: seeds_f × n, limit: seeds_l × n (seeds_f, seeds_l ≥ 2; the same n). Throws InputError otherwise.
SeedKl seed_gaussian_kl(const MatrixD& finite, const MatrixD& limit, double sigma_floor);

// mean_i |frac_s(finite(s,i) > 0) − frac_s(limit(s,i) > 0)|; seeds ≥ 1 on each side, same n.
double sign_probability_gap(const MatrixD& finite, const MatrixD& limit);

// How the sign gap changes from a narrow to a wide width (theory.md §8.7 (c)): log(gap(wide, limit) / gap(narrow,
// limit)), where `narrow` and `wide` hold the same net seeds row by row (paired: a seed's runs share their init draw),
// with the two-sample delete-one jackknife interval over the net seeds and the limit's seeds (jackknife_two_samples:
// both are pools of seeds, which a bootstrap would duplicate). Needs ≥ 3 seeds and ≥ 1 limit seed, else the interval
// is NaN; a gap of 0 gives a non-finite value (no interval).
Estimate sign_gap_log_ratio(const MatrixD& narrow, const MatrixD& wide, const MatrixD& limit);

// Default σ floor for seed_gaussian_kl: `rel` times the RMS of all the limit's and finite's logits (so the floor
// scales with the logits' size), and at least `abs_min`.
double default_sigma_floor(const MatrixD& finite, const MatrixD& limit, double rel = 1e-2, double abs_min = 1e-6);

}  // namespace widthlab
