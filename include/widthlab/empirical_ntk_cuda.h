// The empirical NTK of a dense float32 net on a CUDA GPU (issue 24; theory.md §3.8; the CPU path and the formula:
// empirical_ntk.h). The same algorithm — one forward and one backward per output on the device, per layer two
// cuBLAS Gram GEMMs (strict float32) and one fused Hadamard pass — with the net's parameters uploaded once. X2 == null:
// X2 = X1, exactly symmetric (mirrored from the upper triangle). Memory on the device: Θ and two N1 × N2 Gram buffers
// plus the layer signals, (N1 + N2)·(2 + k)·H·d floats; the output comes back to the host whole.
// Accuracy: as empirical_ntk<float> but for the GEMMs' summation order (tests/kernels/empirical_ntk_cuda_test.cpp).
#pragma once
#include <type_traits>

#include "widthlab/empirical_ntk.h"
#include "widthlab/mlp.h"

namespace widthlab {

// empirical_ntk<float>'s contract on the GPU. InputError as empirical_ntk, and when CUDA is not available
// (cuda_status()); std::runtime_error naming the CUDA call on a device failure (e.g. out of memory).
Matrix<float> empirical_ntk_cuda(const Mlp<float>& net, const Matrix<float>& X1,
                                 const std::type_identity_t<Matrix<float>>* X2 = nullptr,
                                 const EmpiricalNtkOptions& opts = {});

}  // namespace widthlab
