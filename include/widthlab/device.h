// Where an engine runs: the CPU or a CUDA GPU (issue 24). The CUDA backend is optional at build time (CMake option
// WIDTHLAB_CUDA, on when nvcc is found; cmake/cuda.cmake) and at run time (a GPU must be present). Engines with a
// CUDA path: the dense analytic NNGP/NTK (kernel_cuda.h, theory.md §3.8) and the dense net's training
// (mlp_cuda.h; study.device).
//   const Device d = parse_device(text, "--device");   // "cpu" | "cuda" | "auto"; InputError naming the flag
//   if (d == Device::cuda) require_cuda("--device cuda");  // InputError with cuda_status() when no GPU
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace widthlab {

enum class Device { cpu, cuda };
const char* device_name(Device d);  // "cpu" | "cuda"

// True when widthlab was built with CUDA and the runtime sees at least one device (errors count as none).
// Probed once per process and cached.
bool cuda_available();
// One sentence on the state of the CUDA backend, e.g. "built without CUDA (…)", "no CUDA device: cudaGetDeviceCount
// returned 35 (CUDA driver version is insufficient for CUDA runtime version)" or "CUDA device 0: NVIDIA H200
// (sm_90, 139.8 GiB)".
std::string cuda_status();
// True when this binary has the CUDA code compiled in (whether or not a GPU is present).
bool cuda_built();

// "cpu" → cpu, "cuda" → cuda, "auto" → nullopt (the caller decides: cuda when available and the request is one its
// CUDA path supports, else cpu). InputError "<flag> '<text>': expected cpu, cuda or auto" otherwise.
std::optional<Device> parse_device(std::string_view text, std::string_view flag);

// InputError "<what>: CUDA is not available: <cuda_status()>" unless cuda_available().
void require_cuda(std::string_view what);

// "" when `text` is a value of study.device ("auto", "cpu", "cuda"), else the sentence
// "study.device = \"<text>\": expected \"auto\", \"cpu\" or \"cuda\"" (the validations of the options that carry it).
std::string study_device_error(std::string_view text);

// study.device resolved for one engine's run, given `refusal`: "" when the run has a CUDA path, else what completes
// "study.device = \"cuda\": …" saying why not. "cpu" → false; "cuda" → true, or InputError with the refusal, or with
// cuda_status() when there is no GPU; "auto" → a CUDA path and a GPU.
bool resolve_study_device(std::string_view device, const std::string& refusal);

// One row-major GEMM C (m × n) = op(A) · op(B), plus C itself when `accumulate` (β = 1, the nets' in-place updates),
// with op(X) = Xᵀ where trans_x: the shapes and operand layouts the CUDA nets issue (mlp_cuda.h cuda_step_gemms).
struct GemmShape {
  int m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false, accumulate = false;
};

// The GPU's float32 GEMM floor for benchmarks: the median device time in milliseconds (CUDA events around the whole
// sequence, after one warm-up) of `reps` runs of the cuBLAS GEMMs `gemms`, issued back to back on one stream on
// N(0,1) data, strict float32 (CUBLAS_COMPUTE_32F) or TF32. require_cuda first; std::runtime_error naming the CUDA
// call on a device failure.
double cuda_gemms_ms(std::span<const GemmShape> gemms, bool tf32, int reps);
// cuda_gemms_ms of the one GEMM m × n × k without transposes.
double cuda_sgemm_ms(int m, int n, int k, bool tf32, int reps);

}  // namespace widthlab
