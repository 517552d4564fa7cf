// Gaussian duals of an activation (theory.md §3.8, architecture.md §3): for (u, v) ~ N(0, Λ), Λ = [[K11, K12], [K12,
// K22]],
//   T(K11, K22, K12) = E[φ(u) φ(v)],   Ṫ(K11, K22, K12) = E[φ'(u) φ'(v)].
//
// Closed forms (STYLE 4: one rule per family):
//   ABReLU φ(z) = a·min(z,0) + b·max(z,0) — relu (0,1), leaky_relu:α (α,1), abs (−1,1), identity (1,1):
//     θ = atan2(√max(K11K22 − K12², 0), K12) ∈ [0, π]
//     Ṫ = (a²+b²)/2 − (a−b)²θ/(2π),   T = (a−b)²/(2π)·√max(K11K22 − K12², 0) + Ṫ·K12.
//     At K12 = K11 = K22 (one point twice) the formula gives θ = 0, so T = (a²+b²)K11/2, the diagonal formula; the
//     row functions do not: a contracted multiply-add keeps K12²'s rounding error in K11K22 − K12², leaving θ ≈ √u
//     (Ṫ off by ~1e-9 for relu). A point paired with itself takes diagonal() (kernel.h's symmetric path,
//     limit_kernels.cpp's self-pairs).
//   erf: T = (2/π)·asin(2K12/√((1+2K11)(1+2K22))), Ṫ = (4/π)/√((1+2K11)(1+2K22) − 4K12²).
//   sin: T = e^{−(K11+K22)/2} sinh K12, Ṫ = e^{−(K11+K22)/2} cosh K12 (E[cos u cos v]).
// Every other activation (tanh, gelu, sigmoid, softplus) by quadrature on u = √K11·z1, v = √K22·(ρ z1 + √(1−ρ²) z2),
// ρ = K12/√(K11K22) clamped to [−1, 1] (ρ = 0 when K11·K22 = 0), with one of two rules:
//   * max(K11, K22) ≤ kGaussHermiteMaxVariance (= 1): tensor Gauss–Hermite of order n (n² nodes; default 64). Error
//     relative to √(T(K11)T(K22)) (resp. Ṫ) vs order 200, any |ρ| ≤ 1: < 1e-6 for every registered activation (tanh
//     2e-7, the worst; tests/kernels/dual_test.cpp).
//   * above it, dual_composite: Gauss–Hermite's error grows fast with the variance, because φ' narrows to a width
//     1/√K in z while the nodes keep their spacing (tanh at order 64: 8e-4 at K = 3, 9e-2 at K = 10, ~1 at K = 100),
//     so a composite Gauss–Legendre rule graded toward the points where u and v cross 0 takes over: error ≤ 1e-10
//     against erf's closed form for K up to 1e6 and any ρ (tested), about 110–300 nodes per dimension (3.8–4.8× the
//     default Gauss–Hermite time per entry at K = 3–30, 8.9× at K = 3000: bench/quadrature_dual_bench.cpp). It assumes
//     what every registered quadrature activation has: φ and φ' change on the scale 1 only near 0 and are smooth
//     elsewhere.
// Cost: closed forms O(1) per entry (one sqrt, one atan2): relu 2.6 ns per float64 entry on one AVX-512 core, the
// time of ≈ 130 flops at its dgemm rate, bound by the instruction count (a division-free variant is slower:
// bench/dual_formula_bench.cpp, bench/RESULTS.md); quadrature O(n²) activation calls per entry.
// No entry is ever NaN: all-zero rows (K11 = 0) and exact duplicates (K12² = K11K22) are handled by the clamps.
#pragma once
#include <cmath>
#include <cstddef>
#include <vector>

#include "widthlab/activation.h"

namespace widthlab {

struct DualValue {
  double T = 0.0;     // E[φ(u) φ(v)]
  double Tdot = 0.0;  // E[φ'(u) φ'(v)]
};

class Dual {
 public:
  static constexpr int kDefaultQuadratureOrder = 64;
  // Above this variance the quadrature activations use dual_composite instead of Gauss–Hermite (see the top).
  static constexpr double kGaussHermiteMaxVariance = 1.0;

  // quadrature_order ≤ 0 → the default. The order is the Gauss–Hermite rule's (variances ≤ kGaussHermiteMaxVariance).
  explicit Dual(const Activation& act, int quadrature_order = 0);

  const Activation& activation() const { return act_; }
  bool closed_form() const { return mode_ != Mode::quadrature; }
  int quadrature_order() const { return int(nodes_.size()); }

  DualValue operator()(double k11, double k22, double k12) const;
  DualValue diagonal(double k) const;  // T(k, k, k), Ṫ(k, k, k) by the diagonal formula

  // One row of a kernel block, in place: k12[j] ← T(k11, k22[j], k12[j]), tdot[j] ← Ṫ(…) for j < n.
  // Vectorised (fast atan2 below) for the closed forms; scalar double quadrature otherwise.
  template <class S>
  void apply_row(S k11, const S* k22, S* k12, S* tdot, std::size_t n) const;
  // The same with one K11 per entry: k12[j] ← T(k11[j], k22[j], k12[j]) (the pixel diagonals of CNN kernels);
  // entry for entry the same formula and operations as apply_row (tested to agree to rounding: the packet loop and
  // the scalar tail may differ in the last bits where the compiler contracts a multiply-add).
  template <class S>
  void apply_pairs(const S* k11, const S* k22, S* k12, S* tdot, std::size_t n) const;

 private:
  enum class Mode { abrelu, erf, sin, quadrature };
  DualValue scalar(double k11, double k22, double k12) const;  // sin's closed form or the quadrature rule above
  template <class S, bool kPerEntry>
  void apply(const S* k11, const S* k22, S* k12, S* tdot, std::size_t n) const;
  Activation act_;
  Mode mode_;
  double a_ = 0, b_ = 0;                 // ABReLU slopes
  std::vector<double> nodes_, weights_;  // probabilists' Gauss–Hermite rule (weight N(0,1) density)
};

// Probabilists' Gauss–Hermite rule of order n (Golub–Welsch): Σ_i w_i g(x_i) ≈ E[g(Z)], Z ~ N(0,1); exact for
// polynomials of degree ≤ 2n−1.
void gauss_hermite(int n, std::vector<double>& nodes, std::vector<double>& weights);

// The direct 2-D Gauss–Hermite quadrature of T, Ṫ (double precision) for any activation with a given order; Dual uses
// it for the activations without a closed form up to kGaussHermiteMaxVariance.
DualValue dual_quadrature(const Activation& act, double k11, double k22, double k12, const std::vector<double>& nodes,
                          const std::vector<double>& weights);
// The composite Gauss–Legendre quadrature of T, Ṫ for any variance (see the top; Dual uses it above
// kGaussHermiteMaxVariance): 10 points per panel on [−8, 8] in each of z1, z2, six equal panels refined geometrically
// toward u = 0 (z1 = 0) and, for each z1, toward v = 0, down to the scale 1/√K.
DualValue dual_composite(const Activation& act, double k11, double k22, double k12);

// atan2(y, x) without libm, as a branch-free polynomial so that loops over it vectorise. Range reduction to
// |t| ≤ tan(π/8), then Cephes' minimax forms (double: rational 4/5; float: degree-9 odd polynomial).
// Measured max abs error vs std::atan2 (tests/kernels/dual_test.cpp): double ≤ 4.5e-16, float ≤ 2.4e-7 (≈ 1 ulp of π).
// atan2(0, 0) = 0 and atan2(0, x < 0) = π, as with positive zero in libm.
template <class S>
inline S fast_atan2(S y, S x) {
  // Every value is computed unconditionally and the ternaries only select, so compilers if-convert and vectorise.
  const S ax = std::fabs(x), ay = std::fabs(y);
  const bool swap = ay > ax;
  const S mx = swap ? ay : ax, mn = swap ? ax : ay;
  const S den = mx > S(0) ? mx : S(1);
  // t = mn / den ∈ [0, 1]; above tan(π/8), atan(t) = π/4 + atan((t − 1)/(t + 1)) = π/4 + atan((mn − mx)/(mn + mx)):
  // one division either way.
  const bool big = mn > S(0.41421356237309504880) * den;
  const S r = (big ? mn - mx : mn) / (big ? mn + mx : den);  // |r| ≤ tan(π/8)
  const S z = r * r;
  S p;
  if constexpr (sizeof(S) == 4) {
    p = ((((S(8.05374449538e-2) * z - S(1.38776856032e-1)) * z + S(1.99777106478e-1)) * z - S(3.33329491539e-1)) * z) *
            r +
        r;
  } else {
    const S P =
        (((S(-8.750608600031904122785e-1) * z + S(-1.615753718733365076637e1)) * z + S(-7.500855792314704667340e1)) *
             z +
         S(-1.228866684490136173410e2)) *
            z +
        S(-6.485021904942025371773e1);
    const S Q =
        ((((z + S(2.485846490142306297962e1)) * z + S(1.650270098316988542046e2)) * z + S(4.328810604912902668951e2)) *
             z +
         S(4.853903996359136964868e2)) *
            z +
        S(1.945506571482613964425e2);
    p = r + r * z * (P / Q);
  }
  const S a0 = (big ? S(0.78539816339744830962) : S(0)) + p;  // atan(t) ∈ [0, π/4]
  const S a1 = swap ? S(1.57079632679489661923) - a0 : a0;
  const S a2 = x < S(0) ? S(3.14159265358979323846) - a1 : a1;
  return y < S(0) ? -a2 : a2;
}

}  // namespace widthlab
