// `widthlab ntk-empirical [--config F] [--set k=v]… --out DIR [--width W] [--seed S] [--scaling NAME] [--trained]
//                         [--x X.npy] [--weighting lr|plain] [--output O] [--force]`
// Empirical NTK (SPEC §3.8, §6.3 R21; library: widthlab/empirical_ntk.h) of the config's finite net — the first
// scaling / width / seed of the config unless given — at init, or with --trained after the config's [train] run
// (same init, batches and optimizer as run_training; IC-MF offsets included), on the config's test inputs or on
// --x. Writes DIR/entk.npy (N × N, the config's train.precision). Bad input → exit 2.
#include <cmath>
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "config_flags.h"
#include "verb.h"
#include "widthlab/empirical_ntk.h"
#include "widthlab/error.h"
#include "widthlab/loss.h"
#include "widthlab/npy.h"
#include "widthlab/optimizer.h"
#include "widthlab/output_dir.h"
#include "widthlab/rng.h"
#include "widthlab/sweep.h"

namespace {

struct EntkFlags {
  widthlab::cli::ConfigFlags config;
  std::string out, x, scaling, weighting = "lr";
  int width = 0, output = -1;
  long long seed = -1;
  bool trained = false, force = false;
};

// The training loop of run_training (train_run.cpp) on `net`: full-batch or reshuffled mini-batches from
// make_rng(seed, batches), the optimizer's update, IC-MF offsets added to the logits. Returns false on divergence.
template <class T>
bool train_net(widthlab::Mlp<T>& net, const widthlab::TrainTask& task, const widthlab::Dataset& data) {
  using namespace widthlab;
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

template <class T>
int run_entk(const EntkFlags& f, const widthlab::Config& config) {
  using namespace widthlab;
  SweepSetup setup = make_sweep_setup(config);
  const Scaling* scaling = &setup.scalings.front();
  Scaling named;
  if (!f.scaling.empty()) {
    auto it = std::find_if(setup.scalings.begin(), setup.scalings.end(),
                           [&](const Scaling& s) { return s.name == f.scaling; });
    if (it != setup.scalings.end()) {
      scaling = &*it;
    } else {
      named = scaling_from_name(f.scaling, config.model.depth, config.scaling.reference_width,
                                optimizer_family(config.train.optimizer));
      scaling = &named;
    }
  }
  const int width = f.width > 0 ? f.width : setup.widths.front();
  const std::uint64_t seed = f.seed >= 0 ? std::uint64_t(f.seed) : setup.seeds.front();
  TrainTask task = make_train_task(setup, *scaling, width, seed);
  MlpConfig mc = task.model;
  mc.input_dim = int(setup.data.x_train.cols());
  const int k = loss_from_name(task.train.loss).outputs(setup.data.classes);
  if (mc.outputs == 0) mc.outputs = k;
  if (auto err = mc.validate(); !err.empty()) throw InputError(err);

  MatrixD X = setup.data.x_test;
  if (!f.x.empty()) {
    X = npy_read_matrix<double>(f.x);
    if (X.rows() < 1 || X.cols() != mc.input_dim)
      throw InputError(fmt::format("--x {}: expected an (N, {}) array (the data's input dimension), got ({}, {})", f.x,
                                   mc.input_dim, X.rows(), X.cols()));
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      if (!X.row(i).allFinite())
        throw InputError(fmt::format("--x {}: row {} holds a non-finite value (NaN or inf)", f.x, i));
  }
  if (f.output < -1 || f.output >= mc.outputs)
    throw InputError(fmt::format("--output {}: expected -1 (mean over outputs) or 0..{}", f.output, mc.outputs - 1));

  Mlp<T> net(mc, task.factors);
  net.init(seed);
  if (f.trained && !train_net(net, task, setup.data)) {
    fmt::print(stderr, "widthlab ntk-empirical: training diverged ({} w={} seed={}); no kernel written\n",
               scaling->name, width, seed);
    return 1;
  }
  EmpiricalNtkOptions o;
  o.lr_weighted = f.weighting == "lr";
  o.lr = task.train.lr;
  o.output = f.output;
  auto dir = prepare_output_dir(f.out, f.force ? OutputMode::force : OutputMode::fresh);
  const Matrix<T> Xt = X.cast<T>();
  const Matrix<T> K = empirical_ntk(net, Xt, nullptr, o);
  npy_write((dir / "entk.npy").string(), K);
  fmt::print("empirical NTK ({} weighting) of {} d={} seed={} depth={} {}: {} × {} → {}/entk.npy\n", f.weighting,
             scaling->name, width, seed, mc.depth, f.trained ? "trained" : "at init", K.rows(), K.cols(),
             printable_path(dir));
  return 0;
}

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto f = std::make_shared<EntkFlags>();
  widthlab::cli::add_config_flags(sub, f->config);
  sub.add_option("--out", f->out, "Output directory (entk.npy)")->required();
  sub.add_option("--width", f->width, "Hidden width (default: the first of sweep.widths)");
  sub.add_option("--seed", f->seed, "Init seed (default: the first of sweep.seeds)");
  sub.add_option("--scaling", f->scaling, "Scaling name (default: the config's first scaling)");
  sub.add_flag("--trained", f->trained, "Kernel after the config's [train] run instead of at init");
  sub.add_option("--x", f->x, "Inputs, .npy of shape (N, input_dim) (default: the config's test inputs)");
  sub.add_option("--weighting", f->weighting, "lr: λ_l = per-layer lr (Golikov) | plain: λ_l = 1")
      ->capture_default_str();
  sub.add_option("--output", f->output, "Logit index, or -1 for the mean over outputs")->capture_default_str();
  sub.add_flag("--force", f->force, "Overwrite results already in --out");
  return [f] {
    using namespace widthlab;
    if (f->weighting != "lr" && f->weighting != "plain")
      throw InputError(fmt::format("--weighting '{}': expected lr or plain", f->weighting));
    if (f->width < 0) throw InputError(fmt::format("--width {}: expected ≥ 1", f->width));
    if (f->seed < -1) throw InputError(fmt::format("--seed {}: expected ≥ 0", f->seed));
    Config config = cli::resolve_config(f->config);
    return config.train.precision == "float64" ? run_entk<double>(*f, config) : run_entk<float>(*f, config);
  };
}

const widthlab::cli::VerbRegistration reg{"ntk-empirical",
                                          "Empirical NTK of a finite net of the config, at init or trained "
                                          "(DIR/entk.npy)",
                                          setup};

}  // namespace
