// Activation functions φ and their derivatives, from one registry (STYLE 3): a row of src/core/activation.cpp's
// kEntries and its formulas in activation_formula.h, plus the places architecture.md §9 lists (closed-form duals, the
// GPU kernel's dual_form, tests). Names take an optional parameter after a colon:
// "leaky_relu:0.1". The Gaussian duals T, Ṫ (theory.md §3.8) live in kernels/dual.h and use `abrelu()` / `kind` for
// closed forms.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "widthlab/activation_formula.h"  // ActivationKind and the formulas (host and device)

namespace widthlab {

struct Activation {
  ActivationKind kind = ActivationKind::relu;
  double param = 0.0;  // leaky_relu slope α (negative side); unused otherwise
  std::string name;    // canonical spec, e.g. "leaky_relu:0.1"

  double value(double z) const;
  double derivative(double z) const;

  // out[i] = φ(z[i]) / φ'(z[i]); out may alias z. The kind switch sits outside the loop so loops vectorise.
  template <class T>
  void apply(const T* z, T* out, std::size_t n) const;
  template <class T>
  void apply_derivative(const T* z, T* out, std::size_t n) const;

  // φ(z) = a·min(z,0) + b·max(z,0)? (relu a=0,b=1; leaky a=α,b=1; abs a=−1,b=1; identity a=b=1.)
  bool abrelu(double* a, double* b) const;
  bool bounded() const;  // sup |φ| < ∞ (erf, tanh, sigmoid, sin): the registry row's column
  bool zero_at_origin() const { return value(0.0) == 0.0; }  // φ(0) = 0 (theory.md §3.6 degeneracy)
  bool positively_homogeneous() const {
    double a, b;
    return abrelu(&a, &b);
  }
};

struct ActivationInfo {
  std::string name;       // as written in configs
  std::string parameter;  // e.g. "alpha in [0, 1]" or ""
  std::string description;
};

// Parses "relu", "leaky_relu:0.1", … Throws InputError listing the allowed names for an unknown one.
Activation activation_from_name(std::string_view spec);
const std::vector<ActivationInfo>& activation_registry();

}  // namespace widthlab
