// The per-region rule table (theory.md §3.4) against an independent derivation from the exponents A, B, C of each
// region's example point (theory.md §2.2), and the loss-derivative variants (theory.md §3.1) against limits of ℓ'.
#include "widthlab/limit_models.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "widthlab/classification.h"
#include "widthlab/error.h"
#include "widthlab/scaling.h"

namespace widthlab {
namespace {

struct Example {
  int region;
  double q_sigma, q_lr;
};
// theory.md §2.2 table: example (q_σ, q̃) per region.
const Example kExamples[] = {{1, -1, 1},          {2, -0.5, 0},   {3, -0.5, 0.5}, {4, -0.75, 0.5}, {5, -0.5, 0.25},
                             {6, -0.75, 0.75},    {7, -1.5, 1.5}, {8, 0, 0},      {9, -1, 0.5},    {10, 0, -0.5},
                             {11, -2.0 / 3, 0.5}, {12, -1, 0.75}, {13, 0, -0.25}};

int sgn(double v) { return std::fabs(v) < 1e-12 ? 0 : (v > 0 ? 1 : -1); }
// The size of the actual logits decides the rule: → 0 gives L_0, Θ(1) gives L_fin, → ∞ gives L_∞.
LossRule rule_for_exponent(double e) {
  return sgn(e) < 0 ? LossRule::zero : (sgn(e) == 0 ? LossRule::fin : LossRule::inf);
}

TEST(LimitModels, TableMatchesDerivationFromExponents) {
  for (const auto& ex : kExamples) {
    SCOPED_TRACE(ex.region);
    const double A = ex.q_sigma + 0.5, B = 1 + 2 * ex.q_sigma + ex.q_lr, C = ex.q_sigma + ex.q_lr;
    ASSERT_NEAR(B, A + C + 0.5, 1e-12);
    const auto& m = limit_model_for_region(ex.region);
    EXPECT_EQ(m.region, ex.region);
    // C = 0: features learn (particles); −1/2 ≤ C < 0: fixed kernel.
    EXPECT_EQ(m.state, sgn(C) == 0 ? LimitStateKind::particles : LimitStateKind::kernel);
    // The init sample survives normalisation by d^max(A,B) only when A = B, i.e. C = −1/2.
    EXPECT_EQ(m.state_includes_g, sgn(C + 0.5) == 0);
    // First step: the logits are the init logits, of size d^A (g if A = 0).
    EXPECT_EQ(m.first.rule, rule_for_exponent(A));
    if (m.state_includes_g || sgn(A) < 0)
      EXPECT_EQ(m.first.at, RuleArg::state);  // u^(0) = g, or L_0 ignores its argument
    else
      EXPECT_EQ(m.first.at, RuleArg::init_logits);
    // Later steps: the logits are d^B times the normalised state.
    EXPECT_EQ(m.later.rule, rule_for_exponent(B));
    EXPECT_EQ(m.later.at, RuleArg::state);
  }
}

TEST(LimitModels, NamesAndAliases) {
  EXPECT_EQ(limit_model_from_name("mf").region, 1);
  EXPECT_EQ(limit_model_from_name("mean-field").region, 1);
  EXPECT_EQ(limit_model_from_name("ntk").region, 2);
  EXPECT_EQ(limit_model_from_name("region:11").region, 11);
  EXPECT_EQ(limit_model_from_name("7").name, "post-mf");
  EXPECT_EQ(limit_model_from_name("ic-mf").region, 0);
  EXPECT_TRUE(limit_model_from_name("ic-mf").state_includes_g);
  EXPECT_EQ(limit_model_table().size(), 14u);
  for (const auto& m : limit_model_table()) EXPECT_EQ(&limit_model_from_name(m.name), &m);
  EXPECT_THROW(limit_model_from_name("bogus"), InputError);
  EXPECT_THROW(limit_model_from_name("region:14"), InputError);
  EXPECT_THROW(limit_model_for_region(0), InputError);
}

// Issue: name tables were copied across layers and aliases disagreed ("icmf" named the IC-MF scaling but not its
// limit). Every scaling preset that is a limit model resolves by each of its aliases to that model, and the 13
// region models carry the region registry's names.
TEST(LimitModels, OneNameListAndOneAliasList) {
  int checked = 0;
  for (const auto& preset : scaling_registry()) {
    const auto names = limit_model_canonical_names();
    if (std::find(names.begin(), names.end(), preset.name) == names.end()) continue;
    for (const auto& alias : preset.aliases) {
      EXPECT_EQ(limit_model_from_name(alias).name, preset.name) << alias;
      ++checked;
    }
  }
  EXPECT_GE(checked, 8);
  EXPECT_EQ(limit_model_from_name("icmf").name, "ic-mf");
  for (int r = 1; r <= 13; ++r) EXPECT_EQ(limit_model_for_region(r).name, region_info(r).model) << r;
}

// L_0 = ℓ'(y, 0) and L_∞ = lim ℓ'(y, t·z) (t → ∞), compared with the loss module's own ℓ'.
template <class T>
void check_variants(const Loss& loss, const Matrix<T>& z, const Vector<double>& y) {
  Matrix<T> g, ref;
  double v = limit_loss_gradient(loss, LossRule::fin, z, y, g);
  double vref = loss.gradient(z, y, ref);
  EXPECT_DOUBLE_EQ(v, vref);
  EXPECT_EQ(g, ref);

  limit_loss_gradient(loss, LossRule::zero, z, y, g);
  Matrix<T> zero = Matrix<T>::Zero(z.rows(), z.cols());
  loss.gradient(zero, y, ref);
  EXPECT_LT((g - ref).cwiseAbs().maxCoeff(), 1e-6);

  if (loss.saturates()) {
    limit_loss_gradient(loss, LossRule::inf, z, y, g);
    Matrix<T> big = z * T(1e4);
    loss.gradient(big, y, ref);
    EXPECT_LT((g - ref).cwiseAbs().maxCoeff(), 1e-6);
  } else {
    EXPECT_THROW(limit_loss_gradient(loss, LossRule::inf, z, y, g), InputError);
  }
}

TEST(LimitModels, LossVariantsAreLimitsOfTheDerivative) {
  Matrix<double> z(6, 1);
  z << 0.3, -1.2, 0.05, -0.02, 2.0, -0.7;
  Vector<double> y(6);
  y << 1, 1, -1, -1, 1, -1;
  const Matrix<float> zf = z.cast<float>();
  Matrix<double> zc(4, 3);
  zc << 0.1, 0.5, -0.2, 1.0, -1.0, 0.0, -0.3, -0.1, 0.4, 0.2, 0.25, 0.1;
  Vector<double> yc(4);
  yc << 1, 0, 2, 0;
  for (const std::string& name : loss_names()) {  // every registered loss, on labels ±1 or class ids 0..2
    const Loss loss = loss_from_name(name);
    if (loss.multi_logit()) {
      check_variants(loss, zc, yc);
    } else {
      check_variants(loss, z, y);
      check_variants(loss, zf, y);
    }
  }

  // Logistic L_∞ at a tie is the pointwise limit −y/2 (not 0), and −y·1[yz<0] elsewhere.
  Matrix<double> t(3, 1), g;
  t << 0.0, -1.0, 1.0;
  Vector<double> yt(3);
  yt << 1, 1, 1;
  limit_loss_gradient(loss_from_name("logistic"), LossRule::inf, t, yt, g);
  EXPECT_DOUBLE_EQ(g(0, 0), -0.5 / 3);
  EXPECT_DOUBLE_EQ(g(1, 0), -1.0 / 3);
  EXPECT_DOUBLE_EQ(g(2, 0), 0.0);
}

}  // namespace
}  // namespace widthlab
