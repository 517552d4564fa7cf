// The sohl-dickstein2020-properties case (theory.md §6.3 "what improved SP keeps", R24): what its parts share.
// Internal to src/reproduce.
#pragma once
#include <string>
#include <vector>

#include "reproduce/sohl_dickstein_dense.h"
#include "widthlab/config.h"
#include "widthlab/dataset.h"
#include "widthlab/reproduce.h"

namespace widthlab::repro::sd {

inline constexpr const char* kPropsSource = "[SP] abstract and introduction; theory.md §3.8, §6.3 (properties)";

struct PropsCase {
  const Config& c;
  Dataset data;
  MatrixD X;  // kernel inputs: the first n_kernel test examples
  Activation act;
  double W_std = 1.4142135623730951, b_std = 0.1;  // √2 (ReLU's critical σ_w); σ_b of the nets with bias
  int base_total = 0;                              // (a): N_1 + N_2
};

// A claim that follows from the parameterisation alone (sanity, not counted): the exact value `v` in `region`.
ClaimCheck sanity_claim(const std::string& id, const std::string& claim, double v, const ClaimRegion& region,
                        const std::string& what);

// (a) The relative layer widths: analytic kernels and finite nets with base widths (N_1, N_2), N_1 + N_2 fixed.
void props_widths(const PropsCase& k, const ReproduceContext& ctx, CaseOutput& out);

}  // namespace widthlab::repro::sd
