#include "widthlab/train_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <numeric>

#include "nets/train_metrics.h"
#include "widthlab/error.h"
#include "widthlab/loss.h"
#include "widthlab/optimizer.h"
#include "widthlab/rng.h"

namespace widthlab {

std::string run_status_name(RunStatus s) { return s == RunStatus::ok ? "ok" : "diverged"; }

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
  if (eval_chunk < 1) return fmt::format("train.eval_chunk = {}: expected an integer >= 1", eval_chunk);
  return "";
}

void check_loss_labels(const Loss& loss, const VectorD& y, int classes, const char* which) {
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    const double v = y[i];
    bool ok = std::isfinite(v);
    if (loss.kind == LossKind::logistic) ok = v == 1.0 || v == -1.0;
    if (loss.kind == LossKind::cross_entropy) ok = v >= 0 && v < classes && v == std::floor(v);
    if (!ok) {
      const char* expected = loss.kind == LossKind::logistic        ? "labels -1 or +1"
                             : loss.kind == LossKind::cross_entropy ? "class ids 0..classes-1"
                                                                    : "finite targets";
      throw InputError(fmt::format("{} label {} = {}: loss '{}' expects {}", which, i, v, loss.name, expected));
    }
  }
}

namespace {

struct Eval {
  double loss = 0, acc = 0, mean_abs = 0;
  bool finite = true;
};

template <class T>
Eval evaluate(const Mlp<T>& net, const Matrix<T>& x, const Matrix<T>& offset, const VectorD& y, const Loss& loss,
              MlpWorkspace<T>& ws, Matrix<T>* logits_out) {
  Matrix<T> logits = net.predict(x, ws);
  if (offset.size()) logits += offset;
  Eval e;
  e.loss = loss.value(logits, y);
  e.acc = loss.accuracy(logits, y);
  e.mean_abs = logits.size() ? double(logits.template cast<double>().cwiseAbs().mean()) : 0.0;
  e.finite = std::isfinite(e.loss) && logits.allFinite();
  if (logits_out) *logits_out = std::move(logits);
  return e;
}

// Exact-size buffers for one batch size (the last batch of an epoch may be shorter): no allocation per step.
template <class T>
struct BatchBuffers {
  Matrix<T> x, logits, dlogits, offset;
  VectorD y;
  BatchBuffers(int rows, int n0, int k, bool ic) : x(rows, n0), logits(rows, k), dlogits(rows, k), y(rows) {
    if (ic) offset.resize(rows, k);
  }
};

template <class T>
TrainResult train(const TrainTask& task, const TrainData& data, const Loss& loss, const OptimizerSpec& ospec) {
  const auto t0 = std::chrono::steady_clock::now();
  const TrainOptions& opt = task.train;
  TrainResult r;
  r.scaling = task.scaling;
  r.width = task.model.width;
  r.seed = task.seed;
  r.depth = task.model.depth;
  r.optimizer = ospec.name;
  r.lr = opt.lr;
  r.steps = opt.steps;
  r.activation = task.model.activation.name;
  r.loss = loss.name;
  r.init = init_kind_name(task.model.init);
  r.precision = sizeof(T) == 4 ? "float32" : "float64";
  r.bias = task.model.bias;
  r.init_corrected = task.init_corrected;

  MlpConfig cfg = task.model;
  cfg.input_dim = int(data.x_train.cols());
  const int k = loss.outputs(data.classes);
  if (cfg.outputs == 0) cfg.outputs = k;
  if (cfg.outputs != k)
    throw InputError(fmt::format("model.outputs = {}: loss '{}' with {} classes needs {}", cfg.outputs, loss.name,
                                 data.classes, k));
  const Matrix<T> xtr = data.x_train.template cast<T>();
  const Matrix<T> xte = data.x_test.template cast<T>();
  const int n = int(xtr.rows()), m = int(xte.rows());
  const int B = (opt.batch == 0 || opt.batch >= n) ? n : opt.batch;
  const bool full = B == n;
  r.batch = B;

  Mlp<T> net(cfg, task.factors);
  net.init(task.seed);
  const std::vector<double> lrs = net.layer_lrs(opt.lr);
  r.layer_lrs = lrs;
  std::vector<Matrix<T>> w0;
  std::vector<Vector<T>> b0;
  for (int l = 0; l < net.num_layers(); ++l) {
    w0.push_back(net.weight(l));
    b0.push_back(net.bias(l));
  }
  MlpWorkspace<T> ws_eval = net.make_workspace(std::max(1, std::min(opt.eval_chunk, std::max(n, m))), false);

  // IC-MF offsets f(θ₀^SP; x) − f(θ₀; x), frozen.
  Matrix<T> off_tr, off_te;
  if (task.init_corrected) {
    std::vector<LayerFactors> ref_factors = task.ic_reference;
    if (ref_factors.empty()) ref_factors.assign(net.num_layers(), LayerFactors{});
    Mlp<T> ref(cfg, ref_factors);
    ref.init(task.seed);
    off_tr = ref.predict(xtr, ws_eval) - net.predict(xtr, ws_eval);
    off_te = ref.predict(xte, ws_eval) - net.predict(xte, ws_eval);
  }

  // Metrics at init. Mean |f| on the test inputs is of the model's output (f_IC = f_SP for IC-MF).
  {
    Matrix<T> f = net.predict(xte, ws_eval);
    if (off_te.size()) f += off_te;
    r.mean_abs_logit_init = f.size() ? double(f.template cast<double>().cwiseAbs().mean()) : 0.0;
  }
  const Matrix<T> xk = xte.topRows(std::min(opt.kernel_points, m));
  MlpWorkspace<T> ws_k = net.make_workspace(std::max<int>(1, int(xk.rows())));
  const Matrix<T> xc = xte.topRows(std::min(opt.coord_points, m));
  MlpWorkspace<T> ws_c = net.make_workspace(std::max<int>(1, int(xc.rows())), false);
  r.kernel_diag_init = metrics::kernel_diagonal(net, xk, lrs, ws_k);
  const std::vector<Matrix<T>> coord0 = metrics::layer_outputs(net, xc, ws_c);

  // Training.
  auto optimizer = make_optimizer<T>(ospec, net);
  MlpGradients<T> grads;
  if (!optimizer->plain()) grads = net.make_gradients();
  MlpWorkspace<T> ws = net.make_workspace(std::max(B, 1));
  BatchBuffers<T> buf_full(full ? 0 : B, cfg.input_dim, k, task.init_corrected);
  BatchBuffers<T> buf_last(full ? 0 : n % B, cfg.input_dim, k, task.init_corrected);
  Matrix<T> full_logits(full ? n : 0, k), full_dlogits(full ? n : 0, k);
  std::vector<int> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  int pos = n;
  Rng batch_rng = make_rng(task.seed, rng_stream::batches);

  auto record_curve = [&](int step, const Eval* train_eval) {
    CurvePoint p;
    p.step = step;
    Eval tr = train_eval ? *train_eval : evaluate(net, xtr, off_tr, data.y_train, loss, ws_eval, static_cast<Matrix<T>*>(nullptr));
    Matrix<T> logits;
    Eval te = evaluate(net, xte, off_te, data.y_test, loss, ws_eval, &logits);
    p.train_loss = tr.loss;
    p.train_acc = tr.acc;
    p.test_loss = te.loss;
    p.test_acc = te.acc;
    p.test_mean_abs_logit = te.mean_abs;
    r.curve.push_back(p);
    if (opt.curve_logits) r.curve_test_logits.push_back(logits.template cast<double>());
    return tr.finite && te.finite;
  };

  bool diverged = false;
  int step = 0;
  for (; step < opt.steps; ++step) {
    const bool curve_due = opt.curve_every > 0 && step % opt.curve_every == 0;
    const T* xb;
    int rows;
    Matrix<T>* logits;
    Matrix<T>* dlogits;
    const VectorD* yb;
    if (full) {
      xb = xtr.data();
      rows = n;
      logits = &full_logits;
      dlogits = &full_dlogits;
      yb = &data.y_train;
    } else {
      if (pos >= n) {
        std::shuffle(perm.begin(), perm.end(), batch_rng);
        pos = 0;
      }
      rows = std::min(B, n - pos);
      BatchBuffers<T>& buf = rows == B ? buf_full : buf_last;
      for (int t = 0; t < rows; ++t) {
        const int i = perm[pos + t];
        buf.x.row(t) = xtr.row(i);
        buf.y[t] = data.y_train[i];
        if (task.init_corrected) buf.offset.row(t) = off_tr.row(i);
      }
      pos += rows;
      xb = buf.x.data();
      logits = &buf.logits;
      dlogits = &buf.dlogits;
      yb = &buf.y;
      if (curve_due && !record_curve(step, nullptr)) {
        diverged = true;
        break;
      }
    }
    const T* out = net.forward(xb, rows, ws);
    std::memcpy(logits->data(), out, sizeof(T) * std::size_t(rows) * k);
    if (task.init_corrected) *logits += full ? off_tr : (rows == B ? buf_full.offset : buf_last.offset);
    const double batch_loss = loss.gradient(*logits, *yb, *dlogits);
    const bool finite = std::isfinite(batch_loss) && logits->allFinite();
    if (full && curve_due) {
      Eval tr{batch_loss, loss.accuracy(*logits, *yb), 0.0, finite};
      record_curve(step, &tr);
    }
    if (!finite) {
      diverged = true;
      break;
    }
    if (step < opt.kernel_track_steps) r.kernel_track.push_back(metrics::kernel_diagonal(net, xk, lrs, ws_k));
    if (optimizer->plain()) {
      net.backward_sgd(xb, dlogits->data(), ws, lrs);
    } else {
      net.backward(xb, dlogits->data(), ws, grads);
      optimizer->step(net, grads, lrs);
    }
  }
  r.steps_done = step;

  if (!diverged) {
    Matrix<T> logits;
    const Eval tr = evaluate(net, xtr, off_tr, data.y_train, loss, ws_eval, static_cast<Matrix<T>*>(nullptr));
    const Eval te = evaluate(net, xte, off_te, data.y_test, loss, ws_eval, &logits);
    if (!tr.finite || !te.finite) {
      diverged = true;
    } else {
      r.train_loss = tr.loss;
      r.train_acc = tr.acc;
      r.test_loss = te.loss;
      r.test_acc = te.acc;
      r.mean_abs_logit_final = te.mean_abs;
      r.test_logits = logits.template cast<double>();
      if (opt.curve_every > 0) {
        r.curve.push_back({opt.steps, tr.loss, tr.acc, te.loss, te.acc, te.mean_abs});
        if (opt.curve_logits) r.curve_test_logits.push_back(r.test_logits);
      }
      r.kernel_diag_final = metrics::kernel_diagonal(net, xk, lrs, ws_k);
      r.weight_increments = metrics::weight_increments(net, w0);
      if (opt.decomposition) {
        // Six chunk × d temporaries: keep them near 2^22 entries each.
        const int chunk = std::clamp((1 << 22) / std::max(1, cfg.width), 1, opt.eval_chunk);
        r.decomposition = metrics::logit_decomposition(net, w0, b0, xte, chunk);
      }
      const std::vector<Matrix<T>> coord1 = metrics::layer_outputs(net, xc, ws_c);
      for (std::size_t l = 0; l < coord1.size(); ++l) {
        const MatrixD h0 = coord0[l].template cast<double>(), h1 = coord1[l].template cast<double>();
        r.coord.act_rms_init.push_back(metrics::rms(h0));
        r.coord.act_rms_final.push_back(metrics::rms(h1));
        r.coord.act_delta_rms.push_back(metrics::rms(h1 - h0));
      }
    }
  }
  if (diverged) {
    r.status = RunStatus::diverged;
    r.diverged_at_step = step;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

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
    throw InputError(fmt::format("model.input_dim = {}: the data have {} features", task.model.input_dim,
                                 data.x_train.cols()));
  if (loss.kind == LossKind::cross_entropy && data.classes < 2)
    throw InputError(fmt::format("data.classes = {}: cross-entropy needs at least 2", data.classes));
  if (ospec.full_batch && task.train.batch != 0 && task.train.batch < n)
    throw InputError(fmt::format("train.batch = {}: optimizer 'gd' is full-batch (train size {}); use batch = \"full\" "
                                 "or optimizer 'sgd'",
                                 task.train.batch, n));
  check_loss_labels(loss, data.y_train, data.classes, "train");
  check_loss_labels(loss, data.y_test, data.classes, "test");
  if (task.train.precision == Precision::float32) return train<float>(task, data, loss, ospec);
  return train<double>(task, data, loss, ospec);
}

}  // namespace widthlab
