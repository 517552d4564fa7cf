// The device state of the CUDA dense net (private; nvcc only): the definitions behind mlp_cuda_device.h's opaque
// DeviceNet and DeviceActivations, for the .cu files that work on a net's buffers directly (src/nets/mlp_cuda.cu, the
// empirical NTK's src/kernels/empirical_ntk_cuda.cu).
#pragma once
#include <vector>

#include "cuda/cuda_support.cuh"
#include "nets/mlp_cuda_device.h"

namespace widthlab::cuda_detail {

struct DeviceNet {
  DenseNetLayout layout;
  Stream stream;
  Blas blas;
  std::vector<DeviceBuffer<float>> w, b;
  explicit DeviceNet(const DenseNetLayout& l) : layout(l), blas(l.tf32) {
    check(cublasSetStream(blas.h, stream.s), "cublasSetStream");
    for (int i = 0; i <= l.depth; ++i) {
      w.emplace_back(std::size_t(l.fan_out(i)) * std::size_t(l.fan_in(i)));
      b.emplace_back(l.bias ? std::size_t(l.fan_out(i)) : 0);
    }
  }
};

struct DeviceActivations {
  int capacity = 0, rows = 0;
  DeviceBuffer<float> x;
  std::vector<DeviceBuffer<float>> z, h, delta;  // z, δ: l = 0..H; h: l = 0..H−1
  PinnedBuffer<float> logits, dlogits;           // capacity × k, host
  DeviceActivations(const DenseNetLayout& l, int cap, bool backward)
      : capacity(cap),
        x(std::size_t(cap) * std::size_t(l.input_dim)),
        logits(std::size_t(cap) * std::size_t(l.outputs)),
        dlogits(backward ? std::size_t(cap) * std::size_t(l.outputs) : 0) {
    for (int i = 0; i <= l.depth; ++i) {
      const std::size_t n = std::size_t(cap) * std::size_t(l.fan_out(i));
      z.emplace_back(n);
      if (backward) delta.emplace_back(n);
      if (i < l.depth) h.emplace_back(n);
    }
  }
};

}  // namespace widthlab::cuda_detail
