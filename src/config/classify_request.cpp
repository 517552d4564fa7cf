// classify_request (widthlab/classify_request.h): the argument rules of `widthlab classify` and widthlab.classify.
#include "widthlab/classify_request.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "widthlab/activation.h"
#include "widthlab/classification.h"
#include "widthlab/config_scalings.h"
#include "widthlab/error.h"
#include "widthlab/exponent_text.h"
#include "widthlab/optimizer.h"

namespace widthlab {
namespace {

double parse_q(const std::string& text, const std::string& name) { return parse_exponent(text, name); }

}  // namespace

nlohmann::json classify_request(const ClassifyRequest& r, const ClassifyInputNames& names) {
  const bool by_q = !r.q_sigma.empty() || !r.q_lr.empty() || !r.q_lr_out.empty();
  const bool by_config = static_cast<bool>(r.config);
  const int modes = (!r.preset.empty()) + by_q + by_config;
  if (modes != 1) throw InputError("expected exactly one of " + names.one_of);
  if (r.overrides && !by_config) throw InputError(names.overrides_alone);

  int depth = 1;
  std::string activation = "leaky_relu:0.1";  // the experiments' φ (theory.md §6.0)
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
  optimizer_from_name(optimizer);  // the registry's names and error, as train.optimizer (optimizer.h)
  const OptimizerFamily family = optimizer_family(optimizer);
  const Activation act = activation_from_name(activation);

  auto answer = [&](const Scaling& scaling) {
    nlohmann::json j = classification_to_json(classify(scaling, act));
    j["activation"] = act.name;
    j["optimizer"] = optimizer;
    return j;
  };
  if (!r.preset.empty()) return answer(scaling_from_name(r.preset, depth, reference_width, family));
  if (by_q) {
    if (r.q_sigma.empty() || r.q_lr.empty())
      throw InputError(fmt::format("{} and {} go together ({} optionally sets a separate output-layer rate)",
                                   names.q_sigma, names.q_lr, names.q_lr_out));
    const double qs = parse_q(r.q_sigma, names.q_sigma);
    const double ql = parse_q(r.q_lr, names.q_lr);
    const double qo = r.q_lr_out.empty() ? ql : parse_q(r.q_lr_out, names.q_lr_out);
    return answer(scaling_from_golikov(qs, qo, ql, depth, reference_width, family));
  }
  cfg->model.depth = depth;  // --depth / --optimizer override the config's
  cfg->train.optimizer = optimizer;
  std::vector<Scaling> scalings;
  try {
    scalings = config_scalings(*cfg);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {}", r.config_name, e.what()));
  }
  if (scalings.empty())
    throw InputError(
        fmt::format("{}: scaling.presets is empty and there is no [scaling.custom] or scaling.q: "
                    "nothing to classify",
                    r.config_name));
  nlohmann::json all = nlohmann::json::array();
  for (const Scaling& s : scalings) all.push_back(answer(s));
  return all;
}

}  // namespace widthlab
