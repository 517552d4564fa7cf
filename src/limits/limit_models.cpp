#include "widthlab/limit_models.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>

#include "widthlab/classification.h"
#include "widthlab/error.h"
#include "widthlab/scaling.h"

namespace widthlab {
namespace {

using LR = LossRule;
using RA = RuleArg;
constexpr auto P = LimitStateKind::particles;
constexpr auto K = LimitStateKind::kernel;

// theory.md §3.4, row by row. {first rule, where}, {later rule, where}, state includes g, multilayer, adaptive
// optimizers (both false unless given). The names of the 13
// region models are the region registry's (classification.h region_info), the one list of them.
// A data table: one row a line.
// clang-format off
std::vector<LimitModelInfo> rows() {
  return {
      {1, "", "mean field (point): MF particles, L_0 then L_fin(y, m)", P, {LR::zero, RA::state},
       {LR::fin, RA::state}, false, /*multilayer=*/true, /*adaptive=*/true},
      {2, "", "NTK (point): fixed kernel, u = g + h, L_fin(y, u)", K, {LR::fin, RA::state},
       {LR::fin, RA::state}, true},
      {3, "", "sym-default (point): MF particles, L_fin(y, g) then L_inf(y, m)", P,
       {LR::fin, RA::init_logits}, {LR::inf, RA::state}, false},
      {4, "", "MF-NTK segment: fixed kernel, h, L_0 then L_fin(y, h)", K, {LR::zero, RA::state},
       {LR::fin, RA::state}, false},
      {5, "", "NTK-sym-default segment: fixed kernel, h, L_fin(y, g) then L_inf(y, h)", K,
       {LR::fin, RA::init_logits}, {LR::inf, RA::state}, false},
      {6, "", "sym-default-MF segment: MF particles, L_0 then L_inf(y, m)", P, {LR::zero, RA::state},
       {LR::inf, RA::state}, false},
      {7, "", "post-MF ray: MF particles, L_0 always", P, {LR::zero, RA::state}, {LR::zero, RA::state},
       false},
      {8, "", "pre-sym-default ray: MF particles, L_inf(y, g) then L_inf(y, m)", P,
       {LR::inf, RA::init_logits}, {LR::inf, RA::state}, false},
      {9, "", "post-NTK ray: fixed kernel, u = g + h, L_0 always", K, {LR::zero, RA::state},
       {LR::zero, RA::state}, true},
      {10, "", "pre-NTK ray: fixed kernel, u = g + h, L_inf(y, u)", K, {LR::inf, RA::state},
       {LR::inf, RA::state}, true},
      {11, "", "MF/NTK/sym-default triangle: fixed kernel, h, L_0 then L_inf(y, h)", K,
       {LR::zero, RA::state}, {LR::inf, RA::state}, false},
      {12, "", "post-MF-NTK region: fixed kernel, h, L_0 always", K, {LR::zero, RA::state},
       {LR::zero, RA::state}, false},
      {13, "", "pre-NTK-sym-default region: fixed kernel, h, L_inf(y, g) then L_inf(y, h)", K,
       {LR::inf, RA::init_logits}, {LR::inf, RA::state}, false},
      {0, "ic-mf", "initialization-corrected MF: MF particles + frozen g, L_fin(y, m + g)", P,
       {LR::fin, RA::state}, {LR::fin, RA::state}, true, /*multilayer=*/false, /*adaptive=*/true},
  };
}
// clang-format on

const std::vector<LimitModelInfo>& table() {
  static const std::vector<LimitModelInfo> t = [] {
    std::vector<LimitModelInfo> v = rows();
    for (auto& m : v)
      if (m.region > 0) m.name = region_info(m.region).model;
    return v;
  }();
  return t;
}

// A scaling preset's name or alias whose canonical name is a model name ("mean-field", "icmf", "sym_default", …):
// one alias list for scalings and limit models (scaling.h scaling_registry).
const LimitModelInfo* by_preset_alias(std::string_view name) {
  std::string lower(name);
  for (auto& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& preset : scaling_registry())
    for (const auto& alias : preset.aliases)
      if (alias == lower)
        for (const auto& m : table())
          if (m.name == preset.name) return &m;
  return nullptr;
}

}  // namespace

const std::vector<LimitModelInfo>& limit_model_table() { return table(); }

std::string limit_model_names_where(bool LimitModelInfo::*flag) {
  std::vector<std::string> names;
  for (const LimitModelInfo& m : table())
    if (m.*flag) names.push_back("'" + m.name + "'");
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return text + (names.size() == 1 ? " is" : " are");
}

const LimitModelInfo& limit_model_for_region(int region) {
  if (region < 1 || region > 13)
    throw InputError(fmt::format("region {}: expected an integer in 1..13 (theory.md §2.2)", region));
  return table()[size_t(region - 1)];
}

std::vector<std::string> limit_model_canonical_names() {
  std::vector<std::string> v;
  for (const auto& m : table()) v.push_back(m.name);
  return v;
}

const LimitModelInfo& limit_model_from_name(std::string_view name) {
  for (const auto& m : table())
    if (name == m.name) return m;
  if (const LimitModelInfo* m = by_preset_alias(name)) return *m;
  std::string_view rest = name;
  if (rest.starts_with("region:")) rest.remove_prefix(7);
  if (!rest.empty() && rest.size() <= 2 && rest.find_first_not_of("0123456789") == std::string_view::npos)
    return limit_model_for_region(std::stoi(std::string(rest)));
  std::string allowed;
  for (const auto& n : limit_model_canonical_names()) allowed += (allowed.empty() ? "" : ", ") + n;
  throw InputError(fmt::format("limit model '{}': unknown (allowed: {}, region:1..13)", name, allowed));
}

const char* loss_rule_name(LossRule rule) {
  switch (rule) {
    case LossRule::fin: return "L_fin";
    case LossRule::zero: return "L_0";
    case LossRule::inf: return "L_inf";
  }
  return "?";
}

template <class T>
double limit_loss_gradient(const Loss& loss, LossRule rule, const Matrix<T>& z, const Vector<double>& y,
                           Matrix<T>& grad) {
  if (rule == LossRule::fin) return loss.gradient(z, y, grad);
  if (rule == LossRule::inf && !loss.saturates())
    throw InputError(
        fmt::format("loss '{}': the L_inf rule of a diverging-logit limit model needs a loss that saturates ({})",
                    loss.name, saturating_loss_names()));
  const double value = loss.value(z, y);
  const Eigen::Index n = z.rows(), k = z.cols();
  grad.resize(n, k);
  if (n == 0) return value;
  const double inv_n = 1.0 / double(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    switch (loss.kind) {
      case LossKind::logistic: {
        double s;  // limit of σ(−y·t·z): 1/2 at t = 0 (L_0), step function at t = ∞ (L_∞, 1/2 on the tie)
        if (rule == LossRule::zero) {
          s = 0.5;
        } else {
          double m = y[i] * double(z(i, 0));
          s = m < 0 ? 1.0 : (m > 0 ? 0.0 : 0.5);
        }
        grad(i, 0) = T(-y[i] * s * inv_n);
        break;
      }
      case LossKind::mse: grad(i, 0) = T(-y[i] * inv_n); break;  // L_0 only (L_∞ rejected above)
      case LossKind::cross_entropy: {
        const auto c = Eigen::Index(y[i]);
        if (rule == LossRule::zero) {
          for (Eigen::Index j = 0; j < k; ++j) grad(i, j) = T((1.0 / double(k) - (j == c ? 1.0 : 0.0)) * inv_n);
        } else {
          const double mx = double(z.row(i).maxCoeff());
          double ties = 0;
          for (Eigen::Index j = 0; j < k; ++j) ties += double(z(i, j)) == mx;
          for (Eigen::Index j = 0; j < k; ++j)
            grad(i, j) = T(((double(z(i, j)) == mx ? 1.0 / ties : 0.0) - (j == c ? 1.0 : 0.0)) * inv_n);
        }
        break;
      }
    }
  }
  return value;
}

template double limit_loss_gradient<float>(const Loss&, LossRule, const Matrix<float>&, const Vector<double>&,
                                           Matrix<float>&);
template double limit_loss_gradient<double>(const Loss&, LossRule, const Matrix<double>&, const Vector<double>&,
                                            Matrix<double>&);

}  // namespace widthlab
