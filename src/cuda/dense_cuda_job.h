// The boundary between the host side of the CUDA dense kernel (kernel_cuda.cpp, g++: options, checks, diagonals,
// symmetry) and its device side (kernel_cuda.cu, nvcc: memory, cuBLAS, the recursion kernel). Plain pointers and
// sizes only, so that nvcc never sees Eigen. Defined only in builds with CUDA (WIDTHLAB_HAVE_CUDA).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "widthlab/kernel_entry.h"

namespace widthlab::cuda_detail {

struct DenseCudaJob {
  const float* x1 = nullptr;  // N1 × d, row-major, contiguous (host)
  const float* x2 = nullptr;  // N2 × d, or null: X2 = X1
  std::int64_t n1 = 0, n2 = 0, d = 0;
  DenseEntryParams<float> params;
  const float* c = nullptr;   // L + 1 layer weights (host) or null (all 1)
  const float* d1 = nullptr;  // L × N1 layer diagonals, layer-major (host)
  const float* d2 = nullptr;  // L × N2
  float* nngp = nullptr;      // host outputs, row stride ld; either may be null
  float* ntk = nullptr;
  std::int64_t ld = 0;
  bool tf32 = false;
  std::int64_t panel_bytes = 0;
};

struct DenseCudaStats {
  std::int64_t panel_rows = 0;
  int panels = 0;
};

// Computes the job's outputs (every entry, both triangles when x2 is null). Throws std::runtime_error naming the
// failing CUDA or cuBLAS call.
DenseCudaStats dense_kernel_cuda_run(const DenseCudaJob& job);

// kernel_time_cuda's device part: job.x2 null, outputs on the device only; median milliseconds over reps.
double dense_kernel_cuda_time(const DenseCudaJob& job, int reps);

}  // namespace widthlab::cuda_detail
