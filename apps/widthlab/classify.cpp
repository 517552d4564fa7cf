// `widthlab classify (--preset NAME | --q-sigma Q --q-lr Q [--q-lr-out Q] | --config F [--set k=v]…)
//                    [--depth H] [--activation A] [--optimizer gd|sgd|rmsprop|adam] [--json] [--pretty]`
// On a terminal: a short summary per scaling. With --json, --pretty or when stdout is not a terminal (scripts): the
// JSON of the architecture.md §4 classify contract — one object, or for --config an array with one object per scaling
// (library: widthlab/classify_request.h, classification.h). Exponents may be typed as fractions (-3/4).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "config_flags.h"
#include "verb.h"
#include "widthlab/classify_request.h"
#include "widthlab/config.h"
#include "widthlab/exponent_text.h"
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
  bool pretty = false, json = false;
};

std::string exponent(const nlohmann::json& v) {
  return v.is_number() ? widthlab::format_exponent(v.get<double>()) : "-";
}

// The few lines a person reads first; --json has everything.
std::string summary(const nlohmann::json& c) {
  std::string s = fmt::format("{} (depth {}, {}, {}): {}", c["scaling"].get<std::string>(), c["depth"].get<int>(),
                              c["activation"].get<std::string>(), c["optimizer"].get<std::string>(),
                              c["regime"].get<std::string>());
  if (c["region"].is_number()) s += fmt::format(", region {}", c["region"].get<int>());
  s += fmt::format(", limit model {}\n", c["model"].get<std::string>());
  s += fmt::format("  A = {}, B = {}, C = {}", exponent(c["A"]), exponent(c["B"]), exponent(c["C"]));
  if (c["q_sigma"].is_number())
    s += fmt::format("; q_sigma = {}, q_lr_out = {}, q_lr_in = {}", exponent(c["q_sigma"]), exponent(c["q_lr_out"]),
                     exponent(c["q_lr_in"]));
  s += fmt::format("\n  {}\n", c["description"].get<std::string>());
  if (c["rate_exponent"].is_number()) s += fmt::format("  finite-width error {}\n", c["rate_note"].get<std::string>());
  return s;
}

// --depth, --activation and --optimizer replace the config's model.depth, model.activation and train.optimizer: a
// --set of one of them to another value would be ignored, so it is refused.
void refuse_flag_set_conflicts(const ClassifyOptions& o) {
  using widthlab::cli::toml_string;
  std::vector<widthlab::FlagOverrides> flags;
  if (o.depth) flags.push_back({fmt::format("--depth {}", *o.depth), {fmt::format("model.depth={}", *o.depth)}});
  if (!o.activation.empty())
    flags.push_back({"--activation " + o.activation, {"model.activation=" + toml_string(o.activation)}});
  if (!o.optimizer.empty())
    flags.push_back({"--optimizer " + o.optimizer, {"train.optimizer=" + toml_string(o.optimizer)}});
  widthlab::refuse_flag_set_conflicts(flags, o.sets);
}

int run_classify(const ClassifyOptions& o) {
  widthlab::ClassifyRequest r;
  r.preset = o.preset;
  r.q_sigma = o.q_sigma;
  r.q_lr = o.q_lr;
  r.q_lr_out = o.q_lr_out;
  if (!o.config.empty()) refuse_flag_set_conflicts(o);
  if (!o.config.empty()) r.config = [&o] { return widthlab::load_config(o.config, o.sets); };
  r.config_name = o.config;
  r.overrides = !o.sets.empty();
  r.depth = o.depth;
  r.activation = o.activation;
  r.optimizer = o.optimizer;
  const widthlab::ClassifyInputNames names{"--preset NAME, --q-sigma Q --q-lr Q [--q-lr-out Q], --config F",
                                           "--set needs --config",
                                           "--q-sigma",
                                           "--q-lr",
                                           "--q-lr-out",
                                           "--depth"};
  const nlohmann::json answer = widthlab::classify_request(r, names);
  if (o.json || o.pretty || !::isatty(STDOUT_FILENO)) {
    fmt::print("{}\n", answer.dump(o.pretty ? 2 : -1));
    return 0;
  }
  for (const auto& c : answer.is_array() ? answer : nlohmann::json::array({answer})) fmt::print("{}", summary(c));
  fmt::print("(--json for every field)\n");
  return 0;
}

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto o = std::make_shared<ClassifyOptions>();
  sub.add_option("--preset", o->preset,
                 "Scaling preset name or alias, a tuple '(q_sigma, q_lr[, q_lr_in])', or "
                 "'custom:init=..;multiplier=..;lr=..' (see below)");
  sub.add_option(
      "--q-sigma", o->q_sigma,
      "Golikov's q_sigma: sigma = sigma_a sigma_w ~ d^q_sigma (theory.md §1.3); a number or a fraction like -3/4");
  sub.add_option("--q-lr", o->q_lr, "Golikov's q~ (both layers unless --q-lr-out is given)");
  sub.add_option("--q-lr-out", o->q_lr_out, "separate output-layer rate exponent q~_a");
  sub.add_option("--config", o->config,
                 "TOML config: every scaling it names ([scaling] presets, q points, custom), "
                 "[model] depth/activation, [train] optimizer; JSON: an array");
  sub.add_option("--set", o->sets, "key=value override of the config (repeatable)");
  sub.add_option("--depth", o->depth, "hidden layers H (default 1, or the config's)");
  sub.add_option("--activation", o->activation, "activation (default leaky_relu:0.1, or the config's)");
  sub.add_option("--optimizer", o->optimizer,
                 fmt::format("{} (default gd, or the config's)", fmt::join(widthlab::optimizer_names(), " | ")));
  sub.add_flag("--json", o->json, "print JSON (the default when stdout is not a terminal)");
  sub.add_flag("--pretty", o->pretty, "print indented JSON");
  sub.footer(
      "Scaling presets:\n" + widthlab::scaling_presets_help() +
      "\nOutput keys: A, B, C, stable, regime, region, model, finite_init_logits, finite_kernel,\n"
      "feature_learning (architecture.md §4) plus scaling, q_sigma, q_lr_out, q_lr_in, C_a, C_w, abc, label,\n"
      "properties_text, description, theory_exponents, rate_exponent, layers; deep nets: degenerate_gd, reason.");
  return [o] { return run_classify(*o); };
}

const widthlab::cli::VerbRegistration reg{"classify", "Classify a scaling: A/B/C, stability, limit model, properties",
                                          setup};

}  // namespace
