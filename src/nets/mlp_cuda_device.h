// The boundary between the host side of the CUDA dense net (mlp_cuda.cpp, g++: Mlp, Eigen, checks) and its device
// side (mlp_cuda.cu, nvcc: memory, cuBLAS, the elementwise kernels). Plain pointers and sizes only, so that nvcc never
// sees Eigen. Defined only in builds with CUDA (WIDTHLAB_HAVE_CUDA).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "widthlab/activation_formula.h"

namespace widthlab::cuda_detail {

// Mlp's shape (mlp.h): layer l maps fan_in(l) → fan_out(l), z^l = α_l (θ_l h^{l−1} + b_l), h^l = φ(z^l) for l < H.
struct DenseNetLayout {
  int input_dim = 0, width = 0, depth = 1, outputs = 1;
  bool bias = false;
  ActivationKind activation = ActivationKind::relu;
  double activation_param = 0;
  std::vector<float> multipliers;  // α_l, l = 0..H
  bool tf32 = false;               // TF32 tensor-core GEMMs (off: strict float32)
  int fan_in(int l) const { return l == 0 ? input_dim : width; }
  int fan_out(int l) const { return l == depth ? outputs : width; }
};

// Defined in mlp_cuda.cu: the parameters θ_l, b_l with the net's stream and cuBLAS handle, and the buffers x, z^l,
// h^l, δ^l for up to `capacity` rows with pinned host logits. Shared pointers carry their deleters from there.
struct DeviceNet;
struct DeviceActivations;

std::shared_ptr<DeviceNet> make_device_net(const DenseNetLayout& layout);
// Host ↔ device copies of layer l's parameters: w is fan_out × fan_in row-major, b has fan_out entries (ignored
// without bias). Synchronous.
void put_layer(DeviceNet& net, int l, const float* w, const float* b);
void get_layer(const DeviceNet& net, int l, float* w, float* b);

std::shared_ptr<DeviceActivations> make_device_activations(const DeviceNet& net, int capacity, bool with_backward);
int capacity(const DeviceActivations& acts);

// Forward over `rows` rows of x (host, rows × n0): uploads x, runs the layers, copies the logits back; returns the
// logits (rows × k, host, valid until the next call with `acts`). Synchronous.
const float* forward(const DeviceNet& net, DeviceActivations& acts, const float* x_host, int rows);
// Plain SGD after forward on the same acts: δ^H = dlogits (host, rows × k), every δ^l from the weights before the
// update, then θ_l −= lrs[l]·α_l δ_lᵀ h^{l−1} and b_l −= lrs[l]·α_l Σ_i δ_l[i]. Synchronous.
void sgd_update(DeviceNet& net, DeviceActivations& acts, const float* dlogits_host, const double* lrs);

// δ^l = ∂(Σ_c δ^H[·, c] f_c)/∂z^l for l = H−1 … 0 from δ^H already in acts.delta[H], after a forward on acts
// (Mlp::backward_signals). Asynchronous on the net's stream.
void backward_signals(const DeviceNet& net, DeviceActivations& acts);

// For benchmarks: x (host, rows × n0) into acts' input buffer (synchronous), and the resident forms of the two calls
// above (x already there; logits left on the device; dlogits_host null: δ^H = the logits, the step of ½‖f‖²).
// Asynchronous on the net's stream; synchronize() waits.
void set_input(const DeviceNet& net, DeviceActivations& acts, const float* x_host, int rows);
void forward_resident(const DeviceNet& net, DeviceActivations& acts, int rows);
void synchronize(const DeviceNet& net);

}  // namespace widthlab::cuda_detail
