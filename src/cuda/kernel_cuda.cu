// Device side of the CUDA dense NNGP/NTK (kernel_cuda.h): cuBLAS GEMM per row panel, one elementwise kernel running
// dense_kernel_entry (kernel_entry.h) per entry, panels streamed to pinned host memory on two streams.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cuda/cuda_support.cuh"
#include "cuda/dense_cuda_job.h"

namespace widthlab::cuda_detail {
namespace {

// One thread per output entry of a panel: rows [r0, r0 + rows) of X1 × all N2 columns. G holds the Gram panel on
// entry and the NNGP on exit; T (when params.ntk) receives the NTK.
__global__ void dense_entries(float* G, float* T, std::int64_t rows, std::int64_t n2, std::int64_t r0, const float* d1,
                              std::int64_t n1, const float* d2, const float* c, DenseEntryParams<float> params) {
  const std::int64_t idx = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= rows * n2) return;
  const std::int64_t i = idx / n2, j = idx - i * n2;
  float unused;
  dense_kernel_entry(params, c, G[idx], d1 + (r0 + i), n1, d2 + j, n2, &G[idx], T ? &T[idx] : &unused);
}

// The device state of one job: inputs, diagonals, weights, and `slots` panel buffers of panel_rows rows.
struct DeviceState {
  const DenseCudaJob& job;
  std::int64_t L, n2, panel_rows;
  DeviceBuffer<float> x1, x2, d1, d2, c;
  std::vector<std::unique_ptr<DeviceBuffer<float>>> G, T;  // per slot: Gram → NNGP, NTK
  // Per slot: a cuBLAS handle is not to be shared by GEMMs running concurrently on two streams (its workspace).
  std::vector<std::unique_ptr<Blas>> blas;

  DeviceState(const DenseCudaJob& j, std::int64_t rows_per_panel, int slots)
      : job(j),
        L(j.params.L),
        n2(j.x2 ? j.n2 : j.n1),
        panel_rows(rows_per_panel),
        x1(std::size_t(j.n1 * j.d)),
        x2(j.x2 ? std::size_t(j.n2 * j.d) : 0),
        d1(std::size_t(L * j.n1)),
        d2(j.x2 ? std::size_t(L * j.n2) : 0),
        c(j.c ? std::size_t(L + 1) : 0) {
    // On the legacy default stream (0): synchronised on return, before any panel's stream starts.
    upload(x1, j.x1, std::size_t(j.n1 * j.d), 0);
    if (j.x2) upload(x2, j.x2, std::size_t(j.n2 * j.d), 0);
    upload(d1, j.d1, std::size_t(L * j.n1), 0);
    if (j.x2) upload(d2, j.d2, std::size_t(L * j.n2), 0);
    if (j.c) upload(c, j.c, std::size_t(L + 1), 0);
    for (int s = 0; s < slots; ++s) {
      G.push_back(std::make_unique<DeviceBuffer<float>>(std::size_t(panel_rows * n2)));
      T.push_back(std::make_unique<DeviceBuffer<float>>(j.params.ntk ? std::size_t(panel_rows * n2) : 0));
      blas.push_back(std::make_unique<Blas>(j.tf32));
    }
  }

  // Enqueues panel rows [r0, r0 + rows) into slot s on `stream` (always the same stream for a slot): GEMM, then the
  // recursion kernel.
  void compute(int s, std::int64_t r0, std::int64_t rows, cudaStream_t stream) {
    const float one = 1.0f, zero = 0.0f;
    const float* X2 = job.x2 ? x2.p : x1.p;
    const cublasHandle_t h = blas[std::size_t(s)]->h;
    check(cublasSetStream(h, stream), "cublasSetStream");
    // Row-major X (N × d) is column-major d × N. The row-major panel (rows × N2) is the column-major N2 × rows
    // matrix X2ᵀ·X1[r0 : r0 + rows]: op(A) = X2ᵀ (A = d × N2, lda = d), B = X1 panel (d × rows, ldb = d).
    check(cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_N, int(n2), int(rows), int(job.d), &one, X2, CUDA_R_32F, int(job.d),
                       x1.p + r0 * job.d, CUDA_R_32F, int(job.d), &zero, G[s]->p, CUDA_R_32F, int(n2),
                       job.tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          "cublasGemmEx");
    const std::int64_t entries = rows * n2;
    const int threads = 256;
    const std::int64_t blocks = (entries + threads - 1) / threads;
    dense_entries<<<unsigned(blocks), threads, 0, stream>>>(G[s]->p, job.params.ntk ? T[s]->p : nullptr, rows, n2, r0,
                                                            d1.p, job.n1, job.x2 ? d2.p : d1.p, c.p, job.params);
    WL_CUDA(cudaGetLastError());
  }
};

}  // namespace

DenseCudaStats dense_kernel_cuda_run(const DenseCudaJob& job) {
  const std::int64_t n2 = job.x2 ? job.n2 : job.n1;
  const std::int64_t row_bytes = n2 * std::int64_t(sizeof(float));
  const std::int64_t m = std::clamp<std::int64_t>(job.panel_bytes / row_bytes, 1, job.n1);
  if (job.n1 > INT_MAX || n2 > INT_MAX || job.d > INT_MAX)
    throw std::runtime_error("CUDA kernel: N1, N2 and d must each be < 2^31 (cuBLAS takes int sizes)");
  DeviceState dev(job, m, 2);
  Stream streams[2];
  PinnedBuffer<> hG0(std::size_t(m * n2)), hG1(std::size_t(m * n2));
  PinnedBuffer<> hT0(job.ntk ? std::size_t(m * n2) : 0), hT1(job.ntk ? std::size_t(m * n2) : 0);
  float* hG[2] = {hG0.p, hG1.p};
  float* hT[2] = {hT0.p, hT1.p};
  const int panels = int((job.n1 + m - 1) / m);
  // Waits for panel p (slot p % 2) and copies it from pinned memory into the caller's rows.
  auto drain = [&](int p) {
    const int s = p % 2;
    WL_CUDA(cudaStreamSynchronize(streams[s].s));
    const std::int64_t r0 = std::int64_t(p) * m, rows = std::min(m, job.n1 - r0);
    for (std::int64_t r = 0; r < rows; ++r) {
      if (job.nngp) std::memcpy(job.nngp + (r0 + r) * job.ld, hG[s] + r * n2, std::size_t(row_bytes));
      if (job.ntk) std::memcpy(job.ntk + (r0 + r) * job.ld, hT[s] + r * n2, std::size_t(row_bytes));
    }
  };
  for (int p = 0; p < panels; ++p) {
    const int s = p % 2;
    if (p >= 2) drain(p - 2);  // frees slot s; the other slot's panel keeps the device busy meanwhile
    const std::int64_t r0 = std::int64_t(p) * m, rows = std::min(m, job.n1 - r0);
    dev.compute(s, r0, rows, streams[s].s);
    const std::size_t bytes = std::size_t(rows * row_bytes);
    if (job.nngp) WL_CUDA(cudaMemcpyAsync(hG[s], dev.G[s]->p, bytes, cudaMemcpyDeviceToHost, streams[s].s));
    if (job.ntk) WL_CUDA(cudaMemcpyAsync(hT[s], dev.T[s]->p, bytes, cudaMemcpyDeviceToHost, streams[s].s));
  }
  for (int p = std::max(0, panels - 2); p < panels; ++p) drain(p);
  return {m, panels};
}

double dense_kernel_cuda_time(const DenseCudaJob& job, int reps) {
  if (job.n1 > INT_MAX || job.d > INT_MAX)
    throw std::runtime_error("CUDA kernel timing: N and d must each be < 2^31 (cuBLAS takes int sizes)");
  DeviceState dev(job, job.n1, 1);
  Stream stream;
  cudaEvent_t start, stop;
  WL_CUDA(cudaEventCreate(&start));
  WL_CUDA(cudaEventCreate(&stop));
  std::vector<float> ms;
  for (int r = 0; r <= std::max(1, reps); ++r) {  // r = 0: warm-up (cuBLAS heuristics, module load)
    WL_CUDA(cudaEventRecord(start, stream.s));
    dev.compute(0, 0, job.n1, stream.s);
    WL_CUDA(cudaEventRecord(stop, stream.s));
    WL_CUDA(cudaEventSynchronize(stop));
    float t = 0;
    WL_CUDA(cudaEventElapsedTime(&t, start, stop));
    if (r > 0) ms.push_back(t);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(ms.begin(), ms.end());
  return double(ms[ms.size() / 2]);
}

}  // namespace widthlab::cuda_detail
