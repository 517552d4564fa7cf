#include "widthlab/device.h"

#include <fmt/format.h>

#include "widthlab/error.h"

#if WIDTHLAB_HAVE_CUDA
#include <cuda_runtime.h>
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

}  // namespace widthlab
