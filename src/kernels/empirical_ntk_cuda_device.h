// The boundary between the host side of the empirical NTK on the GPU (empirical_ntk_cuda.cpp) and its device side
// (empirical_ntk_cuda.cu). Plain pointers only; defined in builds with CUDA (WIDTHLAB_HAVE_CUDA).
#pragma once

namespace widthlab::cuda_detail {

struct DeviceNet;

// Θ(X1, X2) of the net (empirical_ntk.h's per-layer Gram formula) into `out` (host, n1 × n2 row-major). x2 null:
// X2 = X1, and the result is mirrored from its upper triangle (exactly symmetric). cw: λ_l α_l² per layer 0..H;
// output: −1 for the mean over outputs, else that output. Synchronous; std::runtime_error naming a failing call.
void empirical_ntk_device(const DeviceNet& net, const float* x1, int n1, const float* x2, int n2, const double* cw,
                          int output, float* out);

}  // namespace widthlab::cuda_detail
