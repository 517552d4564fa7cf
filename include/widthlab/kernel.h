// Analytic NNGP and NTK of fully connected nets (theory.md §3.8, §3.2; architecture.md §3 "KernelSpec", §4 "Kernel
// semantics").
//
// The network is exactly neural-tangents'
//   stax.serial(*([Dense(W, W_std, b_std, parameterization=P), act] * depth), Dense(1, W_std, b_std,
//   parameterization=P))
// with s = 1 and b_std = 0 meaning "no bias" (neural-tangents' b_std=None). With σ_w = W_std, σ_b = b_std, n0 = d:
//   K¹ = σ_w² x·x'/n0 + σ_b²,   K^{l+1} = σ_w² T(K^l) + σ_b²                              (NNGP = K^{L+1})
//   ntk:      Θ¹ = c₁K¹,          Θ^{l+1} = c_{l+1} K^{l+1} + σ_w² Ṫ(K^l) Θ^l
//   standard: Θ¹ = c₁(x·x' + β),  Θ^{l+1} = c_{l+1}(N·T(K^l) + β) + σ_w² Ṫ(K^l) Θ^l,   N = `width`, β = [σ_b > 0]
// (NTK = Θ^{L+1}). The per-Dense-layer weights c_l are 1 for the plain NTK; `kernel_ntk_weighted` takes them, which
// gives Golikov's per-layer-lr kernel Θ = Σ_l η_l ⟨∂f/∂W^l, ∂f/∂W^l⟩ (theory.md §3.2) with c_l = η_l·fan_in_l/σ_l²
// (η_l the effective lr of layer l, σ_l² = fan_in_l · Var(W^l_ij)); see `scaling_kernel_weights`.
//
// Cost: one GEMM N1×N2×d (OpenBLAS via Eigen) plus one fused elementwise pass over the N1×N2 outputs that applies
// all `depth` layers (one sqrt + one atan2 per entry and layer for the closed forms); memory besides the outputs is
// O(threads·block² + (N1+N2)·depth); kernel_to_npy_mpi (mpi_runtime.h) streams N² outputs to .npy files.
// Symmetric calls (no X2) compute only the upper block triangle, mirror it, and set the diagonal by the exact
// diagonal recursion.
// Observed accuracy: float64 ~1e-14 relative to the float64 reference; float32 ~1e-5 relative (away from
// near-duplicate pairs, where K11K22 − K12² cancels and the error is ~√eps·K ≈ 3e-4·K).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "widthlab/activation.h"
#include "widthlab/architecture.h"
#include "widthlab/scaling.h"
#include "widthlab/tensor.h"

namespace widthlab {

enum class Parameterization { ntk, standard };
Parameterization parameterization_from_name(std::string_view name);  // "ntk" | "standard"; InputError otherwise
const char* parameterization_name(Parameterization p);

struct KernelOptions {
  int depth = 1;  // L ≥ 1 hidden Dense+act layers
  Activation act = activation_from_name("relu");
  double W_std = 1.0;
  double b_std = 0.0;  // 0 → no bias
  Parameterization parameterization = Parameterization::ntk;
  double width = 1.0;                        // base hidden width N (standard parameterization's NTK only)
  Precision precision = Precision::float64;  // used by the CLI; the templates below follow their T
  std::int64_t block = 512;                  // rows/cols per block
  int threads = 0;                           // 0 → std::thread::hardware_concurrency()
  int quadrature_order = 0;                  // 0 → Dual::kDefaultQuadratureOrder (non-closed-form φ)
  // Set: the network is this architecture (cnn_kernel.h, theory.md §3.9) instead of the Dense stack above; depth,
  // act and width are then unused (the widths are the architecture's) and so are per-layer weights.
  std::optional<Architecture> arch;
  // With arch: each input row is an image of this shape, (H, W, C) in C order; unset: (1, 1, d).
  std::optional<ImageShape> input_shape;

  // "" when valid, else one sentence naming the key, value and rule (STYLE 1), e.g. "depth = 0: expected ≥ 1".
  std::string validate() const;
};

// What was asked vs used (STYLE 2).
struct KernelSummary {
  int threads = 1;
  std::int64_t block = 0;
  Precision precision = Precision::float64;
  bool symmetric = false;
  std::int64_t rows = 0, cols = 0;
  double seconds = 0.0;
  std::string brief() const;
};

// A read-only view of row-major inputs (N × d): a Matrix<T>, a block of rows of one, or an Eigen::Map of a
// C-ordered buffer (a numpy array) — bound without copying as long as each row is contiguous.
template <class T>
using MatrixRef = Eigen::Ref<const Matrix<T>>;

// Outputs: row-major N1 × N2 arrays (`ld` = row stride, usually N2); either pointer may be null (not computed).
// X2 == nullptr → X2 = X1 (symmetric). `layer_weights` (size depth+1, Dense layer 1..L+1) or null (all 1).
// Throws InputError on invalid options, column mismatch, empty or non-finite inputs.
template <class T>
KernelSummary kernel_compute(const MatrixRef<T>& X1, const MatrixRef<T>* X2, const KernelOptions& opts, T* nngp_out,
                             T* ntk_out, std::int64_t ld, const std::vector<double>* layer_weights = nullptr);

// The checks kernel_compute starts with (options, shapes, finite inputs; errors name the row), for callers that
// compute a kernel in pieces and must reject bad input before writing anything.
template <class T>
void kernel_check_inputs(const MatrixRef<T>& X1, const MatrixRef<T>* X2, const KernelOptions& opts);

// The recursion's diagonals K^l(x, x) of X's rows (per-pixel variances for an architecture) stay where the products
// of two of them still fit T: ≤ √(max T) / 4 (theory.md §3.8 duals multiply K(x,x)·K(x',x')). Beyond that the kernel
// would hold inf or NaN, so it is an InputError naming the row, the value and what to change. X: finite rows, and an
// architecture that fits them (kernel_check_inputs calls it after those checks).
template <class T>
void kernel_check_scale(const MatrixRef<T>& X, const KernelOptions& opts);

class Progress;

// A kernel prepared once: options and inputs checked (as kernel_compute does), the per-row diagonal recursions
// K^l(x,x) done (O((N1+N2)·d·depth)). compute() then fills any block-aligned rectangle of the outputs with the same
// block calls as kernel_compute, so a kernel computed in pieces (kernel_to_npy_mpi's panels, any rank count) is bit
// for bit the kernel computed whole. The plan refers to X1 and X2: they must outlive it. compute() is const and
// may run concurrently on one plan.
template <class T>
class KernelPlan {
 public:
  KernelPlan(const MatrixRef<T>& X1, const MatrixRef<T>* X2, const KernelOptions& opts,
             const std::vector<double>* layer_weights = nullptr);  // throws InputError as kernel_compute does
  ~KernelPlan();
  KernelPlan(KernelPlan&&) noexcept;
  KernelPlan(const KernelPlan&) = delete;
  KernelPlan& operator=(const KernelPlan&) = delete;

  std::int64_t rows() const;  // N1
  std::int64_t cols() const;  // N2 (N1 when symmetric)
  bool symmetric() const;     // X2 omitted
  std::int64_t block() const;
  int threads() const;  // opts.threads, 0 resolved to the hardware threads

  // Rows [r0, r0+m) × cols [c0, c0+n) of the outputs into nngp / ntk (either may be null), which point at element
  // (r0, c0), row stride ld ≥ n. r0 and c0 are multiples of block(); m and n too, or they reach the last row/column
  // (std::invalid_argument otherwise). In a symmetric plan a block below the diagonal is its mirror block
  // transposed (copied when the mirror lies inside the rectangle, else computed and transposed). Blocks run on
  // threads() threads with OpenBLAS held at one; `progress` (optional) advances once per block.
  void compute(std::int64_t r0, std::int64_t m, std::int64_t c0, std::int64_t n, T* nngp, T* ntk, std::int64_t ld,
               Progress* progress = nullptr) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The same on Matrix<T> inputs (wraps them as MatrixRef views; no copy). For a Map, construct the MatrixRef first:
// `const MatrixRef<T> x(map); kernel_compute<T>(x, nullptr, …)`.
template <class T>
KernelSummary kernel_compute(const Matrix<T>& X1, const Matrix<T>* X2, const KernelOptions& opts, T* nngp_out,
                             T* ntk_out, std::int64_t ld, const std::vector<double>* layer_weights = nullptr) {
  const MatrixRef<T> x1(X1);
  if (!X2)
    return kernel_compute<T>(x1, static_cast<const MatrixRef<T>*>(nullptr), opts, nngp_out, ntk_out, ld, layer_weights);
  const MatrixRef<T> x2(*X2);
  return kernel_compute<T>(x1, &x2, opts, nngp_out, ntk_out, ld, layer_weights);
}

// Convenience forms (neural-tangents names, STYLE 5): X1 (N1 × d), X2 (N2 × d) → N1 × N2.
template <class T>
Matrix<T> kernel_nngp(const Matrix<T>& X1, const KernelOptions& opts);
template <class T>
Matrix<T> kernel_nngp(const Matrix<T>& X1, const Matrix<T>& X2, const KernelOptions& opts);
template <class T>
Matrix<T> kernel_ntk(const Matrix<T>& X1, const KernelOptions& opts);
template <class T>
Matrix<T> kernel_ntk(const Matrix<T>& X1, const Matrix<T>& X2, const KernelOptions& opts);
// Θ with per-Dense-layer weights c_1..c_{L+1} (see above); X2 == nullptr → symmetric.
template <class T>
Matrix<T> kernel_ntk_weighted(const Matrix<T>& X1, const Matrix<T>* X2, const KernelOptions& opts,
                              const std::vector<double>& layer_weights);

// Golikov's kernel of a depth-H net trained with a widthlab Scaling at width d (theory.md §1.2, §1.5, §3.2): layer l
// (0 = input, H = output) has effective weight variance v_l = (α_l·init_l)²·base_variance/fan_in_l and effective lr
// η_l = α_l²·lr_l·lr, where (init, multiplier α, lr) = scaling.factors_at(width) and base_variance = fan_in·Var of
// the base init (1/3 for PyTorch's U(±1/√fan_in)). Returns W_std = σ (common to all layers) and c_l = η_l/v_l.
// For the NTK preset the c_l do not depend on d (e.g. 1 hidden layer, d* = 128: c = (3η·n0, 3η·128)), so this is
// the d → ∞ kernel; for scalings whose c_l grow or vanish with d the kernel at that width is returned.
// InputError when the layers' σ_l² differ (one W_std cannot describe them) or the depths disagree.
struct ScalingKernelWeights {
  double W_std = 1.0;
  std::vector<double> layer_weights;  // size H + 1
};
ScalingKernelWeights scaling_kernel_weights(const Scaling& scaling, double width, double lr, std::int64_t input_dim,
                                            double base_variance = 1.0 / 3.0);

}  // namespace widthlab
