// Quantiles every interval of widthlab is built from (theory.md §8.7): of a sample (the bootstrap's order
// statistics), of the standard normal and of Student's t, and the small-sample stretch that turns a percentile
// bootstrap over n seeds into an interval that covers at its nominal level.
#pragma once
#include <cstddef>
#include <vector>

namespace widthlab {

// The p-quantile (0 ≤ p ≤ 1), linear interpolation between order statistics (numpy's default). NaN values are left
// out; ±∞ stay (an unknown resample at its end): between an infinite and a finite neighbour the infinite one is the
// answer — the lower one for p < ½, the upper one otherwise. NaN when no value is left.
double quantile(std::vector<double> values, double p);

// Φ⁻¹(p) of the standard normal, 0 < p < 1 (bisection on std::erfc to double precision).
double normal_quantile(double p);

// The p-quantile of Student's t with `df` ≥ 1 degrees of freedom, 0 < p < 1: bisection on the exact distribution
// function for integer df (Abramowitz & Stegun 26.7.3–4: finite sums in θ = atan(t/√df)). t(0.975, 4) = 2.776.
double student_t_quantile(double p, std::size_t df);

// c(n) = √(n/(n − 1)) · t((1 + level)/2, n − 1) / z((1 + level)/2): the factor by which a two-sided percentile
// bootstrap interval over n independent units (seeds, or the groups of a two-stage resample) is stretched about its
// estimate (stretch_about) so that it covers at `level` where the data are near normal. The bootstrap's spread is the
// plug-in one (divisor n, not n − 1) and its tails the normal's, not Student's: for a mean of n normal values the
// percentile interval is about x̄ ± z·s·√((n−1)/n)/√n and the stretched one x̄ ± t·s/√n, Student's interval. This is
// the idea of Hesterberg's expanded percentile interval ("What teachers should know about the bootstrap", The
// American Statistician 69(4), 2015), applied to distances instead of tail probabilities so that B resamples can still
// locate both ends (the expanded tail at n = 5 is 0.1 %). c(3) = 2.69, c(5) = 1.58, c(10) = 1.22, c(20) = 1.10; NaN
// for n < 2.
double small_sample_stretch(std::size_t units, double level = 0.95);

// An interval's lower end stretched by c about its centre: centre + c · (lo − centre), but never above lo itself (an
// end on the centre's far side — a skewed bootstrap — stays where it was); likewise the upper end, never below hi.
// ±∞ stay; NaN when the centre or c is not finite (no centre to stretch about).
double stretch_lower(double centre, double lo, double c);
double stretch_upper(double centre, double hi, double c);
// Both ends of [lo, hi] about one estimate.
void stretch_about(double estimate, double c, double& lo, double& hi);

}  // namespace widthlab
