// The scaling preset registry (STYLE 3) and the recipes behind each name.
//
// Every recipe is expressed in the raw units of scaling.h: PyTorch default init at width d (U(±1/√fan_in)), then
// ω^{init} on the raw weights, ω^{multiplier} in the forward pass and ω^{lr} on the base lr (ω = d/d*).
//
// Sources (theory.md §1.4–1.5):
//  * sp / ntk / mf / intermediate:q — the camera_ready_code table ([G1]); SGD column for the sgd family, RMSProp
//    column for the adaptive family (Adam uses the same column). Depth 1 reproduces the (q_σ, q̃_a, q̃_w) of §1.4.
//  * sym-default and the Golikov tuples "(q_σ, q̃)" / "(q_σ, q̃_a, q̃_w)" — the `dev` recipe ([G2], SGD):
//    weight factor ω^{q_σ+1/2} on hidden+output, lr_in ω^{q̃_w}, lr_hid ω^{q̃_w+q_σ}, lr_out ω^{q̃_a+2q_σ}.
//    For the adaptive family only depth 1 is defined, by inverting the equivalent-SGD rule of golikov_exponents():
//    lr_in ω^{q̃_w+q_σ}, lr_out ω^{q̃_a+2q_σ} [derived; it reproduces the camera_ready RMSProp column for MF, NTK and
//    intermediate:q at depth 1]. Deep adaptive versions have no source and are refused.
//  * mup — TP4/TP5 muP in PyTorch units: hidden std d^{-1/2} (init exponent 0, PyTorch already gives it), output
//    std d^{-1} (init exponent −1/2). SGD: lrs in ω, hidden 1, out ω^{-1} (theory.md §1.4 "muP (SGD)").
//    Adaptive (Adam, TP5 Table 3 with unit multipliers; theory.md §1.4 "muP under adaptive optimizers"): input lr 1,
//    hidden lr ∝ 1/fan_in → ω^{-1}, output lr ∝ 1/fan_in → ω^{-1}. At depth 1 muP equals MF in both families.
//  * improved-sp — neural-tangents' standard parameterization with width multiplier s = ω (theory.md §3.8): base width
//    N = d*, actual width d = sN. Hidden/output raw init std σ_w/√N = PyTorch's 1/√d · √ω → init exponent +1/2;
//    forward multiplier 1/√s → multiplier exponent −1/2; one unscaled lr for all parameters (lr exponent 0) in both
//    families. Input layer: s_0 = 1, nothing scaled. Effective units (sgd): hidden/output σ ∝ (sN)^{-1/2}, η_eff =
//    η/s, i.e. exactly NTK's exponents (theory.md §1.4). Under Adam the same recipe moves W by α·η = η/√s per step,
//    which the classifier maps to the sym-default point at depth 1 (an honest consequence, not an NTK limit).
//  * ic-mf — MF exponents (either family) with init_corrected = true (theory.md §3.5).
//  * custom — "custom:init=…;multiplier=…;lr=…" with H + 1 comma-separated exponents per list.
#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <string>

#include "scaling/parse_util.h"
#include "widthlab/error.h"
#include "widthlab/scaling.h"

namespace widthlab {
namespace {

using detail::kExponentTol;

// The camera_ready deep recipe: weight factor on hidden+output, one lr exponent per group.
Scaling camera_ready(std::string name, int depth, double ref, OptimizerFamily family, double weight, double lr_in,
                     double lr_hid, double lr_out) {
  Scaling s;
  s.name = std::move(name);
  s.depth = depth;
  s.reference_width = ref;
  s.family = family;
  s.layers.resize(depth + 1);
  s.layers[0] = {0.0, 0.0, lr_in};
  for (int l = 1; l < depth; ++l) s.layers[l] = {weight, 0.0, lr_hid};
  s.layers[depth] = {weight, 0.0, lr_out};
  detail::fill_golikov_fields(s);
  return s;
}

bool sgd(OptimizerFamily f) { return f == OptimizerFamily::sgd; }

Scaling build_sp(const std::optional<double>&, int H, double ref, OptimizerFamily f) {
  return camera_ready("sp", H, ref, f, 0, 0, 0, 0);
}
Scaling build_ntk(const std::optional<double>&, int H, double ref, OptimizerFamily f) {
  return sgd(f) ? camera_ready("ntk", H, ref, f, 0, 0, -1, -1) : camera_ready("ntk", H, ref, f, 0, -0.5, -1.5, -1);
}
Scaling build_mf(const std::optional<double>&, int H, double ref, OptimizerFamily f) {
  return sgd(f) ? camera_ready("mf", H, ref, f, -0.5, 1, 0, -1) : camera_ready("mf", H, ref, f, -0.5, 0, -1, -1);
}
Scaling build_ic_mf(const std::optional<double>& p, int H, double ref, OptimizerFamily f) {
  Scaling s = build_mf(p, H, ref, f);
  s.name = "ic-mf";
  s.init_corrected = true;
  return s;
}
Scaling build_intermediate(const std::optional<double>& p, int H, double ref, OptimizerFamily f) {
  const double q = p.value_or(0.75);
  if (!(q > 0.5 && q < 1.0))
    throw InputError(
        fmt::format("scaling 'intermediate:{}': q = {}: expected 1/2 < q < 1 (q = 1/2 is ntk, q = 1 is "
                    "mf)",
                    q, q));
  const std::string name = fmt::format("intermediate:{}", q);
  return sgd(f) ? camera_ready(name, H, ref, f, 0.5 - q, 2 * q - 1, 2 * q - 2, -1)
                : camera_ready(name, H, ref, f, 0.5 - q, q - 1, q - 2, -1);
}
Scaling build_mup(const std::optional<double>&, int H, double ref, OptimizerFamily f) {
  Scaling s = sgd(f) ? camera_ready("mup", H, ref, f, 0, 1, 0, -1) : camera_ready("mup", H, ref, f, 0, 0, -1, -1);
  s.layers[H].init = -0.5;  // output std d^{-1}; hidden layers keep PyTorch's d^{-1/2}
  detail::fill_golikov_fields(s);
  return s;
}
Scaling build_improved_sp(const std::optional<double>&, int H, double ref, OptimizerFamily f) {
  Scaling s = camera_ready("improved-sp", H, ref, f, 0, 0, 0, 0);
  for (int l = 1; l <= H; ++l) s.layers[l] = {0.5, -0.5, 0.0};
  detail::fill_golikov_fields(s);
  return s;
}
Scaling build_sym_default(const std::optional<double>&, int H, double ref, OptimizerFamily f) {
  if (!sgd(f) && H != 1)
    throw InputError(
        fmt::format("scaling 'sym-default' with an adaptive optimizer: defined for depth 1 only (theory.md "
                    "§1.5 gives no deep recipe); got depth {}",
                    H));
  Scaling s = scaling_from_golikov(-0.5, 0.5, 0.5, H, ref, f);
  s.name = "sym-default";
  return s;
}

struct Preset {
  ScalingPresetInfo info;
  bool takes_param;
  std::function<Scaling(const std::optional<double>&, int, double, OptimizerFamily)> build;
};

// A data table: one preset a row.
// clang-format off
const std::vector<Preset>& presets() {
  static const std::vector<Preset> p = {
      {{"sp", {"standard", "default"}, "",
        "standard (PyTorch default) parameterization, constant lrs; (q_s, q_a, q_w) = (-1/2, 1, 0), unstable [theory.md §1.4]"},
       false, build_sp},
      {{"ntk", {"ntk-param"}, "", "NTK parameterization (Jacot): hidden/output lr ~ 1/d; camera_ready table [theory.md §1.5]"},
       false, build_ntk},
      {{"improved-sp", {"improved_sp"}, "",
        "neural-tangents standard param. with width multiplier s = d/d*: NTK exponents via a 1/sqrt(s) multiplier "
        "[theory.md §1.4, 3.8]"},
       false, build_improved_sp},
      {{"mf", {"mean-field", "mean_field"}, "",
        "mean field: output std 1/d, lrs in ~d, out ~1/d; deep: hidden std 1/d (LLN) [theory.md §1.4-1.5]"},
       false, build_mf},
      {{"ic-mf", {"ic_mf", "icmf", "init-corrected-mf"}, "",
        "initialization-corrected mean field: MF + frozen SP init offset f(theta0_SP) - f(theta0_MF) [theory.md §3.5]"},
       false, build_ic_mf},
      {{"mup", {"mu-p", "mu_p"}, "",
        "muP (TP4/TP5): hidden std d^-1/2, output std 1/d; SGD lrs in ~d, hidden 1, out ~1/d; Adam in 1, hidden "
        "and out ~1/d [theory.md §1.4]"},
       false, build_mup},
      {{"sym-default", {"sym_default", "default_sym"}, "",
        "Golikov's symmetric default (q_s, q) = (-1/2, 1/2): lrs in ~d^1/2, out ~d^-1/2 [theory.md §1.4, 2.2]"},
       false, build_sym_default},
      {{"intermediate", {"mf-ntk"}, "q in (1/2, 1), default 0.75",
        "MF-NTK segment point: output std d^-q, lrs in ~d^(2q-1), out ~1/d [theory.md §1.4-1.5]"},
       true, build_intermediate},
      {{"custom", {}, "init=e0,..,eH;multiplier=..;lr=.. (exponents of d/d*)",
        "explicit per-layer exponents (H + 1 values per list; omitted lists are zeros)"},
       true, nullptr},
  };
  return p;
}
// clang-format on

std::string allowed_names() {
  std::string s;
  for (const auto& p : presets()) {
    if (!s.empty()) s += ", ";
    s += p.info.name;
    if (p.takes_param) s += p.info.name == "custom" ? ":init=..;multiplier=..;lr=.." : "[:q]";
    if (!p.info.aliases.empty()) {
      s += " (or";
      for (std::size_t i = 0; i < p.info.aliases.size(); ++i) s += (i ? ", " : " ") + p.info.aliases[i];
      s += ")";
    }
  }
  return s + ", (q_sigma, q_lr), (q_sigma, q_lr_out, q_lr_in)";
}

// "(a, b)" or "(a, b, c)".
Scaling parse_tuple(std::string_view spec, int H, double ref, OptimizerFamily f) {
  std::string body = detail::trim(spec);
  if (body.size() < 2 || body.back() != ')')
    throw InputError(
        fmt::format("scaling '{}': expected a tuple (q_sigma, q_lr) or (q_sigma, q_lr_out, q_lr_in)", spec));
  body = body.substr(1, body.size() - 2);
  std::vector<double> v;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = body.find(',', start);
    v.push_back(detail::parse_number(body.substr(start, comma == std::string::npos ? std::string::npos : comma - start),
                                     fmt::format("scaling '{}' entry {}", spec, v.size() + 1)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (v.size() != 2 && v.size() != 3)
    throw InputError(fmt::format("scaling '{}': {} numbers: expected (q_sigma, q_lr) or (q_sigma, q_lr_out, q_lr_in)",
                                 spec, v.size()));
  return v.size() == 2 ? scaling_from_golikov(v[0], v[1], v[1], H, ref, f)
                       : scaling_from_golikov(v[0], v[1], v[2], H, ref, f);
}

// "custom:init=..;multiplier=..;lr=.."
Scaling parse_custom(std::string_view spec, std::string_view body, int H, double ref, OptimizerFamily f) {
  std::vector<LayerExponents> layers(H + 1);
  bool any = false;
  std::size_t start = 0;
  while (start <= body.size()) {
    const std::size_t semi = body.find(';', start);
    const std::string item =
        detail::trim(body.substr(start, semi == std::string_view::npos ? body.npos : semi - start));
    start = semi == std::string_view::npos ? body.size() + 1 : semi + 1;
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    const std::string key = eq == std::string::npos ? item : detail::lower(detail::trim(item.substr(0, eq)));
    if (eq == std::string::npos || (key != "init" && key != "multiplier" && key != "lr"))
      throw InputError(fmt::format("scaling '{}': item '{}': expected init=..., multiplier=... or lr=...", spec, item));
    const std::string list = item.substr(eq + 1);
    std::vector<double> v;
    std::size_t s0 = 0;
    while (true) {
      const std::size_t comma = list.find(',', s0);
      v.push_back(detail::parse_number(list.substr(s0, comma == std::string::npos ? std::string::npos : comma - s0),
                                       fmt::format("scaling '{}' {}[{}]", spec, key, v.size())));
      if (comma == std::string::npos) break;
      s0 = comma + 1;
    }
    if (v.size() != layers.size())
      throw InputError(
          fmt::format("scaling '{}': {} has {} values: expected depth + 1 = {}", spec, key, v.size(), layers.size()));
    for (std::size_t l = 0; l < layers.size(); ++l)
      (key == "init" ? layers[l].init : key == "multiplier" ? layers[l].multiplier : layers[l].lr) = v[l];
    any = true;
  }
  if (!any)
    throw InputError(
        fmt::format("scaling '{}': custom needs explicit exponents, e.g. "
                    "'custom:init=0,-0.5;lr=1,-1' (H + 1 values per list)",
                    spec));
  return scaling_custom(std::move(layers), ref, f, "custom:" + std::string(body));
}

}  // namespace

const std::vector<ScalingPresetInfo>& scaling_registry() {
  static const std::vector<ScalingPresetInfo> infos = [] {
    std::vector<ScalingPresetInfo> v;
    for (const auto& p : presets()) v.push_back(p.info);
    return v;
  }();
  return infos;
}

std::string scaling_presets_help() {
  std::string s;
  for (const auto& p : presets()) {
    std::string names = p.info.name;
    for (const auto& a : p.info.aliases) names += ", " + a;
    s += fmt::format("  {:<34} {}{}\n", names, p.info.description,
                     p.info.parameter.empty() ? "" : " (" + p.info.parameter + ")");
  }
  s += fmt::format("  {:<34} {}\n", "(q_sigma, q_lr[, q_lr_in])",
                   "Golikov's exponents, dev recipe: weight factor w^(q_s+1/2), lr_in w^q_in, lr_out w^(q_out+2q_s) "
                   "[theory.md §1.5]");
  return s;
}

Scaling scaling_from_name(std::string_view spec, int depth, double reference_width, OptimizerFamily family) {
  detail::check_depth(depth);
  detail::check_reference_width(reference_width);
  const std::string t = detail::trim(spec);
  if (!t.empty() && t.front() == '(') return parse_tuple(t, depth, reference_width, family);
  const std::size_t colon = t.find(':');
  const std::string key = detail::lower(t.substr(0, colon));
  const std::string param = colon == std::string::npos ? "" : t.substr(colon + 1);
  for (const auto& p : presets()) {
    bool match = key == p.info.name;
    for (const auto& a : p.info.aliases) match = match || key == a;
    if (!match) continue;
    if (p.info.name == "custom") return parse_custom(t, param, depth, reference_width, family);
    if (colon != std::string::npos && !p.takes_param)
      throw InputError(fmt::format("scaling '{}': preset '{}' takes no parameter", spec, p.info.name));
    std::optional<double> q;
    if (colon != std::string::npos) q = detail::parse_number(param, fmt::format("scaling '{}' parameter", spec));
    return p.build(q, depth, reference_width, family);
  }
  throw InputError(fmt::format("scaling = '{}': unknown preset; expected one of {}", spec, allowed_names()));
}

Scaling scaling_from_golikov(double q_sigma, double q_lr_out, double q_lr_in, int depth, double reference_width,
                             OptimizerFamily family) {
  detail::check_depth(depth);
  detail::check_reference_width(reference_width);
  if (!std::isfinite(q_sigma) || !std::isfinite(q_lr_out) || !std::isfinite(q_lr_in))
    throw InputError(
        fmt::format("Golikov exponents (q_sigma, q_lr_out, q_lr_in) = ({}, {}, {}): expected finite "
                    "numbers",
                    q_sigma, q_lr_out, q_lr_in));
  const bool symmetric = std::fabs(q_lr_out - q_lr_in) <= kExponentTol;
  const std::string name =
      symmetric ? fmt::format("({}, {})", q_sigma, q_lr_in) : fmt::format("({}, {}, {})", q_sigma, q_lr_out, q_lr_in);
  const double weight = q_sigma + 0.5;
  Scaling s;
  if (family == OptimizerFamily::sgd) {
    s = camera_ready(name, depth, reference_width, family, weight, q_lr_in, q_lr_in + q_sigma, q_lr_out + 2 * q_sigma);
  } else {
    if (depth != 1)
      throw InputError(
          fmt::format("scaling '{}' with an adaptive optimizer: defined for depth 1 only (theory.md §1.5 gives "
                      "no deep recipe); got depth {}",
                      name, depth));
    s = camera_ready(name, depth, reference_width, family, weight, q_lr_in + q_sigma, 0.0, q_lr_out + 2 * q_sigma);
  }
  s.q_sigma = q_sigma;
  s.q_lr_out = q_lr_out;
  s.q_lr_in = q_lr_in;
  return s;
}

}  // namespace widthlab
