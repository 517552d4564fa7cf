// One classify request as the CLI verb (`widthlab classify`, architecture.md §4 classify contract) and the Python
// binding (widthlab.classify) take it: exactly one of a preset, a Golikov point (q_sigma, q_lr[, q_lr_out]) or a
// config; depth, activation and optimizer default to 1, leaky_relu:0.1 (theory.md §6.0) and gd, or to the config's
// values. Each answer is classification_to_json (classification.h, theory.md §2) plus "activation" and "optimizer".
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "widthlab/config.h"
#include "widthlab/scaling.h"

namespace widthlab {

struct ClassifyRequest {
  std::string preset;                   // a scaling preset name or alias, tuple or custom spec; "" = none
  std::string q_sigma, q_lr, q_lr_out;  // the Golikov point as text ("" = not given): a bad number gets a one-line
                                        // InputError naming the input
  std::function<Config()> config;       // loads the config when one is given (called after the argument checks)
  std::string config_name;              // names the config in messages (its path)
  bool overrides = false;               // config overrides were given (they need a config)
  std::optional<int> depth;             // hidden layers H (default 1, or the config's)
  std::string activation, optimizer;    // "" = the default, or the config's
};

// How the caller names its inputs in error messages (CLI flags or Python keywords).
struct ClassifyInputNames {
  std::string one_of;           // the modes, as in "expected exactly one of <one_of>"
  std::string overrides_alone;  // the whole message for overrides without a config
  std::string q_sigma, q_lr, q_lr_out, depth;
};

// The classification as JSON: one object for a preset or a Golikov point; for a config, an array with one object per
// scaling it names (config_scalings.h), in order. InputError (one line, naming the input) on a bad request.
nlohmann::json classify_request(const ClassifyRequest& request, const ClassifyInputNames& names);

}  // namespace widthlab
