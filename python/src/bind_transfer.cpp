// widthlab._core.transfer: `widthlab transfer` as a function (theory.md §10; architecture.md §4; library: transfer.h).
//   transfer(out, config_path="", config_toml="", config_name="<config>", overrides=[], threads=-1, mode="fresh",
//            plots=None, bootstrap=1000, coord_steps=None, progress=None) -> {"summary": {...}}
// Like the CLI: without a config, configs/transfer.toml of the source tree; the directory (with a resume's
// config-equality guard), the config (sweep.lrs, ≥ 2 widths) and the data validate, in the CLI's order, before `out`
// is prepared (fresh | resume | force, run_dir.h); run_transfer then writes the sweep, the CSVs, transfer.json,
// report.md and the plots there. The Python layer reads those files back. The GIL is released while it runs.
#include <fmt/format.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bindings.h"
#include "config_source.h"
#include "output_mode.h"
#include "progress_scope.h"
#include "widthlab/config.h"
#include "widthlab/error.h"
#include "widthlab/output_dir.h"
#include "widthlab/run_dir.h"
#include "widthlab/sweep.h"
#include "widthlab/transfer.h"

namespace widthlab::python {
namespace {

namespace py = pybind11;

py::dict transfer_summary_dict(const TransferSummary& s) {
  py::dict d;
  d["runs"] = s.sweep.planned;
  d["runs_ran"] = s.sweep.ran;
  d["runs_already_done"] = s.sweep.already_done;
  d["runs_ok"] = s.sweep.ok;
  d["runs_diverged"] = s.sweep.diverged;
  d["runs_failed"] = s.sweep.failed;
  d["holds"] = s.holds;
  d["fails"] = s.fails;
  d["inconclusive"] = s.inconclusive;
  d["seconds"] = s.seconds;
  d["errors"] = s.errors;
  d["brief"] = s.brief();
  return d;
}

py::dict transfer_py(const std::string& out, ConfigSource src, int threads, const std::string& mode,
                     std::optional<bool> plots, int bootstrap, std::optional<int> coord_steps_given) {
  if (!src.given()) src.path = std::string(WIDTHLAB_SOURCE_DIR) + "/configs/transfer.toml";  // as the CLI
  const Config cfg = resolve_config(src);
  const int coord_steps = coord_steps_given.value_or(std::min(3, cfg.train.steps));  // the CLI's default
  const OutputMode m = output_mode(mode);
  if (out.empty()) throw InputError("out: expected an output directory");
  if (bootstrap < 0 || bootstrap > 1000000)  // the CLI's --bootstrap and --coord-steps ranges
    throw InputError(fmt::format("bootstrap = {}: expected an integer in [0, 1000000]", bootstrap));
  if (coord_steps < 1 || coord_steps > 1000)
    throw InputError(fmt::format("coord_steps = {}: expected an integer in [1, 1000]", coord_steps));
  // In the CLI's order (apps/widthlab/transfer.cpp): the directory for the mode, with the config-equality guard of a
  // resume, before the config's own checks, so a resume with another config is refused for that reason.
  check_run_dir(out, m, cfg);
  if (auto why = validate_transfer_config(cfg); !why.empty()) throw InputError(why);
  if (auto why = transfer_coord_steps_problem(cfg, coord_steps, "coord_steps ="); !why.empty()) throw InputError(why);
  const bool draw = plots.value_or(cfg.study.plots);
  TransferSummary summary;
  {
    py::gil_scoped_release nogil;
    make_sweep_setup(cfg);  // the data validates before anything is written, as in the CLI
    // A user's file under a name transfer writes is refused before any work, as the CLI's check_run_outputs.
    check_output_dir(out, m, /*resumable=*/true, transfer_output_names(cfg, draw));
    if (m == OutputMode::resume)
      if (auto why = transfer_resume_problem(out, coord_steps); !why.empty()) throw InputError(why);
    open_run_dir(out, m, cfg);  // fresh / resume / force with the config-equality guard (run_dir.h)
    TransferOptions to;
    to.out = out;
    to.threads = threads >= 0 ? threads : cfg.study.threads;
    to.plots = draw;
    to.bootstrap = bootstrap;
    to.coord_steps = coord_steps;
    summary = run_transfer(cfg, to);
  }
  py::dict result;
  result["summary"] = transfer_summary_dict(summary);
  return result;
}

}  // namespace

void bind_transfer(py::module_& m) {
  m.def(
      "transfer",
      [](const std::string& out, const std::string& config_path, const std::string& config_toml,
         const std::string& config_name, const std::vector<std::string>& overrides, int threads,
         const std::string& mode, std::optional<bool> plots, int bootstrap, std::optional<int> coord_steps,
         const py::object& progress) {
        ProgressScope scope(progress);
        return transfer_py(out, ConfigSource{config_path, config_toml, config_name, overrides}, threads, mode, plots,
                           bootstrap, coord_steps);
      },
      py::arg("out"), py::arg("config_path") = "", py::arg("config_toml") = "", py::arg("config_name") = "<config>",
      py::arg("overrides") = std::vector<std::string>{}, py::arg("threads") = -1, py::arg("mode") = "fresh",
      py::arg("plots") = py::none(), py::arg("bootstrap") = 1000, py::arg("coord_steps") = py::none(),
      py::arg("progress") = py::none());
}

}  // namespace widthlab::python
