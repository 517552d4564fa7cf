// widthlab._core.train_net: one run of a config's grid, trained exactly as `widthlab train` trains it (the same
// TrainTask from the same config mapping, run_training), handing back the net's parameters with the run's record.
//   train_net(config_path="", config_toml="", config_name="<config>", overrides=[], scaling="", width=None,
//             seed=None) -> dict
// The dict: the runs.jsonl record and "curve", both as the sweep writes them (sweep_output; the curve as a dict of
// lists with curves/*.csv's columns, integral values as ints like widthlab.train's CSV reader), "multipliers" (α_l,
// l = 0..H), "layer_lrs" (the learning rates of θ_l and b_l), "init_parameters" and "final_parameters" ({"weights":
// [θ_l], "biases": [b_l]}, raw float64 parameters; "final_parameters" is None when the run diverged) and
// "test_logits" (m × k, None when diverged), "batches" (per planned step, the training-example indices it uses). The
// net computes z_l = α_l (θ_l h + b_l) (mlp.h), so α_l θ_l are its effective weights (theory.md §1.2). Parameters are
// float64 copies whatever train.precision is. The GIL is released while it trains.
#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bindings.h"
#include "config_source.h"
#include "numpy_bridge.h"
#include "progress_scope.h"
#include "py_json.h"
#include "widthlab/batch_order.h"
#include "widthlab/config_mapping.h"
#include "widthlab/error.h"
#include "widthlab/sweep.h"
#include "widthlab/train_run.h"

namespace widthlab::python {
namespace {

namespace py = pybind11;

py::dict parameters(const std::vector<MatrixD>& weights, const std::vector<VectorD>& biases) {
  py::list w, b;
  for (MatrixD m : weights) w.append(py_bridge::to_numpy(std::move(m)));
  for (VectorD v : biases) b.append(py_bridge::to_numpy(std::move(v)));
  return py::dict(py::arg("weights") = w, py::arg("biases") = b);
}

// The training-example indices of each planned step, from the BatchOrder the training loop draws them from (the
// identity for full batch; theory.md §6.0).
py::list batches(int n, const TrainTask& task) {
  py::list out;
  BatchOrder order(n, task.train.batch, task.seed);
  for (int step = 0; step < task.train.steps; ++step) {
    const std::span<const int> idx = order.next();
    out.append(py::array_t<int>(py::ssize_t(idx.size()), idx.data()));
  }
  return out;
}

// A CSV table as a dict of columns; a finite integral value becomes an int, as widthlab.train reads the CSV files.
py::dict table_columns(const CsvTable& table) {
  py::dict out;
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    py::list column;
    for (const auto& row : table.rows)
      column.append(std::isfinite(row[c]) && row[c] == std::floor(row[c]) && std::abs(row[c]) < 9e15
                        ? py::object(py::int_(static_cast<long long>(row[c])))
                        : py::object(py::float_(row[c])));
    out[py::str(table.columns[c])] = column;
  }
  return out;
}

py::dict train_net_py(const ConfigSource& src, const std::string& scaling, std::optional<int> width,
                      std::optional<std::int64_t> seed) {
  const Config config = resolve_config(src);
  if (width && *width < 1) throw InputError(fmt::format("width {}: expected ≥ 1", *width));
  if (seed && *seed < 0) throw InputError(fmt::format("seed {}: expected ≥ 0", *seed));
  TrainResult r;
  TrainTask task;
  int n_train = 0;
  {
    ProgressScope turn{py::none()};  // one computing call at a time (progress_scope.h)
    py::gil_scoped_release nogil;
    const SweepSetup setup = make_sweep_setup(config);
    task = pick_train_task(setup, config, scaling, width,
                           seed ? std::optional<std::uint64_t>(std::uint64_t(*seed)) : std::nullopt);
    task.train.keep_parameters = true;
    const TrainData data{setup.data.x_train, setup.data.y_train, setup.data.x_test, setup.data.y_test,
                         setup.data.classes};
    r = run_training(task, data);
    n_train = int(setup.data.x_train.rows());
  }
  const SweepRunOutput sweep = sweep_output(r, /*with_logits=*/false);
  py::dict out = json_to_py(sweep.record);
  if (sweep.curve) out["curve"] = table_columns(*sweep.curve);
  py::list multipliers;
  for (const LayerFactors& f : task.factors) multipliers.append(f.multiplier);
  out["multipliers"] = multipliers;
  out["layer_lrs"] = py::cast(r.layer_lrs);
  out["init_parameters"] = parameters(r.initial_weights, r.initial_biases);
  const bool ok = r.status == RunStatus::ok;
  out["final_parameters"] = ok ? py::object(parameters(r.final_weights, r.final_biases)) : py::object(py::none());
  out["test_logits"] = ok ? py::object(py_bridge::to_numpy(std::move(r.test_logits))) : py::object(py::none());
  out["batches"] = batches(n_train, task);
  return out;
}

}  // namespace

void bind_train_net(py::module_& m) {
  m.def(
      "train_net",
      [](const std::string& config_path, const std::string& config_toml, const std::string& config_name,
         const std::vector<std::string>& overrides, const std::string& scaling, std::optional<int> width,
         std::optional<std::int64_t> seed) {
        return train_net_py(ConfigSource{config_path, config_toml, config_name, overrides}, scaling, width, seed);
      },
      py::arg("config_path") = "", py::arg("config_toml") = "", py::arg("config_name") = "<config>",
      py::arg("overrides") = std::vector<std::string>{}, py::arg("scaling") = "", py::arg("width") = py::none(),
      py::arg("seed") = py::none());
}

}  // namespace widthlab::python
