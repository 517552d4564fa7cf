// Losses on a batch of logits, averaged over the batch (theory.md §1.1), from one registry (STYLE 3): a row of
// src/core/loss.cpp's kEntries (name, kind, aliases, description), plus the places architecture.md §9 lists.
//   logistic       ℓ(y,z) = log(1+e^{−yz}), y ∈ {−1,+1}, one logit per sample.   ℓ' = −y·s(−yz)
//   mse            ℓ(y,z) = ½(z−y)², one output per sample (y the target).        ℓ' = z − y
//   cross-entropy  softmax CE, K logits per sample, y = class index 0..K−1.      ℓ' = softmax(z) − onehot(y)
// Accuracy: logistic/mse sign(z) == sign(y); cross-entropy argmax(z) == y.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "widthlab/tensor.h"

namespace widthlab {

enum class LossKind { logistic, mse, cross_entropy };

struct Loss {
  LossKind kind = LossKind::logistic;
  std::string name;

  // Outputs per sample for a task with `classes` classes (1 unless cross-entropy).
  int outputs(int classes) const { return kind == LossKind::cross_entropy ? classes : 1; }

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
std::vector<std::string> loss_names();

// The registry as `widthlab list` prints it.
struct LossInfo {
  std::string name;
  std::vector<std::string> aliases;
  std::string description;
};
const std::vector<LossInfo>& loss_registry();

}  // namespace widthlab
