// Device side of the CUDA dense net (mlp_cuda_device.h; host side and contract: mlp_cuda.h). Per layer one cuBLAS
// GEMM and one fused elementwise kernel, the same products in the same roles as Mlp (mlp.cpp): forward z = α·in·θᵀ,
// then bias and φ; backward δ^{l−1} = α·δ^l·θ_l, then ⊙ φ'(z^{l−1}); update θ_l += (−lr_l·α_l)·δ_lᵀ·in (β = 1).
// φ and φ' are activation_formula.h's (the host's own formulas); relu, leaky_relu, abs and identity run in float
// exactly as Activation::apply<float> does, the other kinds in double like Activation::value.
#include <cuda_runtime.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "cuda/cuda_support.cuh"
#include "nets/mlp_cuda_device.cuh"

namespace widthlab::cuda_detail {

namespace {

constexpr int kThreads = 256;

// Activation::apply<float> / apply_derivative<float> entry by entry (activation.cpp): the piecewise-linear kinds in
// float, the others through the double formulas.
__device__ __forceinline__ float act_value(ActivationKind kind, float a, float z) {
  switch (kind) {
    case ActivationKind::identity: return z;
    case ActivationKind::relu: return z > 0.f ? z : 0.f;
    case ActivationKind::leaky_relu: return fmaxf(z, 0.f) + a * fminf(z, 0.f);
    case ActivationKind::abs: return fabsf(z);
    default: return float(activation_formula::value(kind, double(a), double(z)));
  }
}
__device__ __forceinline__ float act_derivative(ActivationKind kind, float a, float z) {
  switch (kind) {
    case ActivationKind::identity: return 1.f;
    case ActivationKind::relu: return z > 0.f ? 1.f : 0.f;
    case ActivationKind::leaky_relu: return z > 0.f ? 1.f : a;
    default: return float(activation_formula::derivative(kind, double(a), double(z)));
  }
}

// z[i, j] += α·b[j] (when b), then h = φ(z) (when h): Mlp::forward's row pass.
__global__ void bias_activation(float* z, float* h, const float* b, float alpha, std::int64_t rows, int cols,
                                ActivationKind kind, float param) {
  const std::int64_t idx = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= rows * cols) return;
  float v = z[idx];
  if (b) {
    v += alpha * b[idx % cols];
    z[idx] = v;
  }
  if (h) h[idx] = act_value(kind, param, v);
}

// d *= φ'(z), entry by entry.
__global__ void times_derivative(float* d, const float* z, std::int64_t n, ActivationKind kind, float param) {
  const std::int64_t idx = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx < n) d[idx] *= act_derivative(kind, param, z[idx]);
}

// b[j] += step·δ[i, j] for i = 0, 1, … in order (layer_products::column_sums' order): one thread per column.
__global__ void bias_step(float* b, const float* delta, int rows, int cols, float step) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= cols) return;
  float s = b[j];
  for (int i = 0; i < rows; ++i) s += step * delta[std::size_t(i) * cols + j];
  b[j] = s;
}

void launch_forward(const DeviceNet& net, DeviceActivations& acts, int rows) {
  const DenseNetLayout& L = net.layout;
  acts.rows = rows;
  const float* in = acts.x.p;
  for (int l = 0; l <= L.depth; ++l) {
    const int fi = L.fan_in(l), fo = L.fan_out(l);
    const float a = L.multipliers[std::size_t(l)];
    float* z = acts.z[std::size_t(l)].p;
    gemm_row_major(net.blas, false, true, rows, fo, fi, a, in, fi, net.w[std::size_t(l)].p, fi, 0.f, z, fo);
    float* h = l < L.depth ? acts.h[std::size_t(l)].p : nullptr;
    const std::size_t n = std::size_t(rows) * std::size_t(fo);
    if (h || L.bias)
      bias_activation<<<blocks_for(n, kThreads), kThreads, 0, net.stream.s>>>(
          z, h, L.bias ? net.b[std::size_t(l)].p : nullptr, a, rows, fo, L.activation, float(L.activation_param));
    WL_CUDA(cudaGetLastError());
    in = h;
  }
}

}  // namespace

std::shared_ptr<DeviceNet> make_device_net(const DenseNetLayout& layout) { return std::make_shared<DeviceNet>(layout); }

void put_layer(DeviceNet& net, int l, const float* w, const float* b) {
  const DenseNetLayout& L = net.layout;
  upload(net.w[std::size_t(l)], w, std::size_t(L.fan_out(l)) * std::size_t(L.fan_in(l)), net.stream.s);
  if (L.bias) upload(net.b[std::size_t(l)], b, std::size_t(L.fan_out(l)), net.stream.s);
}

void get_layer(const DeviceNet& net, int l, float* w, float* b) {
  const DenseNetLayout& L = net.layout;
  WL_CUDA(cudaMemcpyAsync(w, net.w[std::size_t(l)].p,
                          sizeof(float) * std::size_t(L.fan_out(l)) * std::size_t(L.fan_in(l)), cudaMemcpyDeviceToHost,
                          net.stream.s));
  if (L.bias)
    WL_CUDA(cudaMemcpyAsync(b, net.b[std::size_t(l)].p, sizeof(float) * std::size_t(L.fan_out(l)),
                            cudaMemcpyDeviceToHost, net.stream.s));
  WL_CUDA(cudaStreamSynchronize(net.stream.s));
}

std::shared_ptr<DeviceActivations> make_device_activations(const DeviceNet& net, int capacity, bool with_backward) {
  return std::make_shared<DeviceActivations>(net.layout, capacity, with_backward);
}

int capacity(const DeviceActivations& acts) { return acts.capacity; }

void set_input(const DeviceNet& net, DeviceActivations& acts, const float* x_host, int rows) {
  upload(acts.x, x_host, std::size_t(rows) * std::size_t(net.layout.input_dim), net.stream.s);
}

void forward_resident(const DeviceNet& net, DeviceActivations& acts, int rows) { launch_forward(net, acts, rows); }

void synchronize(const DeviceNet& net) { WL_CUDA(cudaStreamSynchronize(net.stream.s)); }

const float* forward(const DeviceNet& net, DeviceActivations& acts, const float* x_host, int rows) {
  const DenseNetLayout& L = net.layout;
  acts.rows = rows;
  if (rows == 0) return acts.logits.p;
  WL_CUDA(cudaMemcpyAsync(acts.x.p, x_host, sizeof(float) * std::size_t(rows) * std::size_t(L.input_dim),
                          cudaMemcpyHostToDevice, net.stream.s));
  launch_forward(net, acts, rows);
  WL_CUDA(cudaMemcpyAsync(acts.logits.p, acts.z[std::size_t(L.depth)].p,
                          sizeof(float) * std::size_t(rows) * std::size_t(L.outputs), cudaMemcpyDeviceToHost,
                          net.stream.s));
  WL_CUDA(cudaStreamSynchronize(net.stream.s));
  return acts.logits.p;
}

void backward_signals(const DeviceNet& net, DeviceActivations& acts) {
  const DenseNetLayout& L = net.layout;
  const int rows = acts.rows;
  for (int l = L.depth; l >= 1; --l) {
    const int fi = L.fan_in(l), fo = L.fan_out(l);
    float* prev = acts.delta[std::size_t(l - 1)].p;
    gemm_row_major(net.blas, false, false, rows, fi, fo, L.multipliers[std::size_t(l)], acts.delta[std::size_t(l)].p,
                   fo, net.w[std::size_t(l)].p, fi, 0.f, prev, fi);
    const std::size_t n = std::size_t(rows) * std::size_t(fi);
    times_derivative<<<blocks_for(n, kThreads), kThreads, 0, net.stream.s>>>(
        prev, acts.z[std::size_t(l - 1)].p, std::int64_t(n), L.activation, float(L.activation_param));
    WL_CUDA(cudaGetLastError());
  }
}

void sgd_update(DeviceNet& net, DeviceActivations& acts, const float* dlogits_host, const double* lrs) {
  const DenseNetLayout& L = net.layout;
  const int rows = acts.rows, H = L.depth;
  if (rows == 0) return;
  if (acts.delta.empty()) throw std::runtime_error("CUDA dense net: activations made without backward buffers");
  const std::size_t nk = std::size_t(rows) * std::size_t(L.outputs);
  float* dH = acts.delta[std::size_t(H)].p;
  if (dlogits_host) {
    std::copy(dlogits_host, dlogits_host + nk, acts.dlogits.p);  // pinned staging: an asynchronous copy
    WL_CUDA(cudaMemcpyAsync(dH, acts.dlogits.p, sizeof(float) * nk, cudaMemcpyHostToDevice, net.stream.s));
  } else {
    WL_CUDA(cudaMemcpyAsync(dH, acts.z[std::size_t(H)].p, sizeof(float) * nk, cudaMemcpyDeviceToDevice, net.stream.s));
  }
  backward_signals(net, acts);  // every δ from the weights before the update
  for (int l = 0; l <= H; ++l) {
    const int fi = L.fan_in(l), fo = L.fan_out(l);
    const float* in = l == 0 ? acts.x.p : acts.h[std::size_t(l - 1)].p;
    const float step = float(-lrs[l]) * L.multipliers[std::size_t(l)];
    gemm_row_major(net.blas, true, false, fo, fi, rows, step, acts.delta[std::size_t(l)].p, fo, in, fi, 1.f,
                   net.w[std::size_t(l)].p, fi);
    if (L.bias) {
      bias_step<<<blocks_for(std::size_t(fo), kThreads), kThreads, 0, net.stream.s>>>(
          net.b[std::size_t(l)].p, acts.delta[std::size_t(l)].p, rows, fo, step);
      WL_CUDA(cudaGetLastError());
    }
  }
  if (dlogits_host) WL_CUDA(cudaStreamSynchronize(net.stream.s));  // the staging buffer is reused by the next step
}

}  // namespace widthlab::cuda_detail
