// Effective exponents (theory.md §1.2), Golikov's normalized exponents (§1.3) and the TP4 abc mapping (§1.2–1.4).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "scaling/parse_util.h"
#include "widthlab/error.h"
#include "widthlab/scaling.h"

namespace widthlab {

std::vector<EffectiveExponents> effective_exponents(const Scaling& s) {
  if (s.depth < 1 || s.layers.size() != static_cast<std::size_t>(s.depth) + 1)
    throw InputError(fmt::format("scaling '{}': {} layer entries for depth {}: expected depth + 1", s.name,
                                 s.layers.size(), s.depth));
  std::vector<EffectiveExponents> out(s.layers.size());
  for (std::size_t l = 0; l < s.layers.size(); ++l) {
    const auto& e = s.layers[l];
    // PyTorch init std ∝ fan_in^{-1/2}: fan_in = n0 (fixed) for the input layer, d for hidden and output layers.
    const double fan_in = l == 0 ? 0.0 : 0.5;
    out[l].beta = fan_in - (e.init + e.multiplier);
    out[l].gamma = s.family == OptimizerFamily::sgd ? -(2 * e.multiplier + e.lr) : -(e.multiplier + e.lr);
  }
  return out;
}

GolikovExponents golikov_exponents(const Scaling& s) {
  if (s.depth != 1)
    throw InputError(fmt::format("scaling '{}': Golikov's (q_sigma, q_lr) exponents need 1 hidden layer; got depth {}",
                                 s.name, s.depth));
  const auto eff = effective_exponents(s);
  double g0 = eff[0].gamma, g1 = eff[1].gamma;
  if (s.family == OptimizerFamily::adaptive) {
    // Equivalent SGD effective lr = (per-step change of W) / (gradient of W at init): |∂f/∂a_r| = |φ(w_r·x)| ~ σ_w,
    // |∂f/∂w_r| = |a_r φ' x| ~ σ_a (logit derivative ℓ' is O(1)).
    g1 = eff[1].gamma - eff[0].beta;
    g0 = eff[0].gamma - eff[1].beta;
  }
  GolikovExponents g;
  g.q_sigma = -eff[0].beta - eff[1].beta;  // σ = σ_w σ_a
  g.q_lr_out = 2 * eff[1].beta - g1;       // η̂_a = η_a / σ_a²
  g.q_lr_in = 2 * eff[0].beta - g0;        // η̂_w = η_w / σ_w²
  return g;
}

double tp4_feature_exponent(double C_a, double C_w) { return std::min(-C_w, -C_a - C_w); }

AbcParam abc_from_effective(const std::vector<EffectiveExponents>& eff) {
  if (eff.size() < 2) throw InputError(fmt::format("abc: {} layers: expected at least 2", eff.size()));
  AbcParam p;
  for (const auto& e : eff) p.layers.push_back({e.gamma / 2, e.beta - e.gamma / 2, 0.0});
  const auto& out = eff.back();
  if (eff.size() == 2) {
    // C_a = q_σ + q̃_a = β_1 − β_0 − γ_1, C_w = q_σ + q̃_w = β_0 − β_1 − γ_0 (theory.md §1.3).
    p.r = tp4_feature_exponent(eff[1].beta - eff[0].beta - eff[1].gamma, eff[0].beta - eff[1].beta - eff[0].gamma);
  } else {
    double m = eff[0].gamma + 1.0;
    for (std::size_t l = 1; l + 1 < eff.size(); ++l) m = std::min(m, eff[l].gamma);
    p.r = std::min(out.beta, out.gamma) - 1.0 + m;
  }
  return p;
}

std::vector<EffectiveExponents> effective_from_abc(const AbcParam& abc) {
  std::vector<EffectiveExponents> out;
  for (const auto& l : abc.layers) out.push_back({l.a + l.b, 2 * l.a + l.c});
  return out;
}

AbcParam abc_from_golikov(const GolikovExponents& g) {
  AbcParam p;
  p.layers = {{-g.q_lr_in / 2, g.q_lr_in / 2, 0.0}, {-g.q_sigma - g.q_lr_out / 2, g.q_lr_out / 2, 0.0}};
  p.r = tp4_feature_exponent(g.q_sigma + g.q_lr_out, g.q_sigma + g.q_lr_in);
  return p;
}

GolikovExponents golikov_from_abc(const AbcParam& abc) {
  if (abc.layers.size() != 2)
    throw InputError(
        fmt::format("abc: {} layers: Golikov's exponents need exactly 2 (1 hidden layer)", abc.layers.size()));
  const auto eff = effective_from_abc(abc);
  return {-eff[0].beta - eff[1].beta, 2 * eff[1].beta - eff[1].gamma, 2 * eff[0].beta - eff[0].gamma};
}

Scaling scaling_from_effective(const std::vector<EffectiveExponents>& eff, double reference_width, std::string name) {
  std::vector<LayerExponents> layers;
  for (std::size_t l = 0; l < eff.size(); ++l)
    layers.push_back({(l == 0 ? 0.0 : 0.5) - eff[l].beta, 0.0, -eff[l].gamma});
  return scaling_custom(std::move(layers), reference_width, OptimizerFamily::sgd, std::move(name));
}

}  // namespace widthlab
