// widthlab._core.config: a TOML config (architecture.md §5) resolved and validated exactly as `--config F --set k=v`
// does, returned as a dict with the same sections and keys (config.h to_json), and as TOML text (to_toml).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bindings.h"
#include "config_source.h"
#include "py_json.h"
#include "widthlab/config.h"

namespace widthlab::python {

void bind_config(pybind11::module_& m) {
  namespace py = pybind11;
  m.def(
      "config",
      [](const std::string& path, const std::string& toml, const std::string& name,
         const std::vector<std::string>& overrides, bool as_toml) -> py::object {
        const Config cfg = resolve_config(ConfigSource{path, toml, name, overrides});
        if (as_toml) return py::str(to_toml(cfg));
        return json_to_py(nlohmann::json::parse(to_json(cfg)));
      },
      py::arg("config_path") = "", py::arg("config_toml") = "", py::arg("config_name") = "<config>",
      py::arg("overrides") = std::vector<std::string>{}, py::arg("as_toml") = false);
  m.def("default_config_toml", [] { return default_config_toml(); });
}

}  // namespace widthlab::python
