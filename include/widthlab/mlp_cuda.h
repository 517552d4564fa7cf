// The dense net (mlp.h) trained on a CUDA GPU (issue 24; theory.md §1.1): a device copy of an Mlp<float>'s
// parameters with the training-loop interface of Mlp (training_loop.h runs it like any net), for plain full-batch GD
// and mini-batch SGD. Float32 only; the GEMMs are cuBLAS in strict float32 (CUBLAS_COMPUTE_32F) unless `tf32`.
//
//   Mlp<float> net(config, factors);  net.init(seed);
//   CudaMlp gpu(net);                          // uploads θ, b
//   auto ws = gpu.make_workspace(batch);       // device activations for up to `batch` rows
//   const float* f = gpu.forward(x, rows, ws); // host logits (rows × k)
//   gpu.backward_sgd(x, dlogits, ws, lrs);     // θ_l −= lrs[l]·∂loss/∂θ_l on the device
//   gpu.download(net);                         // the trained parameters back into the host net
//
// Per step the host sends the batch (rows × n0) and ∂loss/∂logits (rows × k) and receives the logits (rows × k): the
// loss, its gradient and the loop's checks stay on the host, as for the CPU nets. Everything else stays on the device.
// Same arithmetic as Mlp<float> but for the GEMMs' summation order (cuBLAS vs OpenBLAS): tests/cuda/mlp_cuda_test.cpp
// bounds the difference after a training run. Deterministic: cuBLAS GEMMs without atomics give the same bits for the
// same inputs on the same GPU, and the bias-gradient kernel sums in a fixed order.
//
// cuda_training_unsupported(task) says which requests have no CUDA path (run_training then uses the CPU under
// study.device = "auto" and refuses under "cuda").
#pragma once
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "widthlab/device.h"
#include "widthlab/mlp.h"

namespace widthlab {

namespace cuda_detail {
struct DeviceNet;  // src/nets/mlp_cuda_device.h
struct DeviceActivations;
}  // namespace cuda_detail

// Device activations for up to `capacity` rows (one per concurrent use, like MlpWorkspace).
struct CudaMlpWorkspace {
  int capacity = 0;
  int rows = 0;
  std::shared_ptr<cuda_detail::DeviceActivations> device;
};

class CudaMlp {
 public:
  // Uploads `net`'s parameters. InputError when CUDA is not available (cuda_status()); std::runtime_error naming the
  // CUDA call on a device failure (e.g. out of memory).
  explicit CudaMlp(const Mlp<float>& net, bool tf32 = false);
  CudaMlp(const CudaMlp&) = delete;  // one owner of the device parameters
  CudaMlp& operator=(const CudaMlp&) = delete;
  CudaMlp(CudaMlp&&) = default;
  CudaMlp& operator=(CudaMlp&&) = default;

  const MlpConfig& config() const { return config_; }
  int num_layers() const { return config_.depth + 1; }
  std::vector<double> layer_lrs(double lr) const;

  CudaMlpWorkspace make_workspace(int capacity, bool with_backward = true) const;
  // Mlp::forward's contract with host pointers: x is rows × n0 (host); returns the host logits (rows × k), valid
  // until the next call with ws. std::invalid_argument when rows > ws.capacity.
  const float* forward(const float* x, int rows, CudaMlpWorkspace& ws) const;
  Matrix<float> predict(const Matrix<float>& x, CudaMlpWorkspace& ws) const;
  // Mlp::backward_sgd after forward on the same ws and x: one plain gradient step of every layer.
  void backward_sgd(const float* x, const float* dlogits, CudaMlpWorkspace& ws, std::span<const double> lrs);

  // The device parameters into / from a host net of the same config (std::invalid_argument otherwise).
  void download(Mlp<float>& net) const;
  void upload(const Mlp<float>& net);

  // For benchmarks: rows × n0 inputs (host) into ws's device input buffer once, then forwards on it with the logits
  // left on the device, steps of the loss ½‖f‖² (∂loss/∂f = f, no host copies), and a wait for the device.
  void set_input(const float* x, int rows, CudaMlpWorkspace& ws) const;
  void forward_resident(int rows, CudaMlpWorkspace& ws) const;
  void sgd_resident(CudaMlpWorkspace& ws, std::span<const double> lrs);
  void synchronize() const;

  // The device state, for the CUDA engines that work on a net's buffers (empirical_ntk_cuda.h).
  const cuda_detail::DeviceNet& device_net() const { return *device_; }

 private:
  MlpConfig config_;
  std::vector<LayerFactors> factors_;
  std::shared_ptr<cuda_detail::DeviceNet> device_;
};

// The cuBLAS GEMMs of one resident step (forward_resident then sgd_resident) on `rows` rows, in issue order and with
// the operand layouts of mlp_cuda.cu: per layer the forward z = in·θᵀ, then per layer l = H…1 the backward
// δ^{l−1} = δ^l·θ_l, then per layer the update θ_l += step·δ_lᵀ·in. For benchmarks: cuda_gemms_ms of this list is the
// step's GEMM time alone (device.h), the floor its elementwise kernels and launches add to. Needs no GPU.
std::vector<GemmShape> cuda_step_gemms(const MlpConfig& config, int rows);

struct TrainTask;
// study.device resolved for a task (run_training, the empirical NTK's training run): true for "cuda" (InputError
// when the task has no CUDA path, naming why, or there is no GPU) and for "auto" when a GPU is present and the task
// has a CUDA path; false for "cpu".
bool task_on_gpu(const TrainTask& task);
// "" when run_training can run this task on the GPU, else what is not supported, as a phrase completing
// "study.device = \"cuda\": not supported for …" (e.g. "optimizer 'adam' (CUDA runs gd and sgd)").
std::string cuda_training_unsupported(const TrainTask& task);

}  // namespace widthlab
