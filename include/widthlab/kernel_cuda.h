// The dense analytic NNGP/NTK on a CUDA GPU (issue 24; theory.md §3.8; the CPU path is kernel.h).
//
// Supported: the Dense stack of kernel.h (no `arch`) with a closed-form dual — the ABReLU family (relu, leaky_relu,
// abs, identity) and erf — in float32 or float64, both parameterizations, with or without bias, optional per-layer
// weights. Anything else runs on the CPU (cuda_kernel_unsupported says why).
//
// Method: the inputs go to the device once; the output is computed in row panels of X1 (kernel_panels.h: about
// panel_bytes of device memory per panel and output, two panels in flight on two streams): one cuBLAS GEMM of the
// panel against X2 (float32: strict — CUBLAS_COMPUTE_32F — by default, TF32 tensor cores only with `tf32`; float64:
// CUBLAS_COMPUTE_64F), then one elementwise kernel that runs the whole depth recursion per entry
// (dense_kernel_entry, kernel_entry.h — the very function the CPU tests check), then an asynchronous copy to pinned
// host memory while the next panel computes, and from there into the caller's rows. The per-row diagonals
// K^l(x,x) are computed on the host in double (dense_diagonals), as the CPU path does. A symmetric call (X2
// omitted) computes the upper triangle only (about half the GEMM, the recursion and the copies), mirrors it onto
// the lower one on the host and sets the diagonal from the exact diagonal recursion, so its output is exactly
// symmetric as kernel_compute's is.
//
// Accuracy against kernel_compute<T>: the same recursion in the same order; the differences are the GEMM's
// summation order (cuBLAS vs OpenBLAS, ≤ ~d·eps·|x||x'| in the Gram entry) and atan2 (CUDA's atan2f/atan2 vs the
// CPU's, ≤ 2 ulp), amplified by the recursion only near duplicates (kernel.h: ~√eps·K there). TF32 rounds the
// inputs to 10 mantissa bits: a Gram relative error up to ~1e-3, which is why it is off by default.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "widthlab/device.h"
#include "widthlab/kernel.h"
#include "widthlab/kernel_diagonals.h"
#include "widthlab/kernel_entry.h"
#include "widthlab/kernel_panels.h"
#include "widthlab/predict.h"

namespace widthlab {

struct CudaKernelOptions {
  bool tf32 = false;  // float32 only: cuBLAS TF32 tensor-core GEMM (faster, ~1e-3 relative Gram error)
  // Device memory per panel buffer; there are 2 outputs × 2 streams of them, and as many pinned host buffers.
  std::int64_t panel_bytes = std::int64_t(64) << 20;
};

struct CudaKernelSummary {
  KernelSummary kernel;  // rows, cols, symmetric, precision, seconds (wall, host copies included)
  std::string device;    // cuda_status() of the device used
  std::int64_t panel_rows = 0;
  int panels = 0;
  bool tf32 = false;
  std::string brief() const;  // "N1×N2 symmetric kernel, float32, cuda (NVIDIA H200 …), strict float32 GEMM, …"
};

// "" when the CUDA kernel computes this request, else what is not supported, as a phrase that completes
// "--device cuda: not supported for …" (e.g. "activation tanh (no closed-form dual; its quadrature is CPU-only)").
std::string cuda_kernel_unsupported(const KernelOptions& opts);

// Where a kernel request is computed (the kernel and predict verbs' --device, Python's device=), and how it was
// chosen. `device`: "cpu" | "cuda" | "auto" (InputError naming `what` otherwise). "cuda" for a request the CUDA kernel
// does not support, with more than one MPI rank (`ranks`), or on a machine without a usable GPU is an InputError
// saying why; "auto" picks the GPU when none of these stands in the way.
struct KernelDevice {
  Device device = Device::cpu;
  std::string note;  // e.g. "asked", "auto: no CUDA device: …" (empty for cuda)
};
KernelDevice choose_kernel_device(std::string_view device, const KernelOptions& opts, std::string_view what,
                                  int ranks = 1);

// The per-entry constants of kernel_entry.h for these options and input dimension n0 (converted to S as
// kernel.cpp converts them). std::invalid_argument when cuda_kernel_unsupported(opts) is not "".
template <class S>
DenseEntryParams<S> dense_entry_params(const KernelOptions& opts, std::int64_t n0);

// kernel_compute<T>'s contract (outputs row-major N1 × N2 at row stride ld, either may be null; X2 == nullptr →
// symmetric) on the GPU, for T = float and T = double (opts.precision is ignored: the overload decides). InputError
// on what kernel_compute rejects, on an unsupported request (naming it), on tf32 with double, and when CUDA is not
// available (cuda_status()); std::runtime_error naming the CUDA/cuBLAS call on a device failure.
CudaKernelSummary kernel_compute_cuda(const MatrixRef<float>& X1, const MatrixRef<float>* X2, const KernelOptions& opts,
                                      float* nngp, float* ntk, std::int64_t ld, const CudaKernelOptions& cuda_opts = {},
                                      const std::vector<double>* layer_weights = nullptr);
CudaKernelSummary kernel_compute_cuda(const MatrixRef<double>& X1, const MatrixRef<double>* X2,
                                      const KernelOptions& opts, double* nngp, double* ntk, std::int64_t ld,
                                      const CudaKernelOptions& cuda_opts = {},
                                      const std::vector<double>* layer_weights = nullptr);

// predict()'s kernels (predict.h KernelSource) from kernel_compute_cuda in float64, for `opts`' net.
KernelSource cuda_kernel_source(const KernelOptions& opts);

// The symmetric call's finishing step (host): the strict lower triangle of the n × n row-major `out` (row stride ld)
// becomes the transpose of the strict upper one, and out(i, i) = diag[i]. Reads nothing below the diagonal.
// std::invalid_argument when diag.size() != n.
void symmetrize_from_upper(float* out, std::int64_t n, std::int64_t ld, const std::vector<double>& diag);
void symmetrize_from_upper(double* out, std::int64_t n, std::int64_t ld, const std::vector<double>& diag);

// Benchmark helper: the median over `reps` runs (after one warm-up) of the device time, in milliseconds, of the
// symmetric NNGP and NTK of X: kernel_compute_cuda's panels (the upper triangle; GEMM + recursion per panel), the
// outputs left on the device (what neural-tangents' timings measure; no mirroring, no copies to the host). Needs
// about (1 + 1/P)·N²/2 entries of device memory per output for P panels. Throws as kernel_compute_cuda.
double kernel_time_cuda(const MatrixRef<float>& X, const KernelOptions& opts, const CudaKernelOptions& cuda_opts,
                        int reps);
double kernel_time_cuda(const MatrixRef<double>& X, const KernelOptions& opts, const CudaKernelOptions& cuda_opts,
                        int reps);

}  // namespace widthlab
