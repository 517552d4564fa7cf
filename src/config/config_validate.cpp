// validate() of every config section (STYLE 1): the first problem as "key.path = value: expected …", or "".
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "config/format.h"
#include "widthlab/activation.h"
#include "widthlab/architecture.h"
#include "widthlab/config.h"
#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/loss.h"
#include "widthlab/optimizer.h"
#include "widthlab/scaling.h"

namespace widthlab {
namespace {
using config_detail::join;
using config_detail::toml_value;

template <class T>
std::string bad(const std::string& key, const T& value, const std::string& rule) {
  return fmt::format("{} = {}: {}", key, toml_value(value), rule);
}

// "expected one of a, b, c" with a did-you-mean for near misses.
std::string one_of(const std::string& value, const std::vector<std::string>& allowed) {
  std::string s = "expected one of " + join(allowed);
  if (auto near = config_detail::closest_name(value, allowed); !near.empty()) s += " (did you mean '" + near + "'?)";
  return s;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

template <class T>
std::optional<T> first_duplicate(const std::vector<T>& v) {
  std::set<T> seen;
  for (const auto& x : v)
    if (!seen.insert(x).second) return x;
  return std::nullopt;
}

// Strips the registry's own "what 'value': " prefix so the sentence names the value once.
std::string registry_reason(const InputError& e) {
  std::string m = e.what();
  if (auto p = m.find("': "); p != std::string::npos) m = m.substr(p + 3);
  return m;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> v;
  for (const auto& p : scaling_registry()) v.push_back(p.name);
  return v;
}

const std::vector<std::string> kInits = {"uniform", "gaussian"};
const std::vector<std::string> kPrecisions = {"float32", "float64"};

}  // namespace

std::string ModelConfig::validate() const {
  if (depth < 1 || depth > 64) return bad("model.depth", depth, "expected an integer in [1, 64]");
  try {
    (void)activation_from_name(activation);
  } catch (const InputError& e) {
    return bad("model.activation", activation, registry_reason(e));
  }
  if (!contains(kInits, init)) return bad("model.init", init, one_of(init, kInits));
  if (input_shape) try {
      (void)parse_input_shape(*input_shape, "model.input_shape");
    } catch (const InputError& e) {
      return e.what();
    }
  if (!arch && input_shape) return bad("model.input_shape", *input_shape, "expected it only with model.arch");
  return arch ? validate_arch() : "";
}

// model.arch (config.h): parses with the width word d, and agrees with depth and activation.
std::string ModelConfig::validate_arch() const {
  Architecture a;
  try {
    a = parse_architecture(*arch, true);
  } catch (const InputError& e) {
    return bad("model.arch", *arch, e.what());
  }
  int affine = 0;
  for (const Layer& l : a.layers) {
    if (l.affine() && l.width != kSweepWidth)
      return bad(
          "model.arch", *arch,
          fmt::format("layer '{}': expected width d (every dense / conv layer has the sweep width)", layer_text(l)));
    if (l.kind == LayerKind::activation && l.act.name != activation_from_name(activation).name)
      return bad("model.arch", *arch,
                 fmt::format("activation layer '{}': expected model.activation = \"{}\" (the classifier reads it)",
                             l.act.name, activation));
    affine += l.affine();
  }
  if (affine != depth)
    return bad(
        "model.depth", depth,
        fmt::format("expected {}, the number of dense / conv layers in model.arch (the readout is added)", affine));
  return "";
}

std::string ScalingConfig::validate() const {
  if (presets.empty() && !custom && q.empty())
    return bad("scaling.presets", presets,
               "expected at least one preset (or a [scaling.custom] table or scaling.q points); allowed: " +
                   join(preset_names()));
  if (auto d = first_duplicate(presets)) return bad("scaling.presets", presets, fmt::format("'{}' appears twice", *d));
  if (!std::isfinite(reference_width) || reference_width <= 0)
    return bad("scaling.reference_width", reference_width, "expected a finite number > 0");
  for (const auto& point : q) {
    if (point.size() != 2 && point.size() != 3)
      return bad("scaling.q", q, "expected points [q_sigma, q_lr] or [q_sigma, q_lr_out, q_lr_in]");
    for (double x : point)
      if (!std::isfinite(x)) return bad("scaling.q", q, "expected finite exponents");
  }
  if (auto d = first_duplicate(q)) return bad("scaling.q", q, fmt::format("point {} appears twice", toml_value(*d)));
  if (custom) {
    for (const auto* arr : {&custom->init, &custom->multiplier, &custom->lr})
      for (double x : *arr)
        if (!std::isfinite(x)) {
          const char* key = arr == &custom->init ? "init" : arr == &custom->multiplier ? "multiplier" : "lr";
          return bad(std::string("scaling.custom.") + key, *arr, "expected finite exponents");
        }
  }
  return "";
}

std::string TrainConfig::validate() const {
  if (!contains(optimizer_names(), optimizer))
    return bad("train.optimizer", optimizer, one_of(optimizer, optimizer_names()));
  if (!std::isfinite(lr) || lr <= 0) return bad("train.lr", lr, "expected a finite number > 0");
  if (steps < 0) return bad("train.steps", steps, "expected an integer >= 0");
  if (!batch.full && batch.size < 1) return bad("train.batch", batch, "expected \"full\" or an integer >= 1");
  try {
    (void)loss_from_name(loss);
  } catch (const InputError& e) {
    return bad("train.loss", loss, registry_reason(e));
  }
  if (!contains(kPrecisions, precision)) return bad("train.precision", precision, one_of(precision, kPrecisions));
  if (track_kernel_steps < 0)
    return bad("train.track_kernel_steps", track_kernel_steps, "expected an integer >= 0 (0 = never)");
  if (log_every < 0) return bad("train.log_every", log_every, "expected an integer >= 0 (0 = only at the end)");
  return "";
}

std::string SweepConfig::validate_few_seeds() const {
  if (few_seeds_from.has_value() != few_seeds.has_value())
    return few_seeds
               ? bad("sweep.few_seeds", *few_seeds, "expected sweep.few_seeds_from with it (both or neither)")
               : bad("sweep.few_seeds_from", *few_seeds_from, "expected sweep.few_seeds with it (both or neither)");
  if (!few_seeds) return "";
  if (*few_seeds_from < 1) return bad("sweep.few_seeds_from", *few_seeds_from, "expected a width >= 1");
  if (*few_seeds < 1) return bad("sweep.few_seeds", *few_seeds, "expected a seed count >= 1");
  return "";
}

std::string SweepConfig::validate() const {
  if (widths.empty()) return bad("sweep.widths", widths, "expected at least one width");
  for (int w : widths)
    if (w < 1) return bad("sweep.widths", widths, fmt::format("expected widths >= 1 (got {})", w));
  if (auto d = first_duplicate(widths)) return bad("sweep.widths", widths, fmt::format("width {} appears twice", *d));
  if (seeds.empty()) return bad("sweep.seeds", seeds, "expected at least one seed");
  if (auto d = first_duplicate(seeds)) return bad("sweep.seeds", seeds, fmt::format("seed {} appears twice", *d));
  if (lrs) {  // the lr axis (theory.md §10)
    if (lrs->empty()) return bad("sweep.lrs", *lrs, "expected at least one learning rate (or no sweep.lrs key)");
    for (double lr : *lrs)
      if (!std::isfinite(lr) || lr <= 0)
        return bad("sweep.lrs", *lrs, fmt::format("expected finite learning rates > 0 (got {})", lr));
    if (auto d = first_duplicate(*lrs)) return bad("sweep.lrs", *lrs, fmt::format("lr {} appears twice", *d));
  }
  return validate_few_seeds();
}

std::string LimitsConfig::validate() const {
  for (const auto& m : compute)
    if (!contains(limit_model_names(), m)) return bad("limits.compute", compute, one_of(m, limit_model_names()));
  if (auto d = first_duplicate(compute)) return bad("limits.compute", compute, fmt::format("'{}' appears twice", *d));
  if (mf_particles < 2 || mf_particles % 2 != 0)
    return bad("limits.mf_particles", mf_particles, "expected an even integer >= 2 (particles come in ± pairs)");
  if (coupled_particles_per_width < 0 || coupled_particles_per_width > (1 << 20))
    return bad("limits.coupled_particles_per_width", coupled_particles_per_width,
               "expected an integer in [0, 2^20] (0 = mf_particles for every coupled run)");
  if (!compute.empty() && seeds.empty()) return bad("limits.seeds", seeds, "expected at least one seed");
  if (auto d = first_duplicate(seeds)) return bad("limits.seeds", seeds, fmt::format("seed {} appears twice", *d));
  if (!std::isfinite(gp_jitter) || gp_jitter < 0)
    return bad("limits.gp_jitter", gp_jitter, "expected a finite number >= 0");
  return "";
}

std::string StudyConfig::validate() const {
  if (!std::isfinite(max_seconds) || max_seconds < 0)
    return bad("study.max_seconds", max_seconds, "expected a finite number >= 0 (0 = no budget)");
  if (threads < 0 || threads > kMaxThreads)
    return bad("study.threads", threads, fmt::format("expected an integer in [0, {}] (0 = all cores)", kMaxThreads));
  if (device && !study_device_error(*device).empty())  // study_device_error's rule, in the config's own wording
    return bad("study.device", *device, "expected \"auto\", \"cpu\" or \"cuda\"");
  return "";
}

std::string ReproduceConfig::validate() const {
  if (!name.empty() && !contains(reproduction_names(), name))
    return bad("reproduce.name", name, one_of(name, reproduction_names()) + " (or \"\": not a reproduction)");
  return "";
}

std::string Config::validate() const {
  for (const std::string& s : {data.validate(), model.validate(), scaling.validate(), train.validate(),
                               sweep.validate(), limits.validate(), study.validate(), reproduce.validate()})
    if (!s.empty()) return s;
  // Cross-section rules.
  const std::size_t layers = static_cast<std::size_t>(model.depth) + 1;
  if (scaling.custom) {
    const auto& c = *scaling.custom;
    for (const auto& [key, arr] : {std::pair<const char*, const std::vector<double>*>{"init", &c.init},
                                   {"multiplier", &c.multiplier},
                                   {"lr", &c.lr}})
      if (!arr->empty() && arr->size() != layers)
        return bad(std::string("scaling.custom.") + key, *arr,
                   fmt::format("expected model.depth + 1 = {} exponents (input, hidden…, output) or []", layers));
  }
  if (!scaling.q.empty() && model.depth != 1)
    return bad("scaling.q", scaling.q, fmt::format("Golikov points need model.depth = 1 (got {})", model.depth));
  // Build every scaling as the study will (scaling.h), so a name the registry rejects is caught here.
  const OptimizerFamily family = optimizer_family(train.optimizer);
  std::set<std::string> built;
  for (const auto& p : scaling.presets) {
    std::string name;
    try {
      name = scaling_from_name(p, model.depth, scaling.reference_width, family).name;
    } catch (const InputError& e) {
      return bad("scaling.presets", scaling.presets, e.what());
    }
    if (!built.insert(name).second)
      return bad("scaling.presets", scaling.presets, fmt::format("'{}' is scaling '{}' twice (aliases)", p, name));
  }
  for (const auto& q : scaling.q) {
    try {
      (void)scaling_from_golikov(q[0], q[1], q.size() == 3 ? q[2] : q[1], model.depth, scaling.reference_width, family);
    } catch (const InputError& e) {
      return bad("scaling.q", scaling.q, e.what());
    }
  }
  if (!train.batch.full && optimizer_from_name(train.optimizer).full_batch)
    return bad("train.batch", train.batch,
               fmt::format("optimizer \"{}\" is full-batch: expected \"full\" (or train.optimizer = \"sgd\")",
                           train.optimizer));
  if (!train.batch.full && train.batch.size > data.train_size)
    return bad("train.batch", train.batch, fmt::format("expected a batch <= data.train_size = {}", data.train_size));
  // Classes of the task: data.classes, or the dataset's default list (dataset.h); npy/csv: unknown until loaded.
  int classes = static_cast<int>(data.classes.size());
  if (classes == 0) classes = data.dataset == "mnist" ? 10 : (data.dataset == "npy" || data.dataset == "csv") ? 0 : 2;
  if (!loss_from_name(train.loss).multi_logit() && classes > 2)
    return bad("train.loss", train.loss,
               fmt::format("a one-logit loss needs a binary task but data has {} classes: expected \"cross-entropy\" "
                           "(or two data.classes)",
                           classes));
  return "";
}

bool Config::operator==(const Config& o) const {
  const DataOptions &a = data, &b = o.data;
  const bool same_data = a.dataset == b.dataset && a.classes == b.classes && a.train_size == b.train_size &&
                         a.test_size == b.test_size && a.standardize == b.standardize && a.path == b.path &&
                         a.seed == b.seed && a.gaussians_delta == b.gaussians_delta &&
                         a.gaussians_dim == b.gaussians_dim;
  return same_data && model == o.model && scaling == o.scaling && train == o.train && sweep == o.sweep &&
         limits == o.limits && study == o.study && reproduce == o.reproduce;
}

}  // namespace widthlab
