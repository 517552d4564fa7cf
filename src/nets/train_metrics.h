// Run metrics of theory.md §6.0 on a trained/initial net (private to the nets module; used by train_run.cpp).
#pragma once
#include <optional>
#include <span>
#include <vector>

#include "widthlab/mlp.h"
#include "widthlab/train_run.h"

namespace widthlab::metrics {

// K(x,x) = Σ_l lr_l α_l² ‖δ_l(x)‖² (‖h^{l−1}(x)‖² + [bias]) for each row x of `x` (P × n0), δ_l = ∂f_c/∂z^l, mean
// over outputs c. ws must have capacity ≥ P.
template <class T>
std::vector<double> kernel_diagonal(const Mlp<T>& net, const Matrix<T>& x, std::span<const double> lrs,
                                    MlpWorkspace<T>& ws);

// Layer outputs h^0..h^{H−1} and the logits f(θ) on x (rows ≤ ws.capacity), copied out.
template <class T>
std::vector<Matrix<T>> layer_outputs(const Mlp<T>& net, const Matrix<T>& x, MlpWorkspace<T>& ws);

double rms(const MatrixD& a);

// Effective-weight increments (see TrainResult::weight_increments).
template <class T>
std::vector<double> weight_increments(const Mlp<T>& net, const std::vector<Matrix<T>>& w0);

// theory.md §6.0 logit decomposition (depth 1, ABReLU φ); nullopt otherwise. Evaluated in chunks of `chunk` rows.
template <class T>
std::optional<LogitDecomposition> logit_decomposition(const Mlp<T>& net, const std::vector<Matrix<T>>& w0,
                                                      const std::vector<Vector<T>>& b0, const Matrix<T>& x_test,
                                                      int chunk);

}  // namespace widthlab::metrics
