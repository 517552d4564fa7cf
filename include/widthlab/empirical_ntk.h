// Empirical NTK of a finite widthlab net (theory.md §3.8, §3.2, §6.3 R21): Θ(x, x') = Σ_p λ_p ∂f(x)/∂p · ∂f(x')/∂p over
// the net's parameters p, computed without forming the Jacobian.
//
// For the Mlp of mlp.h (z^l = α_l(θ_l h^{l−1} + b_l), h^{−1} = x, f = z^H) the gradient of layer l is
// ∂f/∂θ_l = α_l δ_l h^{l−1}ᵀ and ∂f/∂b_l = α_l δ_l with δ_l = ∂f/∂z^l, so per layer the kernel is the Hadamard
// product of two Gram matrices:
//   Θ = Σ_l λ_l α_l² (Δ_l Δ'_lᵀ) ∘ (H_{l−1} H'_{l−1}ᵀ + β),   β = 1 with bias, 0 without,
// Δ_l, H_{l−1}: the per-sample δ_l and layer inputs in rows. λ_l = lr·factors[l].lr (Golikov's lr-weighted kernel,
// theory.md §3.2; it equals TrainResult's kernel_diag on the diagonal) or 1 (the plain NTK, gradient w.r.t. the raw
// parameters θ). For the output layer Δ_H Δ'_Hᵀ = 1, so it costs one Gram only.
//
// Several outputs (k > 1): `output = o` gives output o's kernel Θ_oo; `output = -1` (default) gives the mean over
// outputs (1/k) Σ_o Θ_oo = (1/k)·trace of the k × k block — neural-tangents' trace_axes=(-1,) divided by k, so that a
// net with k i.i.d. outputs has the same mean kernel as one output. The mean is one Gram per layer of the stacked
// [δ_l^{(1)} | … | δ_l^{(k)}] (inner dimension k·d). Cross-output blocks Θ_oo' (o ≠ o') are not computed.
//
// Cost: one forward + k backward passes over X1 (and X2), then per layer two GEMMs N1 × N2 × fan (syrk when
// X2 = X1: half the flops; the output layer's one Gram is written straight into Θ) and one fused elementwise pass
// Θ += (ΔΔ'ᵀ)∘(HH'ᵀ + β) over the computed triangle, then a tiled mirror. For d ≫ n0 that is
// ≈ 2·H·N1·N2·d·(1 + k)/… flops of Gram GEMMs — the Jacobian route would need N·P memory, P ≈ H·d². Memory: Θ plus
// two N1 × N2 buffers plus the layer signals (N1 + N2)·(2 + k)·H·d values (h_l, φ'(z_l), δ_l), the scratch in
// 2 MiB-aligned blocks advised for transparent huge pages on Linux (first-touch page faults of this fresh memory
// were the largest non-GEMM cost; bench/RESULTS.md).
// Accuracy (tests/kernels/empirical_ntk_test.cpp): float64 equals a finite-difference Jacobian to ~1e-7 relative
// (the differencing error); X2 = X1 is exactly symmetric and PSD up to rounding.
#pragma once
#include <type_traits>
#include <vector>

#include "widthlab/conv_net.h"
#include "widthlab/mlp.h"
#include "widthlab/tensor.h"

namespace widthlab {

struct EmpiricalNtkOptions {
  bool lr_weighted = false;  // λ_l = lr · factors[l].lr (Golikov, theory.md §3.2); false: λ_l = 1 (plain NTK)
  // neural-tangents' convention (overrides lr_weighted): the NTK of the same function written in NTK
  // parameterization, W^eff_l = α_l θ_l = (σ_l/√fan_in_l)·ω_l with ω_l of unit variance and the gradient taken in ω:
  // λ_l α_l² = σ_l²/fan_in_l with σ_l = α_l · factors[l].init · (1 for gaussian init, 1/√3 for uniform), the net's
  // effective weight std × √fan_in. It tends to the analytic NTK of kernel.h with W_std = σ_l (b_std = 0) as d → ∞,
  // whatever the scaling, when σ_l does not depend on d. Nets with biases are refused (InputError): their bias init
  // has no width-independent b_std.
  bool nt_parameterization = false;
  double lr = 1.0;  // base learning rate for lr_weighted (finite, > 0)
  int output = -1;  // −1: mean over the k outputs of Θ_oo; 0 ≤ o < k: output o's kernel
};

// InputError "empirical_ntk: <what> …" when X has no rows, not the net's input_dim columns, or a non-finite entry.
template <class T>
void empirical_ntk_check_inputs(const Mlp<T>& net, const Matrix<T>& X, const char* what);

// λ_l α_l² per layer 0..H (the factor in front of each layer's Hadamard term). InputError on a bad option.
template <class T>
std::vector<double> empirical_ntk_layer_weights(const Mlp<T>& net, const EmpiricalNtkOptions& opts = {});

// Θ(X1, X2) (N1 × N2). X2 == nullptr → X2 = X1 (symmetric: syrk, upper triangle mirrored, exactly symmetric).
// InputError when X has no rows, the wrong number of columns (≠ net input_dim) or non-finite entries, or on a bad
// option. Uses the net's precision T throughout (GEMMs in T). (X2's type is non-deduced so `nullptr` works.)
template <class T>
Matrix<T> empirical_ntk(const Mlp<T>& net, const Matrix<T>& X1, const std::type_identity_t<Matrix<T>>* X2 = nullptr,
                        const EmpiricalNtkOptions& opts = {});

// diag Θ(x_i, x_i) only (the NNGP-style diagonal, theory.md §6.0 "K(x,x)"), O(N·H·d·k) beyond the forward/backward:
//   Θ(x, x) = Σ_l λ_l α_l² ‖δ_l(x)‖² (‖h_{l−1}(x)‖² + β).
template <class T>
Vector<T> empirical_ntk_diagonal(const Mlp<T>& net, const Matrix<T>& X, const EmpiricalNtkOptions& opts = {});

// The same for a layered net (conv_net.h; src/kernels/conv_empirical_ntk.cpp), by the Jacobian route: one single-row
// backward pass per input and output, then one GEMM per layer; memory N·(parameters of a layer). Here the layer
// weights are λ_l alone (the raw-parameter gradients carry α_l): 1, lr·factors[l].lr, or init_l²·unit²/fan_in_l for
// the nt normalization (the same kernel as the Mlp overload's λ_l α_l² convention; a dense-only architecture gives
// the Mlp's kernel).
template <class T>
std::vector<double> empirical_ntk_layer_weights(const ConvNet<T>& net, const EmpiricalNtkOptions& opts = {});
template <class T>
Matrix<T> empirical_ntk(const ConvNet<T>& net, const Matrix<T>& X1, const std::type_identity_t<Matrix<T>>* X2 = nullptr,
                        const EmpiricalNtkOptions& opts = {});
template <class T>
Vector<T> empirical_ntk_diagonal(const ConvNet<T>& net, const Matrix<T>& X, const EmpiricalNtkOptions& opts = {});

extern template std::vector<double> empirical_ntk_layer_weights(const Mlp<float>&, const EmpiricalNtkOptions&);
extern template std::vector<double> empirical_ntk_layer_weights(const Mlp<double>&, const EmpiricalNtkOptions&);
extern template Matrix<float> empirical_ntk(const Mlp<float>&, const Matrix<float>&, const Matrix<float>*,
                                            const EmpiricalNtkOptions&);
extern template Matrix<double> empirical_ntk(const Mlp<double>&, const Matrix<double>&, const Matrix<double>*,
                                             const EmpiricalNtkOptions&);
extern template Vector<float> empirical_ntk_diagonal(const Mlp<float>&, const Matrix<float>&,
                                                     const EmpiricalNtkOptions&);
extern template Vector<double> empirical_ntk_diagonal(const Mlp<double>&, const Matrix<double>&,
                                                      const EmpiricalNtkOptions&);

}  // namespace widthlab
