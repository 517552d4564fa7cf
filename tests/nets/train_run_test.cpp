#include "widthlab/train_run.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "nets_test_util.h"
#include "widthlab/error.h"

using namespace widthlab;
using namespace widthlab::test;

namespace {

// Two Gaussian blobs at ±μ in 6 dims, labels ±1 (or 3 blobs with class ids).
struct Blobs {
  MatrixD x_train, x_test;
  VectorD y_train, y_test;
  int classes = 2;
};

Blobs make_blobs(int n, int m, int classes = 2, uint64_t seed = 5) {
  Blobs b;
  b.classes = classes;
  auto fill = [&](MatrixD& x, VectorD& y, int rows, uint64_t s) {
    x = random_matrix(rows, 6, s, 0.7);
    y.resize(rows);
    for (int i = 0; i < rows; ++i) {
      const int c = i % classes;
      x(i, c) += 1.5;
      y[i] = classes == 2 ? (c == 0 ? 1.0 : -1.0) : double(c);
    }
  };
  fill(b.x_train, b.y_train, n, seed);
  fill(b.x_test, b.y_test, m, seed + 1);
  return b;
}

TrainTask base_task(int depth = 2, int width = 16) {
  TrainTask t;
  t.model.width = width;
  t.model.depth = depth;
  t.model.outputs = 0;
  t.model.activation = activation_from_name("leaky_relu:0.1");
  t.factors = odd_factors(depth);
  t.seed = 3;
  t.train.optimizer = "gd";
  t.train.lr = 0.2;
  t.train.steps = 6;
  t.train.precision = Precision::float64;
  return t;
}

TrainData view(const Blobs& b) { return TrainData{b.x_train, b.y_train, b.x_test, b.y_test, b.classes}; }

// The training loop written directly on Mlp (independent of run_training's batching/IC code): plain gradient steps
// on f(θ; x) + offset(x), mini-batches from the seeded shuffle of rng_stream::batches (last batch short).
MatrixD manual_train(Mlp<double>& net, const Blobs& b, const Loss& loss, int steps, double lr, int batch, uint64_t seed,
                     const MatrixD& off_tr = {}) {
  const int n = int(b.x_train.rows()), k = net.config().outputs;
  std::vector<int> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  Rng rng = make_rng(seed, rng_stream::batches);
  int pos = n;
  for (int s = 0; s < steps; ++s) {
    std::vector<int> idx;
    if (batch >= n) {
      idx = perm;
    } else {
      if (pos >= n) {
        std::shuffle(perm.begin(), perm.end(), rng);
        pos = 0;
      }
      for (int t = 0; t < batch && pos < n; ++t) idx.push_back(perm[pos++]);
    }
    const int rows = int(idx.size());
    MatrixD x(rows, b.x_train.cols()), off = MatrixD::Zero(rows, k);
    VectorD y(rows);
    for (int t = 0; t < rows; ++t) {
      x.row(t) = b.x_train.row(idx[t]);
      y[t] = b.y_train[idx[t]];
      if (off_tr.size()) off.row(t) = off_tr.row(idx[t]);
    }
    auto ws = net.make_workspace(rows);
    auto g = net.make_gradients();
    MatrixD logits = Eigen::Map<const MatrixD>(net.forward(x, ws), rows, k) + off, dl;
    loss.gradient(logits, y, dl);
    net.backward(x.data(), dl.data(), ws, g);
    net.apply_gradients(g, net.layer_lrs(lr));
  }
  auto ws = net.make_workspace(int(b.x_test.rows()));
  return net.predict(b.x_test, ws);
}

Mlp<double> fresh_net(const TrainTask& t, int outputs = 1) {
  MlpConfig cfg = t.model;
  cfg.input_dim = 6;
  cfg.outputs = outputs;
  Mlp<double> net(cfg, t.factors);
  net.init(t.seed);
  return net;
}

}  // namespace

TEST(TrainOptions, DefaultsAreValidAndBadValuesNamed) {
  EXPECT_EQ(TrainOptions{}.validate(), "");
  TrainOptions o;
  o.lr = -0.1;
  EXPECT_EQ(o.validate(), "train.lr = -0.1: expected a finite number > 0");
  o = {};
  o.optimizer = "lbfgs";
  EXPECT_NE(o.validate().find("train.optimizer = 'lbfgs'"), std::string::npos);
  o = {};
  o.steps = -1;
  EXPECT_NE(o.validate(), "");
}

TEST(TrainRun, RejectsBadInput) {
  const Blobs b = make_blobs(20, 10);
  TrainTask t = base_task();
  t.train.batch = 8;  // gd is full-batch
  EXPECT_THROW(run_training(t, view(b)), InputError);
  t = base_task();
  Blobs bad = b;
  bad.y_train[3] = 0.0;  // logistic needs ±1
  EXPECT_THROW(run_training(t, view(bad)), InputError);
  bad = b;
  bad.y_test.resize(3);
  EXPECT_THROW(run_training(t, view(bad)), InputError);
  t.train.lr = NAN;
  EXPECT_THROW(run_training(t, view(b)), InputError);
  t = base_task();
  t.factors.pop_back();
  EXPECT_THROW(run_training(t, view(b)), InputError);
}

// Full-batch GD = the manual loop; curves are recorded before each update plus the final state.
TEST(TrainRun, FullBatchGdMatchesManualLoop) {
  const Blobs b = make_blobs(30, 14);
  TrainTask t = base_task();
  t.model.bias = true;
  const TrainResult r = run_training(t, view(b));
  ASSERT_EQ(r.status, RunStatus::ok);
  Mlp<double> net = fresh_net(t);
  const Loss loss = loss_from_name("logistic");
  auto ws = net.make_workspace(30);
  const double loss0 = loss.value(MatrixD(Eigen::Map<const MatrixD>(net.forward(b.x_train, ws), 30, 1)), b.y_train);
  const MatrixD ref = manual_train(net, b, loss, t.train.steps, t.train.lr, 30, t.seed);
  EXPECT_LT((r.test_logits - ref).cwiseAbs().maxCoeff(), 1e-12);
  ASSERT_EQ(int(r.curve.size()), t.train.steps + 1);
  EXPECT_EQ(r.curve.front().step, 0);
  EXPECT_EQ(r.curve.back().step, t.train.steps);
  EXPECT_NEAR(r.curve.front().train_loss, loss0, 1e-14);
  EXPECT_NEAR(r.curve.back().train_loss, *r.train_loss, 1e-14);
  EXPECT_NEAR(r.curve.back().test_loss, loss.value(ref, b.y_test), 1e-12);
  EXPECT_NEAR(*r.test_acc, loss.accuracy(ref, b.y_test), 1e-15);
  EXPECT_LT(r.curve.back().train_loss, r.curve.front().train_loss);
  EXPECT_EQ(r.steps_done, t.train.steps);
  EXPECT_EQ(r.batch, 30);
}

// Mini-batch SGD: batches from the seeded reshuffle each epoch, the last batch short, steps spanning epochs.
TEST(TrainRun, SgdBatchesFollowSeededReshuffle) {
  const Blobs b = make_blobs(40, 12);
  TrainTask t = base_task(1, 12);
  t.train.optimizer = "sgd";
  t.train.batch = 16;  // 16, 16, 8 per epoch
  t.train.steps = 8;
  t.train.curve_every = 3;
  const TrainResult r = run_training(t, view(b));
  Mlp<double> net = fresh_net(t);
  const MatrixD ref = manual_train(net, b, loss_from_name("logistic"), 8, t.train.lr, 16, t.seed);
  EXPECT_LT((r.test_logits - ref).cwiseAbs().maxCoeff(), 1e-12);
  // Curve points before updates 0, 3, 6 and after the last.
  ASSERT_EQ(r.curve.size(), 4u);
  EXPECT_EQ(r.curve[2].step, 6);
  EXPECT_EQ(r.curve[3].step, 8);
  // A different seed reshuffles (and inits) differently.
  t.seed = 4;
  EXPECT_GT((run_training(t, view(b)).test_logits - r.test_logits).cwiseAbs().maxCoeff(), 1e-6);
}

TEST(TrainRun, ReproducibleForASeed) {
  const Blobs b = make_blobs(40, 12);
  for (const char* opt : {"sgd", "rmsprop", "adam"}) {
    TrainTask t = base_task();
    t.train.optimizer = opt;
    t.train.batch = 7;
    t.train.precision = Precision::float32;
    t.train.lr = 0.01;
    const TrainResult a = run_training(t, view(b)), c = run_training(t, view(b));
    EXPECT_EQ(a.test_logits, c.test_logits) << opt;
    nlohmann::json ja = a.to_json(), jc = c.to_json();
    ja.erase("seconds");
    jc.erase("seconds");
    EXPECT_EQ(ja, jc) << opt;
    EXPECT_LT(a.curve.back().train_loss, a.curve.front().train_loss) << opt;
  }
}

// train_loss_init (transfer's stability check, theory.md §10.1) is the training loss before the first update: the
// curve's first point, computed by the curve's own evaluation of a mini-batch run; a net whose logits are 0 has the
// logistic loss log 2 exactly.
TEST(TrainRun, TrainLossInitIsTheLossBeforeAnyUpdate) {
  const Blobs b = make_blobs(40, 12);
  TrainTask t = base_task();
  t.train.optimizer = "sgd";
  t.train.batch = 8;
  t.train.curve_every = 3;
  const TrainResult r = run_training(t, view(b));
  ASSERT_TRUE(r.train_loss_init.has_value());
  ASSERT_FALSE(r.curve.empty());
  EXPECT_EQ(r.curve.front().step, 0);
  EXPECT_DOUBLE_EQ(*r.train_loss_init, r.curve.front().train_loss);
  EXPECT_DOUBLE_EQ(r.to_json().at("train_loss_init").get<double>(), *r.train_loss_init);

  TrainTask zero = base_task();
  zero.train.steps = 0;
  zero.train.loss = "logistic";
  zero.factors.back().multiplier = 0.0;  // the readout multiplies by 0: f ≡ 0
  const TrainResult z = run_training(zero, view(b));
  ASSERT_TRUE(z.train_loss_init.has_value());
  EXPECT_NEAR(*z.train_loss_init, std::log(2.0), 1e-15);
}

TEST(TrainRun, Float32AgreesWithFloat64) {
  const Blobs b = make_blobs(40, 12);
  for (const char* opt : {"gd", "adam"}) {
    TrainTask t = base_task();
    t.train.optimizer = opt;
    t.train.lr = std::string(opt) == "gd" ? 0.2 : 0.01;
    t.train.steps = 10;
    const TrainResult d = run_training(t, view(b));
    t.train.precision = Precision::float32;
    const TrainResult f = run_training(t, view(b));
    EXPECT_EQ(f.precision, "float32");
    const double scale = 1 + d.test_logits.cwiseAbs().maxCoeff();
    EXPECT_LT((f.test_logits - d.test_logits).cwiseAbs().maxCoeff(), 1e-4 * scale) << opt;
    EXPECT_NEAR(*f.train_loss, *d.train_loss, 1e-5) << opt;
  }
}

// IC-MF (theory.md §3.5): at step 0 f_IC = the SP net's output; training moves θ only, on the loss of f(θ) + offset.
TEST(TrainRun, InitCorrectedStartsAtSpAndTrains) {
  const Blobs b = make_blobs(30, 14);
  TrainTask sp = base_task(1, 64);
  sp.factors = std::vector<LayerFactors>(2);
  sp.train.steps = 0;
  const TrainResult rsp = run_training(sp, view(b));

  TrainTask ic = sp;
  const double w = 8.0;  // ω = d/d* with d* = 8
  ic.factors = {{1.0, 1.0, w}, {1.0 / w, 1.0, 1.0 / w}};
  ic.init_corrected = true;
  ic.train.curve_logits = true;
  ic.train.steps = 0;
  const TrainResult r0 = run_training(ic, view(b));
  ASSERT_EQ(r0.curve_test_logits.size(), 1u);  // steps = 0: the initial state is the final one
  EXPECT_LT((r0.curve_test_logits[0] - rsp.test_logits).cwiseAbs().maxCoeff(), 1e-13);
  EXPECT_NEAR(r0.mean_abs_logit_init, rsp.mean_abs_logit_init, 1e-13);
  // The loss at init is the model's (f_IC), and with no update it is the final loss too.
  ASSERT_TRUE(r0.train_loss_init && rsp.train_loss_init);
  EXPECT_NEAR(*r0.train_loss_init, *rsp.train_loss_init, 1e-13);
  EXPECT_DOUBLE_EQ(*rsp.train_loss_init, *rsp.train_loss);

  // Without the correction the MF net's init logits are ω times smaller.
  TrainTask mf = ic;
  mf.init_corrected = false;
  EXPECT_NEAR(run_training(mf, view(b)).mean_abs_logit_init, rsp.mean_abs_logit_init / w, 1e-12);

  ic.train.steps = 15;
  ic.train.lr = 0.5;
  const TrainResult r = run_training(ic, view(b));
  EXPECT_LT(r.curve.back().train_loss, r.curve.front().train_loss - 0.05);
  // Manual: θ trains on ℓ(f(θ) + f_SP(θ₀) − f_MF(θ₀)).
  Mlp<double> net = fresh_net(ic), ref = fresh_net(sp);
  auto ws = net.make_workspace(64);
  const MatrixD off_tr = ref.predict(b.x_train, ws) - net.predict(b.x_train, ws);
  const MatrixD off_te = ref.predict(b.x_test, ws) - net.predict(b.x_test, ws);
  const MatrixD f = manual_train(net, b, loss_from_name("logistic"), 15, 0.5, 30, ic.seed, off_tr) + off_te;
  EXPECT_LT((r.test_logits - f).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(TrainRun, HugeLrDivergesWithStatus) {
  const Blobs b = make_blobs(30, 14);
  for (const char* loss : {"mse", "logistic"}) {
    TrainTask t = base_task();
    t.train.loss = loss;
    t.train.lr = 1e30;
    t.train.steps = 50;
    const TrainResult r = run_training(t, view(b));
    EXPECT_EQ(r.status, RunStatus::diverged) << loss;
    ASSERT_TRUE(r.diverged_at_step.has_value());
    EXPECT_LT(*r.diverged_at_step, 50);
    EXPECT_FALSE(r.test_acc.has_value());
    const nlohmann::json j = r.to_json();
    EXPECT_EQ(j["status"], "diverged");
    EXPECT_TRUE(j["test_acc"].is_null());
    EXPECT_TRUE(j["train_loss"].is_null());
    EXPECT_EQ(j.dump().find("NaN"), std::string::npos);
    // The curve point where the logits stopped being finite has no accuracy (it read 0, as if every class were wrong).
    ASSERT_FALSE(r.curve.empty());
    const CurvePoint& last = r.curve.back();
    EXPECT_FALSE(std::isfinite(last.train_loss) && std::isfinite(last.test_loss)) << loss;
    EXPECT_TRUE(std::isnan(last.train_acc) && std::isnan(last.test_acc)) << loss << " " << last.test_acc;
  }
}

// K(x,x) = Σ_l lr_l ‖∂f/∂θ_l‖² from per-sample gradients (Mlp::backward on one row, dlogits = e_c).
TEST(TrainRun, KernelDiagonalMatchesPerSampleGradients) {
  const Blobs b3 = make_blobs(30, 14, 3);
  const Blobs b2 = make_blobs(30, 14, 2);
  for (int classes : {2, 3}) {
    const Blobs& b = classes == 2 ? b2 : b3;
    TrainTask t = base_task();
    t.model.bias = true;
    t.train.loss = classes == 2 ? "logistic" : "cross-entropy";
    t.train.kernel_points = 5;
    t.train.kernel_track_steps = 3;
    t.train.steps = 4;
    const TrainResult r = run_training(t, view(b));
    ASSERT_EQ(r.kernel_diag_init.size(), 5u);
    ASSERT_EQ(r.kernel_track.size(), 3u);
    EXPECT_EQ(r.kernel_track[0], r.kernel_diag_init);
    EXPECT_NE(r.kernel_track[1], r.kernel_diag_init);
    const int k = classes == 2 ? 1 : 3;
    Mlp<double> net = fresh_net(t, k);
    const auto lrs = net.layer_lrs(t.train.lr);
    for (int i = 0; i < 5; ++i) {
      const MatrixD x = b.x_test.row(i);
      double kd = 0;
      for (int c = 0; c < k; ++c) {
        auto ws = net.make_workspace(1);
        auto g = net.make_gradients();
        MatrixD dl = MatrixD::Zero(1, k);
        dl(0, c) = 1;
        net.forward(x, ws);
        net.backward(x.data(), dl.data(), ws, g);
        for (int l = 0; l < net.num_layers(); ++l) kd += lrs[l] * (g.w[l].squaredNorm() + g.b[l].squaredNorm());
      }
      EXPECT_NEAR(r.kernel_diag_init[i], kd / k, 1e-12 * kd) << classes << " point " << i;
    }
  }
}

// Logit decomposition: exact sum; only the layers that train contribute their terms.
TEST(TrainRun, LogitDecompositionProperties) {
  const Blobs b = make_blobs(30, 14);
  TrainTask t = base_task(1, 24);
  t.model.bias = true;
  t.train.steps = 10;
  const TrainResult r = run_training(t, view(b));
  ASSERT_TRUE(r.decomposition.has_value());
  EXPECT_LT(r.decomposition->max_abs_residual, 1e-12);
  EXPECT_GT(r.decomposition->var_fa, 0);
  EXPECT_GT(r.decomposition->var_fw, 0);
  EXPECT_GT(r.decomposition->var_faw, 0);

  t.factors[0].lr = 0;  // input layer frozen: f_w = f_aw = 0
  const TrainResult in_frozen = run_training(t, view(b));
  EXPECT_EQ(in_frozen.decomposition->var_fw, 0.0);
  EXPECT_EQ(in_frozen.decomposition->var_faw, 0.0);
  EXPECT_GT(in_frozen.decomposition->var_fa, 0.0);
  EXPECT_EQ(in_frozen.weight_increments[0], 0.0);
  EXPECT_GT(in_frozen.weight_increments[1], 0.0);

  t.factors[0].lr = 1;
  t.factors[1].lr = 0;  // output frozen: f_a = f_aw = 0
  const TrainResult out_frozen = run_training(t, view(b));
  EXPECT_EQ(out_frozen.decomposition->var_fa, 0.0);
  EXPECT_EQ(out_frozen.decomposition->var_faw, 0.0);
  EXPECT_GT(out_frozen.decomposition->var_fw, 0.0);

  // At init f = f∅: its variance is the variance of the test logits.
  t.train.steps = 0;
  const TrainResult r0 = run_training(t, view(b));
  const double mean = r0.test_logits.mean();
  EXPECT_NEAR(r0.decomposition->var_f0, (r0.test_logits.array() - mean).square().mean(), 1e-12);
  EXPECT_EQ(r0.decomposition->var_fa, 0.0);
  for (double inc : r0.weight_increments) EXPECT_EQ(inc, 0.0);
  for (double d : r0.coord.act_delta_rms) EXPECT_EQ(d, 0.0);

  // Only for depth 1 with an ABReLU activation.
  t.model.activation = activation_from_name("tanh");
  EXPECT_FALSE(run_training(t, view(b)).decomposition.has_value());
  TrainTask deep = base_task(2, 8);
  EXPECT_FALSE(run_training(deep, view(b)).decomposition.has_value());
}

// Weight increments and coordinate check against quantities computed from a manually trained net.
TEST(TrainRun, IncrementsAndCoordCheckMatchManualNet) {
  const Blobs b = make_blobs(30, 14);
  TrainTask t = base_task(2, 10);
  t.train.coord_points = 9;
  const TrainResult r = run_training(t, view(b));
  Mlp<double> net = fresh_net(t), init = fresh_net(t);
  manual_train(net, b, loss_from_name("logistic"), t.train.steps, t.train.lr, 30, t.seed);
  ASSERT_EQ(r.weight_increments.size(), 3u);
  const MatrixD d0 = t.factors[0].multiplier * (net.weight(0) - init.weight(0));
  EXPECT_NEAR(r.weight_increments[0], d0.rowwise().norm().mean(), 1e-12);
  const MatrixD d2 = t.factors[2].multiplier * (net.weight(2) - init.weight(2));
  EXPECT_NEAR(r.weight_increments[2], d2.cwiseAbs().mean(), 1e-12);
  const MatrixD xc = b.x_test.topRows(9);
  NaiveMlp n1 = NaiveMlp::from(net), n0 = NaiveMlp::from(init);
  std::vector<MatrixD> z1, h1, z0, h0;
  n1.forward(xc, &z1, &h1);
  n0.forward(xc, &z0, &h0);
  ASSERT_EQ(r.coord.act_rms_final.size(), 3u);
  auto rms = [](const MatrixD& a) { return std::sqrt(a.squaredNorm() / double(a.size())); };
  EXPECT_NEAR(r.coord.act_rms_init[1], rms(h0[2]), 1e-12);  // h^1 (h0[0] is x)
  EXPECT_NEAR(r.coord.act_rms_final[2], rms(z1[2]), 1e-12);
  EXPECT_NEAR(r.coord.act_delta_rms[0], rms(h1[1] - h0[1]), 1e-12);
}

TEST(TrainRun, CrossEntropyTrainsAndJsonHasContractKeys) {
  const Blobs b = make_blobs(45, 15, 3);
  TrainTask t = base_task(1, 32);
  t.train.loss = "cross-entropy";
  t.train.steps = 20;
  t.train.lr = 0.5;
  t.scaling = "sp";
  const TrainResult r = run_training(t, view(b));
  EXPECT_EQ(r.test_logits.cols(), 3);
  EXPECT_GT(*r.train_acc, 0.8);
  const nlohmann::json j = r;
  for (const char* key : {"scaling", "width", "seed", "depth", "optimizer", "lr", "steps", "status", "train_loss",
                          "train_acc", "test_loss", "test_acc", "seconds"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["scaling"], "sp");
  EXPECT_EQ(j["width"], 32);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["optimizer"], "gd");
}

// keep_parameters hands back the trained θ_l, b_l: set on a fresh net they reproduce the run's final test logits, and
// they are the manual loop's weights; without the option nothing is kept and the runs.jsonl record is unchanged.
TEST(TrainRun, KeepParametersReturnsTheTrainedNet) {
  const Blobs b = make_blobs(30, 14);
  TrainTask t = base_task(2, 10);
  t.model.bias = true;
  const TrainResult plain = run_training(t, view(b));
  EXPECT_TRUE(plain.final_weights.empty() && plain.final_biases.empty());
  t.train.keep_parameters = true;
  const TrainResult r = run_training(t, view(b));
  ASSERT_EQ(r.final_weights.size(), 3u);
  ASSERT_EQ(r.final_biases.size(), 3u);
  nlohmann::json j = r, j_plain = plain;
  j.erase("seconds"), j_plain.erase("seconds");
  EXPECT_EQ(j, j_plain);
  Mlp<double> net = fresh_net(t), trained = fresh_net(t);
  trained.set_parameters(r.final_weights, r.final_biases);
  auto ws = trained.make_workspace(14, false);
  EXPECT_LT((trained.predict(b.x_test, ws) - r.test_logits).cwiseAbs().maxCoeff(), 1e-12);
  manual_train(net, b, loss_from_name("logistic"), t.train.steps, t.train.lr, 30, t.seed);
  EXPECT_LT((net.weight(1) - r.final_weights[1]).cwiseAbs().maxCoeff(), 1e-12);
}

// theory.md §10.1: a finite final loss above the loss at init by more than 10⁻³ · max(1, |init|) did not train.
TEST(TrainRun, ARunThatEndsAboveItsInitialLossDidNotTrain) {
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(trained_above_initial_loss(2.8e10, 0.693));
  EXPECT_TRUE(trained_above_initial_loss(0.6945, 0.693));   // 1.5e-3 above: beyond the 1e-3 margin
  EXPECT_FALSE(trained_above_initial_loss(0.6935, 0.693));  // 0.5e-3 above: within it (noise of a tiny lr)
  EXPECT_FALSE(trained_above_initial_loss(0.30, 0.693));    // trained
  EXPECT_TRUE(trained_above_initial_loss(50.2, 50.0));      // the margin scales with |init| above 1: 0.05
  EXPECT_FALSE(trained_above_initial_loss(50.04, 50.0));
  EXPECT_FALSE(trained_above_initial_loss(inf, 0.693));  // non-finite: diverged, not this rule's business
  EXPECT_FALSE(trained_above_initial_loss(nan, 0.693));
  EXPECT_FALSE(trained_above_initial_loss(1.0, nan));  // no initial loss to compare with
}
