// widthlab._core.classify: the `widthlab classify` verb as a function (DESIGN §4 classify contract; SPEC §2).
//   classify(preset="", q_sigma=None, q_lr=None, q_lr_out=None, depth=None, activation="", optimizer="",
//            config_path="", config_toml="", overrides=[]) -> dict with the CLI's JSON keys
// Exactly one of preset / (q_sigma, q_lr[, q_lr_out]) / config, as on the command line; depth, activation and
// optimizer default to 1, leaky_relu:0.1 (SPEC §6.0) and gd, or to the config's values. The resolution below mirrors
// apps/widthlab/classify.cpp (run_classify, scaling_from_config) line for line, messages included.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bindings.h"
#include "config_source.h"
#include "py_json.h"
#include "widthlab/activation.h"
#include "widthlab/classification.h"
#include "widthlab/config.h"
#include "widthlab/error.h"
#include "widthlab/scaling.h"

namespace widthlab::python {
namespace {

namespace py = pybind11;

double finite_q(std::optional<double> v, const char* name) {
  if (!std::isfinite(*v)) throw InputError(fmt::format("{} = '{}': expected a finite number", name, *v));
  return *v;
}

// The scaling a config describes: [scaling] presets[0], else [scaling.custom], else the first q point.
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

py::object classify_py(const std::string& preset, std::optional<double> q_sigma, std::optional<double> q_lr,
                       std::optional<double> q_lr_out, std::optional<int> depth_arg, const std::string& activation_arg,
                       const std::string& optimizer_arg, const ConfigSource& src) {
  const bool by_q = q_sigma || q_lr || q_lr_out;
  const int modes = (!preset.empty()) + by_q + src.given();
  if (modes != 1)
    throw InputError("expected exactly one of preset=NAME, q_sigma=Q with q_lr=Q [q_lr_out=Q], config=...");
  if (!src.overrides.empty() && !src.given()) throw InputError("overrides need a config");

  int depth = 1;
  std::string activation = "leaky_relu:0.1";  // the experiments' φ (SPEC §6.0)
  std::string optimizer = "gd";
  double reference_width = 128;
  std::optional<Config> cfg;
  if (src.given()) {
    cfg = resolve_config(src);
    depth = cfg->model.depth;
    activation = cfg->model.activation;
    optimizer = cfg->train.optimizer;
    reference_width = cfg->scaling.reference_width;
  }
  if (depth_arg) depth = *depth_arg;
  if (!activation_arg.empty()) activation = activation_arg;
  if (!optimizer_arg.empty()) optimizer = optimizer_arg;
  if (depth < 1) throw InputError(fmt::format("depth = {}: expected an integer >= 1", depth));
  const OptimizerFamily family = optimizer_family(optimizer);
  const Activation act = activation_from_name(activation);

  Scaling scaling;
  if (!preset.empty()) {
    scaling = scaling_from_name(preset, depth, reference_width, family);
  } else if (by_q) {
    if (!q_sigma || !q_lr)
      throw InputError("q_sigma and q_lr go together (q_lr_out optionally sets a separate output-layer rate)");
    const double qs = finite_q(q_sigma, "q_sigma");
    const double ql = finite_q(q_lr, "q_lr");
    const double qo = q_lr_out ? finite_q(q_lr_out, "q_lr_out") : ql;
    scaling = scaling_from_golikov(qs, qo, ql, depth, reference_width, family);
  } else {
    scaling = scaling_from_config(*cfg, src.path.empty() ? src.toml_name : src.path, depth, family);
  }

  nlohmann::json j = classification_to_json(classify(scaling, act));
  j["activation"] = act.name;
  j["optimizer"] = optimizer;
  return json_to_py(j);
}

}  // namespace

void bind_classify(py::module_& m) {
  m.def(
      "classify",
      [](const std::string& preset, std::optional<double> q_sigma, std::optional<double> q_lr,
         std::optional<double> q_lr_out, std::optional<int> depth, const std::string& activation,
         const std::string& optimizer, const std::string& config_path, const std::string& config_toml,
         const std::string& config_name, const std::vector<std::string>& overrides) {
        ConfigSource src{config_path, config_toml, config_name, overrides};
        return classify_py(preset, q_sigma, q_lr, q_lr_out, depth, activation, optimizer, src);
      },
      py::arg("preset") = "", py::arg("q_sigma") = py::none(), py::arg("q_lr") = py::none(),
      py::arg("q_lr_out") = py::none(), py::arg("depth") = py::none(), py::arg("activation") = "",
      py::arg("optimizer") = "", py::arg("config_path") = "", py::arg("config_toml") = "",
      py::arg("config_name") = "<config>", py::arg("overrides") = std::vector<std::string>{});
  m.def("scaling_presets", [] {
    py::list out;
    for (const auto& p : scaling_registry())
      out.append(py::dict(py::arg("name") = p.name, py::arg("aliases") = p.aliases, py::arg("parameter") = p.parameter,
                          py::arg("description") = p.description));
    return out;
  });
}

}  // namespace widthlab::python
