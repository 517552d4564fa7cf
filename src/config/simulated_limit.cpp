#include "widthlab/simulated_limit.h"

#include <algorithm>

#include "widthlab/config_mapping.h"
#include "widthlab/error.h"
#include "widthlab/limit_models.h"

namespace widthlab {
namespace {

// The name of the simulator for `c`, or "" when there is none (simulated_limit.h).
std::string simulator_model(const Scaling& scaling, const Classification& c) {
  if (!c.stable) return "";
  if (scaling.depth >= 2) return scaling.name == "mf" && c.feature_learning ? "mf" : "";
  try {
    return limit_model_from_name(c.model).name;
  } catch (const InputError&) {
    return "";
  }
}

}  // namespace

SimulatedLimit simulated_limit(const Config& config, const Scaling& scaling, const Classification& c) {
  SimulatedLimit s;
  s.options = limit_options(config);
  s.model = simulator_model(scaling, c);
  s.simulated = !s.model.empty();
  if (!s.simulated) {
    s.model = c.model;
    return s;
  }
  s.options.model = s.model;
  if (c.golikov) {
    const double top = std::max(c.golikov->q_lr_out, c.golikov->q_lr_in);
    s.options.lr_weight_out = c.golikov->q_lr_out >= top - 1e-9 ? 1.0 : 0.0;
    s.options.lr_weight_in = c.golikov->q_lr_in >= top - 1e-9 ? 1.0 : 0.0;
  }
  return s;
}

}  // namespace widthlab
