// widthlab._core.train: the `widthlab train` verb as a function (architecture.md §4; library: sweep.h).
//   train(out, config_path="", config_toml="", config_name="<config>", overrides=[], threads=-1, mode="fresh")
//     -> list of dicts, the lines of out/runs.jsonl (architecture.md §4 runs.jsonl contract keys plus the extras)
// Like the CLI it prepares `out` (fresh | resume | force; output_dir.h), writes out/config.toml (the resolved
// config), runs the grid with run_sweep (curves in out/curves/) and reads runs.jsonl back. The Python layer passes a
// temporary directory when the caller gives no `out`. The GIL is released while the runs train.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <filesystem>
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
#include "widthlab/sweep.h"

namespace widthlab::python {
namespace {

namespace py = pybind11;

py::object train_py(const std::string& out, const ConfigSource& src, int threads, const std::string& mode) {
  const Config cfg = resolve_config(src);
  const OutputMode m = output_mode(mode);
  if (out.empty()) throw InputError("out: expected an output directory");
  SweepSummary summary;
  std::filesystem::path dir;
  {
    py::gil_scoped_release nogil;
    dir = out;
    const SweepSetup setup = make_sweep_setup(cfg);  // the data validates before anything is written
    // With force, a user's file under a name the sweep writes is refused before the results are removed (as the
    // CLI); a fresh DIR holds none, and a resumed sweep checks the names of the runs it still has to run.
    if (m == OutputMode::force)
      check_output_dir(dir, m, /*resumable=*/true,
                       sweep_output_names(sweep_grid(setup), /*curves=*/cfg.train.log_every > 0, /*logits=*/false));
    open_run_dir(dir, m, cfg);  // fresh / resume / force with the config-equality guard (run_dir.h)
    SweepOptions so;
    so.out = dir;
    so.threads = threads >= 0 ? threads : cfg.study.threads;
    so.max_seconds = cfg.study.max_seconds;
    so.progress_label = "train";
    summary = run_sweep(setup, so);
  }
  if (summary.failed > 0) {
    std::string msg = std::to_string(summary.failed) + " run(s) failed (see " + printable_path(dir) + "/errors.jsonl)";
    for (const auto& e : summary.errors) msg += "; " + e;
    throw std::runtime_error(msg);
  }
  py::list runs;
  for (const auto& record : read_jsonl(dir / "runs.jsonl", /*missing_ok=*/true)) runs.append(json_to_py(record));
  return runs;
}

}  // namespace

void bind_train(py::module_& m) {
  m.def(
      "train",
      [](const std::string& out, const std::string& config_path, const std::string& config_toml,
         const std::string& config_name, const std::vector<std::string>& overrides, int threads,
         const std::string& mode, const py::object& progress) {
        ProgressScope scope(progress);
        return train_py(out, ConfigSource{config_path, config_toml, config_name, overrides}, threads, mode);
      },
      py::arg("out"), py::arg("config_path") = "", py::arg("config_toml") = "", py::arg("config_name") = "<config>",
      py::arg("overrides") = std::vector<std::string>{}, py::arg("threads") = -1, py::arg("mode") = "fresh",
      py::arg("progress") = py::none());
}

}  // namespace widthlab::python
