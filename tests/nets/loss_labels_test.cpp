// check_loss_labels (train_run.h), the loss's label rule (Loss::label_error) as run_training, the limit simulators
// and the config mapping apply it: logistic takes ±1, cross-entropy class ids 0..classes−1, mse any finite target
// (one-output losses on two classes only);
// the first bad label is named in one line.
#include <gtest/gtest.h>

#include <cmath>

#include "widthlab/error.h"
#include "widthlab/train_run.h"

using namespace widthlab;

namespace {
std::string error_of(const std::string& loss, std::initializer_list<double> labels, int classes = 2) {
  VectorD y(Eigen::Index(labels.size()));
  Eigen::Index i = 0;
  for (double v : labels) y[i++] = v;
  try {
    check_loss_labels(loss_from_name(loss), y, classes, "train");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(LossLabels, EachLossTakesItsLabels) {
  EXPECT_EQ(error_of("logistic", {1, -1, 1}), "");
  EXPECT_EQ(error_of("cross-entropy", {0, 2, 1}, 3), "");
  EXPECT_EQ(error_of("mse", {0.25, -3.5}), "");
  EXPECT_EQ(error_of("logistic", {1, 0.5, 2}), "train label 1 = 0.5: loss 'logistic' expects −1 or +1");
  EXPECT_EQ(error_of("cross-entropy", {0, 1, 3}, 3),
            "train label 2 = 3: loss 'cross-entropy' expects class ids 0..classes-1");
  EXPECT_EQ(error_of("cross-entropy", {0, 1.5}, 3),
            "train label 1 = 1.5: loss 'cross-entropy' expects class ids 0..classes-1");
  EXPECT_EQ(error_of("mse", {0, NAN}), "train label 1 = nan: loss 'mse' expects finite targets");
}

// Every dataset labels K > 2 classes 0..K−1: a one-output loss has no K-class task (mse would regress the id).
TEST(LossLabels, OneOutputLossesRefuseMoreThanTwoClasses) {
  EXPECT_EQ(error_of("mse", {0, 1, 2}, 3),
            "train.loss = \"mse\": the data have 3 classes, and this loss has one output per sample for two classes "
            "(labels ±1) — on class ids 0..K−1 it would regress the id as a number; use \"cross-entropy\", or select "
            "two classes with data.classes");
  EXPECT_EQ(error_of("logistic", {1, -1, 1}, 10),
            "train.loss = \"logistic\": the data have 10 classes, and this loss has one output per sample for two "
            "classes (labels ±1); use \"cross-entropy\", or select two classes with data.classes");
  EXPECT_EQ(error_of("cross-entropy", {0, 1, 2}, 3), "");
}
