#include "widthlab/train_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>
#include <type_traits>

#include "nets/train_metrics.h"
#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/loss.h"
#include "widthlab/mlp_cuda.h"
#include "widthlab/optimizer.h"
#include "widthlab/rng.h"
#include "widthlab/training_loop.h"

namespace widthlab {

std::string run_status_name(RunStatus s) { return s == RunStatus::ok ? "ok" : "diverged"; }

bool trained_above_initial_loss(double final_loss, double initial_loss) {
  if (!std::isfinite(final_loss) || !std::isfinite(initial_loss)) return false;
  return final_loss - initial_loss > kLossTolerance * std::max(1.0, std::abs(initial_loss));
}

std::string TrainOptions::validate() const {
  try {
    optimizer_from_name(optimizer);
    loss_from_name(loss);
  } catch (const InputError& e) {
    return e.what();
  }
  if (!std::isfinite(lr) || lr <= 0) return fmt::format("train.lr = {}: expected a finite number > 0", lr);
  if (steps < 0) return fmt::format("train.steps = {}: expected an integer >= 0", steps);
  if (batch < 0) return fmt::format("train.batch = {}: expected \"full\" (0) or an integer >= 1", batch);
  if (curve_every < 0) return fmt::format("train.curve_every = {}: expected an integer >= 0", curve_every);
  if (kernel_points < 0) return fmt::format("train.kernel_points = {}: expected an integer >= 0", kernel_points);
  if (kernel_track_steps < 0)
    return fmt::format("train.kernel_track_steps = {}: expected an integer >= 0", kernel_track_steps);
  if (coord_points < 0) return fmt::format("train.coord_points = {}: expected an integer >= 0", coord_points);
  if (coord_track_steps < 0)
    return fmt::format("train.coord_track_steps = {}: expected an integer >= 0", coord_track_steps);
  if (eval_chunk < 1) return fmt::format("train.eval_chunk = {}: expected an integer >= 1", eval_chunk);
  if (auto err = study_device_error(device); !err.empty()) return err;
  return "";
}

void check_loss_labels(const Loss& loss, const VectorD& y, int classes, const char* which) {
  // A one-output loss reads two classes as ±1; every widthlab dataset labels K > 2 classes 0..K−1 (dataset.h), which
  // logistic cannot take and mse would regress as numbers, scoring the sign: no K-class task.
  if (!loss.multi_logit() && classes > 2)
    throw InputError(fmt::format(
        "train.loss = \"{}\": the data have {} classes, and this loss has one output per sample for two classes "
        "(labels ±1){}; use \"cross-entropy\", or select two classes with data.classes",
        loss.name, classes,
        loss.label_rule() == LabelRule::real ? " — on class ids 0..K−1 it would regress the id as a number" : ""));
  for (Eigen::Index i = 0; i < y.size(); ++i)
    if (auto expected = loss.label_error(y[i], classes); !expected.empty())
      throw InputError(fmt::format("{} label {} = {}: loss '{}' expects {}", which, i, y[i], loss.name, expected));
}

namespace {

struct Eval {
  double loss = 0, acc = 0, mean_abs = 0;
  bool finite = true;
};

// Loss, accuracy and mean |f| of a net's logits on (x, y), IC-MF offsets added.
template <class T>
Eval evaluate(Matrix<T> logits, const Matrix<T>& offset, const VectorD& y, const Loss& loss,
              std::type_identity_t<Matrix<T>>* logits_out) {
  if (offset.size()) logits += offset;
  Eval e;
  e.loss = loss.value(logits, y);
  e.acc = loss.accuracy(logits, y);
  e.mean_abs = logits.size() ? double(logits.template cast<double>().cwiseAbs().mean()) : 0.0;
  e.finite = std::isfinite(e.loss) && logits.allFinite();
  if (!e.finite) e.acc = std::numeric_limits<double>::quiet_NaN();  // no prediction from non-finite logits
  if (logits_out) *logits_out = std::move(logits);
  return e;
}

// The header fields of a run's result: what it was.
TrainResult describe(const TrainTask& task, const Loss& loss, const OptimizerSpec& ospec, bool single) {
  TrainResult r;
  r.scaling = task.scaling;
  r.width = task.model.width;
  r.seed = task.seed;
  r.depth = task.model.depth;
  r.optimizer = ospec.name;
  r.lr = task.train.lr;
  r.steps = task.train.steps;
  r.activation = task.model.activation.name;
  r.loss = loss.name;
  r.init = init_kind_name(task.model.init);
  r.precision = single ? "float32" : "float64";
  r.bias = task.model.bias;
  r.init_corrected = task.init_corrected;
  if (!task.arch.layers.empty()) r.arch = architecture_text(task.arch);
  return r;
}

// The net's configuration for a task: the dense net of task.model, or the layered net of task.arch (its readout's
// width must be the loss's output count).
MlpConfig net_config(const TrainTask& task, const TrainData& data, const Loss& loss, const MlpConfig*) {
  MlpConfig cfg = task.model;
  cfg.input_dim = int(data.x_train.cols());
  const int k = loss.outputs(data.classes);
  if (cfg.outputs == 0) cfg.outputs = k;
  if (cfg.outputs != k)
    throw InputError(
        fmt::format("model.outputs = {}: loss '{}' with {} classes needs {}", cfg.outputs, loss.name, data.classes, k));
  return cfg;
}

ConvNetConfig net_config(const TrainTask& task, const TrainData& data, const Loss& loss, const ConvNetConfig*) {
  ConvNetConfig cfg;
  cfg.arch = task.arch;
  cfg.input = task.input_shape;
  cfg.bias = task.model.bias;
  cfg.init = task.model.init;
  if (auto err = cfg.validate(); !err.empty()) throw InputError("model.arch: " + err);
  const int k = loss.outputs(data.classes);
  if (cfg.outputs() != k)
    throw InputError(fmt::format("model.arch = \"{}\": {} outputs, but loss '{}' with {} classes needs {}",
                                 architecture_text(cfg.arch), cfg.outputs(), loss.name, data.classes, k));
  if (cfg.input.size() != data.x_train.cols())
    throw InputError(fmt::format("model.input_shape ({}, {}, {}): {} values per input, but the data have {} features",
                                 cfg.input.height, cfg.input.width, cfg.input.channels, cfg.input.size(),
                                 data.x_train.cols()));
  return cfg;
}

// One run (theory.md §6.0 metrics around train_steps, the one training loop): the net (Mlp or ConvNet), its data in
// the run's precision, the IC-MF offsets, and the metrics taken at init, during training and at the end.
// On the GPU (a float32 Mlp with on_gpu): a CudaMlp trains and evaluates the loss curves and final logits; the host
// net receives its parameters whenever a host metric needs them (kernel and coordinate tracks, the end) and computes
// the neuron-level metrics (K(x,x), increments, decomposition, coordinate check) as on the CPU.
struct NoGpu {};
template <template <class> class Net, class T>
class Run {
  using Config = std::decay_t<decltype(std::declval<const Net<T>&>().config())>;
  static constexpr bool kGpuCapable = std::is_same_v<Net<T>, Mlp<float>>;
  using Gpu = std::conditional_t<kGpuCapable, CudaMlp, NoGpu>;
  using GpuWorkspace = std::conditional_t<kGpuCapable, CudaMlpWorkspace, NoGpu>;

 public:
  Run(const TrainTask& task, const TrainData& data, const Loss& loss, const OptimizerSpec& ospec, bool on_gpu)
      : task_(task),
        data_(data),
        loss_(loss),
        opt_(task.train),
        cfg_(net_config(task, data, loss, static_cast<const Config*>(nullptr))),
        xtr_(data.x_train.template cast<T>()),
        xte_(data.x_test.template cast<T>()),
        net_(cfg_, task.factors),
        r_(describe(task, loss, ospec, sizeof(T) == 4)) {
    net_.init(task.seed);
    r_.batch = (opt_.batch == 0 || opt_.batch >= xtr_.rows()) ? int(xtr_.rows()) : opt_.batch;
    r_.layer_lrs = lrs_ = net_.layer_lrs(opt_.lr);
    const int m = int(xte_.rows());
    ws_eval_ = net_.make_workspace(std::max(1, std::min(opt_.eval_chunk, std::max(int(xtr_.rows()), m))), false);
    xk_ = xte_.topRows(std::min(opt_.kernel_points, m));
    xc_ = xte_.topRows(std::min(opt_.coord_points, m));
    ws_k_ = net_.make_workspace(std::max<int>(1, int(xk_.rows())));
    ws_c_ = net_.make_workspace(std::max<int>(1, int(xc_.rows())), false);
    if constexpr (kGpuCapable) {
      if (on_gpu) {
        gpu_.emplace(net_);
        gws_eval_ = gpu_->make_workspace(ws_eval_.capacity, false);
        r_.device = "cuda";
      }
    }
  }

  TrainResult run() {
    const auto t0 = std::chrono::steady_clock::now();
    at_init();
    TrainingHooks<T> hooks;
    hooks.after_forward = [this](const StepView<T>& v) { return on_step(v); };
    hooks.before_update = [this](int step) {
      const bool track_k = step < opt_.kernel_track_steps, track_c = step >= 1 && step <= opt_.coord_track_steps;
      if (track_k || track_c) sync_host();
      if (track_k) r_.kernel_track.push_back(metrics::kernel_diagonal(net_, xk_, lrs_, ws_k_));
      if (track_c) r_.coord.delta_track.push_back(coord_deltas());  // t = step
    };
    const TrainingOutcome o = train(hooks);
    r_.steps_done = o.steps_done;
    const bool diverged = o.diverged || !at_end();
    if (diverged) {
      r_.status = RunStatus::diverged;
      r_.diverged_at_step = o.steps_done;
    }
    r_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return std::move(r_);
  }

 private:
  TrainingOutcome train(const TrainingHooks<T>& hooks) {
    if constexpr (kGpuCapable) {
      if (gpu_) {
        const TrainingOutcome o = train_steps(*gpu_, task_, loss_, xtr_, data_.y_train, off_tr_, hooks);
        sync_host();
        return o;
      }
    }
    return train_steps(net_, task_, loss_, xtr_, data_.y_train, off_tr_, hooks);
  }

  // The trained parameters into the host net (GPU runs; nothing on the CPU).
  void sync_host() {
    if constexpr (kGpuCapable)
      if (gpu_) gpu_->download(net_);
  }

  // The net's logits on x, on the device that trains it.
  Matrix<T> predict(const Matrix<T>& x) {
    if constexpr (kGpuCapable)
      if (gpu_) return gpu_->predict(x, gws_eval_);
    return net_.predict(x, ws_eval_);
  }

  // Weights, IC-MF offsets, mean |f|, K(x,x) and the layer outputs at init.
  void at_init() {
    for (int l = 0; l < net_.num_layers(); ++l) w0_.push_back(net_.weight(l)), b0_.push_back(net_.bias(l));
    if (opt_.keep_parameters)
      for (int l = 0; l < net_.num_layers(); ++l) {
        r_.initial_weights.push_back(w0_[l].template cast<double>());
        r_.initial_biases.push_back(b0_[l].template cast<double>());
      }
    if (task_.init_corrected) {
      off_tr_ = icmf_offset(net_, task_, xtr_, ws_eval_);
      off_te_ = icmf_offset(net_, task_, xte_, ws_eval_);
    }
    if (const Eval tr = evaluate(predict(xtr_), off_tr_, data_.y_train, loss_, nullptr); tr.finite)
      r_.train_loss_init = tr.loss;
    Matrix<T> f = predict(xte_);  // the model's output: f_IC = f_SP for IC-MF
    if (off_te_.size()) f += off_te_;
    r_.mean_abs_logit_init = f.size() ? double(f.template cast<double>().cwiseAbs().mean()) : 0.0;
    r_.kernel_diag_init = metrics::kernel_diagonal(net_, xk_, lrs_, ws_k_);
    coord0_ = metrics::layer_outputs(net_, xc_, ws_c_);
  }

  // A curve point before the step's update; full batch reuses the batch's own loss. False: a non-finite point of a
  // mini-batch run (the run stops as diverged); a full-batch run stops on its batch's finiteness alone.
  bool on_step(const StepView<T>& v) {
    if (opt_.curve_every <= 0 || v.step % opt_.curve_every != 0) return true;
    if (v.full_batch) {
      const Eval tr{v.loss, v.finite ? loss_.accuracy(v.logits, v.y) : std::numeric_limits<double>::quiet_NaN(), 0.0,
                    v.finite};
      record_curve(v.step, &tr);
      return true;
    }
    return record_curve(v.step, nullptr);
  }

  bool record_curve(int step, const Eval* train_eval) {
    const Eval tr = train_eval ? *train_eval : evaluate(predict(xtr_), off_tr_, data_.y_train, loss_, nullptr);
    Matrix<T> logits;
    const Eval te = evaluate(predict(xte_), off_te_, data_.y_test, loss_, &logits);
    r_.curve.push_back({step, tr.loss, tr.acc, te.loss, te.acc, te.mean_abs});
    if (opt_.curve_logits) r_.curve_test_logits.push_back(logits.template cast<double>());
    return tr.finite && te.finite;
  }

  // Final metrics; false when the trained net's logits are not finite.
  bool at_end() {
    if (r_.steps_done < opt_.steps) return false;
    Matrix<T> logits;
    const Eval tr = evaluate(predict(xtr_), off_tr_, data_.y_train, loss_, nullptr);
    const Eval te = evaluate(predict(xte_), off_te_, data_.y_test, loss_, &logits);
    if (!tr.finite || !te.finite) return false;
    r_.train_loss = tr.loss, r_.train_acc = tr.acc, r_.test_loss = te.loss, r_.test_acc = te.acc;
    r_.mean_abs_logit_final = te.mean_abs;
    r_.test_logits = logits.template cast<double>();
    if (opt_.curve_every > 0) {
      r_.curve.push_back({opt_.steps, tr.loss, tr.acc, te.loss, te.acc, te.mean_abs});
      if (opt_.curve_logits) r_.curve_test_logits.push_back(r_.test_logits);
    }
    r_.kernel_diag_final = metrics::kernel_diagonal(net_, xk_, lrs_, ws_k_);
    r_.weight_increments = metrics::weight_increments(net_, w0_);
    if (opt_.keep_parameters)
      for (int l = 0; l < net_.num_layers(); ++l) {
        r_.final_weights.push_back(net_.weight(l).template cast<double>());
        r_.final_biases.push_back(net_.bias(l).template cast<double>());
      }
    if (opt_.decomposition) {
      // Six chunk × d temporaries: keep them near 2^22 entries each.
      const int chunk = std::clamp((1 << 22) / std::max(1, task_.model.width), 1, opt_.eval_chunk);
      r_.decomposition = metrics::logit_decomposition(net_, w0_, b0_, xte_, chunk);
    }
    coordinate_check();
    return true;
  }

  void coordinate_check() {
    const std::vector<Matrix<T>> coord1 = metrics::layer_outputs(net_, xc_, ws_c_);
    for (std::size_t l = 0; l < coord1.size(); ++l) {
      const MatrixD h0 = coord0_[l].template cast<double>(), h1 = coord1[l].template cast<double>();
      r_.coord.act_rms_init.push_back(metrics::rms(h0));
      r_.coord.act_rms_final.push_back(metrics::rms(h1));
      r_.coord.act_delta_rms.push_back(metrics::rms(h1 - h0));
    }
    if (opt_.steps >= 1 && opt_.steps <= opt_.coord_track_steps) r_.coord.delta_track.push_back(r_.coord.act_delta_rms);
  }

  // Per layer RMS of h^l(θ now) − h^l(θ₀) on the coordinate-check inputs.
  std::vector<double> coord_deltas() {
    const std::vector<Matrix<T>> now = metrics::layer_outputs(net_, xc_, ws_c_);
    std::vector<double> d;
    for (std::size_t l = 0; l < now.size(); ++l)
      d.push_back(metrics::rms(now[l].template cast<double>() - coord0_[l].template cast<double>()));
    return d;
  }

  const TrainTask& task_;
  const TrainData& data_;
  const Loss& loss_;
  const TrainOptions& opt_;
  const Config cfg_;
  const Matrix<T> xtr_, xte_;
  Net<T> net_;
  TrainResult r_;
  std::vector<double> lrs_;
  WorkspaceOf<Net<T>> ws_eval_, ws_k_, ws_c_;
  std::optional<Gpu> gpu_;  // set when the run trains on the GPU
  GpuWorkspace gws_eval_;
  Matrix<T> xk_, xc_, off_tr_, off_te_;
  std::vector<Matrix<T>> w0_, coord0_;
  std::vector<Vector<T>> b0_;
};

}  // namespace

TrainResult run_training(const TrainTask& task, const TrainData& data) {
  if (auto err = task.train.validate(); !err.empty()) throw InputError(err);
  const Loss loss = loss_from_name(task.train.loss);
  const OptimizerSpec ospec = optimizer_from_name(task.train.optimizer);
  const auto n = data.x_train.rows(), m = data.x_test.rows();
  if (n < 1) throw InputError("train data: 0 samples, expected at least 1");
  if (data.x_test.cols() != data.x_train.cols())
    throw InputError(fmt::format("test data: {} features, expected {} like the train data", data.x_test.cols(),
                                 data.x_train.cols()));
  if (data.y_train.size() != n)
    throw InputError(fmt::format("train labels: {} given, expected {} (one per sample)", data.y_train.size(), n));
  if (data.y_test.size() != m)
    throw InputError(fmt::format("test labels: {} given, expected {} (one per sample)", data.y_test.size(), m));
  if (task.model.input_dim != 0 && task.model.input_dim != data.x_train.cols())
    throw InputError(
        fmt::format("model.input_dim = {}: the data have {} features", task.model.input_dim, data.x_train.cols()));
  if (loss.multi_logit() && data.classes < 2)
    throw InputError(fmt::format("data.classes = {}: {} needs at least 2", data.classes, loss.name));
  if (ospec.full_batch && task.train.batch != 0 && task.train.batch < n)
    throw InputError(
        fmt::format("train.batch = {}: optimizer '{}' is full-batch (train size {}); use batch = \"full\" "
                    "or optimizer 'sgd'",
                    task.train.batch, ospec.name, n));
  check_loss_labels(loss, data.y_train, data.classes, "train");
  check_loss_labels(loss, data.y_test, data.classes, "test");
  const bool single = task.train.precision == Precision::float32, gpu = task_on_gpu(task);
  if (!task.arch.layers.empty())
    return single ? Run<ConvNet, float>(task, data, loss, ospec, false).run()
                  : Run<ConvNet, double>(task, data, loss, ospec, false).run();
  return single ? Run<Mlp, float>(task, data, loss, ospec, gpu).run()
                : Run<Mlp, double>(task, data, loss, ospec, false).run();
}

}  // namespace widthlab
