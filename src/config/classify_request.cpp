// classify_request (widthlab/classify_request.h): the argument rules of `widthlab classify` and widthlab.classify.
#include "widthlab/classify_request.h"

#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <vector>

#include "widthlab/activation.h"
#include "widthlab/classification.h"
#include "widthlab/error.h"

namespace widthlab {
namespace {

double parse_q(const std::string& text, const std::string& name) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
    throw InputError(fmt::format("{} = '{}': expected a finite number", name, text));
  return v;
}

}  // namespace

Scaling scaling_from_config(const Config& cfg, const std::string& where, int depth, OptimizerFamily family) {
  const auto& sc = cfg.scaling;
  if (!sc.presets.empty()) return scaling_from_name(sc.presets.front(), depth, sc.reference_width, family);
  if (sc.custom) {
    std::vector<LayerExponents> layers(depth + 1);
    auto fill = [&](const std::vector<double>& v, double LayerExponents::*field, const char* key) {
      if (v.empty()) return;
      if (v.size() != layers.size())
        throw InputError(fmt::format("{}: scaling.custom.{} has {} values: expected depth + 1 = {}", where, key,
                                     v.size(), layers.size()));
      for (std::size_t l = 0; l < v.size(); ++l) layers[l].*field = v[l];
    };
    fill(sc.custom->init, &LayerExponents::init, "init");
    fill(sc.custom->multiplier, &LayerExponents::multiplier, "multiplier");
    fill(sc.custom->lr, &LayerExponents::lr, "lr");
    return scaling_custom(std::move(layers), sc.reference_width, family);
  }
  if (!sc.q.empty()) {
    const auto& q = sc.q.front();
    if (q.size() != 2 && q.size() != 3)
      throw InputError(fmt::format("{}: scaling.q[0] has {} numbers: expected [q_sigma, q_lr] or "
                                   "[q_sigma, q_lr_out, q_lr_in]",
                                   where, q.size()));
    return scaling_from_golikov(q[0], q[1], q.size() == 3 ? q[2] : q[1], depth, sc.reference_width, family);
  }
  throw InputError(fmt::format("{}: scaling.presets is empty and there is no [scaling.custom] or scaling.q: "
                               "nothing to classify",
                               where));
}

nlohmann::json classify_request(const ClassifyRequest& r, const ClassifyInputNames& names) {
  const bool by_q = !r.q_sigma.empty() || !r.q_lr.empty() || !r.q_lr_out.empty();
  const bool by_config = static_cast<bool>(r.config);
  const int modes = (!r.preset.empty()) + by_q + by_config;
  if (modes != 1) throw InputError("expected exactly one of " + names.one_of);
  if (r.overrides && !by_config) throw InputError(names.overrides_alone);

  int depth = 1;
  std::string activation = "leaky_relu:0.1";  // the experiments' φ (SPEC §6.0)
  std::string optimizer = "gd";
  double reference_width = 128;
  std::optional<Config> cfg;
  if (by_config) {
    cfg = r.config();
    depth = cfg->model.depth;
    activation = cfg->model.activation;
    optimizer = cfg->train.optimizer;
    reference_width = cfg->scaling.reference_width;
  }
  if (r.depth) depth = *r.depth;
  if (!r.activation.empty()) activation = r.activation;
  if (!r.optimizer.empty()) optimizer = r.optimizer;
  if (depth < 1) throw InputError(fmt::format("{} = {}: expected an integer >= 1", names.depth, depth));
  const OptimizerFamily family = optimizer_family(optimizer);
  const Activation act = activation_from_name(activation);

  Scaling scaling;
  if (!r.preset.empty()) {
    scaling = scaling_from_name(r.preset, depth, reference_width, family);
  } else if (by_q) {
    if (r.q_sigma.empty() || r.q_lr.empty())
      throw InputError(fmt::format("{} and {} go together ({} optionally sets a separate output-layer rate)",
                                   names.q_sigma, names.q_lr, names.q_lr_out));
    const double qs = parse_q(r.q_sigma, names.q_sigma);
    const double ql = parse_q(r.q_lr, names.q_lr);
    const double qo = r.q_lr_out.empty() ? ql : parse_q(r.q_lr_out, names.q_lr_out);
    scaling = scaling_from_golikov(qs, qo, ql, depth, reference_width, family);
  } else {
    scaling = scaling_from_config(*cfg, r.config_name, depth, family);
  }

  nlohmann::json j = classification_to_json(classify(scaling, act));
  j["activation"] = act.name;
  j["optimizer"] = optimizer;
  return j;
}

}  // namespace widthlab
