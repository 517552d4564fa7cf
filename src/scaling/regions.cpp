// The 13 regions of theory.md §2.2 (example points, script labels). The §3.4 update rules live in limits/limit_models.h
// with the same model names (checked by tests/cli/classify_cli_test.cpp).
#include <fmt/format.h>

#include "widthlab/classification.h"
#include "widthlab/error.h"

namespace widthlab {

const std::vector<RegionInfo>& region_registry() {
  // region, model, label, dimension, example (q_σ, q̃), kernel regime
  static const std::vector<RegionInfo> r = {
      {1, "mf", "MF (point)", 0, -1.0, 1.0, false},
      {2, "ntk", "NTK (point)", 0, -0.5, 0.0, true},
      {3, "sym-default", "sym-default (point)", 0, -0.5, 0.5, false},
      {4, "intermediate", "MF-NTK segment (\"intermediate\")", 1, -0.75, 0.5, true},
      {5, "ntk-sym-default", "NTK-sym-default segment", 1, -0.5, 0.25, true},
      {6, "sym-default-mf", "sym-default-MF segment", 1, -0.75, 0.75, false},
      {7, "post-mf", "post-MF ray (q_sigma < -1 on C = 0)", 1, -1.5, 1.5, false},
      {8, "pre-sym-default", "pre-sym-default ray (q_sigma > -1/2 on C = 0)", 1, 0.0, 0.0, false},
      {9, "post-ntk", "post-NTK ray (q_sigma < -1/2 on C = -1/2)", 1, -1.0, 0.5, true},
      {10, "pre-ntk", "pre-NTK ray (q_sigma > -1/2 on C = -1/2)", 1, 0.0, -0.5, true},
      {11, "triangle", "triangle MF/NTK/sym-default, interior", 2, -2.0 / 3.0, 0.5, true},
      {12, "post-mf-ntk", "\"post-MF-NTK\" region (B < 0, -1/2 < C < 0)", 2, -1.0, 0.75, true},
      {13, "pre-ntk-sym-default", "\"pre-NTK-sym-default\" region (A > 0, -1/2 < C < 0)", 2, 0.0, -0.25, true},
  };
  return r;
}

const RegionInfo& region_info(int region) {
  if (region < 1 || region > 13)
    throw InputError(fmt::format("region = {}: expected an integer in 1..13 (theory.md §2.2)", region));
  return region_registry()[region - 1];
}

const char* to_string(Regime r) {
  switch (r) {
    case Regime::stable: return "stable";
    case Regime::diverges: return "diverges";
    case Regime::stagnates: return "stagnates";
  }
  return "?";
}

}  // namespace widthlab
