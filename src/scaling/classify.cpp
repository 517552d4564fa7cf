// classify(): A/B/C, regime, the 13 regions of theory.md §2.2, properties, theory exponents, and the deep-net exponent
// propagation with the GD degeneracy verdict of theory.md §3.6 / §5. The formulas are documented in classification.h.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "scaling/parse_util.h"
#include "widthlab/classification.h"
#include "widthlab/error.h"

namespace widthlab {
namespace {

using detail::kExponentTol;
bool is_zero(double x) { return std::fabs(x) <= kExponentTol; }

// Region 1..13 of a stable point, from A and C (B = A + C + 1/2). Lines belong to the 1-D pieces and points.
int region_of(double A, double C) {
  const double B = A + C + 0.5;
  if (is_zero(C)) {  // feature-learning line
    if (is_zero(A + 0.5)) return 1;
    if (is_zero(A)) return 3;
    if (A > 0) return 8;
    return A < -0.5 ? 7 : 6;
  }
  if (is_zero(C + 0.5)) {  // init survives: A = B
    if (is_zero(A)) return 2;
    return A < 0 ? 9 : 10;
  }
  if (is_zero(B)) return 4;  // −1/2 < C < 0 from here on
  if (is_zero(A)) return 5;
  if (B < 0) return 12;
  if (A > 0) return 13;
  return 11;
}

std::string size_word(double e) { return is_zero(e) ? "finite" : (e < 0 ? "-> 0" : "-> inf"); }

// `features_move`: the hidden layer's relative change is O(1) (depth 1: C_w = 0). With C = 0 but C_w < 0 only the
// output layer trains at the critical rate: the features, and so the kernel that drives training, stay fixed.
std::string properties_text(double A, double B, double C, bool corrected, bool features_move) {
  const std::string kernel = C > kExponentTol ? "diverges"
                             : !is_zero(C)    ? "frozen (lazy)"
                             : features_move  ? "evolves (feature learning)"
                                              : "frozen: hidden layer frozen (C_w < 0), only the output layer trains";
  return fmt::format("init logits {}{}; kernel at init {}; kernel {}", size_word(A),
                     corrected ? " (restored by the init correction)" : "", size_word(B), kernel);
}

// Exponent of |φ(z)| when |z| ~ d^{s}: φ(z) ≈ φ'(0)z for small z when φ(0) = 0, ≈ φ(0) otherwise; large z:
// bounded φ saturate, the others grow linearly.
double act_size(double s, const Activation& a) {
  double h = a.zero_at_origin() ? s : std::max(s, 0.0);
  if (a.bounded()) h = std::min(h, 0.0);
  return h;
}

struct Propagation {
  std::vector<LayerDynamics> layers;
  double A = 0, B = 0;
};

// Exponent propagation at init (zero-mean i.i.d. weights, CLT sums over the width, ℓ' = O(1)).
Propagation propagate(const std::vector<EffectiveExponents>& eff, OptimizerFamily family, const Activation& act) {
  const int H = static_cast<int>(eff.size()) - 1;
  Propagation p;
  p.layers.resize(H + 1);
  std::vector<double> h(H + 1), z(H + 2), back(H + 2);
  h[0] = 0;             // x: fixed input dimension
  z[1] = -eff[0].beta;  // z¹ = W⁰x, a sum over n0 (fixed)
  for (int l = 1; l <= H; ++l) {
    h[l] = act_size(z[l], act);
    z[l + 1] = 0.5 - eff[l].beta + h[l];  // CLT sum over d
  }
  p.A = z[H + 1];
  back[H + 1] = 0;         // ∂f/∂f
  back[H] = -eff[H].beta;  // ∂f/∂z^H ~ W^H φ'
  for (int l = H - 1; l >= 1; --l) back[l] = 0.5 - eff[l].beta + back[l + 1];
  p.B = -1e300;
  for (int l = 0; l <= H; ++l) {
    auto& L = p.layers[l];
    L.beta = eff[l].beta;
    L.gamma = eff[l].gamma;
    L.input_size = h[l];
    L.output_size = z[l + 1];
    L.grad = back[l + 1] + h[l];
    const double entries = (l == 0 || l == H) ? 1.0 : 2.0;  // d·n0, d², d·n_out
    const double contract = l == 0 ? 0.0 : 1.0;             // ΔW^l h^l sums over n0 (input) or d
    // Per-entry step of W^l: sgd η_eff·grad; adaptive ≈ its (effective) lr with a sign-coherent pattern.
    const double step = family == OptimizerFamily::sgd ? -L.gamma + L.grad : -L.gamma;
    L.rel_step = step + L.beta;
    L.coherent_change = step + contract + h[l] - z[l + 1];
    L.kernel = step + entries + L.grad;  // Σ_entries step·grad: sgd η g², adaptive η|g|
    p.B = std::max(p.B, L.kernel);
  }
  return p;
}

void fill_depth1(Classification& c, const GolikovExponents& g) {
  c.golikov = g;
  c.C_a = g.q_sigma + g.q_lr_out;
  c.C_w = g.q_sigma + g.q_lr_in;
  c.C = std::max(c.C_a, c.C_w);
  c.A = g.q_sigma + 0.5;
  c.B = 1 + 2 * g.q_sigma + std::max(g.q_lr_out, g.q_lr_in);
  c.A_uncorrected = c.A;
  c.abc = abc_from_golikov(g);
  if (c.C > kExponentTol) {
    c.regime = Regime::diverges;
  } else if (c.C < -0.5 - kExponentTol) {
    c.regime = Regime::stagnates;
  } else {
    c.regime = Regime::stable;
  }
  c.stable = c.regime == Regime::stable;
  if (!c.stable) {
    c.model = to_string(c.regime);
    c.label = c.regime == Regime::diverges ? "ill-defined: weights and logits diverge (C > 0)"
                                           : "stagnates: logit increments vanish relative to the logits (C < -1/2)";
    c.properties_text = properties_text(c.A, c.B, c.C, false, is_zero(c.C_w));
    c.rate_note = "no limit model outside the stable band -1/2 <= C <= 0 (theory.md §2.2)";
    return;
  }
  const int region = region_of(c.A, c.C);
  const auto& info = region_info(region);
  c.region = region;
  c.model = info.model;
  c.label = info.label;

  TheoryExponents t;
  t.f_init = std::max(c.A, g.q_sigma + 1 + 2 * c.C_w);
  t.f_a = 1 + 2 * g.q_sigma + g.q_lr_out;
  t.f_w = 1 + 2 * g.q_sigma + g.q_lr_in;
  t.f_aw = std::max(g.q_sigma + 1 + 2 * c.C_a + c.C_w, c.A + c.C_a + c.C_w);
  t.delta_a = c.C_a;
  t.delta_w = c.C_w;
  t.exact_rule = is_zero(c.B) && is_zero(c.C_a - c.C_w);
  c.theory = t;

  // Convergence of the normalized logits to the limit [derived heuristic; theory.md §4: CLT O(d^{-1/2}), no proven
  // rate]: CLT fluctuations d^{-1/2}; for −1/2 < C < 0 also the dropped f_aw terms (d^{B+2C}, relative d^{2C};
  // theory.md §3.4) and the dropped init logits (relative d^{A−B} = d^{−C−1/2}).
  if (is_zero(c.C) || is_zero(c.C + 0.5)) {
    c.rate_exponent = -0.5;
    c.rate_note = region == 1 ? "MF: finite-width error ~ d^-1/2 (CLT over neurons; init logits ~ d^-1/2), theory.md §4"
                              : "~ d^-1/2 (CLT fluctuations of the measure / kernel), theory.md §4 [derived heuristic]";
  } else {
    c.rate_exponent = std::max({-0.5, 2 * c.C, -c.C - 0.5});
    c.rate_note = fmt::format(
        "~ d^{} = max(d^-1/2 CLT, d^2C dropped f_aw terms, d^(-C-1/2) dropped init logits), theory.md §3.4 "
        "[derived heuristic]",
        *c.rate_exponent);
  }
}

void set_properties(Classification& c) {
  c.finite_init_logits = c.stable && is_zero(c.A);
  c.finite_kernel = c.stable && is_zero(c.B);
}

// A 1-hidden-layer net (theory.md §2.2): the Golikov exponents, the random-features case and the init correction.
void classify_depth1(Classification& c, const Scaling& s) {
  fill_depth1(c, golikov_exponents(s));
  set_properties(c);
  c.feature_learning = c.stable && is_zero(c.C) && is_zero(c.C_w);
  if (c.stable && is_zero(c.C) && !c.feature_learning) {
    // The output layer moves at the critical rate, the hidden layer's relative change vanishes (C_w < 0): f is
    // linear in the output weights over fixed random features, so training is kernel GD with the output layer's
    // kernel E[φ(w·x)φ(w·x')] — a random-features model, not the MF particle flow of region 1.
    c.model = "random-features";
    c.label = "random features: output layer trains, hidden layer frozen (C_a = 0 > C_w)";
  }
  if (s.init_corrected && c.stable) {
    // IC-MF (theory.md §3.5): f_IC = f(θ) − f(θ₀^MF) + f(θ₀^SP): the frozen SP copy restores Θ(1) init logits.
    c.A = 0.0;
    c.finite_init_logits = true;
    c.model = c.region == 1 ? "ic-mf" : c.model + "-init-corrected";
    c.label += " + init correction (theory.md §3.5)";
    if (c.region == 1) c.rate_note = "IC-MF: MF particles + frozen GP offset, ~ d^-1/2 (CLT), theory.md §3.5/§4";
  }
  c.properties_text = properties_text(c.A, c.B, c.C, s.init_corrected && c.stable, is_zero(c.C_w));
}

// The largest relative change per step over the layers of a deep net: coherent (all layers) and of the features
// (layers below the output).
struct DeepChanges {
  double max_coherent = -1e300, max_feature = -1e300;
};

// A deep net's A, B, C (largest relative step over all layers), C_w (over the hidden ones), C_a and regime from the
// exponent propagation.
DeepChanges deep_exponents(Classification& c, const Scaling& s, const Propagation& p,
                           const std::vector<EffectiveExponents>& eff) {
  DeepChanges d;
  c.A = c.A_uncorrected = p.A;
  c.B = p.B;
  c.C = -1e300;
  c.C_w = -1e300;
  for (int l = 0; l <= s.depth; ++l) {
    const auto& L = p.layers[l];
    c.C = std::max(c.C, L.rel_step);
    d.max_coherent = std::max(d.max_coherent, L.coherent_change);
    if (l < s.depth) {
      c.C_w = std::max(c.C_w, L.rel_step);
      d.max_feature = std::max(d.max_feature, L.coherent_change);
    }
  }
  c.C_a = p.layers[s.depth].rel_step;
  if (s.family == OptimizerFamily::sgd) c.abc = abc_from_effective(eff);
  c.regime = c.C > kExponentTol ? Regime::diverges : (c.B < c.A - kExponentTol ? Regime::stagnates : Regime::stable);
  c.stable = c.regime == Regime::stable;
  return d;
}

// GD degeneracy (theory.md §3.6, §5): init logits vanish, logit increments vanish and no layer's output grows
// relative to itself → every fixed step keeps f = O(d^{max(A,B)}) → 0 (loss log 2, chance accuracy). Sets
// degenerate_gd and the sentence saying why or why not.
void deep_degeneracy(Classification& c, const Scaling& s, const Propagation& p, const Activation& activation,
                     double max_coherent) {
  const bool vanish = c.A < -kExponentTol && c.B < -kExponentTol && max_coherent <= kExponentTol;
  c.degenerate_gd = c.stable && vanish;
  const std::string facts = fmt::format(
      "H = {}, zero-mean i.i.d. init, phi(0) {} 0, hidden effective std d^-{}, {} family: init logits ~ d^{}, logit "
      "increments ~ d^{}, largest relative layer change per step ~ d^{}",
      s.depth, activation.zero_at_origin() ? "=" : "!=", p.layers[1].beta, to_string(s.family), c.A, c.B, max_coherent);
  if (*c.degenerate_gd) {
    c.degenerate_reason = "degenerate: updates vanish, f -> 0 (" + facts + ") [theory.md §3.6, §5]";
  } else if (!c.stable) {
    c.degenerate_reason = fmt::format("not degenerate but {} ({})", to_string(c.regime), facts);
  } else {
    std::string why;
    if (c.A >= -kExponentTol)
      why = "init logits do not vanish";
    else if (c.B >= -kExponentTol)
      why = s.depth == 2 ? "logit increments are Theta(1) (H = 2: rank-one update of the "
                           "hidden weights is O(1), theory.md §3.6)"
                         : "logit increments do not vanish";
    else
      why = "some layer's output grows relative to its init size, so training leaves the vanishing init";
    if (!activation.zero_at_origin()) why += "; phi(0) != 0 keeps hidden activations O(1) (theory.md §3.6)";
    if (s.family == OptimizerFamily::adaptive)
      why += "; adaptive steps ~ lr whatever the gradient size (theory.md §3.7, §5)";
    c.degenerate_reason = "not degenerate: " + why + " (" + facts + ")";
  }
}

// A deep net (H ≥ 2) by exponent propagation at init [derived heuristic]: exponents, regime, GD degeneracy, feature
// learning and the model name.
void classify_deep(Classification& c, const Scaling& s, const Propagation& p,
                   const std::vector<EffectiveExponents>& eff, const Activation& activation) {
  const DeepChanges d = deep_exponents(c, s, p, eff);
  deep_degeneracy(c, s, p, activation, d.max_coherent);
  set_properties(c);
  c.feature_learning = c.stable && !*c.degenerate_gd && d.max_feature >= -kExponentTol;
  if (!c.stable)
    c.model = to_string(c.regime);
  else if (*c.degenerate_gd)
    c.model = "deep-degenerate";
  else
    c.model = c.feature_learning ? "deep-feature-learning" : "deep-kernel";
  c.label = "deep net (H >= 2): exponent propagation at init [derived heuristic]";
  c.properties_text = fmt::format(
      "init logits {}; logit increments at init {}; {}", size_word(c.A), size_word(c.B),
      !c.stable ? std::string(to_string(c.regime))
                : (c.feature_learning ? "features evolve (feature learning)" : "features frozen or vanishing"));
  c.rate_note = "no rate theory for deep nets in SPEC (theory.md §4, §7)";
}

}  // namespace

Classification classify_golikov(double q_sigma, double q_lr_out, double q_lr_in) {
  if (!std::isfinite(q_sigma) || !std::isfinite(q_lr_out) || !std::isfinite(q_lr_in))
    throw InputError(fmt::format("(q_sigma, q_lr_out, q_lr_in) = ({}, {}, {}): expected finite numbers", q_sigma,
                                 q_lr_out, q_lr_in));
  Scaling s = scaling_from_golikov(q_sigma, q_lr_out, q_lr_in);
  Activation leaky = activation_from_name("leaky_relu:0.1");  // the [G2] experiments' φ (positively homogeneous)
  return classify(s, leaky);
}

Classification classify(const Scaling& s, const Activation& activation) {
  Classification c;
  c.scaling = s.name;
  c.depth = s.depth;
  c.family = s.family;
  c.init_corrected = s.init_corrected;
  const auto eff = effective_exponents(s);
  const Propagation p = propagate(eff, s.family, activation);
  c.layers = p.layers;
  if (s.depth == 1)
    classify_depth1(c, s);
  else
    classify_deep(c, s, p, eff, activation);
  return c;
}

}  // namespace widthlab
