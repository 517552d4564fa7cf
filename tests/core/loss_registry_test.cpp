// The loss registry's columns (loss.h) against the losses' formulas: the label rule against the labels each formula
// needs, multi_logit / outputs against how the formula reads its logits, closed_form against the gradient's shape.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include "widthlab/loss.h"

using namespace widthlab;

namespace {

constexpr int kClasses = 3;
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
const std::vector<double> kProbes = {-1.0, +1.0, 0.0, 1.0, 2.0, 0.5, kNan, kInf};

// What each loss's formula needs (loss.h, theory.md §1.1): the probes it takes on a kClasses-class task, and whether
// it reads one logit per class.
//   logistic log(1 + e^{−yz}) is finite for every finite y, but the theory (margins y·z, accuracy sign(z) = sign(y))
//     is derived for y = ±1 only; one logit;
//   mse ½(z − y)² is a finite number for every finite target y; one output;
//   cross-entropy logsumexp(z) − z_y reads logit y of K = kClasses, so y must index one of them: 0, 1 or 2.
struct Needs {
  std::vector<double> labels;
  bool logit_per_class;
};
const std::map<std::string, Needs> kNeeds = {
    {"logistic", {{-1.0, 1.0}, false}},
    {"mse", {{-1.0, 1.0, 0.0, 2.0, 0.5}, false}},
    {"cross-entropy", {{0.0, 1.0, 2.0}, true}},
};

// By ==, so NaN is never among them (a std::set would find NaN equivalent to every element).
bool accepted_by_formula(const std::string& loss, double y) {
  const auto& v = kNeeds.at(loss).labels;
  return std::find(v.begin(), v.end(), y) != v.end();
}

MatrixD logits(int rows, int cols, double shift) {
  MatrixD z(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int k = 0; k < cols; ++k) z(i, k) = std::sin(1.7 * i + 0.9 * k + shift) * (1 + k);
  return z;
}

VectorD one(double y) { return VectorD::Constant(1, y); }

}  // namespace

TEST(LossRegistry, EveryLossHasItsExpectedLabels) {
  for (const auto& name : loss_names()) EXPECT_EQ(kNeeds.count(name), 1u) << name << ": add its row to kNeeds";
}

TEST(LossRegistry, LabelRuleTakesTheLabelsTheFormulaNeeds) {
  for (const auto& name : loss_names()) {
    const Loss loss = loss_from_name(name);
    for (double y : kProbes) {
      const std::string err = loss.label_error(y, kClasses);
      EXPECT_EQ(err.empty(), accepted_by_formula(name, y)) << name << " label " << y << ": '" << err << "'";
    }
  }
}

TEST(LossRegistry, ClassIdsStopAtTheClassCount) {
  for (const auto& name : loss_names()) {
    const Loss loss = loss_from_name(name);
    if (loss.label_rule() != LabelRule::class_id) continue;
    EXPECT_EQ(loss.label_error(1.0, 2), "") << name;
    EXPECT_NE(loss.label_error(2.0, 2), "") << name;  // a 2-class task has logits 0 and 1 only
  }
}

// Every accepted label gives a finite value and gradient, in float64 and float32.
TEST(LossRegistry, AcceptedLabelsGiveFiniteValueAndGradient) {
  for (const auto& name : loss_names()) {
    const Loss loss = loss_from_name(name);
    for (double y : kProbes) {
      if (!loss.label_error(y, kClasses).empty()) continue;
      const MatrixD z = logits(1, loss.outputs(kClasses), y);
      MatrixD g;
      Matrix<float> gf;
      EXPECT_TRUE(std::isfinite(loss.value(z, one(y)))) << name << " label " << y;
      EXPECT_TRUE(std::isfinite(loss.gradient(z, one(y), g))) << name << " label " << y;
      EXPECT_TRUE(g.allFinite()) << name << " label " << y;
      EXPECT_TRUE(std::isfinite(loss.gradient(Matrix<float>(z.cast<float>()), one(y), gf))) << name << " label " << y;
      EXPECT_TRUE(gf.allFinite()) << name << " label " << y;
    }
  }
}

// A multi-logit loss has one logit per class and its label picks one: ∂ℓ/∂z_k = softmax_k − [k = y] is negative at
// k = y alone. A one-logit loss has one output whatever the class count.
TEST(LossRegistry, MultiLogitLossesIndexTheirLogitsByTheLabel) {
  for (const auto& name : loss_names()) {
    const Loss loss = loss_from_name(name);
    EXPECT_EQ(loss.outputs(kClasses), loss.multi_logit() ? kClasses : 1) << name;
    EXPECT_EQ(loss.multi_logit(), kNeeds.at(name).logit_per_class) << name;
    if (!loss.multi_logit()) continue;
    for (int y = 0; y < kClasses; ++y) {
      MatrixD g;
      loss.gradient(logits(1, kClasses, 0.3 * y), one(y), g);
      for (int k = 0; k < kClasses; ++k) EXPECT_EQ(g(0, k) < 0, k == y) << name << " label " << y << " logit " << k;
    }
  }
}

// closed_form ⟺ ℓ' is affine in z: g(z₁) + g(z₂) = 2·g((z₁ + z₂)/2) at an accepted label (mse's z − y; logistic's
// sigmoid and cross-entropy's softmax are not).
TEST(LossRegistry, ClosedFormExactlyWhenTheGradientIsAffine) {
  for (const auto& name : loss_names()) {
    const Loss loss = loss_from_name(name);
    const VectorD y = VectorD::Constant(4, 1.0);  // 1 is a label every rule takes
    const int k = loss.outputs(kClasses);
    const MatrixD z1 = logits(4, k, 0.0), z2 = 3.0 * logits(4, k, 2.0);
    MatrixD g1, g2, gm;
    loss.gradient(z1, y, g1);
    loss.gradient(z2, y, g2);
    loss.gradient(MatrixD(0.5 * (z1 + z2)), y, gm);
    double gap = 0;
    for (Eigen::Index i = 0; i < gm.size(); ++i) gap = std::max(gap, std::abs(g1(i) + g2(i) - 2.0 * gm(i)));
    EXPECT_EQ(loss.closed_form(), gap < 1e-12) << name << ": affine gap " << gap;
    if (!loss.closed_form()) {
      EXPECT_GT(gap, 1e-3) << name;
    }
  }
}

TEST(LossRegistry, KindAndNameRoundTrip) {
  for (const auto& name : loss_names()) {
    const Loss loss = loss_from_name(name);
    EXPECT_EQ(loss_from_kind(loss.kind).name, name);
    EXPECT_EQ(loss_from_kind(loss.kind).kind, loss.kind);
  }
}

// saturates ⟺ ℓ'(y, t·z) converges as t → ∞ (theory.md §3.1's L_∞): the gradient at t = 1e6 and t = 1e8 agree and
// stay bounded for a margin loss, and grow 100-fold for mse's t·z − y. Then the L_∞ limit models refuse exactly the
// losses that do not saturate, and the names in their messages are these.
TEST(LossRegistry, SaturatesExactlyWhenTheGradientHasALimitAlongRays) {
  std::string saturating;
  for (const auto& name : loss_names()) {
    const Loss loss = loss_from_name(name);
    const VectorD y = VectorD::Constant(4, 1.0);
    const MatrixD z = logits(4, loss.outputs(kClasses), 0.4);
    MatrixD g6, g8;
    loss.gradient(MatrixD(1e6 * z), y, g6);
    loss.gradient(MatrixD(1e8 * z), y, g8);
    const double change = (g8 - g6).cwiseAbs().maxCoeff(), size = g6.cwiseAbs().maxCoeff();
    EXPECT_EQ(loss.saturates(), change <= 1e-12 && size <= 1.0) << name << ": change " << change << ", size " << size;
    if (!loss.saturates()) {
      EXPECT_GT(change, 1e3) << name;
    }
    if (loss.saturates()) saturating += (saturating.empty() ? "" : ", ") + name;
  }
  EXPECT_EQ(saturating_loss_names(), saturating);
}
