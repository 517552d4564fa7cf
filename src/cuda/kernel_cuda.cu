// Device side of the CUDA dense NNGP/NTK (kernel_cuda.h), for S = float or double: per row panel (kernel_panels.h)
// one cuBLAS GEMM and one elementwise kernel running dense_kernel_entry (kernel_entry.h) per entry; panels
// alternate between two streams, each copied to pinned host memory while the next one computes.
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

template <class S>
struct GemmTypes;
template <>
struct GemmTypes<float> {
  static constexpr cudaDataType_t data = CUDA_R_32F;
  static cublasComputeType_t compute(bool tf32) { return tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F; }
};
template <>
struct GemmTypes<double> {
  static constexpr cudaDataType_t data = CUDA_R_64F;
  static cublasComputeType_t compute(bool) { return CUBLAS_COMPUTE_64F; }
};

// One thread per panel column, striding over the panel's rows by gridDim.y (no 64-bit division per entry). G holds
// the Gram panel (rows × cols, row-major) on entry and the NNGP on exit; T (when params.ntk) receives the NTK. With
// upper_only (a symmetric call) the entries below the diagonal are skipped: the host mirrors them.
template <class S>
__global__ void dense_entries(S* G, S* T, KernelPanel panel, bool upper_only, const S* d1, std::int64_t n1, const S* d2,
                              std::int64_t n2, const S* c, DenseEntryParams<S> params) {
  const std::int64_t j = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= panel.cols) return;
  const std::int64_t col = panel.col0 + j;
  const std::int64_t rows = panel_rows_computed(panel, j, upper_only);  // kernel_panels.h
  for (std::int64_t i = blockIdx.y; i < rows; i += gridDim.y) {
    const std::int64_t idx = i * panel.cols + j;
    S unused;
    dense_kernel_entry(params, c, G[idx], d1 + (panel.r0 + i), n1, d2 + col, n2, &G[idx], T ? &T[idx] : &unused);
  }
}

// The device state of one job: inputs, diagonals, weights, and one cuBLAS handle per stream (a handle's workspace
// is not to be shared by GEMMs running concurrently).
template <class S>
struct DeviceState {
  const DenseCudaJob<S>& job;
  std::int64_t L;
  DeviceBuffer<S> x1, x2, d1, d2, c;
  std::vector<std::unique_ptr<Blas>> blas;

  DeviceState(const DenseCudaJob<S>& j, int streams)
      : job(j),
        L(j.params.L),
        x1(std::size_t(j.n1 * j.d)),
        x2(j.x2 ? std::size_t(j.n2 * j.d) : 0),
        d1(std::size_t(L * j.n1)),
        d2(j.x2 ? std::size_t(L * j.n2) : 0),
        c(j.c ? std::size_t(L + 1) : 0) {
    if (j.n1 > INT_MAX || j.n2 > INT_MAX || j.d > INT_MAX)
      throw std::runtime_error("CUDA kernel: N1, N2 and d must each be < 2^31 (cuBLAS takes int sizes)");
    // On the legacy default stream (0): synchronised on return, before any panel's stream starts.
    upload(x1, j.x1, std::size_t(j.n1 * j.d), 0);
    if (j.x2) upload(x2, j.x2, std::size_t(j.n2 * j.d), 0);
    upload(d1, j.d1, std::size_t(L * j.n1), 0);
    if (j.x2) upload(d2, j.d2, std::size_t(L * j.n2), 0);
    if (j.c) upload(c, j.c, std::size_t(L + 1), 0);
    for (int s = 0; s < streams; ++s) blas.push_back(std::make_unique<Blas>(j.tf32));
  }

  // Enqueues panel p on `stream` with handle s: the Gram panel into G (rows × cols, row-major), then the recursion
  // (NNGP over G, NTK into T when params.ntk).
  void compute(int s, const KernelPanel& p, S* G, S* T, cudaStream_t stream) {
    const S one = 1, zero = 0;
    const S* X2 = job.x2 ? x2.p : x1.p;
    const cublasHandle_t h = blas[std::size_t(s)]->h;
    check(cublasSetStream(h, stream), "cublasSetStream");
    // Row-major X (N × d) is column-major d × N. The row-major panel (rows × cols) is the column-major cols × rows
    // matrix X2[col0 : col0 + cols]ᵀ·X1[r0 : r0 + rows]: op(A) = X2 panelᵀ (lda = d), B = X1 panel (ldb = d).
    check(cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_N, int(p.cols), int(p.rows), int(job.d), &one, X2 + p.col0 * job.d,
                       GemmTypes<S>::data, int(job.d), x1.p + p.r0 * job.d, GemmTypes<S>::data, int(job.d), &zero, G,
                       GemmTypes<S>::data, int(p.cols), GemmTypes<S>::compute(job.tf32), CUBLAS_GEMM_DEFAULT),
          "cublasGemmEx");
    const int threads = 256;
    const dim3 grid(blocks_for(std::size_t(p.cols), threads), unsigned(std::min<std::int64_t>(p.rows, 65535)));
    dense_entries<S><<<grid, threads, 0, stream>>>(G, job.params.ntk ? T : nullptr, p, job.x2 == nullptr, d1.p, job.n1,
                                                   job.x2 ? d2.p : d1.p, job.n2, c.p, job.params);
    WL_CUDA(cudaGetLastError());
  }
};

}  // namespace

template <class S>
void dense_kernel_cuda_run(const DenseCudaJob<S>& job) {
  const std::int64_t slot = job.panel_rows * job.n2;
  DeviceState<S> dev(job, 2);
  Stream streams[2];
  DeviceBuffer<S> G[2] = {DeviceBuffer<S>(std::size_t(slot)), DeviceBuffer<S>(std::size_t(slot))};
  DeviceBuffer<S> T[2] = {DeviceBuffer<S>(job.ntk ? std::size_t(slot) : 0),
                          DeviceBuffer<S>(job.ntk ? std::size_t(slot) : 0)};
  PinnedBuffer<S> hG[2] = {PinnedBuffer<S>(std::size_t(slot)), PinnedBuffer<S>(std::size_t(slot))};
  PinnedBuffer<S> hT[2] = {PinnedBuffer<S>(job.ntk ? std::size_t(slot) : 0),
                           PinnedBuffer<S>(job.ntk ? std::size_t(slot) : 0)};
  const int panels = int(job.panels.size());
  // Waits for panel k (slot k % 2) and copies it from pinned memory into the caller's rows.
  auto drain = [&](int k) {
    const int s = k % 2;
    WL_CUDA(cudaStreamSynchronize(streams[s].s));
    const KernelPanel& p = job.panels[std::size_t(k)];
    const std::size_t row_bytes = std::size_t(p.cols) * sizeof(S);
    for (std::int64_t r = 0; r < p.rows; ++r) {
      const std::int64_t at = (p.r0 + r) * job.ld + p.col0;
      if (job.nngp) std::memcpy(job.nngp + at, hG[s].p + r * p.cols, row_bytes);
      if (job.ntk) std::memcpy(job.ntk + at, hT[s].p + r * p.cols, row_bytes);
    }
  };
  for (int k = 0; k < panels; ++k) {
    const int s = k % 2;
    if (k >= 2) drain(k - 2);  // frees slot s; the other slot's panel keeps the device busy meanwhile
    const KernelPanel& p = job.panels[std::size_t(k)];
    dev.compute(s, p, G[s].p, T[s].p, streams[s].s);
    const std::size_t bytes = std::size_t(p.rows * p.cols) * sizeof(S);
    if (job.nngp) WL_CUDA(cudaMemcpyAsync(hG[s].p, G[s].p, bytes, cudaMemcpyDeviceToHost, streams[s].s));
    if (job.ntk) WL_CUDA(cudaMemcpyAsync(hT[s].p, T[s].p, bytes, cudaMemcpyDeviceToHost, streams[s].s));
  }
  for (int k = std::max(0, panels - 2); k < panels; ++k) drain(k);
}

template <class S>
double dense_kernel_cuda_time(const DenseCudaJob<S>& job, int reps) {
  std::vector<std::int64_t> offset{0};  // every panel's outputs kept on the device, back to back
  for (const KernelPanel& p : job.panels) offset.push_back(offset.back() + p.rows * p.cols);
  DeviceState<S> dev(job, 2);
  DeviceBuffer<S> G(std::size_t(offset.back())), T(job.params.ntk ? std::size_t(offset.back()) : 0);
  Stream streams[2];
  cudaEvent_t start, stop, second_done;
  WL_CUDA(cudaEventCreate(&start));
  WL_CUDA(cudaEventCreate(&stop));
  WL_CUDA(cudaEventCreate(&second_done));
  std::vector<float> ms;
  for (int r = 0; r <= std::max(1, reps); ++r) {  // r = 0: warm-up (cuBLAS heuristics, module load)
    WL_CUDA(cudaEventRecord(start, streams[0].s));
    WL_CUDA(cudaStreamWaitEvent(streams[1].s, start, 0));
    for (std::size_t k = 0; k < job.panels.size(); ++k)
      dev.compute(int(k % 2), job.panels[k], G.p + offset[k], job.params.ntk ? T.p + offset[k] : nullptr,
                  streams[k % 2].s);
    WL_CUDA(cudaEventRecord(second_done, streams[1].s));
    WL_CUDA(cudaStreamWaitEvent(streams[0].s, second_done, 0));
    WL_CUDA(cudaEventRecord(stop, streams[0].s));
    WL_CUDA(cudaEventSynchronize(stop));
    float t = 0;
    WL_CUDA(cudaEventElapsedTime(&t, start, stop));
    if (r > 0) ms.push_back(t);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaEventDestroy(second_done);
  std::sort(ms.begin(), ms.end());
  return double(ms[ms.size() / 2]);
}

template void dense_kernel_cuda_run<float>(const DenseCudaJob<float>&);
template void dense_kernel_cuda_run<double>(const DenseCudaJob<double>&);
template double dense_kernel_cuda_time<float>(const DenseCudaJob<float>&, int);
template double dense_kernel_cuda_time<double>(const DenseCudaJob<double>&, int);

}  // namespace widthlab::cuda_detail
