// Scaling: how init, forward multipliers and learning rates of each layer grow with the width d (theory.md §1.2–1.5,
// architecture.md §3). Exponents are of the width factor ω = d/d* relative to PyTorch's default init at width d, so
// that every scaling coincides with the reference net at d = d* (theory.md §1.2).
//
// Layer indices: 0 = input layer (n0 → d), 1..H−1 = hidden (d → d), H = output (d → outputs).
// At width d a layer's raw weights θ start as base_init(fan_in) · ω^{init}; the forward pass uses ω^{multiplier}·θ;
// the optimizer's lr for the layer is lr · ω^{lr}. (Effective weight W = αθ, η_eff = α²η_θ: theory.md §1.2.)
//
// Presets come from ONE registry (STYLE 3): `scaling_registry()` lists name, aliases, parameter and description;
// `scaling_from_name()` builds any of them (src/scaling/presets.cpp documents every recipe and its source).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace widthlab {

// The optimizer family a scaling's lr exponents were derived for (theory.md §1.5: SGD/GD vs RMSProp columns).
enum class OptimizerFamily { sgd, adaptive };

struct LayerExponents {
  double init = 0.0;        // exponent of ω multiplying the base init of the raw weights
  double multiplier = 0.0;  // exponent of ω of the forward multiplier α
  double lr = 0.0;          // exponent of ω multiplying the base learning rate
};

// Concrete per-layer factors at one width.
struct LayerFactors {
  double init = 1.0;
  double multiplier = 1.0;
  double lr = 1.0;
};

// Per-layer learning rates lr · factors[l].lr (the nets' layer_lrs).
std::vector<double> layer_lrs(const std::vector<LayerFactors>& factors, double lr);

struct Scaling {
  std::string name;              // canonical preset name ("sp", "ntk", "mf", "intermediate:0.75", "custom", …)
  int depth = 1;                 // H, hidden layers
  double reference_width = 128;  // d*
  OptimizerFamily family = OptimizerFamily::sgd;
  std::vector<LayerExponents> layers;  // H + 1 entries
  bool init_corrected = false;         // IC-MF: f_IC = f(θ) − f(θ₀^MF) + f(θ₀^SP) (theory.md §3.5)
  // Golikov's 1-hidden-layer exponents (q_σ, q̃_a, q̃_w) when the scaling came from (or maps to) that form.
  std::optional<double> q_sigma, q_lr_out, q_lr_in;

  // ω^{exponent} per layer at width `width` (ω = width / reference_width). All 1 at width = d*.
  // Throws InputError for a non-positive / non-finite width or a layers table whose size is not depth + 1.
  std::vector<LayerFactors> factors_at(double width) const;
};

// ---- Registry and builders ------------------------------------------------------------------------------------

struct ScalingPresetInfo {
  std::string name;                  // canonical name as written in configs
  std::vector<std::string> aliases;  // accepted synonyms (case-insensitive)
  std::string parameter;             // e.g. "q in (1/2, 1), default 0.75" or ""
  std::string description;           // one line, with its theory.md source
};

// Every preset name scaling_from_name accepts (besides the tuple forms "(qσ, q̃)" / "(qσ, q̃_out, q̃_in)").
const std::vector<ScalingPresetInfo>& scaling_registry();

// Builds a preset. `spec` is a registry name or alias ("sp", "mean-field", "intermediate:0.75", …), a Golikov tuple
// "(q_sigma, q_lr)" or "(q_sigma, q_lr_out, q_lr_in)" (theory.md §1.5 `dev` recipe), or
// "custom:init=e0,e1,…;multiplier=…;lr=…" (H + 1 numbers per list, omitted lists are zeros).
// Throws InputError naming the value and listing the allowed names and aliases.
Scaling scaling_from_name(std::string_view spec, int depth = 1, double reference_width = 128,
                          OptimizerFamily family = OptimizerFamily::sgd);

// Golikov's (q_σ, q̃_a, q̃_w) point (theory.md §1.3) realised by the `dev` recipe of theory.md §1.5:
// weight factor ω^{q_σ+1/2} on hidden and output weights; SGD lrs in ω^{q̃_w}, hidden ω^{q̃+q_σ}, out ω^{q̃_a+2q_σ}
// (q̃ = q̃_w for the hidden layers). For the adaptive family (depth 1 only) the lrs are the [derived] inverse of
// the equivalent-SGD rule of golikov_exponents(): in ω^{q̃_w+q_σ}, out ω^{q̃_a+2q_σ}; this reproduces the RMSProp
// columns of the camera_ready table for MF, NTK and intermediate (tested).
Scaling scaling_from_golikov(double q_sigma, double q_lr_out, double q_lr_in, int depth = 1,
                             double reference_width = 128, OptimizerFamily family = OptimizerFamily::sgd);

// Per-layer exponents given explicitly (layers.size() = depth + 1 ≥ 2).
Scaling scaling_custom(std::vector<LayerExponents> layers, double reference_width = 128,
                       OptimizerFamily family = OptimizerFamily::sgd, std::string name = "custom");

// optimizer_family(name), the optimizer registry's column, is in optimizer.h.
const char* to_string(OptimizerFamily family);

// A plain-text table of the registry (for --help and docs).
std::string scaling_presets_help();

// ---- Effective exponents (theory.md §1.2) --------------------------------------------------------------------------

// σ_l ∝ d^{-beta}: init std of the effective weight W = αθ (PyTorch fan-in 1/√d included for hidden/output layers).
// gamma: sgd family, η_eff = α²η_θ ∝ d^{-gamma}; adaptive family, the per-coordinate step of W, α·η_θ ∝ d^{-gamma}
// (an RMSProp/Adam step of θ is ≈ its lr whatever the gradient size, theory.md §3.7).
struct EffectiveExponents {
  double beta = 0.0;
  double gamma = 0.0;
};
std::vector<EffectiveExponents> effective_exponents(const Scaling& s);

// Golikov's normalized exponents of a 1-hidden-layer scaling (theory.md §1.3): σ = σ_aσ_w ∝ d^{q_σ},
// η̂_a = η_a/σ_a² ∝ d^{q̃_a}, η̂_w = η_w/σ_w² ∝ d^{q̃_w}, i.e. q_σ = −β_0 − β_1, q̃_a = 2β_1 − γ_1, q̃_w = 2β_0 − γ_0.
// Adaptive family [derived]: the SGD-equivalent effective lr at init is (step of W)/(gradient of W):
// |∂f/∂a| ~ σ_w, |∂f/∂w| ~ σ_a, so γ_1^eq = γ_1 − β_0 and γ_0^eq = γ_0 − β_1.
// Throws InputError when depth ≠ 1.
struct GolikovExponents {
  double q_sigma = 0.0;
  double q_lr_out = 0.0;  // q̃_a
  double q_lr_in = 0.0;   // q̃_w
};
GolikovExponents golikov_exponents(const Scaling& s);

// TP4 abc-parameterization (theory.md §1.2): W = n^{-a} w, w ~ N(0, n^{-2b}), lr ∝ n^{-c}; β = a + b, γ = 2a + c.
// Gauge c = 0 on every layer (so a = γ/2, b = β − γ/2). r: TP4's feature-learning exponent, Def. 3.2 [recalled]:
// r = min(a_out + b_out, 2a_out + c) + c − 1 + min_l [2a_l + 𝟙(l = input)] over the non-output layers; in this gauge
// r = min(β_out, γ_out) − 1 + min(γ_0 + 1, γ_hidden…). One hidden layer: tp4_feature_exponent (theory.md §1.3).
// Only meaningful for the sgd family.
struct AbcLayer {
  double a = 0.0, b = 0.0, c = 0.0;
};
struct AbcParam {
  std::vector<AbcLayer> layers;  // input, hidden…, output
  double r = 0.0;
};
// TP4's r of one hidden layer in Golikov's exponents (theory.md §1.3): Def. 3.2 with the exact abc equivalent gives
// r = min(−C_w, −C_a − C_w): the features move by d^{C_w} per step, amplified once the output weights outgrow their
// init (C_a > 0). So r = −C_w on the stable band (C_a ≤ 0), and r = −C for symmetric rates there.
double tp4_feature_exponent(double C_a, double C_w);
AbcParam abc_from_effective(const std::vector<EffectiveExponents>& eff);
std::vector<EffectiveExponents> effective_from_abc(const AbcParam& abc);
AbcParam abc_from_golikov(const GolikovExponents& g);  // a1 = −q̃_w/2, b1 = q̃_w/2, a2 = −q_σ − q̃_a/2, b2 = q̃_a/2
GolikovExponents golikov_from_abc(const AbcParam& abc);  // inverse; needs 2 layers
// A Scaling realising given effective exponents (sgd family): init = −β (+1/2 for hidden/output), multiplier 0,
// lr = −γ. Used to turn an abc description into a trainable recipe.
Scaling scaling_from_effective(const std::vector<EffectiveExponents>& eff, double reference_width = 128,
                               std::string name = "custom");

}  // namespace widthlab
