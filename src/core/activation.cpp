#include "widthlab/activation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "widthlab/error.h"

namespace widthlab {
namespace {

struct Entry {
  const char* name;
  ActivationKind kind;
  bool has_param;
  bool bounded;  // sup |φ| < ∞: saturates at large pre-activations (classify's act_size, theory.md §3.6)
  double default_param;
  double param_min, param_max;
  const char* parameter;
  const char* description;
};

// clang-format off
// The registry: one row per activation (columns: name, kind, has_param, bounded, default_param, param range, texts).
const Entry kEntries[] = {
    {"identity", ActivationKind::identity, false, false, 0, 0, 0, "", "φ(z) = z"},
    {"relu", ActivationKind::relu, false, false, 0, 0, 0, "", "max(z, 0)"},
    {"leaky_relu", ActivationKind::leaky_relu, true, false, 0.01, 0.0, 1.0, "alpha in [0, 1], default 0.01",
     "max(z, 0) + alpha·min(z, 0)"},
    {"abs", ActivationKind::abs, false, false, 0, 0, 0, "", "|z|"},
    {"erf", ActivationKind::erf, false, true, 0, 0, 0, "", "erf(z)"},
    {"tanh", ActivationKind::tanh, false, true, 0, 0, 0, "", "tanh(z)"},
    {"gelu", ActivationKind::gelu, false, false, 0, 0, 0, "", "z·Φ(z) (exact, erf form)"},
    {"sigmoid", ActivationKind::sigmoid, false, true, 0, 0, 0, "", "1/(1+e^-z)"},
    {"softplus", ActivationKind::softplus, false, false, 0, 0, 0, "", "log(1+e^z)"},
    {"sin", ActivationKind::sin, false, true, 0, 0, 0, "", "sin(z)"},
};
// clang-format on

std::string allowed_names() {
  std::string s;
  for (const auto& e : kEntries) {
    if (!s.empty()) s += ", ";
    s += e.name;
    if (e.has_param)
      s += fmt::format("[:{}]", std::string_view(e.parameter).substr(0, std::string_view(e.parameter).find(' ')));
  }
  return s;
}

}  // namespace

double Activation::value(double z) const { return activation_formula::value(kind, param, z); }

double Activation::derivative(double z) const { return activation_formula::derivative(kind, param, z); }

// The array loops: one case a line; kinds without a loop of their own evaluate the double formulas entry by entry.
// clang-format off
template <class T>
void Activation::apply(const T* z, T* out, std::size_t n) const {
  const T a = static_cast<T>(param);
  switch (kind) {
    case ActivationKind::identity: for (std::size_t i = 0; i < n; ++i) out[i] = z[i]; return;
    case ActivationKind::relu: for (std::size_t i = 0; i < n; ++i) out[i] = z[i] > T(0) ? z[i] : T(0); return;
    case ActivationKind::leaky_relu:
      // max(z, 0) + a·min(z, 0) compiles to vector max/min/FMA. The plain `z > 0 ? z : a * z` loop stays scalar (the
      // multiply of one branch is not speculated) with a branch that random signs mispredict: 10 % of a width-8192
      // full-batch GD step, measured with perf. Same values; NaN stays NaN (std::max/min return their first argument).
      for (std::size_t i = 0; i < n; ++i) out[i] = std::max(z[i], T(0)) + a * std::min(z[i], T(0));
      return;
    case ActivationKind::abs: for (std::size_t i = 0; i < n; ++i) out[i] = std::abs(z[i]); return;
    default: for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<T>(value(static_cast<double>(z[i]))); return;
  }
}

template <class T>
void Activation::apply_derivative(const T* z, T* out, std::size_t n) const {
  const T a = static_cast<T>(param);
  switch (kind) {
    case ActivationKind::identity: for (std::size_t i = 0; i < n; ++i) out[i] = T(1); return;
    case ActivationKind::relu: for (std::size_t i = 0; i < n; ++i) out[i] = z[i] > T(0) ? T(1) : T(0); return;
    case ActivationKind::leaky_relu: for (std::size_t i = 0; i < n; ++i) out[i] = z[i] > T(0) ? T(1) : a; return;
    default: for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<T>(derivative(static_cast<double>(z[i]))); return;
  }
}

template void Activation::apply<float>(const float*, float*, std::size_t) const;
template void Activation::apply<double>(const double*, double*, std::size_t) const;
template void Activation::apply_derivative<float>(const float*, float*, std::size_t) const;
template void Activation::apply_derivative<double>(const double*, double*, std::size_t) const;

bool Activation::bounded() const {
  for (const auto& e : kEntries)
    if (e.kind == kind) return e.bounded;
  throw std::logic_error("activation kind without a registry row");
}

bool Activation::abrelu(double* a, double* b) const {
  switch (kind) {
    case ActivationKind::identity: *a = 1; *b = 1; return true;
    case ActivationKind::relu: *a = 0; *b = 1; return true;
    case ActivationKind::leaky_relu: *a = param; *b = 1; return true;
    case ActivationKind::abs: *a = -1; *b = 1; return true;
    default: return false;
  }
}

Activation activation_from_name(std::string_view spec) {
  std::string s(spec);
  std::string base = s, arg;
  const auto colon = s.find(':');
  if (colon != std::string::npos) {
    base = s.substr(0, colon);
    arg = s.substr(colon + 1);
  }
  for (const auto& e : kEntries) {
    if (base != e.name) continue;
    Activation act;
    act.kind = e.kind;
    act.param = e.default_param;
    if (colon != std::string::npos && arg.empty())  // "leaky_relu:" is not "leaky_relu" (its default slope)
      throw InputError(e.has_param ? fmt::format("activation '{}': expected a number after ':' ({})", s, e.parameter)
                                   : fmt::format("activation '{}': '{}' takes no parameter; drop the ':'", s, base));
    if (!arg.empty()) {
      if (!e.has_param)
        throw InputError(fmt::format("activation '{}': '{}' takes no parameter (allowed: {})", s, base, allowed_names()));
      std::size_t used = 0;
      double v = 0;
      try { v = std::stod(arg, &used); } catch (...) { used = 0; }
      if (used != arg.size() || !std::isfinite(v) || v < e.param_min || v > e.param_max)
        throw InputError(fmt::format("activation '{}': expected {}", s, e.parameter));
      act.param = v;
    }
    act.name = e.has_param ? fmt::format("{}:{}", base, act.param) : base;
    return act;
  }
  throw InputError(fmt::format("activation '{}': unknown (allowed: {})", s, allowed_names()));
}

// clang-format on

const std::vector<ActivationInfo>& activation_registry() {
  static const std::vector<ActivationInfo> infos = [] {
    std::vector<ActivationInfo> v;
    for (const auto& e : kEntries) v.push_back({e.name, e.parameter, e.description});
    return v;
  }();
  return infos;
}

}  // namespace widthlab
