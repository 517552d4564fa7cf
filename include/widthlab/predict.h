// Predictions of the infinite-width net (theory.md §3.2, model 2; neural-tangents `predict` semantics, STYLE 5).
//
// Time convention (exactly neural-tangents' `gradient_descent_mse`): `t` counts gradient-descent steps of size `lr`
// (it may be fractional for MSE), so the continuous-time flow runs for τ = lr·t, and the MSE loss is
// ½·mean over all N = y.size() label entries (N = n for one output per sample), i.e.
//   df/dτ = −Θ (f − y) / N      ⇒  f*(t) = Θ* V diag(−expm1(−λ lr t / N) / λ) Vᵀ y        (zero prior f₀ = 0)
// with Θ_reg = Θ + r·I = V diag(λ) Vᵀ, eigenvalues clipped below at 0 (λ → 0 uses the limit lr·t/N).
// t = ∞ uses a Cholesky/LDLT solve:  f*(∞) = Θ* (Θ + r·I)⁻¹ y.
// diag_reg (neural-tangents): r = diag_reg · trace(Θ)/n, or r = diag_reg when `diag_reg_absolute_scale`.
//
// Covariance on the test points (neural-tangents `gradient_descent_mse_ensemble`, the infinite ensemble of
// infinite-width nets; K = NNGP, Θ = NTK, _dd train×train, _td test×train, _tt test×test):
//   kernel nngp (only the readout trained; Bayesian posterior at t = ∞):
//       mean = K_td K⁻¹(I − e^{−Kτ/N}) y,   cov = K_tt − K_td K⁻¹(I − e^{−2Kτ/N}) K_tdᵀ
//   kernel ntk (all layers trained), with O = Θ⁻¹(I − e^{−Θτ/N}) (Θ⁻¹ at t = ∞):
//       mean = Θ_td O y,   cov = K_tt + Θ_td O K_dd O Θ_tdᵀ − (Θ_td O K_tdᵀ + transpose)
//
// Logistic / cross-entropy (theory.md §3.2): function-space gradient descent with the fixed kernel on train ∪ test,
//   u⁽⁰⁾ = g ~ GP(0, K_nngp) (independently per output) or 0,
//   u⁽ᵏ⁺¹⁾(x) = u⁽ᵏ⁾(x) − lr · (1/n) Σ_j Θ(x, x_j) ℓ'(y_j, u⁽ᵏ⁾(x_j)),   k = 0 … t−1  (t an integer step count).
#pragma once
#include <cstdint>
#include <functional>
#include <limits>

#include "widthlab/kernel.h"
#include "widthlab/loss.h"
#include "widthlab/rng.h"
#include "widthlab/tensor.h"

namespace widthlab {

enum class PredictKernel { ntk, nngp };  // the kernel that drives training (neural-tangents `get`)

struct PredictOptions {
  LossKind loss = LossKind::mse;
  double time = std::numeric_limits<double>::infinity();  // steps t (∞ only for mse)
  double lr = 1.0;
  double diag_reg = 0.0;
  bool diag_reg_absolute_scale = false;
  bool cov = false;  // mse only: also the test×test covariance
  PredictKernel kernel = PredictKernel::ntk;
  std::uint64_t seed = 0;
  bool init_sample = true;  // logistic / cross-entropy: u⁽⁰⁾ = GP sample (false → 0)
};

// What was used (STYLE 2).
struct PredictSummary {
  double reg = 0.0;                     // absolute diagonal regularizer added to the training kernel
  double eig_min = 0.0, eig_max = 0.0;  // eigenvalue range of the (regularized) training kernel
  double jitter = 0.0;                  // absolute jitter of the GP-sample Cholesky (0 when none / not sampled)
  std::int64_t steps = 0;               // function-space GD steps (logistic / cross-entropy)
  int outputs = 1;
};

struct PredictResult {
  MatrixD mean;  // test × outputs
  MatrixD cov;   // test × test, empty unless requested
  PredictSummary summary;
};

// ---- Kernel-level building blocks (inputs are the kernel matrices) ----

// Absolute regularizer r (see above).
double predict_diag_reg(const MatrixD& k_train_train, double diag_reg, bool absolute_scale);

// MSE ensemble prediction from kernels. `ntk_*` may be empty for kernel nngp; `nngp_tt` and `nngp_dd` are needed
// only for the covariance (nngp_dd only with kernel ntk). y: n × k. t may be +∞.
PredictResult predict_mse(const MatrixD& ntk_dd, const MatrixD& ntk_td, const MatrixD& nngp_dd, const MatrixD& nngp_td,
                          const MatrixD& nngp_tt, const MatrixD& y, const PredictOptions& opts);

// g ~ N(0, K) for `columns` independent columns: Cholesky of K + jitter·I with jitter 0, then
// 1e-12·mean(diag K) growing ×10 until it succeeds; past 1e-2·mean(diag) the eigen factor with clipped negative
// eigenvalues is used (jitter reported as 0). `*jitter_used` gets the jitter.
MatrixD gp_sample(const MatrixD& K, int columns, Rng& rng, double* jitter_used = nullptr);

// Function-space gradient descent with a fixed kernel: k_all_train (N_all × n, the first n rows being the training
// points themselves), u0 (N_all × outputs), labels y (n, as Loss expects). Returns u after `steps` steps.
MatrixD function_space_gd(const MatrixD& k_all_train, MatrixD u0, const Loss& loss, const VectorD& y, double lr,
                          std::int64_t steps);

// ---- End to end: kernels of the KernelOptions net, then the prediction on X_test ----
// Where predict() gets its kernels: the NNGP and/or NTK of (A, B) (B null: (A, A), symmetric) into *nngp / *ntk
// (either null: not needed; predict() has sized them A.rows() × B.rows()). Empty: the CPU engine,
// kernel_compute<double> (kernel.h). `widthlab predict --device cuda` passes the GPU's float64 kernel (kernel_cuda.h).
using KernelSource = std::function<void(const MatrixD& A, const MatrixD* B, MatrixD* nngp, MatrixD* ntk)>;

// Labels: mse → n × k targets; logistic → n values ±1; cross-entropy → n class indices 0..C−1.
// InputError on empty / non-finite inputs, column mismatch, label count or value errors, t < 0, non-mse with
// t = ∞ or non-integer t, lr ≤ 0, diag_reg < 0, --cov with a non-mse loss.
PredictResult predict(const MatrixD& X_train, const MatrixD& Y_train, const MatrixD& X_test, const KernelOptions& kopts,
                      const PredictOptions& opts, const KernelSource& kernels = {});

}  // namespace widthlab
