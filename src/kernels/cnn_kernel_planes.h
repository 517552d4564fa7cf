// The full-mode CNN kernel recursion (cnn_kernel.h, theory.md §3.9) on padded pixel planes: the schedule CnnKernel
// uses when every layer before the pooling is a stride-1 SAME convolution, a per-pixel dense layer or an
// activation (the common GAP nets, and the benchmark of issue 19).
//
// Layout. The state K[p, q] over pixel pairs is stored per first pixel p = (h1, w1) as a plane over the second pixel
// q = (h2, w2) with a zero border: (H + 2·ph) × (W + 2·pw) doubles, ph / pw ≥ 1 the largest filter reach. A tap
// (a, b) of the conv sums K[p + (a, b), q + (a, b)], i.e. the plane of p + (a, b) shifted by a·Wp + b; thanks to the
// zero border that shift is one contiguous run over the plane's interior rows, with no edge cases (the border
// supplies the zeros of SAME padding). The pad rows are never written, so they stay zero; the pad columns inside
// the interior rows hold garbage (shifted sums, duals of it), are never read as values, and are zeroed only in the
// row-tap sums U, whose column pass reads them as SAME's zeros.
//
// A conv layer is separable (theory.md §3.9): per output row h1, U[w] = Σ_a shift(plane(h1 + a, w), a·Wp), then
// out(h1, w1) = Σ_b shift(U[w1 + b], b), then the affine map and the next state, all while the row sits in L2.
// Rows of the state live in rotating slots (PlaneArray), so a conv writes its output over the input rows it no
// longer needs: the state costs (H + ph + 1)·W planes, not twice H·W.
//
// Cost per pair of images and conv layer with a KH×KW filter: (KH − 1 + KW − 1) adds per element of K and of Θ on
// H·W planes of H·(W + 2·pw) elements each, plus the affine map (2 flops for K, 2–3 for Θ); activation layers
// evaluate the dual on the same elements. Measured: bench/cnn_kernel_bench.cpp, bench/RESULTS.md "CNN kernels".
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "widthlab/cnn_kernel.h"

namespace widthlab::cnn_planes {

struct Geometry {
  std::int64_t H = 1, W = 1, ph = 1, pw = 1;

  std::int64_t Hp() const { return H + 2 * ph; }
  std::int64_t Wp() const { return W + 2 * pw; }
  std::size_t plane() const { return std::size_t(Hp() * Wp()); }
  std::size_t row() const { return std::size_t(W) * plane(); }  // the planes of one image row h1
  std::size_t first() const { return std::size_t(ph * Wp()); }  // start of the interior rows of a plane
  std::size_t length() const { return std::size_t(H * Wp()); }  // the interior rows, pad columns included
  std::size_t at(std::int64_t h, std::int64_t w) const { return std::size_t((h + ph) * Wp() + w + pw); }
};

// A stride-1 SAME conv along both axes: tap t of an axis reads pixel o + t − lo.
struct Taps {
  int kh = 1, kw = 1, lo_h = 0, lo_w = 0;
};

// The affine map after the filter sum A (unscaled, KH·KW taps): K ← sk·A(K) + b2,
// Θ ← sk·A(Θ) + (standard ? sn·A(K) + beta : K_new) (cnn_kernel.h).
struct Affine {
  double sk = 1, b2 = 0, sn = 0, beta = 0;
  bool standard = false;
};

// An activation applied in the same pass as the layer before it (or alone): its dual, the pixel variances of the two
// images (H·W each) and whether the pair is an image with itself (the pixel diagonal is then set from the one-sided
// formula, exactly as the pairwise schedule does).
struct Activate {
  const Dual* dual = nullptr;
  const double *v1 = nullptr, *v2 = nullptr;
  bool self = false;
};

// Slots for one state: H + extra rows of W planes; `row[h]` is where row h lives now.
void reset(CnnPlaneArray& a, const Geometry& g, int extra);

// K[p, q] = x1_p · x2_q / C, the input layer, from two (H, W, C) images (C fastest).
void load_input(const double* x1, const double* x2, std::int64_t C, const Geometry& g, CnnPlaneArray& k,
                CnnPlaneScratch& s);

// One conv layer (KH×KW taps) on K and Θ (t == nullptr: K alone), then `act` when given (the next layer, fused so
// that each output plane is activated while in L1); theta_zero: Θ is still identically zero (before the first
// affine layer).
void conv(CnnPlaneArray& k, CnnPlaneArray* t, bool theta_zero, const Geometry& g, const Taps& taps, const Affine& a,
          const Activate* act, CnnPlaneScratch& s);

// A per-pixel dense layer (the affine map alone), then `act` when given.
void pointwise_affine(CnnPlaneArray& k, CnnPlaneArray* t, bool theta_zero, const Geometry& g, const Affine& a,
                      const Activate* act, CnnPlaneScratch& s);

// An activation on its own: K ← T, and Θ ← Ṫ·Θ unless theta_zero.
void activation(CnnPlaneArray& k, CnnPlaneArray* t, bool theta_zero, const Geometry& g, const Activate& act,
                CnnPlaneScratch& s);

// K[p, p] for every pixel p (the variances an activation reads), into out[H·W].
void diagonal(const CnnPlaneArray& k, const Geometry& g, double* out);

// (1/P) Σ_p K[p, p] (flatten) or (1/P²) Σ_{p,q} K[p, q] (gap; zeroes the pad columns on the way).
double collapse(CnnPlaneArray& k, const Geometry& g, bool gap);

}  // namespace widthlab::cnn_planes
