// Run metrics of theory.md §6.0 on a trained/initial net (private to the nets module; used by train_run.cpp).
#pragma once
#include <optional>
#include <span>
#include <vector>

#include "widthlab/conv_net.h"
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

// The same metrics for a layered net (conv_metrics.cpp). kernel_diagonal: Σ_l lr_l ‖∂f_c/∂θ_l‖² (weights and biases)
// per row, mean over outputs c, from one single-row backward pass per row and output (ws capacity ≥ 1).
// layer_outputs: for each affine layer l below the readout the input of affine layer l + 1 (its h^l: after the
// activation, flatten or pooling that follows layer l), then the logits. weight_increments: as for Mlp, with θ_l
// of shape C_out × (KH·KW·C_in). logit_decomposition: nullopt (it is defined for depth-1 dense nets).
template <class T>
std::vector<double> kernel_diagonal(const ConvNet<T>& net, const Matrix<T>& x, std::span<const double> lrs,
                                    ConvWorkspace<T>& ws);
template <class T>
std::vector<Matrix<T>> layer_outputs(const ConvNet<T>& net, const Matrix<T>& x, ConvWorkspace<T>& ws);
template <class T>
std::vector<double> weight_increments(const ConvNet<T>& net, const std::vector<Matrix<T>>& w0);
template <class T>
std::optional<LogitDecomposition> logit_decomposition(const ConvNet<T>&, const std::vector<Matrix<T>>&,
                                                      const std::vector<Vector<T>>&, const Matrix<T>&, int) {
  return std::nullopt;
}

// Effective-weight increments (see TrainResult::weight_increments).
template <class T>
std::vector<double> weight_increments(const Mlp<T>& net, const std::vector<Matrix<T>>& w0);

// theory.md §6.0 logit decomposition (depth 1, ABReLU φ); nullopt otherwise. Evaluated in chunks of `chunk` rows.
template <class T>
std::optional<LogitDecomposition> logit_decomposition(const Mlp<T>& net, const std::vector<Matrix<T>>& w0,
                                                      const std::vector<Vector<T>>& b0, const Matrix<T>& x_test,
                                                      int chunk);

}  // namespace widthlab::metrics
