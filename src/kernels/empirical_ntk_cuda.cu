// Device side of the empirical NTK on the GPU (empirical_ntk_cuda.h): the CPU algorithm of empirical_ntk.cpp with
// cuBLAS GEMMs — one forward and one backward per output on the device net's buffers, the per-layer signals stacked
// [δ^(o1) | δ^(o2) | …], then Θ = c_H·H_{H−1}H'ᵀ_{H−1} + Σ_{l<H} (c_l/K)·(Δ_lΔ'_lᵀ) ∘ (H_{l−1}H'ᵀ_{l−1} + β) + c_H·β.
#include <cuda_runtime.h>

#include <memory>
#include <vector>

#include "cuda/cuda_support.cuh"
#include "kernels/empirical_ntk_cuda_device.h"
#include "nets/mlp_cuda_device.cuh"

namespace widthlab::cuda_detail {
namespace {

constexpr int kThreads = 256;

// δ^H = e_o on every row (rows × k).
__global__ void one_hot(float* d, std::int64_t rows, int k, int o) {
  const std::int64_t idx = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx < rows * k) d[idx] = (idx % k) == o ? 1.f : 0.f;
}

// t += d·(h + beta) + add over n entries (the fused pass of empirical_ntk.cpp).
__global__ void hadamard_accumulate(float* t, const float* h, const float* d, float beta, float add, std::size_t n) {
  const std::size_t idx = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx < n) t[idx] += d[idx] * (h[idx] + beta) + add;
}

// Lower triangle of the n × n row-major t ← its upper triangle.
__global__ void mirror_upper(float* t, std::int64_t n) {
  const std::int64_t idx = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= n * n) return;
  const std::int64_t i = idx / n, j = idx - i * n;
  if (j < i) t[idx] = t[j * n + i];
}

// One side's signals: the forward's layer inputs (in acts) and, per layer l < H, the stacked δ_l of the K outputs.
struct Signals {
  std::shared_ptr<DeviceActivations> acts;
  std::vector<DeviceBuffer<float>> stacked;  // l = 0..H−1: rows × (K·fan_out(l))
  int rows = 0, K = 1;
  const float* input(int l) const { return l == 0 ? acts->x.p : acts->h[std::size_t(l - 1)].p; }
};

Signals signals(const DeviceNet& net, const float* x, int rows, int output) {
  const DenseNetLayout& L = net.layout;
  Signals s;
  s.rows = rows;
  s.K = output < 0 ? L.outputs : 1;
  s.acts = make_device_activations(net, rows, true);
  set_input(net, *s.acts, x, rows);
  forward_resident(net, *s.acts, rows);
  for (int l = 0; l < L.depth; ++l) s.stacked.emplace_back(std::size_t(rows) * s.K * std::size_t(L.fan_out(l)));
  for (int t = 0; t < s.K; ++t) {
    const int o = output < 0 ? t : output;
    const std::size_t nk = std::size_t(rows) * std::size_t(L.outputs);
    one_hot<<<blocks_for(nk, kThreads), kThreads, 0, net.stream.s>>>(s.acts->delta[std::size_t(L.depth)].p, rows,
                                                                     L.outputs, o);
    WL_CUDA(cudaGetLastError());
    backward_signals(net, *s.acts);
    for (int l = 0; l < L.depth; ++l) {
      const std::size_t fo = std::size_t(L.fan_out(l));
      WL_CUDA(cudaMemcpy2DAsync(s.stacked[std::size_t(l)].p + t * fo, sizeof(float) * s.K * fo,
                                s.acts->delta[std::size_t(l)].p, sizeof(float) * fo, sizeof(float) * fo,
                                std::size_t(rows), cudaMemcpyDeviceToDevice, net.stream.s));
    }
  }
  return s;
}

}  // namespace

void empirical_ntk_device(const DeviceNet& net, const float* x1, int n1, const float* x2, int n2, const double* cw,
                          int output, float* out) {
  const DenseNetLayout& L = net.layout;
  const int H = L.depth;
  const bool sym = x2 == nullptr;
  const Signals a = signals(net, x1, n1, output);
  Signals b_own;
  if (!sym) b_own = signals(net, x2, n2, output);
  const Signals& b = sym ? a : b_own;
  const int N2 = sym ? n1 : n2;
  const std::size_t nn = std::size_t(n1) * std::size_t(N2);
  const float beta = L.bias ? 1.f : 0.f;
  DeviceBuffer<float> theta(nn), gh(nn), gd(nn);
  const float cH = float(cw[H]);
  gemm_row_major(net.blas, false, true, n1, N2, L.fan_in(H), cH, a.input(H), L.fan_in(H), b.input(H), L.fan_in(H), 0.f,
                 theta.p, N2);
  float pending = cH * beta;  // added by the first Hadamard pass (H ≥ 1)
  for (int l = 0; l < H; ++l) {
    const int fi = L.fan_in(l), kd = L.fan_out(l) * a.K;
    const float scale = float(cw[l]) / float(a.K);
    gemm_row_major(net.blas, false, true, n1, N2, fi, 1.f, a.input(l), fi, b.input(l), fi, 0.f, gh.p, N2);
    gemm_row_major(net.blas, false, true, n1, N2, kd, scale, a.stacked[std::size_t(l)].p, kd,
                   b.stacked[std::size_t(l)].p, kd, 0.f, gd.p, N2);
    hadamard_accumulate<<<blocks_for(nn, kThreads), kThreads, 0, net.stream.s>>>(theta.p, gh.p, gd.p, beta, pending,
                                                                                 nn);
    WL_CUDA(cudaGetLastError());
    pending = 0.f;
  }
  if (sym) {
    mirror_upper<<<blocks_for(nn, kThreads), kThreads, 0, net.stream.s>>>(theta.p, n1);
    WL_CUDA(cudaGetLastError());
  }
  WL_CUDA(cudaMemcpyAsync(out, theta.p, sizeof(float) * nn, cudaMemcpyDeviceToHost, net.stream.s));
  WL_CUDA(cudaStreamSynchronize(net.stream.s));
}

}  // namespace widthlab::cuda_detail
