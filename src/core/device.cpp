#include "widthlab/device.h"

#include <fmt/format.h>

#include "widthlab/error.h"

#if WIDTHLAB_HAVE_CUDA
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>
#endif

namespace widthlab {
namespace {

struct Probe {
  bool available = false;
  std::string status;
};

Probe probe() {
#if WIDTHLAB_HAVE_CUDA
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // reset the runtime's last-error state so later calls start clean
    return {false,
            fmt::format("no CUDA device: cudaGetDeviceCount returned {} ({})", int(err), cudaGetErrorString(err))};
  }
  if (count < 1) return {false, "no CUDA device: cudaGetDeviceCount found 0 devices"};
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) return {true, "CUDA device 0 (properties unavailable)"};
  return {true, fmt::format("CUDA device 0: {} (sm_{}{}, {:.1f} GiB{})", prop.name, prop.major, prop.minor,
                            double(prop.totalGlobalMem) / double(1ull << 30),
                            count > 1 ? fmt::format(", {} devices, device 0 used", count) : std::string())};
#else
  return {false,
          "built without CUDA (no nvcc at configure time, WIDTHLAB_CUDA=OFF, or a sanitizer/fuzz build; see the "
          "'widthlab: CUDA' line of cmake's output)"};
#endif
}

const Probe& cached() {
  static const Probe p = probe();
  return p;
}

}  // namespace

const char* device_name(Device d) { return d == Device::cuda ? "cuda" : "cpu"; }

bool cuda_built() {
#if WIDTHLAB_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

bool cuda_available() { return cached().available; }

std::string cuda_status() { return cached().status; }

std::optional<Device> parse_device(std::string_view text, std::string_view flag) {
  if (text == "cpu") return Device::cpu;
  if (text == "cuda") return Device::cuda;
  if (text == "auto") return std::nullopt;
  throw InputError(fmt::format("{} '{}': expected cpu, cuda or auto", flag, text));
}

void require_cuda(std::string_view what) {
  if (!cuda_available()) throw InputError(fmt::format("{}: CUDA is not available: {}", what, cuda_status()));
}

std::string study_device_error(std::string_view text) {
  if (text == "auto" || text == "cpu" || text == "cuda") return "";
  return fmt::format("study.device = \"{}\": expected \"auto\", \"cpu\" or \"cuda\"", text);
}

bool resolve_study_device(std::string_view device, const std::string& refusal) {
  if (device == "cpu") return false;
  if (device == "cuda") {
    if (!refusal.empty()) throw InputError("study.device = \"cuda\": " + refusal);
    require_cuda("study.device = \"cuda\"");
    return true;
  }
  return refusal.empty() && cuda_available();
}

#if WIDTHLAB_HAVE_CUDA
namespace {
void ok(cudaError_t e, const char* call) {
  if (e != cudaSuccess) throw std::runtime_error(fmt::format("CUDA: {} failed: {}", call, cudaGetErrorString(e)));
}
void ok(cublasStatus_t e, const char* call) {
  if (e != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(fmt::format("cuBLAS: {} failed: {}", call, cublasGetStatusString(e)));
}

// Device buffers for the largest A, B and C of `gemms`, filled with N(0, 1) floats (every GEMM reads the front of
// each), a cuBLAS handle and two events; all released on destruction.
struct GemmBench {
  float *a = nullptr, *b = nullptr, *c = nullptr;
  cublasHandle_t h = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;

  GemmBench(std::span<const GemmShape> gemms, bool tf32) {
    try {
      allocate(gemms, tf32);
    } catch (...) {
      release();
      throw;
    }
  }
  GemmBench(const GemmBench&) = delete;
  GemmBench& operator=(const GemmBench&) = delete;
  ~GemmBench() { release(); }

  void allocate(std::span<const GemmShape> gemms, bool tf32) {
    std::size_t na = 1, nb = 1, nc = 1;
    for (const GemmShape& g : gemms) {
      na = std::max(na, std::size_t(g.m) * std::size_t(g.k));
      nb = std::max(nb, std::size_t(g.k) * std::size_t(g.n));
      nc = std::max(nc, std::size_t(g.m) * std::size_t(g.n));
    }
    std::vector<float> host(std::max({na, nb, nc}));
    std::mt19937_64 rng(0);
    std::normal_distribution<float> normal(0.f, 1.f);
    for (float& v : host) v = normal(rng);
    fill(a, host, na), fill(b, host, nb), fill(c, host, nc);
    ok(cublasCreate(&h), "cublasCreate");
    ok(cublasSetMathMode(h, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    ok(cudaEventCreate(&start), "cudaEventCreate");
    ok(cudaEventCreate(&stop), "cudaEventCreate");
  }

  void release() {
    cudaFree(a), cudaFree(b), cudaFree(c);
    if (h) cublasDestroy(h);
    if (start) cudaEventDestroy(start);
    if (stop) cudaEventDestroy(stop);
  }

  static void fill(float*& p, const std::vector<float>& host, std::size_t n) {
    ok(cudaMalloc(reinterpret_cast<void**>(&p), n * sizeof(float)), "cudaMalloc");
    ok(cudaMemcpy(p, host.data(), n * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy");
  }

  // The row-major GEMM as cuBLAS's column-major Cᵀ = op(B)ᵀ · op(A)ᵀ (cuda_support.cuh gemm_row_major).
  void issue(const GemmShape& g, bool tf32) {
    const float one = 1.f, beta = g.accumulate ? 1.f : 0.f;
    ok(cublasGemmEx(h, g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, g.n, g.m, g.k,
                    &one, b, CUDA_R_32F, g.trans_b ? g.k : g.n, a, CUDA_R_32F, g.trans_a ? g.m : g.k, &beta, c,
                    CUDA_R_32F, g.n, tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
       "cublasGemmEx");
  }

  float time_ms(std::span<const GemmShape> gemms, bool tf32) {
    ok(cudaEventRecord(start), "cudaEventRecord");
    for (const GemmShape& g : gemms) issue(g, tf32);
    ok(cudaEventRecord(stop), "cudaEventRecord");
    ok(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float t = 0;
    ok(cudaEventElapsedTime(&t, start, stop), "cudaEventElapsedTime");
    return t;
  }
};
}  // namespace

double cuda_gemms_ms(std::span<const GemmShape> gemms, bool tf32, int reps) {
  require_cuda("cuda_gemms_ms");
  GemmBench bench(gemms, tf32);
  bench.time_ms(gemms, tf32);  // warm-up
  std::vector<float> ms;
  for (int r = 0; r < std::max(1, reps); ++r) ms.push_back(bench.time_ms(gemms, tf32));
  std::sort(ms.begin(), ms.end());
  return double(ms[ms.size() / 2]);
}

double cuda_sgemm_ms(int m, int n, int k, bool tf32, int reps) {
  const GemmShape one{m, n, k};
  return cuda_gemms_ms({&one, 1}, tf32, reps);
}
#else
double cuda_gemms_ms(std::span<const GemmShape>, bool, int) {
  require_cuda("cuda_gemms_ms");
  return 0;
}

double cuda_sgemm_ms(int, int, int, bool, int) {
  require_cuda("cuda_sgemm_ms");
  return 0;
}
#endif

}  // namespace widthlab
