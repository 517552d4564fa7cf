// Host side of the CUDA dense net (mlp_cuda.h): shapes, checks and the parameter copies; the device work is in
// mlp_cuda.cu behind mlp_cuda_device.h. Without CUDA every constructor call is an InputError naming cuda_status().
#include "widthlab/mlp_cuda.h"

#include <fmt/format.h>

#include <stdexcept>

#include "nets/layer_products.h"
#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/optimizer.h"
#include "widthlab/train_run.h"

#if WIDTHLAB_HAVE_CUDA
#include "nets/mlp_cuda_device.h"
#endif

namespace widthlab {

std::string cuda_training_unsupported(const TrainTask& task) {
  if (!task.arch.layers.empty()) return "model.arch (CUDA trains the dense net)";
  if (task.train.precision != Precision::float32) return "train.precision = \"float64\" (CUDA runs float32)";
  if (optimizer_from_name(task.train.optimizer).kind != OptimizerKind::sgd)
    return fmt::format("optimizer '{}' (CUDA runs gd and sgd)", task.train.optimizer);
  return "";
}

bool task_on_gpu(const TrainTask& task) {
  if (task.train.device == "cpu") return false;  // without asking what the task supports
  const std::string why = cuda_training_unsupported(task);
  return resolve_study_device(task.train.device, why.empty() ? "" : "not supported for " + why);
}

std::vector<GemmShape> cuda_step_gemms(const MlpConfig& c, int rows) {
  const int H = c.depth;
  const auto fan_in = [&](int l) { return l == 0 ? c.input_dim : c.width; };
  const auto fan_out = [&](int l) { return l == H ? c.outputs : c.width; };
  std::vector<GemmShape> gemms;
  for (int l = 0; l <= H; ++l) gemms.push_back({rows, fan_out(l), fan_in(l), false, true, false});
  for (int l = H; l >= 1; --l) gemms.push_back({rows, fan_in(l), fan_out(l), false, false, false});
  for (int l = 0; l <= H; ++l) gemms.push_back({fan_out(l), fan_in(l), rows, true, false, true});
  return gemms;
}

std::vector<double> CudaMlp::layer_lrs(double lr) const { return widthlab::layer_lrs(factors_, lr); }

namespace {
void check_same_config(const MlpConfig& a, const MlpConfig& b) {
  if (a.input_dim != b.input_dim || a.width != b.width || a.depth != b.depth || a.outputs != b.outputs ||
      a.bias != b.bias)
    throw std::invalid_argument("CudaMlp: host net of another shape");
}
}  // namespace

#if WIDTHLAB_HAVE_CUDA

CudaMlp::CudaMlp(const Mlp<float>& net, bool tf32) : config_(net.config()), factors_(net.factors()) {
  require_cuda("study.device = \"cuda\"");
  cuda_detail::DenseNetLayout l;
  l.input_dim = config_.input_dim, l.width = config_.width, l.depth = config_.depth, l.outputs = config_.outputs;
  l.bias = config_.bias;
  l.activation = config_.activation.kind;
  l.activation_param = config_.activation.param;
  for (int i = 0; i < num_layers(); ++i) l.multipliers.push_back(net.multiplier(i));
  l.tf32 = tf32;
  device_ = cuda_detail::make_device_net(l);
  upload(net);
}

void CudaMlp::upload(const Mlp<float>& net) {
  check_same_config(config_, net.config());
  for (int l = 0; l < num_layers(); ++l) cuda_detail::put_layer(*device_, l, net.weight(l).data(), net.bias(l).data());
}

void CudaMlp::download(Mlp<float>& net) const {
  check_same_config(config_, net.config());
  for (int l = 0; l < num_layers(); ++l) cuda_detail::get_layer(*device_, l, net.weight(l).data(), net.bias(l).data());
}

CudaMlpWorkspace CudaMlp::make_workspace(int capacity, bool with_backward) const {
  CudaMlpWorkspace ws;
  ws.capacity = capacity;
  ws.device = cuda_detail::make_device_activations(*device_, capacity, with_backward);
  return ws;
}

const float* CudaMlp::forward(const float* x, int rows, CudaMlpWorkspace& ws) const {
  if (rows < 0 || rows > ws.capacity)
    throw std::invalid_argument(
        fmt::format("CudaMlp::forward: {} rows for a workspace of capacity {}", rows, ws.capacity));
  ws.rows = rows;
  return cuda_detail::forward(*device_, *ws.device, x, rows);
}

Matrix<float> CudaMlp::predict(const Matrix<float>& x, CudaMlpWorkspace& ws) const {
  return layer_products::predict_in_chunks(*this, x, ws, config_.outputs);
}

void CudaMlp::backward_sgd(const float*, const float* dlogits, CudaMlpWorkspace& ws, std::span<const double> lrs) {
  if (int(lrs.size()) != num_layers())
    throw std::invalid_argument(fmt::format("CudaMlp: {} learning rates for {} layers", lrs.size(), num_layers()));
  cuda_detail::sgd_update(*device_, *ws.device, dlogits, lrs.data());
}

void CudaMlp::set_input(const float* x, int rows, CudaMlpWorkspace& ws) const {
  if (rows < 0 || rows > ws.capacity)
    throw std::invalid_argument(
        fmt::format("CudaMlp::set_input: {} rows for a workspace of capacity {}", rows, ws.capacity));
  cuda_detail::set_input(*device_, *ws.device, x, rows);
}

void CudaMlp::forward_resident(int rows, CudaMlpWorkspace& ws) const {
  ws.rows = rows;
  cuda_detail::forward_resident(*device_, *ws.device, rows);
}

void CudaMlp::sgd_resident(CudaMlpWorkspace& ws, std::span<const double> lrs) {
  cuda_detail::sgd_update(*device_, *ws.device, nullptr, lrs.data());
}

void CudaMlp::synchronize() const { cuda_detail::synchronize(*device_); }

#else  // built without CUDA: the constructor refuses, so no other member is ever reached

CudaMlp::CudaMlp(const Mlp<float>& net, bool) : config_(net.config()), factors_(net.factors()) {
  require_cuda("study.device = \"cuda\"");  // throws: cuda_available() is false in such a build
  throw InputError("study.device = \"cuda\": " + cuda_status());
}
void CudaMlp::upload(const Mlp<float>&) {}
void CudaMlp::download(Mlp<float>&) const {}
CudaMlpWorkspace CudaMlp::make_workspace(int capacity, bool) const { return {capacity, 0, nullptr}; }
const float* CudaMlp::forward(const float*, int, CudaMlpWorkspace&) const { return nullptr; }
Matrix<float> CudaMlp::predict(const Matrix<float>&, CudaMlpWorkspace&) const { return {}; }
void CudaMlp::backward_sgd(const float*, const float*, CudaMlpWorkspace&, std::span<const double>) {}
void CudaMlp::set_input(const float*, int, CudaMlpWorkspace&) const {}
void CudaMlp::forward_resident(int, CudaMlpWorkspace&) const {}
void CudaMlp::sgd_resident(CudaMlpWorkspace&, std::span<const double>) {}
void CudaMlp::synchronize() const {}

#endif

}  // namespace widthlab
