#include "widthlab/limit_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "widthlab/batch_order.h"
#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/interrupt.h"
#include "widthlab/mean_field.h"
#include "widthlab/optimizer.h"
#include "widthlab/progress.h"
#include "widthlab/rng.h"
#include "widthlab/train_run.h"

namespace widthlab {

std::string LimitOptions::validate() const {
  const LimitModelInfo* m = nullptr;
  try {
    m = &limit_model_from_name(model);
    init_kind_from_name(init);
    optimizer_from_name(optimizer);
    loss_from_name(loss);
  } catch (const InputError& e) {
    return e.what();
  }
  if (depth < 1) return fmt::format("model.depth = {}: expected an integer >= 1", depth);
  if (depth > 1 && !m->multilayer)
    return fmt::format(
        "model.depth = {}: limit model '{}' is defined for 1 hidden layer; only {} simulated at "
        "depth >= 2 (theory.md §3.6)",
        depth, m->name, limit_model_names_where(&LimitModelInfo::multilayer));
  if (optimizer_family(optimizer) == OptimizerFamily::adaptive && !m->adaptive)
    return fmt::format(
        "train.optimizer = {}: limit model '{}' is derived for GD/SGD; only {} derived for "
        "adaptive optimizers too (theory.md §3.7)",
        optimizer, m->name, limit_model_names_where(&LimitModelInfo::adaptive));
  if (!loss_from_name(loss).saturates() && (m->first.rule == LossRule::inf || m->later.rule == LossRule::inf))
    return fmt::format("train.loss = {}: limit model '{}' saturates the loss (L_inf) and needs one of {}", loss,
                       m->name, saturating_loss_names());
  if (!std::isfinite(lr) || lr <= 0) return fmt::format("train.lr = {}: expected a finite number > 0", lr);
  if (steps < 0) return fmt::format("train.steps = {}: expected an integer >= 0", steps);
  if (batch < 0) return fmt::format("train.batch = {}: expected \"full\" (0) or an integer >= 1", batch);
  if (!(reference_width > 0) || !std::isfinite(reference_width))
    return fmt::format("scaling.reference_width = {}: expected a finite number > 0", reference_width);
  if (particles < 2 || particles > (1LL << 30))
    return fmt::format("limits.mf_particles = {}: expected an integer in [2, 2^30]", particles);
  if (paired && particles % 2)
    return fmt::format("limits.mf_particles = {}: expected an even number (particles come in ± pairs)", particles);
  if (!std::isfinite(gp_jitter) || gp_jitter < 0)
    return fmt::format("limits.gp_jitter = {}: expected a finite number >= 0", gp_jitter);
  if (!(lr_weight_out >= 0) || !(lr_weight_in >= 0) || lr_weight_out + lr_weight_in <= 0)
    return fmt::format("limits.lr_weight = ({}, {}): expected numbers >= 0, not both 0", lr_weight_out, lr_weight_in);
  if (seeds.empty()) return "limits.seeds = []: expected at least one seed";
  if (curve_every < 0) return fmt::format("limits.curve_every = {}: expected an integer >= 0", curve_every);
  if (kernel_points < 0) return fmt::format("limits.kernel_points = {}: expected an integer >= 0", kernel_points);
  if (kernel_track_steps < 0)
    return fmt::format("limits.kernel_track_steps = {}: expected an integer >= 0", kernel_track_steps);
  if (eval_chunk < 1) return fmt::format("limits.eval_chunk = {}: expected an integer >= 1", eval_chunk);
  if (auto err = study_device_error(device); !err.empty()) return err;
  if (device == "cuda" && m && m->feature_learning()) {  // particles: refused here, before anything is written
    try {
      particles_on_gpu(device, precision, optimizer);
    } catch (const InputError& e) {
      return e.what();
    }
  }
  return "";
}

namespace {

// The finite nets' batch order (train_run.cpp): full batch, or a fresh std::shuffle of 0..n−1 from
// make_rng(seed, rng_stream::batches) at the start of every epoch, batches taken in order, the last one short.
template <class M>
MatrixD gather_rows(const M& a, std::span<const int> idx) {
  MatrixD out(idx.size(), a.cols());
  for (std::size_t t = 0; t < idx.size(); ++t) out.row(Eigen::Index(t)) = a.row(idx[t]).template cast<double>();
  return out;
}

struct Eval {
  double loss = 0, acc = 0, mean_abs = 0;
  bool finite = true;
};
Eval evaluate(const MatrixD& logits, const VectorD& y, const Loss& loss) {
  Eval e;
  e.finite = logits.allFinite();
  e.loss = loss.value(logits, y);
  e.acc = loss.accuracy(logits, y);
  e.mean_abs = logits.size() ? logits.cwiseAbs().mean() : 0.0;
  e.finite = e.finite && std::isfinite(e.loss);
  if (!e.finite) e.acc = std::numeric_limits<double>::quiet_NaN();  // no prediction from non-finite logits
  return e;
}

std::vector<int> classes_of(const MatrixD& logits) {
  std::vector<int> c(logits.rows());
  for (Eigen::Index i = 0; i < logits.rows(); ++i) {
    if (logits.cols() == 1) {
      c[i] = logits(i, 0) > 0 ? 1 : (logits(i, 0) < 0 ? -1 : 0);
    } else {
      Eigen::Index arg;
      logits.row(i).maxCoeff(&arg);
      c[i] = int(arg);
    }
  }
  return c;
}

// Shared per-seed context.
struct Ctx {
  const LimitOptions& o;
  const LimitModelInfo& model;
  const Dataset& d;
  const Loss& loss;
  InitKind init;
  int n, m, k, B;
  MatrixD g_tr, g_te;  // zero when the model has no g
  LimitSeedResult& r;
  Progress& progress;
};

// Records a curve point from full train/test logits. Returns false when non-finite.
bool record(Ctx& c, int step, const MatrixD& tr_logits, const MatrixD& te_logits, const Eval* tr_eval = nullptr) {
  const Eval tr = tr_eval ? *tr_eval : evaluate(tr_logits, c.d.y_train, c.loss);
  const Eval te = evaluate(te_logits, c.d.y_test, c.loss);
  c.r.curve.push_back({step, tr.loss, tr.acc, te.loss, te.acc, te.mean_abs});
  if (c.o.curve_logits) c.r.curve_test_logits.push_back(te_logits);
  return tr.finite && te.finite;
}

void finish(Ctx& c, const MatrixD& tr_logits, const MatrixD& te_logits, bool diverged, int step) {
  c.r.steps_done = step;
  if (!diverged) {
    const Eval tr = evaluate(tr_logits, c.d.y_train, c.loss);
    const Eval te = evaluate(te_logits, c.d.y_test, c.loss);
    if (tr.finite && te.finite) {
      c.r.train_loss = tr.loss;
      c.r.train_acc = tr.acc;
      c.r.test_loss = te.loss;
      c.r.test_acc = te.acc;
      c.r.test_mean_abs_logit = te.mean_abs;  // whether or not the curve records points (train.log_every = 0)
      c.r.test_logits = te_logits;
      c.r.test_classes = classes_of(te_logits);
      if (c.o.curve_every > 0) {
        c.r.curve.push_back({step, tr.loss, tr.acc, te.loss, te.acc, te.mean_abs});
        if (c.o.curve_logits) c.r.curve_test_logits.push_back(te_logits);
      }
      return;
    }
  }
  c.r.status = RunStatus::diverged;
  c.r.diverged_at_step = step;
}

// Rule argument on a batch: the GP sample g, or the current normalised logits.
MatrixD rule_argument(const Ctx& c, const StepRule& rule, const MatrixD& logits_b, std::span<const int> idx) {
  if (rule.at == RuleArg::init_logits) return gather_rows(c.g_tr, idx);
  return logits_b;
}

// The one mapping LimitOptions → ParticleOptions: the particle system of a particle model is the MF-scaled net of
// o.particles neurons (theory.md §3.3, §3.6) on `input_dim` features with `outputs` logits.
ParticleOptions particle_options(const LimitOptions& o, int input_dim, int outputs) {
  ParticleOptions po;
  po.input_dim = input_dim;
  po.outputs = outputs;
  po.depth = o.depth;
  po.particles = o.particles;
  po.reference_width = o.reference_width;
  po.activation = o.activation;
  po.init = init_kind_from_name(o.init);
  po.optimizer = o.optimizer;
  po.paired = o.paired;
  po.eval_chunk = o.eval_chunk;
  return po;
}

template <class T>
void run_particles(Ctx& c, uint64_t seed) {
  const LimitOptions& o = c.o;
  ParticleOptions po = particle_options(o, int(c.d.x_train.cols()), c.k);
  po.cuda = particles_on_gpu(o.device, o.precision, o.optimizer);
  c.r.device = po.cuda ? "cuda" : "cpu";
  ParticleSystem<T> ps(po, o.lr, c.B);
  uint64_t pseed = seed;
  if (o.independent_particles) {
    Rng prng = make_rng(seed, rng_stream::particles);
    pseed = prng();
  }
  ps.init(pseed);

  const Matrix<T> xtr = c.d.x_train.template cast<T>();
  const Matrix<T> xte = c.d.x_test.template cast<T>();
  const Matrix<T> xk = xte.topRows(std::min(o.kernel_points, c.m));
  const bool with_g = c.model.state_includes_g;
  auto logits_of = [&](const Matrix<T>& x, const MatrixD& g) {
    MatrixD f = ps.predict(x).template cast<double>();
    if (with_g) f += g;
    return f;
  };
  c.r.kernel_diag_init = ps.kernel_diagonal(xk);

  BatchOrder stream(c.n, c.B, seed);
  Matrix<T> xb(stream.full() ? 0 : c.B, po.input_dim);
  Matrix<T> dlogits;
  bool diverged = false;
  int step = 0;
  for (; step < o.steps; ++step) {
    poll_interrupt();
    const bool curve_due = o.curve_every > 0 && step % o.curve_every == 0;
    const std::span<const int> idx = stream.next();
    const int rows = int(idx.size());
    const T* xp = xtr.data();
    if (!stream.full()) {
      if (xb.rows() != rows) xb.resize(rows, po.input_dim);
      for (int t = 0; t < rows; ++t) xb.row(t) = xtr.row(idx[t]);
      xp = xb.data();
      if (curve_due && !record(c, step, logits_of(xtr, c.g_tr), logits_of(xte, c.g_te))) {
        diverged = true;
        break;
      }
    }
    const T* out = ps.forward(xp, rows);
    MatrixD logits_b = Eigen::Map<const Matrix<T>>(out, rows, c.k).template cast<double>();
    if (with_g) logits_b += gather_rows(c.g_tr, idx);
    const VectorD yb = stream.full() ? c.d.y_train : [&] {
      VectorD v(rows);
      for (int t = 0; t < rows; ++t) v[t] = c.d.y_train[idx[t]];
      return v;
    }();
    const bool finite = logits_b.allFinite();
    if (stream.full() && curve_due) {
      Eval tr = evaluate(logits_b, yb, c.loss);
      record(c, step, logits_b, logits_of(xte, c.g_te), &tr);
    }
    if (!finite) {
      diverged = true;
      break;
    }
    const StepRule rule = c.model.rule_at(step);
    const Matrix<T> zarg = rule_argument(c, rule, logits_b, idx).template cast<T>();
    if (!std::isfinite(limit_loss_gradient(c.loss, rule.rule, zarg, yb, dlogits))) {  // as evaluate: the loss too
      diverged = true;
      break;
    }
    if (step < o.kernel_track_steps) c.r.kernel_track.push_back(ps.kernel_diagonal(xk));
    ps.update(xp, dlogits.data());
    c.progress.advance();
  }
  MatrixD tr_logits, te_logits;
  if (!diverged) {
    tr_logits = logits_of(xtr, c.g_tr);
    te_logits = logits_of(xte, c.g_te);
    c.r.kernel_diag_final = ps.kernel_diagonal(xk);
  }
  finish(c, tr_logits, te_logits, diverged, step);
}

void run_kernel(Ctx& c, uint64_t seed) {
  const LimitOptions& o = c.o;
  MatrixD x_all(c.n + c.m, c.d.x_train.cols());
  x_all << c.d.x_train, c.d.x_test;
  const MatrixD theta = limit_ntk(o.activation, c.init, o.lr, o.reference_width, x_all, c.d.x_train, o.lr_weight_out,
                                  o.lr_weight_in);  // (n+m) × n
  {
    const MatrixD xk = c.d.x_test.topRows(std::min(o.kernel_points, c.m));
    const MatrixD tk =
        limit_ntk(o.activation, c.init, o.lr, o.reference_width, xk, xk, o.lr_weight_out, o.lr_weight_in);
    c.r.kernel_diag_init.resize(tk.rows());  // (no data() pointers: kernel_points = 0 leaves tk empty)
    for (Eigen::Index i = 0; i < tk.rows(); ++i) c.r.kernel_diag_init[i] = tk(i, i);
    c.r.kernel_diag_final = c.r.kernel_diag_init;
  }
  const bool with_g = c.model.state_includes_g;
  MatrixD h = MatrixD::Zero(c.n + c.m, c.k);
  auto logits_tr = [&] {
    MatrixD u = h.topRows(c.n);
    if (with_g) u += c.g_tr;
    return u;
  };
  auto logits_te = [&] {
    MatrixD u = h.bottomRows(c.m);
    if (with_g) u += c.g_te;
    return u;
  };
  BatchOrder stream(c.n, c.B, seed);
  MatrixD grad;
  bool diverged = false;
  int step = 0;
  for (; step < o.steps; ++step) {
    poll_interrupt();
    const bool curve_due = o.curve_every > 0 && step % o.curve_every == 0;
    if (curve_due && !record(c, step, logits_tr(), logits_te())) {
      diverged = true;
      break;
    }
    const std::span<const int> idx = stream.next();
    const int rows = int(idx.size());
    MatrixD ub = gather_rows(h, idx);
    if (with_g) ub += gather_rows(c.g_tr, idx);
    if (!ub.allFinite()) {
      diverged = true;
      break;
    }
    VectorD yb(rows);
    for (int t = 0; t < rows; ++t) yb[t] = c.d.y_train[idx[t]];
    if (step < o.kernel_track_steps) c.r.kernel_track.push_back(c.r.kernel_diag_init);
    const StepRule rule = c.model.rule_at(step);
    // Diverged as a curve point says it (evaluate): non-finite logits, or a loss that overflows on finite ones.
    if (!std::isfinite(limit_loss_gradient(c.loss, rule.rule, rule_argument(c, rule, ub, idx), yb, grad))) {
      diverged = true;
      break;
    }
    if (stream.full()) {
      h.noalias() -= theta * grad;
    } else {
      for (int t = 0; t < rows; ++t) h.noalias() -= theta.col(idx[t]) * grad.row(t);
    }
    c.progress.advance();
  }
  MatrixD tr, te;
  if (!diverged) {
    tr = logits_tr();
    te = logits_te();
  }
  finish(c, tr, te, diverged, step);
}

void check_data(const Dataset& d, const Loss& loss) {
  if (d.x_train.rows() < 1) throw InputError("train data: 0 samples, expected at least 1");
  if (d.x_test.cols() != d.x_train.cols())
    throw InputError(
        fmt::format("test data: {} features, expected {} like the train data", d.x_test.cols(), d.x_train.cols()));
  if (d.y_train.size() != d.x_train.rows())
    throw InputError(fmt::format("train labels: {} given, expected {}", d.y_train.size(), d.x_train.rows()));
  if (d.y_test.size() != d.x_test.rows())
    throw InputError(fmt::format("test labels: {} given, expected {}", d.y_test.size(), d.x_test.rows()));
  if (loss.multi_logit() && d.classes < 2)
    throw InputError(fmt::format("data.classes = {}: {} needs at least 2", d.classes, loss.name));
  check_loss_labels(loss, d.y_train, d.classes, "train");
  check_loss_labels(loss, d.y_test, d.classes, "test");
}

LimitSeedResult seed_run(const LimitOptions& o, const Dataset& d, uint64_t seed, const LimitFixedInputs& fixed,
                         Progress& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  if (auto err = o.validate(); !err.empty()) throw InputError(err);
  const LimitModelInfo& model = limit_model_from_name(o.model);
  const Loss loss = loss_from_name(o.loss);
  check_data(d, loss);
  const OptimizerSpec ospec = optimizer_from_name(o.optimizer);
  const int n = int(d.x_train.rows()), m = int(d.x_test.rows());
  if (ospec.full_batch && o.batch != 0 && o.batch < n)
    throw InputError(
        fmt::format("train.batch = {}: optimizer 'gd' is full-batch (train size {}); use batch = "
                    "\"full\" or optimizer 'sgd'",
                    o.batch, n));
  LimitSeedResult r;
  r.seed = seed;
  const int k = loss.outputs(d.classes);
  Ctx c{o,
        model,
        d,
        loss,
        init_kind_from_name(o.init),
        n,
        m,
        k,
        (o.batch == 0 || o.batch >= n) ? n : o.batch,
        MatrixD::Zero(n, k),
        MatrixD::Zero(m, k),
        r,
        progress};

  if (model.needs_g()) {
    if (fixed.g_train || fixed.g_test) {
      if (!fixed.g_train || !fixed.g_test || fixed.g_train->rows() != n || fixed.g_train->cols() != k ||
          fixed.g_test->rows() != m || fixed.g_test->cols() != k)
        throw InputError(fmt::format("fixed g: expected train {}x{} and test {}x{} matrices", n, k, m, k));
      c.g_tr = *fixed.g_train;
      c.g_te = *fixed.g_test;
      r.gp_method = "fixed";
    } else {
      MatrixD x_all(n + m, d.x_train.cols());
      x_all << d.x_train, d.x_test;
      const MatrixD K = limit_nngp(o.activation, c.init, x_all, x_all);
      Rng rng = make_rng(seed, rng_stream::gp_sample);
      GpSample g = sample_gp(K, k, o.gp_jitter, rng);
      c.g_tr = g.values.topRows(n);
      c.g_te = g.values.bottomRows(m);
      r.gp_jitter = g.jitter;
      r.gp_method = g.method;
    }
  }
  if (model.feature_learning()) {
    if (o.precision == Precision::float32)
      run_particles<float>(c, seed);
    else
      run_particles<double>(c, seed);
  } else {
    run_kernel(c, seed);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace

LimitSeedResult simulate_limit_seed(const LimitOptions& options, const Dataset& data, uint64_t seed,
                                    const LimitFixedInputs& fixed) {
  Progress progress("limit " + options.model, options.steps, false);
  return seed_run(options, data, seed, fixed, progress);
}

LimitResult simulate_limit(const LimitOptions& options, const Dataset& data) {
  const auto t0 = std::chrono::steady_clock::now();
  if (auto err = options.validate(); !err.empty()) throw InputError(err);
  LimitResult res;
  res.model = limit_model_from_name(options.model);
  res.options = options;
  const auto& pd = progress_defaults();
  Progress progress("limit " + res.model.name, long(options.steps) * long(options.seeds.size()), pd.enabled, pd.force);
  for (uint64_t s : options.seeds) res.runs.push_back(seed_run(options, data, s, {}, progress));
  progress.finish();
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace widthlab
