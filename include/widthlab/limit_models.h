// The 13 limit models of [G2] (plus IC-MF) as data: which state each model evolves, which loss-derivative rule
// drives its first and later steps, and whether the GP init sample g is part of the state (theory.md §2.2, §3.1, §3.4,
// §3.5). The simulators in mean_field.h / limit_run.h read this table; nothing else encodes the per-region rules.
//
// Loss-derivative variants (theory.md §3.1), for a batch of logits z with targets y, each divided by the batch size n
// like Loss::gradient:
//   L_fin(y, z) = ℓ'(y, z)                      the logits are finite
//   L_0(y)      = ℓ'(y, 0)                      the logits vanish ("linear loss"): logistic −y/2, mse −y,
//                                               cross-entropy 1/K − onehot(y)
//   L_∞(y, z)   = lim_{t→∞} ℓ'(y, t·z)          the logits diverge: logistic −y·1[yz<0], cross-entropy
//                                               onehot(argmax z) − onehot(y) (perceptron-like). On an exact tie
//                                               (yz = 0, or several argmax) the pointwise limit is used (−y/2,
//                                               uniform over the argmax set); theory.md writes 1[yz<0], which differs
//                                               only on that measure-zero set. Undefined for mse (InputError).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "widthlab/loss.h"
#include "widthlab/tensor.h"

namespace widthlab {

enum class LossRule { fin, zero, inf };  // L_fin, L_0, L_∞ (theory.md §3.1)
enum class RuleArg {
  init_logits,
  state
};  // evaluate the rule at the GP sample g, or at the current (normalised) state
enum class LimitStateKind { particles, kernel };  // MF measure (particles) or fixed-kernel function-space state

struct StepRule {
  LossRule rule = LossRule::fin;
  RuleArg at = RuleArg::state;
};

// One limit model (theory.md §3.4 table; region 0 = IC-MF, theory.md §3.5).
struct LimitModelInfo {
  int region = 0;           // 1..13 ([G2] numbering, theory.md §2.2); 0 for IC-MF
  std::string name;         // canonical name, e.g. "mf", "ntk", "post-mf"
  std::string description;  // one line
  LimitStateKind state = LimitStateKind::particles;
  StepRule first;                 // rule of step k = 0
  StepRule later;                 // rule of steps k ≥ 1
  bool state_includes_g = false;  // logits u = g + h (kernel models with C = −1/2, and IC-MF: m + g)
  bool multilayer = false;        // simulated at depth ≥ 2 too (the multilayer MF particle system, theory.md §3.6)
  bool adaptive = false;          // derived for adaptive optimizers (RMSProp, Adam) as well as GD/SGD (theory.md §3.7)
  bool feature_learning() const { return state == LimitStateKind::particles; }
  // g ~ GP(0, K) is needed: part of the state or argument of the first step's rule.
  bool needs_g() const { return state_includes_g || first.at == RuleArg::init_logits; }
  StepRule rule_at(int step) const { return step == 0 ? first : later; }
};

// All 14 models: regions 1..13 in order, then IC-MF.
const std::vector<LimitModelInfo>& limit_model_table();
// "'mf' is" / "'mf' and 'ic-mf' are": the models with `flag` set (e.g. &LimitModelInfo::multilayer), for messages.
std::string limit_model_names_where(bool LimitModelInfo::*flag);
// Region 1..13 (InputError otherwise).
const LimitModelInfo& limit_model_for_region(int region);
// By canonical name, a scaling preset's alias of one ("mean-field", "icmf", "sym_default": scaling.h's registry,
// the one alias list), or "region:7". InputError listing the names for an unknown one.
const LimitModelInfo& limit_model_from_name(std::string_view name);
// The canonical names, regions 1..13 then ic-mf (config.h's limit_model_names() asks this list).
std::vector<std::string> limit_model_canonical_names();

// grad(i, ·) = L_rule(y_i, z(i, ·)) / n for the loss `loss` (shape of z). Returns the mean loss at z (the actual
// loss value of the logits z, whatever the rule; for reporting). InputError for L_∞ with mse.
template <class T>
double limit_loss_gradient(const Loss& loss, LossRule rule, const Matrix<T>& z, const Vector<double>& y,
                           Matrix<T>& grad);

const char* loss_rule_name(LossRule rule);  // "L_fin", "L_0", "L_inf"

}  // namespace widthlab
