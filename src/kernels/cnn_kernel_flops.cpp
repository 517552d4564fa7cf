// The arithmetic one pair of the CNN kernel recursion cannot avoid (cnn_kernel.h, theory.md §3.9): the yardstick of
// bench/cnn_kernel_bench.cpp ("time against the FLOP count at the machine's measured vector FLOP rate", issue 19).
//
// What is counted, per pair of images, NNGP and NTK:
//   input        2·C flops per pixel pair (the Gram x1·x2ᵀ of the pixel vectors);
//   conv         the adds of the separable filter sums, only over taps inside the image: along an axis of n outputs
//                whose tap t is inside for c_t outputs, Σ_t c_t² − n² adds per pair of the other axis (full mode;
//                diagonal mode: Σ_o (taps inside − 1)); for K and, once Θ ≠ 0, for Θ;
//   affine       per element: K ← s·A + b: 1 mul (+1 add when σ_b > 0); Θ ← s·A(Θ) + K: 2 (ntk) or
//                s·A(Θ) + n·A(K) + β: 3 (+1 with bias) (standard); zero before the first affine layer;
//   activation   per element, the cheapest closed form: ABReLU 3 (K11·K22 − K12²) + 1 (sqrt) + 22 (the arctangent:
//                one division for the range reduction, Cephes' 4/5 rational in z = r²: 17, 4 for the quadrant)
//                + 2 (Ṫ) + 3 (T) = 31; erf the same count (its arcsine is an arctangent); Ṫ·Θ: 1 more with the NTK.
//                Gauss–Hermite quadrature: 6 per node pair (order²). sqrt and division count as one flop although
//                they run at a fraction of the FMA rate, so the floor is optimistic;
//   pooling      1 add per element (gap: P², flatten: P) for K and Θ.
// The layers after the pooling act on one number and are not counted.
#include "widthlab/cnn_kernel.h"

namespace widthlab {

namespace {

// Σ_t c_t − n (diagonal) or Σ_t c_t² − n² (pairs) for a conv axis map with `n` outputs and `k` taps.
double axis_adds(const std::vector<int>& src, std::int64_t n, int k, bool pairs) {
  double sum = 0;
  for (int t = 0; t < k; ++t) {
    double c = 0;
    for (std::int64_t o = 0; o < n; ++o) c += src[std::size_t(o * k + t)] >= 0 ? 1 : 0;
    sum += pairs ? c * c : c;
  }
  return sum - (pairs ? double(n) * double(n) : double(n));
}

}  // namespace

double CnnKernel::pair_flops() const {
  const ImageShape& in = shapes_.front();
  const double P0 = double(in.pixels());
  double flops = 2.0 * double(in.channels) * (full_ ? P0 * P0 : P0);
  bool theta_zero = true, pooled = false;
  for (const Step& s : steps_) {
    if (pooled) break;
    const double P = double(s.in_h * s.in_w), Pout = double(s.out_h * s.out_w);
    const double elements = full_ ? Pout * Pout : Pout;
    const int states = theta_zero ? 1 : 2;
    switch (s.kind) {
      case LayerKind::dense:
      case LayerKind::conv: {
        if (!s.identity) {
          const double Hin = double(s.in_h), Wout = double(s.out_w);
          const double adds = full_ ? Hin * Hin * axis_adds(s.src_w, s.out_w, s.kw, true) +
                                          Wout * Wout * axis_adds(s.src_h, s.out_h, s.kh, true)
                                    : axis_adds(s.src_h, s.out_h, s.kh, false) * double(s.out_w) +
                                          axis_adds(s.src_w, s.out_w, s.kw, false) * double(s.out_h);
          flops += states * adds;
        }
        const double k_affine = 1 + (b2_ > 0 ? 1 : 0);
        const double t_affine = theta_zero ? 0 : (standard_ ? 3 + (beta_ > 0 ? 1 : 0) : 2);
        flops += (k_affine + t_affine) * elements;
        theta_zero = false;
        break;
      }
      case LayerKind::activation: {
        const Dual& d = duals_[s.dual_index];
        const double per = d.closed_form() ? 31.0 : 6.0 * d.quadrature_order() * d.quadrature_order();
        flops += (per + (theta_zero ? 0 : 1)) * (full_ ? P * P : P);
        break;
      }
      case LayerKind::flatten:
      case LayerKind::global_avg_pool:
        flops += states * (full_ && s.kind == LayerKind::global_avg_pool ? P * P : P);
        pooled = true;
        break;
    }
  }
  return flops;
}

}  // namespace widthlab
