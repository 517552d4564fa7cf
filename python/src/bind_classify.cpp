// widthlab._core.classify: the `widthlab classify` verb as a function (architecture.md §4 classify contract; theory.md
// §2).
//   classify(preset="", q_sigma=None, q_lr=None, q_lr_out=None, depth=None, activation="", optimizer="",
//            config_path="", config_toml="", overrides=[]) -> dict with the CLI's JSON keys
// Exactly one of preset / (q_sigma, q_lr[, q_lr_out]) / config, as on the command line; depth, activation and
// optimizer default to 1, leaky_relu:0.1 (theory.md §6.0) and gd, or to the config's values: the library's
// classify_request (widthlab/classify_request.h), as the CLI verb uses it, with the inputs named as Python keywords.
#include <fmt/format.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "bindings.h"
#include "config_source.h"
#include "py_json.h"
#include "widthlab/classify_request.h"
#include "widthlab/scaling.h"

namespace widthlab::python {
namespace {

namespace py = pybind11;

// Exponents travel as text (the Python layer passes str(q): Python's shortest round-trip form of a float, or the
// user's own string such as "-3/4"), so the request parses them exactly as the CLI's flags.
std::string q_text(const std::optional<std::string>& v) { return v.value_or(std::string()); }

py::object classify_py(const std::string& preset, const std::optional<std::string>& q_sigma,
                       const std::optional<std::string>& q_lr, const std::optional<std::string>& q_lr_out,
                       std::optional<int> depth, const std::string& activation, const std::string& optimizer,
                       const ConfigSource& src) {
  ClassifyRequest r;
  r.preset = preset;
  r.q_sigma = q_text(q_sigma);
  r.q_lr = q_text(q_lr);
  r.q_lr_out = q_text(q_lr_out);
  if (src.given()) r.config = [&src] { return resolve_config(src); };
  r.config_name = src.path.empty() ? src.toml_name : src.path;
  r.overrides = !src.overrides.empty();
  r.depth = depth;
  r.activation = activation;
  r.optimizer = optimizer;
  const ClassifyInputNames names{"preset=NAME, q_sigma=Q with q_lr=Q [q_lr_out=Q], config=...",
                                 "overrides need a config",
                                 "q_sigma",
                                 "q_lr",
                                 "q_lr_out",
                                 "depth"};
  return json_to_py(classify_request(r, names));
}

}  // namespace

void bind_classify(py::module_& m) {
  m.def(
      "classify",
      [](const std::string& preset, std::optional<std::string> q_sigma, std::optional<std::string> q_lr,
         std::optional<std::string> q_lr_out, std::optional<int> depth, const std::string& activation,
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
