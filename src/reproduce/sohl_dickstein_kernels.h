// The sohl-dickstein2020-kernels case (R22; theory.md §6.3 R22, §3.8, §3.9): the pieces its tests reach. Internal to
// src/reproduce.
//
// Improved SP's NTK is affine in the base widths. In the recursions of theory.md §3.8 / §3.9 a layer adds
// n·A(K) + [σ_b > 0] to Θ, where n is its fan-in (C_in·k_h·k_w for a conv, the input's size for a dense layer, H·W·C
// after flatten) and every other factor (σ_w², A, Ṫ and the NNGP K) does not depend on any width. n is linear in the
// width of the affine layer before it, so with w_1 … w_m the widths of the affine layers but the last (whose width
// only counts the outputs),
//     Θ_SP(w) = C_0 + Σ_j w_j · C_j.
// Evaluating the kernel at w = 1 and at w = 1 + e_j gives C_j = Θ(1 + e_j) − Θ(1) and C_0 = Θ(1) − Σ_j C_j, so m + 1
// kernel evaluations give improved SP's NTK at every base width (real-valued widths included), and the width sweep of
// [SP] costs no further kernel evaluation.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "widthlab/architecture.h"
#include "widthlab/kernel.h"
#include "widthlab/tensor.h"
#include "widthlab/verdicts.h"

namespace widthlab::repro::sdk {

// Average pooling of one-channel row-major H × W images (one per row of X) by f × f blocks; H and W must be multiples
// of f (std::invalid_argument otherwise). (n, H·W) → (n, (H/f)·(W/f)).
MatrixD average_pool(const MatrixD& X, int height, int width, int f);

// A stratified train / validation split of a training subset: within each class, in file order, every k-th example
// (the k-th, 2k-th, … of that class) goes to validation, the others to training. Indices ascending.
struct TrainValSplit {
  std::vector<Eigen::Index> train, val;
};
TrainValSplit validation_split(const VectorD& labels, int k);

// A kernel on the training rows (dd: train × train) and on other rows × training rows (td).
struct KernelBlocks {
  MatrixD dd, td;
};

// NNGP and NTK of `opts` on (X_train × X_train, X_other × X_train), with the time and the number of pairs computed.
struct KernelPair {
  KernelBlocks nngp, ntk;
  double seconds = 0;
  std::int64_t pairs = 0;
};
KernelPair kernel_pair(const KernelOptions& opts, const MatrixD& X_train, const MatrixD& X_other);

// `arch` with the widths of its affine layers but the last replaced by `widths` (one per such layer, rounded to the
// nearest integer ≥ 1), in order. std::invalid_argument when the count differs.
Architecture with_widths(const Architecture& arch, const std::vector<std::int64_t>& widths);
// The number of affine layers whose width enters improved SP's NTK (all but the last).
int width_count(const Architecture& arch);

// Improved SP's NTK as C_0 + Σ_j w_j C_j (header comment), from width_count(arch) + 1 kernel evaluations of
// `opts` (its parameterization set to standard, its arch replaced): `nngp` is the evaluation at w = 1 (the NNGP does
// not depend on the widths), `seconds` each evaluation's time, `pairs` the pairs of one evaluation.
struct SpComponents {
  KernelBlocks nngp;
  std::vector<KernelBlocks> c;  // C_0, C_1 … C_m
  std::vector<double> seconds;
  std::int64_t pairs = 0;
};
SpComponents sp_components(const Architecture& arch, const KernelOptions& opts, const MatrixD& X_train,
                           const MatrixD& X_other);
// C_0 + Σ_j w_j C_j for real widths w (size m).
KernelBlocks sp_ntk_at(const SpComponents& c, const std::vector<double>& widths);

// Kernel regression at t = ∞ (predict.h's predict_mse with the MSE loss and time = ∞): K_td (K_dd + r I)⁻¹ Y with
// r = predict_diag_reg(K_dd, diag_reg, false) = diag_reg · tr(K_dd)/n, by one Cholesky factorisation (LDLᵀ when
// it fails). predict_mse also computes the eigenvalues, ≈ 10× the cost at n = 1500.
MatrixD kernel_ridge(const MatrixD& K_dd, const MatrixD& K_td, const MatrixD& Y, double diag_reg);

// One-hot targets (n × classes) of class indices 0 … classes−1.
MatrixD one_hot(const VectorD& y, int classes);
// Per row: 1 when the argmax of f's row (the first on ties) is y, else 0.
std::vector<double> correct(const MatrixD& f, const VectorD& y);
double mean_of(const std::vector<double>& v);

// The width setting chosen on validation: the index of the largest validation accuracy, the first on ties.
std::size_t choose_on_validation(const std::vector<double>& val_acc);

// The claims, on per-example correctness (1 / 0) of two predictors a and b on the same test examples: the accuracy
// difference mean(a − b) with its percentile-bootstrap 95 % interval over test examples (paired: both predict every
// example; bootstrap_paired_difference, 2000 resamples).
//   similar: the difference lies in [−tol, tol];
//   better:  the difference lies in [margin, ∞) (a more accurate than b by at least `margin`).
VerdictResult judge_similar_accuracy(const std::vector<double>& a, const std::vector<double>& b, double tol,
                                     const std::string& what, const std::string& source);
VerdictResult judge_better_accuracy(const std::vector<double>& a, const std::vector<double>& b, double margin,
                                    const std::string& what, const std::string& source);

// max |A − B| / max |B| over both blocks (0 when B is zero and A equals it).
double rel_max_diff(const KernelBlocks& a, const KernelBlocks& b);

}  // namespace widthlab::repro::sdk
