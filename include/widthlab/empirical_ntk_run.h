// Empirical NTK of a config's finite net, at init or after the config's training run (theory.md §3.8, §6.3 R21) — the
// job of `widthlab ntk-empirical` and `widthlab.empirical_ntk`, on top of empirical_ntk.h. The plan is made from a
// Config by empirical_ntk_plan (empirical_ntk_plan.h, the config layer); this header runs it.
//
// The net is the sweep's run (make_train_task) for one scaling / width / seed of the config — the first of each
// unless given; a scaling name that is not in the config's list is built like a preset (scaling_from_name). With
// `trained` it is first trained exactly like run_training does it (same init, mini-batch order from
// make_rng(seed, batches), optimizer, IC-MF offsets added to the logits), so the kernel is the one of the run's final
// parameters. The kernel is evaluated on the config's test inputs or on given inputs x (N × input_dim) in the config's
// train.precision. Divergence during training is a status (RunStatus::diverged, no kernel), not an exception.
//
// Two steps so that a caller can fail fast before the expensive part: empirical_ntk_plan() loads the data and
// validates every option (InputError, one line naming the option as `names` spells it); empirical_ntk_run() trains
// (optional) and computes the kernel. Cost: the training run (steps × forward + backward) plus empirical_ntk.h's.
// study.device (the task's train.device) as for run_training: a float32 dense net trains and gets its kernel on the
// GPU (empirical_ntk_cuda.h) under "cuda", and under "auto" when a GPU is present and the task has a CUDA path.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "widthlab/dataset.h"
#include "widthlab/empirical_ntk.h"
#include "widthlab/mlp.h"
#include "widthlab/tensor.h"
#include "widthlab/train_run.h"

namespace widthlab {

// The resolved job: everything empirical_ntk_run needs, validated.
struct EmpiricalNtkPlan {
  Dataset data;                // the config's data (the training run's inputs and labels)
  TrainTask task;              // the run (scaling, width, seed, factors, train options)
  MlpConfig model;             // task.model with input_dim and outputs filled in
  MatrixD x;                   // the inputs the kernel is evaluated on (N × input_dim)
  EmpiricalNtkOptions kernel;  // weighting, lr, output
  bool trained = false;
  Precision precision = Precision::float32;  // the config's train.precision
};

template <class T>
struct EmpiricalNtkRunResult {
  RunStatus status = RunStatus::ok;  // diverged: training produced a non-finite loss or logit; `kernel` is empty
  Matrix<T> kernel;                  // N × N, symmetric
  // Entries of `kernel` that are not finite: a trained net whose loss stayed finite can still have parameters whose
  // gradients' products overflow T (float32 above ~3.4e38). Callers must not hand out such a kernel as a result
  // (ntk-empirical exits 1, widthlab.empirical_ntk raises RuntimeError; kernel_problem says why).
  std::int64_t non_finite_entries = 0;
  std::string device = "cpu";  // where the net trained and the kernel ran (study.device; mlp_cuda.h)
};

// Builds the net (init with the run's seed), trains it when plan.trained, and computes Θ(x, x). T must be the
// plan's precision (float for float32, double for float64); InputError otherwise.
template <class T>
EmpiricalNtkRunResult<T> empirical_ntk_run(const EmpiricalNtkPlan& plan);

// Why a run's kernel is not a result, one line for the CLI and Python ("" when it is one): training diverged, or
// entries of the kernel are not finite.
template <class T>
std::string kernel_problem(const EmpiricalNtkRunResult<T>& r, const EmpiricalNtkPlan& plan);

extern template EmpiricalNtkRunResult<float> empirical_ntk_run<float>(const EmpiricalNtkPlan&);
extern template EmpiricalNtkRunResult<double> empirical_ntk_run<double>(const EmpiricalNtkPlan&);
extern template std::string kernel_problem<float>(const EmpiricalNtkRunResult<float>&, const EmpiricalNtkPlan&);
extern template std::string kernel_problem<double>(const EmpiricalNtkRunResult<double>&, const EmpiricalNtkPlan&);

}  // namespace widthlab
