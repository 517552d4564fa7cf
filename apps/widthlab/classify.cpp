// `widthlab classify (--preset NAME | --q-sigma Q --q-lr Q [--q-lr-out Q] | --config F [--set k=v]…)
//                    [--depth H] [--activation A] [--optimizer gd|sgd|rmsprop|adam] [--pretty]`
// prints ONE JSON object on stdout (DESIGN §4 classify contract; library: widthlab/classification.h).
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "verb.h"
#include "widthlab/activation.h"
#include "widthlab/classification.h"
#include "widthlab/config.h"
#include "widthlab/error.h"
#include "widthlab/scaling.h"

namespace {

struct ClassifyOptions {
  std::string preset;
  std::string q_sigma, q_lr, q_lr_out;  // strings, so that bad numbers get our one-line message
  std::string config;
  std::vector<std::string> sets;
  std::optional<int> depth;
  std::string activation;
  std::string optimizer;
  bool pretty = false;
};

double parse_q(const std::string& text, const char* flag) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
    throw widthlab::InputError(fmt::format("{} = '{}': expected a finite number", flag, text));
  return v;
}

// The scaling a config describes: [scaling] presets[0], else [scaling.custom], else the first q point.
widthlab::Scaling scaling_from_config(const widthlab::Config& cfg, const std::string& path, int depth,
                                      widthlab::OptimizerFamily family) {
  const auto& sc = cfg.scaling;
  if (!sc.presets.empty()) return widthlab::scaling_from_name(sc.presets.front(), depth, sc.reference_width, family);
  if (sc.custom) {
    std::vector<widthlab::LayerExponents> layers(depth + 1);
    auto fill = [&](const std::vector<double>& v, double widthlab::LayerExponents::*field, const char* key) {
      if (v.empty()) return;
      if (v.size() != layers.size())
        throw widthlab::InputError(fmt::format("{}: scaling.custom.{} has {} values: expected depth + 1 = {}", path,
                                               key, v.size(), layers.size()));
      for (std::size_t l = 0; l < v.size(); ++l) layers[l].*field = v[l];
    };
    fill(sc.custom->init, &widthlab::LayerExponents::init, "init");
    fill(sc.custom->multiplier, &widthlab::LayerExponents::multiplier, "multiplier");
    fill(sc.custom->lr, &widthlab::LayerExponents::lr, "lr");
    return widthlab::scaling_custom(std::move(layers), sc.reference_width, family);
  }
  if (!sc.q.empty()) {
    const auto& q = sc.q.front();
    if (q.size() != 2 && q.size() != 3)
      throw widthlab::InputError(fmt::format("{}: scaling.q[0] has {} numbers: expected [q_sigma, q_lr] or "
                                             "[q_sigma, q_lr_out, q_lr_in]", path, q.size()));
    return widthlab::scaling_from_golikov(q[0], q[1], q.size() == 3 ? q[2] : q[1], depth, sc.reference_width, family);
  }
  throw widthlab::InputError(fmt::format("{}: scaling.presets is empty and there is no [scaling.custom] or "
                                         "scaling.q: nothing to classify", path));
}

int run_classify(const ClassifyOptions& o) {
  using widthlab::InputError;
  const bool by_q = !o.q_sigma.empty() || !o.q_lr.empty() || !o.q_lr_out.empty();
  const int modes = (!o.preset.empty()) + by_q + (!o.config.empty());
  if (modes != 1)
    throw InputError("expected exactly one of --preset NAME, --q-sigma Q --q-lr Q [--q-lr-out Q], --config F");
  if (!o.sets.empty() && o.config.empty()) throw InputError("--set needs --config");

  int depth = 1;
  std::string activation = "leaky_relu:0.1";  // the experiments' φ (SPEC §6.0)
  std::string optimizer = "gd";
  double reference_width = 128;
  std::optional<widthlab::Config> cfg;
  if (!o.config.empty()) {
    cfg = widthlab::load_config(o.config, o.sets);
    depth = cfg->model.depth;
    activation = cfg->model.activation;
    optimizer = cfg->train.optimizer;
    reference_width = cfg->scaling.reference_width;
  }
  if (o.depth) depth = *o.depth;
  if (!o.activation.empty()) activation = o.activation;
  if (!o.optimizer.empty()) optimizer = o.optimizer;
  if (depth < 1) throw InputError(fmt::format("--depth = {}: expected an integer >= 1", depth));
  const widthlab::OptimizerFamily family = widthlab::optimizer_family(optimizer);
  const widthlab::Activation act = widthlab::activation_from_name(activation);

  widthlab::Scaling scaling;
  if (!o.preset.empty()) {
    scaling = widthlab::scaling_from_name(o.preset, depth, reference_width, family);
  } else if (by_q) {
    if (o.q_sigma.empty() || o.q_lr.empty())
      throw InputError("--q-sigma and --q-lr go together (--q-lr-out optionally sets a separate output-layer rate)");
    const double qs = parse_q(o.q_sigma, "--q-sigma");
    const double ql = parse_q(o.q_lr, "--q-lr");
    const double qo = o.q_lr_out.empty() ? ql : parse_q(o.q_lr_out, "--q-lr-out");
    scaling = widthlab::scaling_from_golikov(qs, qo, ql, depth, reference_width, family);
  } else {
    scaling = scaling_from_config(*cfg, o.config, depth, family);
  }

  nlohmann::json j = widthlab::classification_to_json(widthlab::classify(scaling, act));
  j["activation"] = act.name;
  j["optimizer"] = optimizer;
  fmt::print("{}\n", j.dump(o.pretty ? 2 : -1));
  return 0;
}

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto o = std::make_shared<ClassifyOptions>();
  sub.add_option("--preset", o->preset, "Scaling preset name or alias, a tuple '(q_sigma, q_lr[, q_lr_in])', or "
                                        "'custom:init=..;multiplier=..;lr=..' (see below)");
  sub.add_option("--q-sigma", o->q_sigma, "Golikov's q_sigma: sigma = sigma_a sigma_w ~ d^q_sigma (SPEC 1.3)");
  sub.add_option("--q-lr", o->q_lr, "Golikov's q~ (both layers unless --q-lr-out is given)");
  sub.add_option("--q-lr-out", o->q_lr_out, "separate output-layer rate exponent q~_a");
  sub.add_option("--config", o->config, "TOML config: [scaling] presets[0] (or [scaling.custom], scaling.q[0]), "
                                        "[model] depth/activation, [train] optimizer");
  sub.add_option("--set", o->sets, "key=value override of the config (repeatable)");
  sub.add_option("--depth", o->depth, "hidden layers H (default 1, or the config's)");
  sub.add_option("--activation", o->activation, "activation (default leaky_relu:0.1, or the config's)");
  sub.add_option("--optimizer", o->optimizer, "gd | sgd | rmsprop | adam (default gd, or the config's)");
  sub.add_flag("--pretty", o->pretty, "indent the JSON");
  sub.footer("Scaling presets:\n" + widthlab::scaling_presets_help() +
             "\nOutput keys: A, B, C, stable, regime, region, model, finite_init_logits, finite_kernel,\n"
             "feature_learning (DESIGN 4) plus scaling, q_sigma, q_lr_out, q_lr_in, C_a, C_w, abc, label,\n"
             "properties_text, description, theory_exponents, rate_exponent, layers; deep nets: degenerate_gd, reason.");
  return [o] { return run_classify(*o); };
}

const widthlab::cli::VerbRegistration reg{"classify", "Classify a scaling: A/B/C, stability, limit model, properties",
                                          setup};

}  // namespace
