// `widthlab classify (--preset NAME | --q-sigma Q --q-lr Q [--q-lr-out Q] | --config F [--set k=v]…)
//                    [--depth H] [--activation A] [--optimizer gd|sgd|rmsprop|adam] [--pretty]`
// prints ONE JSON object on stdout (DESIGN §4 classify contract; library: widthlab/classify_request.h, classification.h).
#include <fmt/format.h>
#include <optional>
#include <string>
#include <vector>

#include "verb.h"
#include "widthlab/classify_request.h"
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

int run_classify(const ClassifyOptions& o) {
  widthlab::ClassifyRequest r;
  r.preset = o.preset;
  r.q_sigma = o.q_sigma;
  r.q_lr = o.q_lr;
  r.q_lr_out = o.q_lr_out;
  if (!o.config.empty()) r.config = [&o] { return widthlab::load_config(o.config, o.sets); };
  r.config_name = o.config;
  r.overrides = !o.sets.empty();
  r.depth = o.depth;
  r.activation = o.activation;
  r.optimizer = o.optimizer;
  const widthlab::ClassifyInputNames names{"--preset NAME, --q-sigma Q --q-lr Q [--q-lr-out Q], --config F",
                                           "--set needs --config", "--q-sigma", "--q-lr", "--q-lr-out", "--depth"};
  fmt::print("{}\n", widthlab::classify_request(r, names).dump(o.pretty ? 2 : -1));
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
