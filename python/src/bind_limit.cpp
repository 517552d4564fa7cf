// widthlab._core.limit: `widthlab limit` as a function (theory.md §3; library: limit_run.h, simulated_limit.h).
//   limit(config_path="", config_toml="", config_name="<config>", overrides=[], model="", region=0, progress=None)
//     -> {"records": [limit.jsonl lines], "skipped": [why a scaling has no simulated limit]}
// The same jobs as the CLI (limit_jobs: --model, --region, or each scaling's simulated limit within
// limits.compute), on the config's data; nothing is written. The GIL is released while the limits run.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.h"
#include "config_source.h"
#include "progress_scope.h"
#include "py_json.h"
#include "widthlab/config_mapping.h"
#include "widthlab/dataset.h"
#include "widthlab/error.h"
#include "widthlab/limit_run.h"
#include "widthlab/simulated_limit.h"

namespace widthlab::python {
namespace {

namespace py = pybind11;

py::dict limit_py(const ConfigSource& src, const std::string& model, int region) {
  const std::string chosen = !model.empty() ? "model=" : region != 0 ? "region=" : "";
  if (const std::string why = unread_limit_override(src.overrides, chosen); !why.empty())
    throw InputError("overrides: " + why);  // as the CLI refuses the --set
  const Config cfg = resolve_config(src);
  std::vector<std::string> skipped;
  const std::vector<LimitJob> jobs =
      limit_jobs(cfg, model, region, skipped, {"model=NAME", "region=N", "model=\"mf\""});
  std::vector<nlohmann::json> lines;
  {
    py::gil_scoped_release nogil;
    const Dataset data = load_limit_data(cfg, jobs);
    for (const auto& job : jobs)
      for (auto& line : simulate_limit(job.options, data).to_json_lines()) {
        line["selected_by"] = job.why;
        lines.push_back(std::move(line));
      }
  }
  py::list records;
  for (const auto& line : lines) records.append(json_to_py(line));
  py::dict result;
  result["records"] = records;
  result["skipped"] = skipped;
  return result;
}

}  // namespace

void bind_limit(py::module_& m) {
  m.def(
      "limit",
      [](const std::string& config_path, const std::string& config_toml, const std::string& config_name,
         const std::vector<std::string>& overrides, const std::string& model, int region, const py::object& progress) {
        ProgressScope scope(progress);
        return limit_py(ConfigSource{config_path, config_toml, config_name, overrides}, model, region);
      },
      py::arg("config_path") = "", py::arg("config_toml") = "", py::arg("config_name") = "<config>",
      py::arg("overrides") = std::vector<std::string>{}, py::arg("model") = "", py::arg("region") = 0,
      py::arg("progress") = py::none());
}

}  // namespace widthlab::python
