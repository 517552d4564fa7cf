// classification_to_json: the `widthlab classify` output (architecture.md §4 contract keys plus extras).
#include <cmath>
#include <nlohmann/json.hpp>

#include "widthlab/classification.h"
#include "widthlab/exponent_text.h"

namespace widthlab {
namespace {
// Exponents are sums of halves and user numbers: printed rounded to 12 decimals (exponent_text.h).
double clean(double x) { return clean_exponent(x); }
}  // namespace

nlohmann::json classification_to_json(const Classification& c) {
  using nlohmann::json;
  json j;
  j["A"] = clean(c.A);
  j["B"] = clean(c.B);
  j["C"] = clean(c.C);
  j["stable"] = c.stable;
  j["regime"] = to_string(c.regime);
  j["region"] = c.region ? json(*c.region) : json(nullptr);
  j["model"] = c.model;
  j["finite_init_logits"] = c.finite_init_logits;
  j["finite_kernel"] = c.finite_kernel;
  j["feature_learning"] = c.feature_learning;
  j["scaling"] = c.scaling;
  j["depth"] = c.depth;
  j["optimizer_family"] = to_string(c.family);
  j["init_corrected"] = c.init_corrected;
  if (c.init_corrected) j["A_uncorrected"] = clean(c.A_uncorrected);
  j["q_sigma"] = c.golikov ? json(clean(c.golikov->q_sigma)) : json(nullptr);
  j["q_lr_out"] = c.golikov ? json(clean(c.golikov->q_lr_out)) : json(nullptr);
  j["q_lr_in"] = c.golikov ? json(clean(c.golikov->q_lr_in)) : json(nullptr);
  j["C_a"] = clean(c.C_a);
  j["C_w"] = clean(c.C_w);
  if (c.abc) {
    json layers = json::array();
    for (const auto& l : c.abc->layers) layers.push_back({{"a", clean(l.a)}, {"b", clean(l.b)}, {"c", clean(l.c)}});
    j["abc"] = {{"layers", layers}, {"r", clean(c.abc->r)}};
  } else {
    j["abc"] = nullptr;
  }
  j["label"] = c.label;
  j["properties_text"] = c.properties_text;
  j["description"] = c.label + ": " + c.properties_text;
  if (c.theory) {
    const auto& t = *c.theory;
    j["theory_exponents"] = {{"f_init", clean(t.f_init)}, {"f_a", clean(t.f_a)},         {"f_w", clean(t.f_w)},
                             {"f_aw", clean(t.f_aw)},     {"delta_a", clean(t.delta_a)}, {"delta_w", clean(t.delta_w)},
                             {"exact_rule", t.exact_rule}};
  } else {
    j["theory_exponents"] = nullptr;
  }
  j["rate_exponent"] = c.rate_exponent ? json(clean(*c.rate_exponent)) : json(nullptr);
  j["rate_note"] = c.rate_note;
  json layers = json::array();
  for (const auto& l : c.layers)
    layers.push_back({{"beta", clean(l.beta)},
                      {"gamma", clean(l.gamma)},
                      {"input_size", clean(l.input_size)},
                      {"output_size", clean(l.output_size)},
                      {"grad", clean(l.grad)},
                      {"rel_step", clean(l.rel_step)},
                      {"coherent_change", clean(l.coherent_change)},
                      {"kernel", clean(l.kernel)}});
  j["layers"] = layers;
  if (c.depth >= 2) {
    j["degenerate_gd"] = c.degenerate_gd ? json(*c.degenerate_gd) : json(nullptr);
    j["reason"] = c.degenerate_reason;
  }
  return j;
}

}  // namespace widthlab
