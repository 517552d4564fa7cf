// widthlab._core.study: the main job, `widthlab study`, as a function (architecture.md §1, §4, §8; library: study.h).
//   study(out, config_path="", config_toml="", config_name="<config>", overrides=[], threads=-1, mode="fresh",
//         plots=None) -> {"summary": {...}, "runs": [runs.jsonl lines], "limits": [limits.jsonl lines]}
// Without a config it runs the CLI's built-in default study (default_study_budget, study.h; summary["notes"] says so).
// Like the CLI it prepares `out` (fresh | resume | force), writes out/config.toml and runs run_study, which writes
// runs.jsonl, limits.jsonl, distances.csv, rates.json, report.md and the plots there. The Python layer adds the
// parsed rates.json / distances.csv and the report path. The GIL is released while the study runs.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bindings.h"
#include "config_source.h"
#include "output_mode.h"
#include "progress_scope.h"
#include "py_json.h"
#include "widthlab/config.h"
#include "widthlab/error.h"
#include "widthlab/output_dir.h"
#include "widthlab/results_io.h"
#include "widthlab/run_dir.h"
#include "widthlab/study.h"
#include "widthlab/sweep.h"

namespace widthlab::python {
namespace {

namespace py = pybind11;

py::dict summary_dict(const StudySummary& s) {
  py::dict d;
  d["runs"] = s.runs;
  d["runs_ok"] = s.runs_ok;
  d["runs_diverged"] = s.runs_diverged;
  d["runs_failed"] = s.runs_failed;
  d["limits"] = s.limits;
  d["limits_failed"] = s.limits_failed;
  d["seconds"] = s.seconds;
  d["sweep_seconds"] = s.sweep_seconds;
  d["limit_seconds"] = s.limit_seconds;
  d["plots_drawn"] = s.plots_drawn;
  d["plot_message"] = s.plot_message;
  d["errors"] = s.errors;
  d["brief"] = s.brief();
  return d;
}

py::dict study_py(const std::string& out, ConfigSource src, int threads, const std::string& mode,
                  std::optional<bool> plots) {
  // Without a config, the CLI's built-in default study: the default config reduced by default_study_budget, the
  // caller's overrides after it (they win), and the note in the report and the result.
  std::vector<std::string> notes;
  if (!src.given()) {
    std::vector<std::string> sets = default_study_budget();
    sets.insert(sets.end(), src.overrides.begin(), src.overrides.end());
    src.overrides = sets;
    notes.push_back(default_study_budget_note());
  }
  const Config cfg = resolve_config(src);
  const OutputMode m = output_mode(mode);
  if (out.empty()) throw InputError("out: expected an output directory");
  StudySummary summary;
  std::filesystem::path dir;
  {
    py::gil_scoped_release nogil;
    dir = out;
    if (cfg.sweep.lrs)  // as the CLI: a study runs every scaling at train.lr
      throw InputError("sweep.lrs: widthlab study runs every scaling at train.lr; sweep lrs with `widthlab transfer`");
    const SweepSetup setup = make_sweep_setup(cfg);  // the data validates before anything is written, as in the CLI
    // A user's file under a name the study writes is refused before --force removes the results or any run starts
    // (the CLI's check_run_outputs).
    check_output_dir(dir, m, /*resumable=*/true, study_output_names(cfg, setup, plots.value_or(cfg.study.plots)));
    open_run_dir(dir, m, cfg);  // fresh / resume / force with the config-equality guard (run_dir.h)
    StudyOptions so;
    so.out = dir;
    so.threads = threads >= 0 ? threads : cfg.study.threads;
    so.plots = plots.value_or(cfg.study.plots);
    so.notes = notes;
    summary = run_study(cfg, so);
  }
  py::dict result;
  result["summary"] = summary_dict(summary);
  result["summary"]["notes"] = notes;
  py::list runs, limits;
  for (const auto& r : read_jsonl(dir / "runs.jsonl", /*missing_ok=*/true)) runs.append(json_to_py(r));
  for (const auto& r : read_jsonl(dir / "limits.jsonl", /*missing_ok=*/true)) limits.append(json_to_py(r));
  result["runs"] = runs;
  result["limits"] = limits;
  return result;
}

}  // namespace

void bind_study(py::module_& m) {
  m.def(
      "study",
      [](const std::string& out, const std::string& config_path, const std::string& config_toml,
         const std::string& config_name, const std::vector<std::string>& overrides, int threads,
         const std::string& mode, std::optional<bool> plots, const py::object& progress) {
        ProgressScope scope(progress);
        return study_py(out, ConfigSource{config_path, config_toml, config_name, overrides}, threads, mode, plots);
      },
      py::arg("out"), py::arg("config_path") = "", py::arg("config_toml") = "", py::arg("config_name") = "<config>",
      py::arg("overrides") = std::vector<std::string>{}, py::arg("threads") = -1, py::arg("mode") = "fresh",
      py::arg("plots") = py::none(), py::arg("progress") = py::none());
}

}  // namespace widthlab::python
