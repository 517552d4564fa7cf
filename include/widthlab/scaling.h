// Scaling: how init, forward multipliers and learning rates of each layer grow with the width d (SPEC §1.2–1.5,
// DESIGN §3). Exponents are of the width factor ω = d/d* relative to PyTorch's default init at width d, so that
// every scaling coincides with the reference net at d = d* (SPEC §1.5).
//
// Layer indices: 0 = input layer (n0 → d), 1..H−1 = hidden (d → d), H = output (d → outputs).
// At width d a layer's raw weights θ start as base_init(fan_in) · ω^{init}; the forward pass uses ω^{multiplier}·θ;
// the optimizer's lr for the layer is lr · ω^{lr}. (Effective weight W = αθ, η_eff = α²η_θ: SPEC §1.2.)
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace widthlab {

// The optimizer family a scaling's lr exponents were derived for (SPEC §1.5: SGD/GD vs RMSProp columns).
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

struct Scaling {
  std::string name;                  // canonical preset name ("sp", "ntk", "mf", "intermediate:0.75", "custom", …)
  int depth = 1;                     // H, hidden layers
  double reference_width = 128;      // d*
  OptimizerFamily family = OptimizerFamily::sgd;
  std::vector<LayerExponents> layers;  // H + 1 entries
  bool init_corrected = false;       // IC-MF: f_IC = f(θ) − f(θ₀^MF) + f(θ₀^SP) (SPEC §3.5)
  // Golikov's 1-hidden-layer exponents (q_σ, q̃_a, q̃_w) when the scaling came from (or maps to) that form.
  std::optional<double> q_sigma, q_lr_out, q_lr_in;

  std::vector<LayerFactors> factors_at(double width) const;
};

}  // namespace widthlab
