// widthlab._core.empirical_ntk: the `widthlab ntk-empirical` verb as a function (theory.md §3.8, §6.3 R21; library:
// empirical_ntk_run.h — the same plan + run the CLI calls, so both give the same kernel for the same config/flags).
//   empirical_ntk(config_path="", config_toml="", config_name="<config>", overrides=[], x=None, width=None,
//                 seed=None, scaling="", trained=False, weighting="lr", output=-1) -> (N, N) array
// The dtype is the config's train.precision. The GIL is released while the net trains and the kernel is computed.
// Divergence during training raises RuntimeError (the CLI exits 1 and writes nothing).
#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bindings.h"
#include "config_source.h"
#include "numpy_bridge.h"
#include "progress_scope.h"
#include "widthlab/empirical_ntk_plan.h"
#include "widthlab/error.h"

namespace widthlab::python {
namespace {

namespace py = pybind11;

template <class T>
py::object run_typed(const EmpiricalNtkPlan& plan) {
  EmpiricalNtkRunResult<T> r;
  {
    ProgressScope turn{py::none()};  // one computing call at a time (progress_scope.h)
    py::gil_scoped_release nogil;
    r = empirical_ntk_run<T>(plan);
  }
  if (const std::string why = kernel_problem(r, plan); !why.empty())
    throw std::runtime_error("empirical_ntk: " + why + "; no kernel");
  return py_bridge::to_numpy(std::move(r.kernel));
}

py::object empirical_ntk_py(const ConfigSource& src, const py::object& x, std::optional<int> width,
                            std::optional<std::int64_t> seed, const std::string& scaling, bool trained,
                            const std::string& weighting, int output) {
  const Config config = resolve_config(src);
  EmpiricalNtkRunOptions o;  // default names: "width = 0: expected ≥ 1", …
  if (width && *width < 1) throw InputError(fmt::format("{} {}: expected ≥ 1", o.names.width, *width));
  if (seed && *seed < 0) throw InputError(fmt::format("{} {}: expected ≥ 0", o.names.seed, *seed));
  o.scaling = scaling;
  o.width = width;
  o.seed = seed.value_or(-1);
  o.trained = trained;
  o.weighting = weighting;
  o.output = output;
  MatrixD X;
  if (!x.is_none()) {
    auto arr = py_bridge::real_array<double>(x, "x");
    if (arr.ndim() != 2) throw InputError(fmt::format("x: expected a 2-D (N, d) array, got {} dimensions", arr.ndim()));
    X = py_bridge::as_matrix<double>(arr, "x");
    o.x = &X;
  }
  EmpiricalNtkPlan plan;
  {
    py::gil_scoped_release nogil;  // loads the config's data
    plan = empirical_ntk_plan(config, o);
  }
  return plan.precision == Precision::float64 ? run_typed<double>(plan) : run_typed<float>(plan);
}

}  // namespace

void bind_empirical_ntk(py::module_& m) {
  m.def(
      "empirical_ntk",
      [](const std::string& config_path, const std::string& config_toml, const std::string& config_name,
         const std::vector<std::string>& overrides, const py::object& x, std::optional<int> width,
         std::optional<std::int64_t> seed, const std::string& scaling, bool trained, const std::string& weighting,
         int output) {
        return empirical_ntk_py(ConfigSource{config_path, config_toml, config_name, overrides}, x, width, seed, scaling,
                                trained, weighting, output);
      },
      py::arg("config_path") = "", py::arg("config_toml") = "", py::arg("config_name") = "<config>",
      py::arg("overrides") = std::vector<std::string>{}, py::arg("x") = py::none(), py::arg("width") = py::none(),
      py::arg("seed") = py::none(), py::arg("scaling") = "", py::arg("trained") = false, py::arg("weighting") = "lr",
      py::arg("output") = -1);
}

}  // namespace widthlab::python
