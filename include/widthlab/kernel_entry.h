// One entry of the dense analytic NNGP/NTK (theory.md §3.8; kernel.h), as a function that compiles as host code
// and, under nvcc, as device code too: the CUDA kernel (src/cuda/kernel_cuda.cu) calls exactly this function per
// output entry, and tests/cuda/kernel_entry_test.cpp checks it on the CPU against kernel_compute — the way the GPU
// arithmetic is tested on machines without a GPU.
//
// Given the Gram entry g = x·x' and the layer diagonals K^l(x,x), K^l(x',x') (l = 1..L, computed once per row on
// the host in double by dense_diagonals), it runs kernel.h's recursion
//   K¹ = σ_w² g/n0 + σ_b²,   K^{l+1} = σ_w² T(K^l) + σ_b²,
//   ntk:      Θ¹ = c₁K¹,          Θ^{l+1} = c_{l+1} K^{l+1} + σ_w² Ṫ(K^l) Θ^l,
//   standard: Θ¹ = c₁(g + β),     Θ^{l+1} = c_{l+1}(N·T(K^l) + β) + σ_w² Ṫ(K^l) Θ^l,
// in the same order of operations as kernel.cpp's compute_block, with the closed-form duals of dual.h:
//   ABReLU (relu, leaky_relu, abs, identity): θ = atan2(√max(K11K22 − K12², 0), K12),
//     Ṫ = (a²+b²)/2 − (a−b)²θ/(2π),  T = (a−b)²/(2π)·√max(K11K22 − K12², 0) + Ṫ·K12;
//   erf: r = √((1+2K11)(1+2K22) − 4·min(K12², K11K22)),  T = (2/π)·atan2(2K12, r),  Ṫ = (4/π)/r.
// The only arithmetic difference from the CPU path is atan2: libm's (host) or CUDA's atan2f/atan2 (device, ≤ 2 ulp)
// instead of dual.h's fast_atan2 (≤ 1 ulp of π in float). Activations without a closed form are not supported here
// (their Gauss–Hermite quadrature stays on the CPU).
#pragma once
#include <math.h>

#include <cstdint>

#include "widthlab/host_device.h"

namespace widthlab {

enum class DualForm : int { abrelu = 0, erf = 1 };

// Everything an entry needs besides its Gram value and diagonals; plain data, passed by value to a CUDA kernel.
template <class S>
struct DenseEntryParams {
  int L = 1;  // hidden layers
  DualForm form = DualForm::abrelu;
  S c0 = 0, c1 = 0;           // ABReLU: (a²+b²)/2 and (a−b)²/(2π)
  S w2 = 1, b2 = 0, g2k = 1;  // σ_w², σ_b², σ_w²/n0
  S width = 1, beta = 0;      // standard parameterization: N and [σ_b > 0]
  bool standard = false;      // parameterization
  bool ntk = true;            // compute Θ as well as K
};

WIDTHLAB_HOST_DEVICE float entry_sqrt(float x) { return sqrtf(x); }
WIDTHLAB_HOST_DEVICE double entry_sqrt(double x) { return sqrt(x); }
WIDTHLAB_HOST_DEVICE float entry_atan2(float y, float x) { return atan2f(y, x); }
WIDTHLAB_HOST_DEVICE double entry_atan2(double y, double x) { return atan2(y, x); }

// T(k11, k22, q) → returned, Ṫ → *tdot.
template <class S>
WIDTHLAB_HOST_DEVICE S entry_dual(const DenseEntryParams<S>& P, S k11, S k22, S q, S* tdot) {
  if (P.form == DualForm::abrelu) {
    S d = k11 * k22 - q * q;
    d = d > S(0) ? d : S(0);
    const S s = entry_sqrt(d);
    const S td = P.c0 - P.c1 * entry_atan2(s, q);
    *tdot = td;
    return P.c1 * s + td * q;
  }
  const S a = S(1) + S(2) * k11, p = k11 * k22, q2 = q * q;
  const S r = entry_sqrt(a * (S(1) + S(2) * k22) - S(4) * (q2 < p ? q2 : p));  // ≥ 1
  *tdot = S(1.27323954473516268615) / r;                                       // 4/π
  return S(0.63661977236758134308) * entry_atan2(S(2) * q, r);                 // 2/π · asin(2q/√(…))
}

// NNGP K^{L+1}(x, x') → *nngp, NTK Θ^{L+1} → *ntk (when P.ntk). d1[l·s1], d2[l·s2] = K^{l+1}(x,x), K^{l+1}(x',x')
// for l = 0..L−1; c[0..L] the per-Dense-layer weights (null: all 1).
template <class S>
WIDTHLAB_HOST_DEVICE void dense_kernel_entry(const DenseEntryParams<S>& P, const S* c, S g, const S* d1,
                                             std::int64_t s1, const S* d2, std::int64_t s2, S* nngp, S* ntk) {
  S k = P.g2k * g + P.b2;
  const S c_first = c ? c[0] : S(1);
  S th = P.standard ? c_first * (g + P.beta) : c_first * k;
  for (int l = 1; l <= P.L; ++l) {
    S td;
    const S t = entry_dual(P, d1[std::int64_t(l - 1) * s1], d2[std::int64_t(l - 1) * s2], k, &td);
    const S cl = c ? c[l] : S(1);
    if (P.ntk) th = P.standard ? cl * (P.width * t + P.beta) + P.w2 * td * th : cl * (P.w2 * t + P.b2) + P.w2 * td * th;
    k = P.w2 * t + P.b2;
  }
  *nngp = k;
  if (P.ntk) *ntk = th;
}

}  // namespace widthlab
