// run_training on a layered net (TrainTask::arch; conv_net.h, theory.md §3.9 "Finite layered nets under a scaling").
// A dense-only architecture is the Mlp written as layers, so its run must reproduce the Mlp run: every optimizer,
// mini-batches, IC-MF offsets, bias, float64 and float32, curves and metrics. A convolutional net must learn.
#include <gtest/gtest.h>

#include <cmath>

#include "nets_test_util.h"
#include "widthlab/error.h"
#include "widthlab/train_run.h"

using namespace widthlab;
using namespace widthlab::test;

namespace {

struct Task {
  MatrixD x_train, x_test;
  VectorD y_train, y_test;
  TrainData view() const { return TrainData{x_train, y_train, x_test, y_test, 2}; }
};

// Two classes told apart by the mean of the left half of a 4×6 one-channel image.
Task images(int n, int m, uint64_t seed) {
  Task t;
  auto fill = [](MatrixD& x, VectorD& y, int rows, uint64_t s) {
    x = random_matrix(rows, 24, s, 1.0);
    y.resize(rows);
    for (int i = 0; i < rows; ++i) {
      y[i] = i % 2 ? 1.0 : -1.0;
      for (int h = 0; h < 4; ++h)
        for (int w = 0; w < 3; ++w) x(i, h * 6 + w) += 0.8 * y[i];
    }
  };
  fill(t.x_train, t.y_train, n, seed);
  fill(t.x_test, t.y_test, m, seed + 1);
  return t;
}

TrainTask dense_task(const std::string& optimizer, int batch, bool icmf, bool bias, Precision precision) {
  TrainTask t;
  t.model.width = 12;
  t.model.depth = 2;
  t.model.bias = bias;
  t.model.activation = activation_from_name("leaky_relu:0.1");
  t.factors = odd_factors(2);
  t.init_corrected = icmf;
  t.seed = 7;
  t.train.optimizer = optimizer;
  t.train.lr = optimizer == "gd" || optimizer == "sgd" ? 0.1 : 0.003;
  t.train.steps = 5;
  t.train.batch = batch;
  t.train.precision = precision;
  t.train.curve_every = 2;
  t.train.kernel_points = 3;
  t.train.coord_points = 4;
  return t;
}

}  // namespace

TEST(ConvTrain, DenseArchitectureTrainsLikeTheMlp) {
  const Task data = images(20, 9, 3);
  struct Case {
    const char* optimizer;
    int batch;
    bool icmf, bias;
    Precision precision;
  } cases[] = {{"gd", 0, false, false, Precision::float64},
               {"sgd", 6, true, true, Precision::float64},
               {"adam", 8, false, true, Precision::float64},
               {"rmsprop", 0, true, false, Precision::float64},
               {"gd", 0, true, true, Precision::float32}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.optimizer);
    const TrainTask mlp = dense_task(c.optimizer, c.batch, c.icmf, c.bias, c.precision);
    TrainTask layered = mlp;
    layered.arch = parse_architecture("dense(12)-leaky_relu:0.1-dense(12)-leaky_relu:0.1-dense(1)");
    layered.input_shape = {1, 1, 24};
    const TrainResult a = run_training(mlp, data.view()), b = run_training(layered, data.view());
    ASSERT_EQ(b.status, RunStatus::ok);
    EXPECT_EQ(b.arch, "dense(12)-leaky_relu:0.1-dense(12)-leaky_relu:0.1-dense(1)");
    const double tol = c.precision == Precision::float64 ? 1e-10 : 2e-5;
    ASSERT_EQ(a.test_logits.rows(), b.test_logits.rows());
    EXPECT_LT((a.test_logits - b.test_logits).cwiseAbs().maxCoeff(), tol * (1 + a.test_logits.cwiseAbs().maxCoeff()));
    ASSERT_EQ(a.curve.size(), b.curve.size());
    for (std::size_t i = 0; i < a.curve.size(); ++i) EXPECT_NEAR(a.curve[i].test_loss, b.curve[i].test_loss, tol);
    ASSERT_EQ(a.kernel_diag_final.size(), b.kernel_diag_final.size());
    for (std::size_t i = 0; i < a.kernel_diag_final.size(); ++i)
      EXPECT_NEAR(a.kernel_diag_final[i], b.kernel_diag_final[i], tol * 10 * (1 + a.kernel_diag_final[i]));
    ASSERT_EQ(a.coord.act_rms_final.size(), b.coord.act_rms_final.size());
    for (std::size_t l = 0; l < a.coord.act_rms_final.size(); ++l)
      EXPECT_NEAR(a.coord.act_rms_final[l], b.coord.act_rms_final[l], tol * 10);
    ASSERT_EQ(a.weight_increments.size(), b.weight_increments.size());
    for (std::size_t l = 0; l < a.weight_increments.size(); ++l)
      EXPECT_NEAR(a.weight_increments[l], b.weight_increments[l], tol * 10);
  }
}

TEST(ConvTrain, ConvolutionalNetLearns) {
  const Task data = images(64, 64, 11);
  TrainTask t;
  t.model.width = 16;
  t.model.depth = 2;
  t.model.activation = activation_from_name("relu");
  t.factors.assign(3, LayerFactors{});
  t.arch = parse_architecture("conv(3x3,same,16)-relu-conv(3x3,same,16,stride=2)-relu-gap-dense(1)");
  t.input_shape = {4, 6, 1};
  t.train.optimizer = "gd";
  t.train.lr = 0.5;
  t.train.steps = 60;
  t.train.precision = Precision::float64;
  const TrainResult r = run_training(t, data.view());
  ASSERT_EQ(r.status, RunStatus::ok);
  ASSERT_TRUE(r.test_acc && r.test_loss);
  // Logistic loss starts near log 2 ≈ 0.693 (small init logits); a net that learns the half-image mean gets well below.
  EXPECT_LT(*r.train_loss, 0.5);
  EXPECT_GT(*r.test_acc, 0.75);
}

TEST(ConvTrain, BadArchitectureIsAnInputError) {
  const Task data = images(8, 4, 1);
  TrainTask t = dense_task("gd", 0, false, false, Precision::float64);
  t.factors.assign(2, LayerFactors{});
  t.arch = parse_architecture("conv(3x3,same,4)-relu-gap-dense(3)");  // 3 outputs for a one-logit loss
  t.input_shape = {4, 6, 1};
  EXPECT_THROW(run_training(t, data.view()), InputError);
  t.arch = parse_architecture("conv(3x3,same,4)-relu-gap-dense(1)");
  t.input_shape = {5, 5, 1};  // 25 values per input, the data have 24
  EXPECT_THROW(run_training(t, data.view()), InputError);
}
