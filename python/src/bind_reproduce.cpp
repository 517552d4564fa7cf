// widthlab._core.reproduce / reproductions: `widthlab reproduce` as functions (architecture.md §4; library:
// reproduce.h).
//   reproductions() -> [{"name", "paper", "spec", "description"}]           (the registry, `reproduce --list`)
//   reproduce(name, out, smoke=False, full=False, data_dir="", config_path="", overrides=[], threads=0,
//             mode="fresh", plots=True, progress=None) -> {"summary": {...}}
// run_reproduction does what the CLI does: resolves configs/reproduce/NAME.toml (or config_path) with [smoke] /
// [full] and the overrides, checks and prepares `out`, runs the case and writes report.md, claims.json, its CSVs and
// PNGs there. The Python layer reads claims.json back. The GIL is released while the case runs.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.h"
#include "output_mode.h"
#include "progress_scope.h"
#include "widthlab/reproduce.h"

namespace widthlab::python {
namespace {

namespace py = pybind11;

py::list reproductions_py() {
  py::list out;
  for (const auto& r : reproduction_registry())
    out.append(py::dict(py::arg("name") = r.name, py::arg("paper") = r.paper, py::arg("spec") = r.spec,
                        py::arg("description") = r.description));
  return out;
}

py::dict reproduce_py(ReproduceOptions o, const std::string& mode) {
  const OutputMode m = output_mode(mode);
  o.force = m == OutputMode::force;
  o.resume = m == OutputMode::resume;
  reproduction_info(o.name);  // an unknown name is refused, listing the names, before `out` is touched
  ReproduceSummary s;
  {
    py::gil_scoped_release nogil;
    s = run_reproduction(o);
  }
  py::dict d;
  d["name"] = s.name;
  d["holds"] = s.holds;
  d["fails"] = s.fails;
  d["inconclusive"] = s.inconclusive;
  d["seconds"] = s.seconds;
  d["brief"] = s.brief();
  py::dict result;
  result["summary"] = d;
  return result;
}

}  // namespace

void bind_reproduce(py::module_& m) {
  m.def("reproductions", &reproductions_py, "The reproduction registry: a list of {name, paper, spec, description}.");
  m.def(
      "reproduce",
      [](const std::string& name, const std::string& out, bool smoke, bool full, const std::string& data_dir,
         const std::string& config_path, const std::vector<std::string>& overrides, int threads,
         const std::string& mode, bool plots, const py::object& progress) {
        ProgressScope scope(progress);
        ReproduceOptions o;
        o.name = name;
        o.out = out;
        o.smoke = smoke;
        o.full = full;
        o.data_dir = data_dir;
        o.config_path = config_path;
        o.sets = overrides;
        o.threads = threads;
        o.plots = plots;
        return reproduce_py(std::move(o), mode);
      },
      py::arg("name"), py::arg("out"), py::arg("smoke") = false, py::arg("full") = false, py::arg("data_dir") = "",
      py::arg("config_path") = "", py::arg("overrides") = std::vector<std::string>{}, py::arg("threads") = 0,
      py::arg("mode") = "fresh", py::arg("plots") = true, py::arg("progress") = py::none());
}

}  // namespace widthlab::python
