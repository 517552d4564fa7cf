// The boundary between the host side of the CUDA dense kernel (kernel_cuda.cpp, g++: options, checks, diagonals,
// panels, symmetry) and its device side (kernel_cuda.cu, nvcc: memory, cuBLAS, the recursion kernel). Plain pointers
// and sizes only, so that nvcc never sees Eigen. Defined only in builds with CUDA (WIDTHLAB_HAVE_CUDA).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "widthlab/kernel_entry.h"
#include "widthlab/kernel_panels.h"

namespace widthlab::cuda_detail {

// S = float or double: the precision of the inputs, the GEMM, the recursion and the outputs.
template <class S>
struct DenseCudaJob {
  const S* x1 = nullptr;               // N1 × d, row-major, contiguous (host)
  const S* x2 = nullptr;               // N2 × d, or null: X2 = X1 (symmetric: the upper triangle only, kernel_panels)
  std::int64_t n1 = 0, n2 = 0, d = 0;  // n2 = n1 when x2 is null
  DenseEntryParams<S> params;
  const S* c = nullptr;   // L + 1 layer weights (host) or null (all 1)
  const S* d1 = nullptr;  // L × N1 layer diagonals, layer-major (host)
  const S* d2 = nullptr;  // L × N2
  S* nngp = nullptr;      // host outputs, row stride ld; either may be null
  S* ntk = nullptr;
  std::int64_t ld = 0;
  bool tf32 = false;                // float only
  std::vector<KernelPanel> panels;  // kernel_panels(n1, n2, panel_rows, x2 == nullptr)
  std::int64_t panel_rows = 0;      // the largest panel's rows
};

// Computes the job's panels into the host outputs. Throws std::runtime_error naming the failing CUDA or cuBLAS call.
template <class S>
void dense_kernel_cuda_run(const DenseCudaJob<S>& job);

// kernel_time_cuda's device part: the same panels, outputs left on the device; median milliseconds over reps.
template <class S>
double dense_kernel_cuda_time(const DenseCudaJob<S>& job, int reps);

}  // namespace widthlab::cuda_detail
