// What every CUDA engine's device side needs (private; nvcc only): error checks that throw std::runtime_error naming
// the failing CUDA or cuBLAS call, owners of device and pinned host memory, a stream and a cuBLAS handle, and the
// row-major GEMM of the host code's BLAS conventions on top of column-major cuBLAS.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace widthlab::cuda_detail {

inline void check(cudaError_t err, const char* call) {
  if (err != cudaSuccess)
    throw std::runtime_error(std::string("CUDA: ") + call + " failed: " + cudaGetErrorString(err));
}
inline void check(cublasStatus_t st, const char* call) {
  if (st != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string("cuBLAS: ") + call + " failed: " + cublasGetStatusString(st));
}
#define WL_CUDA(call) ::widthlab::cuda_detail::check((call), #call)

// Owners of device and pinned host memory, streams and the cuBLAS handle (freed on every exit path).
template <class T>
struct DeviceBuffer {
  T* p = nullptr;
  std::size_t n = 0;
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) : n(count) {
    if (n) WL_CUDA(cudaMalloc(reinterpret_cast<void**>(&p), n * sizeof(T)));
  }
  ~DeviceBuffer() { cudaFree(p); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : p(o.p), n(o.n) { o.p = nullptr, o.n = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      cudaFree(p);
      p = o.p, n = o.n;
      o.p = nullptr, o.n = 0;
    }
    return *this;
  }
};
template <class T = float>
struct PinnedBuffer {
  T* p = nullptr;
  PinnedBuffer() = default;
  explicit PinnedBuffer(std::size_t n) {
    if (n) WL_CUDA(cudaMallocHost(reinterpret_cast<void**>(&p), n * sizeof(T)));
  }
  ~PinnedBuffer() { cudaFreeHost(p); }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
};
struct Stream {
  cudaStream_t s = nullptr;
  Stream() { WL_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking)); }
  ~Stream() { cudaStreamDestroy(s); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
};
struct Blas {
  cublasHandle_t h = nullptr;
  bool tf32 = false;
  explicit Blas(bool use_tf32) : tf32(use_tf32) {
    check(cublasCreate(&h), "cublasCreate");
    // Strict float32 unless asked: the default math mode with CUBLAS_COMPUTE_32F uses no tensor-core
    // down-conversion (NVIDIA_TF32_OVERRIDE=1 in the environment would still force TF32).
    check(cublasSetMathMode(h, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
  }
  ~Blas() { cublasDestroy(h); }
  Blas(const Blas&) = delete;
  Blas& operator=(const Blas&) = delete;
};

// Host → device, complete on return and ordered before later work on `stream`. (A plain cudaMemcpy from pageable
// memory may return before its DMA lands, and work on a non-blocking stream does not wait for the legacy stream.)
template <class T>
void upload(DeviceBuffer<T>& dst, const T* src, std::size_t n, cudaStream_t stream) {
  if (!n) return;
  WL_CUDA(cudaMemcpyAsync(dst.p, src, n * sizeof(T), cudaMemcpyHostToDevice, stream));
  WL_CUDA(cudaStreamSynchronize(stream));
}

// C (m × n) = alpha · op(A) · op(B) + beta · C with every matrix row-major (leading dimensions lda, ldb, ldc), as
// blas::gemm on the host (src/nets/blas_ops.h). A row-major matrix is the column-major view of its transpose, so
// this is cuBLAS's Cᵀ = op(B)ᵀ · op(A)ᵀ with the operands swapped. Float32; TF32 tensor cores only when b.tf32.
inline void gemm_row_major(const Blas& b, bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* A,
                           int lda, const float* B, int ldb, float beta, float* C, int ldc) {
  check(cublasGemmEx(b.h, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &alpha, B,
                     CUDA_R_32F, ldb, A, CUDA_R_32F, lda, &beta, C, CUDA_R_32F, ldc,
                     b.tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
        "cublasGemmEx");
}

inline unsigned blocks_for(std::size_t n, int threads) { return unsigned((n + std::size_t(threads) - 1) / threads); }

}  // namespace widthlab::cuda_detail
