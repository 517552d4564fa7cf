// Empirical NTK of a config's finite net (SPEC §3.8, §6.3 R21; see include/widthlab/empirical_ntk_run.h).
#include "widthlab/empirical_ntk_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "widthlab/error.h"
#include "widthlab/loss.h"
#include "widthlab/optimizer.h"
#include "widthlab/rng.h"

namespace widthlab {

namespace {

// The training loop of run_training (train_run.cpp) on `net`: full-batch or reshuffled mini-batches from
// make_rng(seed, batches), the optimizer's update, IC-MF offsets added to the logits. Returns false on divergence.
template <class T>
bool train_net(Mlp<T>& net, const TrainTask& task, const Dataset& data) {
  const TrainOptions& opt = task.train;
  const Loss loss = loss_from_name(opt.loss);
  const Matrix<T> xtr = data.x_train.template cast<T>();
  const int n = int(xtr.rows()), k = net.config().outputs;
  const int B = (opt.batch == 0 || opt.batch >= n) ? n : opt.batch;
  const std::vector<double> lrs = net.layer_lrs(opt.lr);
  Matrix<T> off;
  if (task.init_corrected) {
    std::vector<LayerFactors> ref_f = task.ic_reference;
    if (ref_f.empty()) ref_f.assign(net.num_layers(), LayerFactors{});
    Mlp<T> ref(net.config(), ref_f);
    ref.init(task.seed);
    auto we = net.make_workspace(n, false);
    off = ref.predict(xtr, we) - net.predict(xtr, we);
  }
  auto optimizer = make_optimizer<T>(optimizer_from_name(opt.optimizer), net);
  MlpGradients<T> grads = net.make_gradients();
  MlpWorkspace<T> ws = net.make_workspace(B);
  std::vector<int> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  int pos = n;
  Rng batch_rng = make_rng(task.seed, rng_stream::batches);
  Matrix<T> xb(B, xtr.cols()), ob(B, k);
  VectorD yb(B);
  for (int step = 0; step < opt.steps; ++step) {
    int rows = n;
    if (B < n) {
      if (pos >= n) std::shuffle(perm.begin(), perm.end(), batch_rng), pos = 0;
      rows = std::min(B, n - pos);
      for (int t = 0; t < rows; ++t) {
        xb.row(t) = xtr.row(perm[pos + t]);
        yb[t] = data.y_train[perm[pos + t]];
        if (task.init_corrected) ob.row(t) = off.row(perm[pos + t]);
      }
      pos += rows;
    }
    const T* xp = B < n ? xb.data() : xtr.data();
    Matrix<T> logits = Eigen::Map<const Matrix<T>>(net.forward(xp, rows, ws), rows, k);
    if (task.init_corrected) logits += B < n ? Matrix<T>(ob.topRows(rows)) : off;
    Matrix<T> dlogits(rows, k);
    const double l = loss.gradient(logits, B < n ? VectorD(yb.head(rows)) : data.y_train, dlogits);
    if (!std::isfinite(l) || !logits.allFinite()) return false;
    if (optimizer->plain()) {
      net.backward_sgd(xp, dlogits.data(), ws, lrs);
    } else {
      net.backward(xp, dlogits.data(), ws, grads);
      optimizer->step(net, grads, lrs);
    }
  }
  return true;
}

}  // namespace

EmpiricalNtkPlan empirical_ntk_plan(const Config& config, const EmpiricalNtkRunOptions& o) {
  const auto& nm = o.names;
  if (o.weighting != "lr" && o.weighting != "plain" && o.weighting != "nt")
    throw InputError(fmt::format("{} '{}': expected lr, plain or nt", nm.weighting, o.weighting));
  if (o.width && *o.width < 1) throw InputError(fmt::format("{} {}: expected ≥ 1", nm.width, *o.width));
  if (o.seed < -1) throw InputError(fmt::format("{} {}: expected ≥ 0", nm.seed, o.seed));

  EmpiricalNtkPlan p;
  p.setup = make_sweep_setup(config);
  const SweepSetup& setup = p.setup;
  const Scaling* scaling = &setup.scalings.front();
  Scaling named;
  if (!o.scaling.empty()) {
    auto it = std::find_if(setup.scalings.begin(), setup.scalings.end(),
                           [&](const Scaling& s) { return s.name == o.scaling; });
    if (it != setup.scalings.end()) {
      scaling = &*it;
    } else {
      named = scaling_from_name(o.scaling, config.model.depth, config.scaling.reference_width,
                                optimizer_family(config.train.optimizer));
      scaling = &named;
    }
  }
  const int width = o.width.value_or(setup.widths.front());
  const std::uint64_t seed = o.seed >= 0 ? std::uint64_t(o.seed) : setup.seeds.front();
  p.task = make_train_task(setup, *scaling, width, seed);
  p.model = p.task.model;
  p.model.input_dim = int(setup.data.x_train.cols());
  const int k = loss_from_name(p.task.train.loss).outputs(setup.data.classes);
  if (p.model.outputs == 0) p.model.outputs = k;
  if (auto err = p.model.validate(); !err.empty()) throw InputError(err);

  if (o.x) {
    const MatrixD& X = *o.x;
    if (X.rows() < 1 || X.cols() != p.model.input_dim)
      throw InputError(fmt::format("{}: expected an (N, {}) array (the data's input dimension), got ({}, {})", nm.x,
                                   p.model.input_dim, X.rows(), X.cols()));
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      if (!X.row(i).allFinite())
        throw InputError(fmt::format("{}: row {} holds a non-finite value (NaN or inf)", nm.x, i));
    p.x = X;
  } else {
    p.x = setup.data.x_test;
  }
  if (o.output < -1 || o.output >= p.model.outputs)
    throw InputError(fmt::format("{} {}: expected -1 (mean over outputs) or 0..{}", nm.output, o.output,
                                 p.model.outputs - 1));
  p.kernel.lr_weighted = o.weighting == "lr";
  p.kernel.nt_parameterization = o.weighting == "nt";
  p.kernel.lr = p.task.train.lr;
  p.kernel.output = o.output;
  p.trained = o.trained;
  p.precision = p.task.train.precision;
  return p;
}

template <class T>
EmpiricalNtkRunResult<T> empirical_ntk_run(const EmpiricalNtkPlan& p) {
  constexpr Precision want = sizeof(T) == 4 ? Precision::float32 : Precision::float64;
  if (p.precision != want)
    throw InputError(fmt::format("empirical NTK: the plan's precision is {}, the call's {}",
                                 p.precision == Precision::float32 ? "float32" : "float64",
                                 want == Precision::float32 ? "float32" : "float64"));
  EmpiricalNtkRunResult<T> r;
  Mlp<T> net(p.model, p.task.factors);
  net.init(p.task.seed);
  if (p.trained && !train_net(net, p.task, p.setup.data)) {
    r.status = RunStatus::diverged;
    return r;
  }
  const Matrix<T> X = p.x.template cast<T>();
  r.kernel = empirical_ntk(net, X, nullptr, p.kernel);
  return r;
}

template EmpiricalNtkRunResult<float> empirical_ntk_run<float>(const EmpiricalNtkPlan&);
template EmpiricalNtkRunResult<double> empirical_ntk_run<double>(const EmpiricalNtkPlan&);

}  // namespace widthlab
