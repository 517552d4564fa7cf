// Classification of a scaling's infinite-width limit (theory.md §2, §3.4, §3.6, §5; architecture.md §3
// `Classification`).
//
// One hidden layer (Golikov [G2], theory.md §1.3, §2.2): from (q_σ, q̃_a, q̃_w)
//   A = q_σ + 1/2                     size of the init logits   f⁽⁰⁾ ~ d^A
//   C_a = q_σ + q̃_a, C_w = q_σ + q̃_w  relative per-step change of the normalized weights â, ŵ
//   C = max(C_a, C_w)                 (see below)
//   B = 1 + 2q_σ + max(q̃_a, q̃_w)      size of the tangent kernel at init (= first logit increment), B = A + C + 1/2
// Why C = max(C_a, C_w): the kernel Θ = η̂_aσ²d E[φφ] + η̂_wσ²d E[â²φ'φ' x·x'] is dominated by the layer with the
// larger q̃, so B uses max(q̃_a, q̃_w) and B = A + max(C_a, C_w) + 1/2 holds exactly; the scaling diverges as soon as
// ONE layer's normalized weights move by more than their own size per step (C_l > 0), and it stagnates iff the logit
// increment d^B is below the init logits d^A, i.e. iff max(C_a, C_w) < −1/2. So the stability band −1/2 ≤ C ≤ 0 is
// exact with C = max. The region (which limit model) is exact in the symmetric case q̃_a = q̃_w of [G2]; with
// asymmetric rates it is read off the dominant layer (a heuristic: if the dominant layer's partner has C_l < C, the
// kernel may evolve more weakly than region 1/3/6–8 say).
//
// Stable iff −1/2 ≤ C ≤ 0; inside the band the lines A = 0, B = 0, C = 0, C = −1/2 cut 13 regions (3 points, 7
// one-dimensional pieces, 3 open 2-D pieces). Lines are compared with the tolerance 1e-9 and belong to the 1-D
// pieces and points, never to the open regions.
//
// Deep nets (H ≥ 2) [derived, heuristic]: exponents propagate through the layers at init with CLT sums over the
// width (zero-mean i.i.d. weights): pre-activation sizes s_l, backward sizes, per-layer gradient sizes g_l. Then
// A = exponent of the init logits, C_l = relative per-step change of layer l's effective weights, B = max_l of the
// lr-weighted kernel contributions, and the coherent relative change of each layer's output. This reproduces the
// theory.md §5 table (MF, H = 3, GD: hidden d^{-1/2}, output and input d^{-1}) and gives the GD degeneracy verdict:
// degenerate iff A < 0, B < 0 and no layer moves by a growing relative amount (f → 0 at every fixed step).
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "widthlab/activation.h"
#include "widthlab/scaling.h"

namespace widthlab {

enum class Regime { stable, diverges, stagnates };
const char* to_string(Regime r);

// The 13 regions of theory.md §2.2 (names as in limits/limit_models.h, which owns the §3.4 update rules).
struct RegionInfo {
  int region = 0;                // 1..13, numbering of theory.md §2.2
  std::string model;             // short name used in JSON ("mf", "ntk", "sym-default", "intermediate", …)
  std::string label;             // the [G2] script's label
  int dimension = 0;             // 0 point, 1 segment/ray, 2 open region
  double example_q_sigma = 0.0;  // example point (q_σ, q̃) of theory.md §2.2
  double example_q_lr = 0.0;
  bool kernel_regime = false;  // C < 0: fixed kernel, no feature learning
};
const std::vector<RegionInfo>& region_registry();
const RegionInfo& region_info(int region);  // throws InputError outside 1..13

// Theoretical std exponents of the logit decomposition and the weight increments after a fixed number of steps
// (theory.md §6.1 R2, 1 hidden layer, positively homogeneous φ). On the B = 0 line these are theory.md's rule
// q_f∅ = max(A, B+C), q_fa = q_fw = B, q_faw = B + 2C, q_δâ = q_δŵ = C (exact_rule = true). Elsewhere the same
// first-order heuristic [derived] with per-layer rates: q_f∅ = max(A, q_σ+1+2C_w), q_fa = 1+2q_σ+q̃_a,
// q_fw = 1+2q_σ+q̃_w, q_faw = max(q_σ+1+2C_a+C_w, A+C_a+C_w), q_δâ = C_a, q_δŵ = C_w.
struct TheoryExponents {
  double f_init = 0.0, f_a = 0.0, f_w = 0.0, f_aw = 0.0, delta_a = 0.0, delta_w = 0.0;
  bool exact_rule = false;
};

// Per-layer exponents of the deep analysis (all depths; layer l maps h^l → z^{l+1}, z^{H+1} = f).
struct LayerDynamics {
  double beta = 0.0, gamma = 0.0;  // effective exponents (scaling.h)
  double input_size = 0.0;         // exponent of |h^l| at init (h^0 = x: 0)
  double output_size = 0.0;        // exponent of |z^{l+1}| at init (output layer: A)
  double grad = 0.0;               // exponent of |∂f/∂W^l| per entry at init
  double rel_step = 0.0;           // C_l: per-step change of W^l relative to its init std
  double coherent_change = 0.0;    // per-step change of z^{l+1} caused by ΔW^l, relative to |z^{l+1}|
  double kernel = 0.0;             // B_l: this layer's contribution to the first logit increment
};

struct Classification {
  std::string scaling;
  int depth = 1;
  OptimizerFamily family = OptimizerFamily::sgd;
  bool init_corrected = false;
  std::optional<GolikovExponents> golikov;  // depth 1
  double A = 0.0, B = 0.0, C = 0.0;         // IC-MF: A is the corrected value 0
  double C_a = 0.0, C_w = 0.0;              // depth 1: Golikov's; deep: output layer / max over the others
  double A_uncorrected = 0.0;               // A of the scaling itself (differs from A only for IC-MF)
  Regime regime = Regime::stable;
  bool stable = false;
  std::optional<int> region;    // 1..13 for stable depth-1 scalings
  std::string model;            // region_info(region).model, "ic-mf", or for deep nets
                                // "deep-degenerate" / "deep-kernel" / "deep-feature-learning" /
                                // "diverges" / "stagnates"
  std::string label;            // the region's long label
  std::string properties_text;  // e.g. "init logits -> 0; kernel finite; kernel evolves"
  bool finite_init_logits = false, finite_kernel = false, feature_learning = false;
  std::optional<AbcParam> abc;  // gauge c = 0; sgd family, or the SGD-equivalent at depth 1
  std::vector<LayerDynamics> layers;
  std::optional<TheoryExponents> theory;  // depth 1, stable
  std::optional<double> rate_exponent;    // convergence of the normalized logits to the limit, ~ d^{rate}
  std::string rate_note;
  std::optional<bool> degenerate_gd;  // deep nets only (theory.md §3.6, §5)
  std::string degenerate_reason;
};

// Classifies a Scaling. The activation matters for deep nets only (φ(0) = 0 decides the §3.6 degeneracy).
Classification classify(const Scaling& s, const Activation& activation);
// Classifies a 1-hidden-layer point (q_σ, q̃_a, q̃_w) directly (theory.md §2.2).
Classification classify_golikov(double q_sigma, double q_lr_out, double q_lr_in);

// The classify JSON of architecture.md §4 (contract keys A, B, C, stable, regime, region, model, finite_init_logits,
// finite_kernel, feature_learning) plus extras: scaling, depth, optimizer_family, q_sigma, q_lr_out, q_lr_in, C_a,
// C_w, abc {layers: [{a,b,c}], r}, label, properties_text, theory_exponents, rate_exponent, rate_note, layers, and
// for deep nets degenerate_gd + reason.
nlohmann::json classification_to_json(const Classification& c);

}  // namespace widthlab
