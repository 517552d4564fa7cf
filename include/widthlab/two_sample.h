// Two-sample distances between empirical distributions on the real line (theory.md §6.4 R26: neuron-level
// distributions compared across widths). Both are exact for the empirical CDFs F_a, F_b of the samples (each point
// weight 1/n): no binning. Cost O((n + m) log(n + m)) (one sort of each sample). Non-finite values are an
// std::invalid_argument (the caller drops diverged runs first), an empty sample too.
#pragma once
#include <cstdint>
#include <vector>

namespace widthlab {

// 1-Wasserstein distance W1 = ∫ |F_a(t) − F_b(t)| dt (= ∫₀¹ |F_a⁻¹(u) − F_b⁻¹(u)| du in one dimension). A sample
// shifted by c is at W1 = |c| from itself; W1 has the units of the values.
double wasserstein1(std::vector<double> a, std::vector<double> b);

// Kolmogorov–Smirnov statistic sup_t |F_a(t) − F_b(t)| ∈ [0, 1] (the CDFs right-continuous: ties are counted at
// the tied value on both sides).
double ks_statistic(std::vector<double> a, std::vector<double> b);

// Groups of samples (e.g. one group of neuron values per seed) pooled into one sample; empty groups add nothing.
std::vector<double> pool_groups(const std::vector<std::vector<double>>& groups, const std::vector<std::size_t>& idx);

// How far apart two populations X and Y are relative to their sampling noise, when each is given as n groups
// (x[s], y[s]: e.g. the neurons of seed s at two widths; groups within a population may be correlated, groups are
// independent draws). Each of `splits` random halvings {A, B} of 0..n−1 (make_rng(seed), |A| = ⌊n/2⌋) gives
//   cross  = W1(X_A, Y_B) + W1(X_B, Y_A),   within = W1(X_A, X_B) + W1(Y_A, Y_B)   (X_A: x pooled over A),
// and the ratio is Σ cross / Σ within over the splits. Every W1 compares disjoint groups of equal counts, so with
// X and Y of the same law numerator and denominator carry the same noise (in the quadratic approximation
// W1² ≈ bias² + noise², theory.md §6.4 R26) and the ratio is ≈ 1; a difference in law well above the noise makes it
// large. NaN when n < 2 or a pooled half is empty. x.size() must equal y.size() (std::invalid_argument otherwise).
double split_noise_ratio(const std::vector<std::vector<double>>& x, const std::vector<std::vector<double>>& y,
                         int splits = 16, std::uint64_t seed = 0);

}  // namespace widthlab
