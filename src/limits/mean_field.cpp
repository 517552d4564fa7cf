#include "widthlab/mean_field.h"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>

#include "nets/train_metrics.h"  // the nets module's lr-weighted kernel diagonal (one implementation)
#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/optimizer.h"

namespace widthlab {

std::string ParticleOptions::validate() const {
  if (input_dim < 1) return fmt::format("limits.input_dim = {}: expected an integer >= 1", input_dim);
  if (outputs < 1) return fmt::format("limits.outputs = {}: expected an integer >= 1", outputs);
  if (depth < 1) return fmt::format("model.depth = {}: expected an integer >= 1", depth);
  if (particles < 2 || particles > (1LL << 30))
    return fmt::format("limits.mf_particles = {}: expected an integer in [2, 2^30]", particles);
  if (paired && particles % 2 != 0)
    return fmt::format("limits.mf_particles = {}: expected an even number (particles come in ± pairs)", particles);
  if (!(reference_width > 0))
    return fmt::format("scaling.reference_width = {}: expected a number > 0", reference_width);
  if (eval_chunk < 1) return fmt::format("limits.eval_chunk = {}: expected an integer >= 1", eval_chunk);
  try {
    if (cuda && optimizer_from_name(optimizer).kind != OptimizerKind::sgd)
      return fmt::format("study.device = \"cuda\": the MF particle system on the GPU runs gd and sgd, not '{}'",
                         optimizer);
    optimizer_from_name(optimizer);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

bool particles_on_gpu(const std::string& device, Precision precision, const std::string& optimizer) {
  if (device == "cpu") return false;  // without asking what the particle system supports
  std::string why;
  if (precision != Precision::float32) why = "limits in float64";
  if (optimizer_from_name(optimizer).kind != OptimizerKind::sgd) why = "optimizer '" + optimizer + "'";
  return resolve_study_device(
      device, why.empty() ? "" : "the MF particle system on the GPU runs float32 gd and sgd, not " + why);
}

Scaling mean_field_scaling(const ParticleOptions& options) {
  return scaling_from_name("mf", options.depth, options.reference_width, optimizer_family(options.optimizer));
}

namespace {
void check(const ParticleOptions& o) {
  if (auto err = o.validate(); !err.empty()) throw InputError(err);
}
MlpConfig particle_config(const ParticleOptions& o) {
  check(o);
  MlpConfig c;
  c.input_dim = o.input_dim;
  c.width = int(o.particles);
  c.depth = o.depth;
  c.outputs = o.outputs;
  c.bias = false;
  c.activation = o.activation;
  c.init = o.init;
  return c;
}
}  // namespace

// The float32 particles on the GPU with their training and evaluation buffers.
template <class T>
struct ParticleSystem<T>::Gpu {
  CudaMlp net;
  CudaMlpWorkspace ws, ws_eval;
};

template <class T>
ParticleSystem<T>::ParticleSystem(const ParticleOptions& options, double lr, int batch_capacity)
    : options_(options),
      net_(particle_config(options), mean_field_scaling(options).factors_at(double(options.particles))),
      lrs_(net_.layer_lrs(lr)) {
  if (options.cuda && !std::is_same_v<T, float>)
    throw InputError("study.device = \"cuda\": the MF particle system on the GPU runs float32 (limits in float64)");
  optimizer_ = make_optimizer<T>(optimizer_from_name(options.optimizer), net_);
  if (!optimizer_->plain()) grads_ = net_.make_gradients();
  batch_capacity_ = std::max(1, batch_capacity);
  if (!options.cuda) ws_ = net_.make_workspace(batch_capacity_);  // on the GPU the device holds the batch buffers
}

template <class T>
void ParticleSystem<T>::init(uint64_t seed) {
  net_.init(seed);
  if (options_.paired) {
    // Last hidden layer: neuron r + N/2 copies neuron r's incoming weights; its output weights are negated.
    const int H = options_.depth;
    const Eigen::Index half = options_.particles / 2;
    Matrix<T>& in = net_.weight(H - 1);
    Matrix<T>& out = net_.weight(H);
    in.bottomRows(half) = in.topRows(half);
    out.rightCols(half) = -out.leftCols(half);
  }
  optimizer_ = make_optimizer<T>(optimizer_from_name(options_.optimizer), net_);
  if constexpr (std::is_same_v<T, float>) {
    if (options_.cuda) {
      gpu_ = std::make_shared<Gpu>(Gpu{CudaMlp(net_), {}, {}});
      gpu_->ws = gpu_->net.make_workspace(batch_capacity_);
      gpu_->ws_eval = gpu_->net.make_workspace(std::max(1, options_.eval_chunk), false);
    }
  }
}

template <class T>
void ParticleSystem<T>::sync_host() {
  if constexpr (std::is_same_v<T, float>)
    if (gpu_) gpu_->net.download(net_);
}

template <class T>
Mlp<T>& ParticleSystem<T>::net() {
  sync_host();
  return net_;
}

template <class T>
const T* ParticleSystem<T>::forward(const T* x, int rows) {
  rows_ = rows;
  if constexpr (std::is_same_v<T, float>) {
    if (gpu_) {
      if (rows > gpu_->ws.capacity) gpu_->ws = gpu_->net.make_workspace(rows);
      return gpu_->net.forward(x, rows, gpu_->ws);
    }
  }
  if (rows > ws_.capacity) ws_ = net_.make_workspace(rows);
  return net_.forward(x, rows, ws_);
}

template <class T>
void ParticleSystem<T>::update(const T* x, const T* dlogits) {
  if constexpr (std::is_same_v<T, float>) {
    if (gpu_) {
      gpu_->net.backward_sgd(x, dlogits, gpu_->ws, lrs_);
      return;
    }
  }
  if (optimizer_->plain()) {
    net_.backward_sgd(x, dlogits, ws_, lrs_);
  } else {
    net_.backward(x, dlogits, ws_, grads_);
    optimizer_->step(net_, grads_, lrs_);
  }
}

template <class T>
Matrix<T> ParticleSystem<T>::predict(const Matrix<T>& x) {
  if constexpr (std::is_same_v<T, float>)
    if (gpu_) return gpu_->net.predict(x, gpu_->ws_eval);
  const int chunk = std::max(1, std::min<int>(options_.eval_chunk, int(x.rows())));
  if (ws_eval_.capacity != chunk) ws_eval_ = net_.make_workspace(chunk);
  return net_.predict(x, ws_eval_);
}

template <class T>
std::vector<double> ParticleSystem<T>::kernel_diagonal(const Matrix<T>& x) {
  sync_host();
  std::vector<double> diag;
  const int chunk = std::max(1, std::min<int>(options_.eval_chunk, int(x.rows())));
  MlpWorkspace<T> ws = net_.make_workspace(chunk);
  for (Eigen::Index r0 = 0; r0 < x.rows(); r0 += chunk) {
    const Matrix<T> part = x.middleRows(r0, std::min<Eigen::Index>(chunk, x.rows() - r0));
    auto d = metrics::kernel_diagonal(net_, part, lrs_, ws);
    diag.insert(diag.end(), d.begin(), d.end());
  }
  return diag;
}

template class ParticleSystem<float>;
template class ParticleSystem<double>;

}  // namespace widthlab
