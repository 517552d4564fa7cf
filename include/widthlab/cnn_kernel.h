// Analytic NNGP and NTK of an Architecture (architecture.h) on (H, W, C) images, with neural-tangents' stax
// semantics (theory.md §3.9): Dense / Conv with W_std, b_std and the ntk or standard parameterization, activations
// through the Gaussian dual (dual.h), Flatten and GlobalAvgPool. `KernelOptions::arch` routes kernel_compute and
// KernelPlan (kernel.h) here, so blocking, threads, symmetric mirroring, the CLI and Python work unchanged; this
// header is the per-pair engine they call.
//
// For a pair of images (x, x') the state is the covariance over pixel pairs K[p, q] = E[z_p(x) z_q(x')] (per
// channel) and the same for Θ. With P pixels:
//   input           K[p, q] = x_p·x'_q / C
//   conv / dense    K ← σ_w² A(K) + σ_b²,   A(K)[p, q] = (1/(KH·KW)) Σ_t K[p·s + t − pad, q·s + t − pad]
//                   (the same tap t on both sides; zero outside the image for SAME / VALID, wrapped for CIRCULAR)
//                   ntk:      Θ ← σ_w² A(Θ) + (σ_w² A(K) + σ_b²)
//                   standard: Θ ← σ_w² A(Θ) + n·A(K) + [σ_b > 0],  n = C_in·KH·KW (the layer's fan-in, from the
//                   widths written in the architecture); dense = a 1×1 conv, and after flatten n = H·W·C
//   activation      K[p, q] ← T(K_x[p, p], K_x'[q, q], K[p, q]),  Θ ← Ṫ(…)·Θ
//   flatten         K ← (1/P) Σ_p K[p, p]          gap   K ← (1/P²) Σ_{p, q} K[p, q]      (the same for Θ)
// A conv maps the pixel diagonal K[p, p] to itself, so without a gap layer only the diagonal is tracked
// ("diagonal mode", P numbers per pair); with gap the full P×P covariance is ("full mode").
//
// Cost per pair of examples and per layer, for a layer with P_in → P_out pixels and a KH×KW filter:
//   diagonal mode: P_out·KH·KW multiply-adds per conv (for K and Θ each), P_out dual evaluations per activation;
//                  memory O(P) per thread;
//   full mode:     (KH − 1 + KW − 1) adds per entry of K and Θ per conv (the box filter is separable), P_out² dual
//                  evaluations per activation (one sqrt + one atan2 each for the ABReLU family), P²·C multiply-adds
//                  for the input layer; memory ≈ 2·(H + ph + 1)·W·(H + 2ph)·(W + 2pw) doubles per thread (K, Θ in
//                  rotating rows of padded planes) with the plane schedule, 6·P² with the pairwise one.
// Two schedules compute full mode (CnnSchedule): the plane schedule (cnn_kernel_planes.h) when every layer before
// the pooling is a stride-1 SAME conv, a dense layer or an activation, else the pairwise per-axis box filters.
// pair_flops() counts the arithmetic a pair cannot avoid (cnn_kernel_flops.cpp, theory.md §3.9).
// Per example, the pixel variances K_x[p, p] before every activation are computed once (the pair (x, x)):
// `variance_size()` doubles per example. The kernel is computed in float64 whatever the output precision.
// Measured (bench/RESULTS.md "CNN kernels"): 28×28×1, three 3×3 SAME conv + relu layers, GAP, NNGP + NTK: the plane
// schedule ≈ 12 ms per pair and core against 20.5 ms for the pairwise one, ≈ 7× the FLOP floor at the machine's dgemm
// rate; the relu duals alone take ≈ 5 ms of it, 3.4× the whole pair's floor (dual.h: ≈ 130 flops' time per dual).
// N = 10 000 images stream their 2 × 800 MB of outputs with a peak resident set of 1.2 GB. Flatten (diagonal mode):
// 0.017 ms per pair and core, 8.6× its floor.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "widthlab/architecture.h"
#include "widthlab/dual.h"
#include "widthlab/kernel.h"

namespace widthlab {

// One full-mode state (K or Θ) of the plane schedule (src/kernels/cnn_kernel_planes.h): rows of padded pixel planes
// in rotating slots; row[h] points at image row h's planes.
struct CnnPlaneArray {
  std::vector<double> slots;
  std::vector<double*> row, spare;
};
// The plane schedule's per-thread scratch: the row-tap sums of K and Θ, the padded variances, Ṫ of one plane, the
// second image channel-major.
struct CnnPlaneScratch {
  std::vector<double> uk, ut, v2, td, xt;
};

// How pairs are computed. planes: the padded-plane schedule (cnn_kernel_planes.h), available in full mode when every
// layer before the pooling is a stride-1 SAME conv, a dense layer or an activation; pairwise: the general per-axis
// box filters. automatic = planes where available. Both compute the same recursion (tested to 1e-12).
// full_pairwise: pairwise in full mode even for a flatten readout, which needs only the pixel diagonal (P² numbers
// per pair instead of P): the tests' reference for the diagonal mode.
enum class CnnSchedule { automatic, pairwise, full_pairwise };

class CnnKernel {
 public:
  // Scratch of one thread (reused across pairs).
  struct Workspace {
    std::vector<double> k, th, tk, tt, td, x1, x2;
    CnnPlaneArray pk, pt;
    CnnPlaneScratch ps;
  };

  // opts.arch must be set. `input_dim` = the columns of the inputs: opts.input_shape when set (its size must match),
  // else the inputs are (1, 1, input_dim). InputError on an architecture that does not fit the shape or does not end
  // in a vector (architecture_shapes_to_vector).
  CnnKernel(const KernelOptions& opts, std::int64_t input_dim, CnnSchedule schedule = CnnSchedule::automatic);

  const ImageShape& input_shape() const { return shapes_.front(); }
  bool full() const { return full_; }
  bool planes() const { return planes_; }  // the padded-plane schedule is in use
  // Floating-point operations of one pair (NNGP + NTK) in the cheapest form of the recursion, the count the
  // benchmark compares against (cnn_kernel_flops.cpp states what is counted).
  double pair_flops() const;
  std::size_t variance_size() const { return var_size_; }

  // Pixel variances of one image x (H·W·C doubles, C fastest) before each activation layer → out[variance_size()].
  void variances(const double* x, double* out, Workspace& ws) const;

  // NNGP and NTK of the pair (x1, x2) with their variances v1, v2; `self`: x1 is x2 (the pixel diagonal is then set
  // from v1 before each activation, so that duplicates are exact). ntk == nullptr skips the Θ recursion.
  void pair(const double* x1, const double* x2, const double* v1, const double* v2, bool self, double* nngp,
            double* ntk, Workspace& ws) const;

 private:
  struct Step {
    LayerKind kind;
    std::int64_t in_h = 1, in_w = 1, out_h = 1, out_w = 1;
    int kh = 1, kw = 1, sw = 1;  // filter, stride along w
    bool identity = true;        // 1×1 filter, stride 1: A(K) = K
    std::vector<int> src_h, src_w;
    double fan_in = 1;
    std::size_t var_offset = 0;  // activation: where this layer's variances start
    std::size_t dual_index = 0;  // activation: its Dual in duals_
    int lo_h = 0, lo_w = 0;      // plane schedule, conv: tap t reads pixel o + t − lo along each axis
  };
  bool plane_eligible(const Layer& l, std::size_t i, int* lo_h, int* lo_w) const;
  std::size_t run_planes(const double* x1, const double* x2, const double* v1, const double* v2, bool self,
                         double* record, Workspace& ws, bool want_ntk) const;
  void affine(const Step& s, Workspace& ws, bool want_ntk, bool full) const;
  void activation(const Step& s, const double* v1, const double* v2, bool self, Workspace& ws, bool want_ntk,
                  bool full) const;
  void collapse(const Step& s, Workspace& ws, bool want_ntk, bool full) const;
  void input_covariance(const double* x1, const double* x2, bool full, std::vector<double>& k) const;
  void run(const double* x1, const double* x2, const double* v1, const double* v2, bool self, double* record,
           Workspace& ws, bool want_ntk, bool full) const;

  std::vector<ImageShape> shapes_;
  std::vector<Step> steps_;
  std::vector<Dual> duals_;  // one per activation layer, in order
  double w2_, b2_, beta_;
  bool standard_, full_, planes_ = false;
  int pad_h_ = 1, pad_w_ = 1;  // plane schedule: the zero border of a plane
  std::size_t var_size_ = 0;
};

// One block of outputs: rows [i0, i0+m) × cols [j0, j0+n) of the kernel of X1 × X2 (X2 == nullptr: X1, and the
// diagonal block is computed on its upper triangle and mirrored) into nngp / ntk (either may be null) at the block's
// first element, row stride ld. var1 / var2: variance_size() doubles per row of X1 / X2.
template <class T>
void cnn_kernel_block(const CnnKernel& kernel, const MatrixRef<T>& X1, const MatrixRef<T>* X2,
                      const std::vector<double>& var1, const std::vector<double>& var2, std::int64_t i0, std::int64_t m,
                      std::int64_t j0, std::int64_t n, T* nngp, T* ntk, std::int64_t ld);

// variance_size() doubles per row of X.
template <class T>
std::vector<double> cnn_kernel_variances(const CnnKernel& kernel, const MatrixRef<T>& X);

}  // namespace widthlab
