// Losses on a batch of logits, averaged over the batch (theory.md §1.1), from one registry (STYLE 3): a row of
// src/core/loss.cpp's kEntries (name, kind, label rule, closed form, saturates, aliases, description) and the loss's
// cases of Loss::value / gradient / accuracy. Callers read a loss's label and class rules and its kind of prediction
// from the row (label_rule, label_error, multi_logit, outputs, closed_form, saturates), not from LossKind.
//   logistic       ℓ(y,z) = log(1+e^{−yz}), y ∈ {−1,+1} (sign), one logit per sample.   ℓ' = −y·s(−yz)
//   mse            ℓ(y,z) = ½(z−y)², one output per sample (real: y any finite target). ℓ' = z − y  (closed form)
//   cross-entropy  softmax CE, K logits per sample, y = class id 0..K−1 (class_id).    ℓ' = softmax(z) − onehot(y)
// Accuracy: logistic/mse sign(z) == sign(y); cross-entropy argmax(z) == y.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "widthlab/tensor.h"

namespace widthlab {

enum class LossKind { logistic, mse, cross_entropy };

// The labels a loss takes: the values its formula is defined (and the theory derived) for.
enum class LabelRule {
  sign,      // y ∈ {−1, +1}: two classes, one logit (the margin y·z)
  class_id,  // y ∈ {0, …, classes−1}: the label indexes one of `classes` logits
  real,      // any finite y: a regression target
};

struct Loss {
  LossKind kind = LossKind::logistic;
  std::string name;

  LabelRule label_rule() const;
  // "" when label y suits the loss on a task with `classes` classes; else what was expected ("−1 or +1",
  // "class ids 0..classes-1", "finite targets"), for messages "… expected <that>".
  std::string label_error(double y, int classes) const;
  // One logit per class (needs classes ≥ 2). Labels are scalars, so only a class id can pick one of K logits.
  bool multi_logit() const { return label_rule() == LabelRule::class_id; }
  // Outputs per sample for a task with `classes` classes.
  int outputs(int classes) const { return multi_logit() ? classes : 1; }
  // ℓ' is affine in z, so the kernel's gradient flow has a closed form at every t, t = ∞ included (predict_mse);
  // otherwise predict runs function-space GD step by step (predict.h).
  bool closed_form() const;
  // ℓ'(y, t·z) has a finite limit as t → ∞, the L_∞ rule of the limit models whose logits diverge (theory.md §3.1):
  // a margin loss (logistic, cross-entropy); mse's grows without bound.
  bool saturates() const;

  // Mean loss over the rows of `logits` (n × outputs).
  template <class T>
  double value(const Matrix<T>& logits, const Vector<double>& y) const;
  // grad = ∂(mean loss)/∂logits, i.e. ℓ'(y_i, z_i) / n (shape of logits). Returns the mean loss.
  template <class T>
  double gradient(const Matrix<T>& logits, const Vector<double>& y, Matrix<T>& grad) const;
  template <class T>
  double accuracy(const Matrix<T>& logits, const Vector<double>& y) const;
};

Loss loss_from_name(std::string_view name);  // "logistic" | "mse" | "cross-entropy" (aliases: bce, ce)
Loss loss_from_kind(LossKind kind);
std::vector<std::string> loss_names();
std::string saturating_loss_names();  // "logistic, cross-entropy": the losses with saturates(), for messages

// The registry as `widthlab list` prints it.
struct LossInfo {
  std::string name;
  std::vector<std::string> aliases;
  std::string description;
  bool closed_form = false;  // Loss::closed_form
  bool saturates = false;    // Loss::saturates
};
const std::vector<LossInfo>& loss_registry();

}  // namespace widthlab
