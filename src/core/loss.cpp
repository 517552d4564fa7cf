#include "widthlab/loss.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "widthlab/error.h"

namespace widthlab {
namespace {

struct Entry {
  const char* name;
  LossKind kind;
  LabelRule label_rule;
  bool closed_form;  // Loss::closed_form
  bool saturates;    // Loss::saturates
  std::vector<const char*> aliases;
  const char* description;
};
const Entry kEntries[] = {
    {"logistic",
     LossKind::logistic,
     LabelRule::sign,
     false,
     true,
     {"bce", "binary-cross-entropy"},
     "log(1 + e^(-y z)), labels ±1, one logit (theory.md §1.1)"},
    {"mse",
     LossKind::mse,
     LabelRule::real,
     true,
     false,
     {"squared"},
     "(z - y)² / 2, one output per sample (theory.md §1.1)"},
    {"cross-entropy",
     LossKind::cross_entropy,
     LabelRule::class_id,
     false,
     true,
     {"ce", "cross_entropy", "softmax-cross-entropy"},
     "softmax cross-entropy, labels 0..K-1, K logits (theory.md §1.1)"},
};

const Entry& entry(LossKind kind) {
  for (const auto& e : kEntries)
    if (e.kind == kind) return e;
  throw std::logic_error("loss kind without a registry row");
}

// log(1 + e^{x}) without overflow.
inline double log1pexp(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
inline double sigmoid(double z) { return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z)); }

template <class T>
double row_logsumexp(const Matrix<T>& z, Eigen::Index i) {
  double m = z.row(i).maxCoeff();
  double s = 0;
  for (Eigen::Index k = 0; k < z.cols(); ++k) s += std::exp(double(z(i, k)) - m);
  return m + std::log(s);
}

}  // namespace

LabelRule Loss::label_rule() const { return entry(kind).label_rule; }
bool Loss::closed_form() const { return entry(kind).closed_form; }
bool Loss::saturates() const { return entry(kind).saturates; }

std::string Loss::label_error(double y, int classes) const {
  switch (label_rule()) {
    case LabelRule::sign: return y == 1.0 || y == -1.0 ? "" : "−1 or +1";
    case LabelRule::class_id: return y >= 0 && y < classes && y == std::floor(y) ? "" : "class ids 0..classes-1";
    case LabelRule::real: return std::isfinite(y) ? "" : "finite targets";
  }
  throw std::logic_error("label rule without a case in Loss::label_error");
}

template <class T>
double Loss::value(const Matrix<T>& z, const Vector<double>& y) const {
  const Eigen::Index n = z.rows();
  if (n == 0) return 0.0;
  double total = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    switch (kind) {
      case LossKind::logistic: total += log1pexp(-y[i] * double(z(i, 0))); break;
      case LossKind::mse: {
        double r = double(z(i, 0)) - y[i];
        total += 0.5 * r * r;
        break;
      }
      case LossKind::cross_entropy: total += row_logsumexp(z, i) - double(z(i, Eigen::Index(y[i]))); break;
    }
  }
  return total / double(n);
}

template <class T>
double Loss::gradient(const Matrix<T>& z, const Vector<double>& y, Matrix<T>& g) const {
  const Eigen::Index n = z.rows();
  g.resize(z.rows(), z.cols());
  if (n == 0) return 0.0;
  const double inv_n = 1.0 / double(n);
  double total = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    switch (kind) {
      case LossKind::logistic: {
        double m = -y[i] * double(z(i, 0));
        total += log1pexp(m);
        g(i, 0) = T(-y[i] * sigmoid(m) * inv_n);
        break;
      }
      case LossKind::mse: {
        double r = double(z(i, 0)) - y[i];
        total += 0.5 * r * r;
        g(i, 0) = T(r * inv_n);
        break;
      }
      case LossKind::cross_entropy: {
        double lse = row_logsumexp(z, i);
        auto c = Eigen::Index(y[i]);
        total += lse - double(z(i, c));
        for (Eigen::Index k = 0; k < z.cols(); ++k)
          g(i, k) = T((std::exp(double(z(i, k)) - lse) - (k == c ? 1.0 : 0.0)) * inv_n);
        break;
      }
    }
  }
  return total * inv_n;
}

template <class T>
double Loss::accuracy(const Matrix<T>& z, const Vector<double>& y) const {
  const Eigen::Index n = z.rows();
  if (n == 0) return 0.0;
  const bool argmax = multi_logit();  // else the sign of the one logit
  double correct = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (argmax) {
      Eigen::Index arg;
      z.row(i).maxCoeff(&arg);
      correct += (arg == Eigen::Index(y[i]));
    } else {
      correct += (double(z(i, 0)) * y[i] > 0);
    }
  }
  return correct / double(n);
}

#define WIDTHLAB_INSTANTIATE(T)                                                                 \
  template double Loss::value<T>(const Matrix<T>&, const Vector<double>&) const;                \
  template double Loss::gradient<T>(const Matrix<T>&, const Vector<double>&, Matrix<T>&) const; \
  template double Loss::accuracy<T>(const Matrix<T>&, const Vector<double>&) const;
WIDTHLAB_INSTANTIATE(float)
WIDTHLAB_INSTANTIATE(double)
#undef WIDTHLAB_INSTANTIATE

Loss loss_from_name(std::string_view name) {
  for (const auto& e : kEntries) {
    bool match = name == e.name;
    for (auto a : e.aliases) match = match || name == a;
    if (match) return Loss{e.kind, e.name};
  }
  std::string allowed;
  for (const auto& e : kEntries) allowed += (allowed.empty() ? "" : ", ") + std::string(e.name);
  throw InputError(fmt::format("loss '{}': unknown (allowed: {})", name, allowed));
}

Loss loss_from_kind(LossKind kind) { return Loss{kind, entry(kind).name}; }

std::vector<std::string> loss_names() {
  std::vector<std::string> v;
  for (const auto& e : kEntries) v.push_back(e.name);
  return v;
}

std::string saturating_loss_names() {
  std::string names;
  for (const auto& e : kEntries)
    if (e.saturates) names += (names.empty() ? "" : ", ") + std::string(e.name);
  return names;
}

const std::vector<LossInfo>& loss_registry() {
  static const std::vector<LossInfo> infos = [] {
    std::vector<LossInfo> v;
    for (const auto& e : kEntries)
      v.push_back({e.name, {e.aliases.begin(), e.aliases.end()}, e.description, e.closed_form, e.saturates});
    return v;
  }();
  return infos;
}

}  // namespace widthlab
