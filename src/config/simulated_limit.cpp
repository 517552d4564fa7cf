#include "widthlab/simulated_limit.h"

#include <fmt/format.h>

#include <algorithm>

#include "config/config_overrides.h"
#include "widthlab/activation.h"
#include "widthlab/config_mapping.h"
#include "widthlab/config_scalings.h"
#include "widthlab/error.h"
#include "widthlab/limit_models.h"
#include "widthlab/loss.h"

namespace widthlab {
namespace {

// The simulator for `c`, or null when there is none (simulated_limit.h). At depth 1 a region's model
// runs with the lr weights simulated_limit sets, so a boundary point the classifier names apart (random features:
// region 1 with a frozen first layer, C_w = −1/2) is region 1's MF particles with lr_weight_in = 0.
const LimitModelInfo* simulator_model(const Scaling& scaling, const Classification& c) {
  if (!c.stable) return nullptr;
  if (scaling.depth >= 2) return scaling.name == "mf" && c.feature_learning ? &limit_model_from_name("mf") : nullptr;
  if (c.init_corrected) return &limit_model_from_name("ic-mf");  // region 1 + the frozen init offset (theory.md §3.5)
  return c.region ? &limit_model_for_region(*c.region) : nullptr;
}

// The job of the config's scaling `s`; InputError when its limit has no simulator.
LimitJob scaling_job(const Config& config, const Scaling& s, const LimitChoiceNames& names) {
  const Classification c = classify(s, activation_from_name(config.model.activation));
  const SimulatedLimit limit = simulated_limit(config, s, c);
  if (!limit.simulated() && s.depth >= 2)
    throw InputError(fmt::format(
        "scaling '{}' (depth {}): classify gives regime '{}', model '{}'; at depth >= 2 only {} simulated "
        "(theory.md §3.6): pass {}, or set model.depth = 1 for the other limit models",
        s.name, s.depth, to_string(c.regime), c.model, limit_model_names_where(&LimitModelInfo::multilayer), names.mf));
  if (!limit.simulated())
    throw InputError(
        fmt::format("scaling '{}' (depth {}): classify gives regime '{}', model '{}', which has no limit "
                    "simulator; pick one with {} or {}",
                    s.name, s.depth, to_string(c.regime), c.model, names.model, names.region));
  return {limit.options, fmt::format("scaling '{}' → region {} ({}): model '{}'", s.name,
                                     c.region ? std::to_string(*c.region) : "-", c.model, limit.model)};
}

std::vector<LimitJob> jobs_of_scalings(const Config& config, std::vector<std::string>& skipped,
                                       const LimitChoiceNames& names) {
  const std::vector<Scaling> scalings = config_scalings(config);
  if (scalings.empty())
    throw InputError(
        fmt::format("scaling.presets = []: no scaling to classify; pass {} or {}", names.model, names.region));
  std::vector<LimitJob> jobs;
  const auto& compute = config.limits.compute;
  for (const Scaling& s : scalings) {
    try {
      LimitJob job = scaling_job(config, s, names);
      if (std::find(compute.begin(), compute.end(), job.options.model) != compute.end())
        jobs.push_back(std::move(job));
      else
        skipped.push_back(fmt::format("scaling '{}': model '{}' is not in limits.compute", s.name, job.options.model));
    } catch (const InputError& e) {
      skipped.push_back(e.what());
    }
  }
  if (jobs.empty())
    throw InputError(fmt::format("no limit to simulate for the config's scalings ({}); pass {} or {}",
                                 skipped.empty() ? "none" : skipped.front(), names.model, names.region));
  return jobs;
}

}  // namespace

SimulatedLimit simulated_limit(const Config& config, const Scaling& scaling, const Classification& c) {
  SimulatedLimit s;
  s.options = limit_options(config);
  s.info = simulator_model(scaling, c);
  s.model = s.info ? s.info->name : c.model;
  if (!s.info) return s;
  s.options.model = s.model;
  s.logit_exponent = scaling.depth >= 2 ? 0.0 : std::max(c.A, c.B);
  if (c.golikov) {
    const double top = std::max(c.golikov->q_lr_out, c.golikov->q_lr_in);
    s.options.lr_weight_out = c.golikov->q_lr_out >= top - 1e-9 ? 1.0 : 0.0;
    s.options.lr_weight_in = c.golikov->q_lr_in >= top - 1e-9 ? 1.0 : 0.0;
  }
  return s;
}

std::vector<LimitJob> limit_jobs(const Config& config, const std::string& model, int region,
                                 std::vector<std::string>& skipped, const LimitChoiceNames& names) {
  if (config.model.bias) throw InputError("model.bias = true: the limit simulators model nets without biases");
  if (!model.empty() && region != 0) throw InputError("model and region: expected at most one of them");
  if (config.model.arch)
    throw InputError(
        fmt::format("model.arch = \"{}\": the limit simulators are for dense nets (a study of layered "
                    "nets compares each width with its widest net)",
                    *config.model.arch));
  std::vector<LimitJob> jobs;
  LimitOptions one = limit_options(config);
  if (!model.empty()) {
    one.model = limit_model_from_name(model).name;
    jobs.push_back({one, "--model"});
  } else if (region != 0) {
    if (region < 1 || region > 13) throw InputError(fmt::format("region = {}: expected 1..13", region));
    one.model = limit_model_for_region(region).name;
    jobs.push_back({one, "--region"});
  } else {
    jobs = jobs_of_scalings(config, skipped, names);
  }
  for (const auto& job : jobs)
    if (auto err = job.options.validate(); !err.empty()) throw InputError(err);
  return jobs;
}

std::string unread_limit_override(const std::vector<std::string>& overrides, const std::string& chosen) {
  for (const auto& set : overrides) {
    const std::string key =
        config_detail::parse_override(set).key;  // a malformed or unknown key: load_config's own error
    if (key.substr(0, key.find('.')) == "sweep")
      return fmt::format("{}: widthlab limit does not read [sweep]; expected a key it reads", set);
    if (key == "limits.compute" && !chosen.empty())
      return fmt::format(
          "{}: not used with {} (it picks the model; limits.compute picks the scalings' limits "
          "without it)",
          set, chosen);
  }
  return "";
}

Dataset load_limit_data(const Config& config, const std::vector<LimitJob>& jobs) {
  Dataset data = load_dataset_for_loss(config);
  for (const auto& job : jobs)
    check_limit_fits_in_memory(job.options, int(data.x_train.cols()),
                               loss_from_name(job.options.loss).outputs(data.classes), data.x_train.rows(),
                               data.x_test.rows());
  return data;
}

}  // namespace widthlab
