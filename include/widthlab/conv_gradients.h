// Per-input, per-output parameter gradients of a layered net (conv_net.h): for each row x_i of X and each output o,
// ∂f_o(x_i)/∂θ of every affine layer (weights and biases, MlpGradients shapes) from one single-row forward and backward
// pass. Shared by the run metrics' tangent-kernel diagonal (nets) and the empirical NTK's Jacobian route (kernels),
// which both need the gradients that weight sharing keeps from factoring into Grams (theory.md §3.9).
#pragma once
#include <functional>

#include "widthlab/conv_net.h"

namespace widthlab {

// fn(i, o, g): g = ∂f_o(x_i)/∂θ, valid during the call. ws: a workspace with backward buffers and capacity ≥ 1.
template <class T>
void for_each_output_gradient(const ConvNet<T>& net, const Matrix<T>& X, ConvWorkspace<T>& ws,
                              const std::function<void(int i, int o, const MlpGradients<T>& g)>& fn);

}  // namespace widthlab
