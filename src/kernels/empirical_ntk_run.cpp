// Empirical NTK of a config's finite net (theory.md §3.8, §6.3 R21; see include/widthlab/empirical_ntk_run.h).
#include "widthlab/empirical_ntk_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>

#include "widthlab/empirical_ntk_cuda.h"
#include "widthlab/error.h"
#include "widthlab/loss.h"
#include "widthlab/mlp_cuda.h"
#include "widthlab/optimizer.h"
#include "widthlab/rng.h"
#include "widthlab/training_loop.h"

namespace widthlab {

namespace {

// The config's training run on `net` (train_steps: the loop of run_training, IC-MF offsets included). False on
// divergence.
// On the GPU (a float32 Mlp with `gpu`) the steps run on a CudaMlp and the trained parameters come back into `net`.
template <template <class> class Net, class T>
bool train_net(Net<T>& net, const TrainTask& task, const Dataset& data, bool gpu) {
  const Matrix<T> xtr = data.x_train.template cast<T>();
  Matrix<T> offset;
  if (task.init_corrected) {
    auto ws = net.make_workspace(int(xtr.rows()), false);
    offset = icmf_offset(net, task, xtr, ws);
  }
  const Loss loss = loss_from_name(task.train.loss);
  if constexpr (std::is_same_v<Net<T>, Mlp<float>>) {
    if (gpu) {
      CudaMlp g(net);
      const bool ok = !train_steps(g, task, loss, xtr, data.y_train, offset).diverged;
      g.download(net);
      return ok;
    }
  }
  return !train_steps(net, task, loss, xtr, data.y_train, offset).diverged;
}

// The kernel of the plan's net (init, optionally trained) on plan.x.
template <template <class> class Net, class T, class NetConfig>
EmpiricalNtkRunResult<T> kernel_of(const EmpiricalNtkPlan& p, const NetConfig& config) {
  EmpiricalNtkRunResult<T> r;
  Net<T> net(config, p.task.factors);
  net.init(p.task.seed);
  bool gpu = false;  // study.device: training and kernel on the GPU for a float32 dense net (mlp_cuda.h)
  if constexpr (std::is_same_v<Net<T>, Mlp<float>>) gpu = task_on_gpu(p.task);
  r.device = gpu ? "cuda" : "cpu";
  if (p.trained && !train_net(net, p.task, p.data, gpu)) {
    r.status = RunStatus::diverged;
    return r;
  }
  const Matrix<T> X = p.x.template cast<T>();
  if constexpr (std::is_same_v<Net<T>, Mlp<float>>)
    if (gpu) r.kernel = empirical_ntk_cuda(net, X, nullptr, p.kernel);
  if (!gpu) r.kernel = empirical_ntk(net, X, nullptr, p.kernel);
  r.non_finite_entries = (!r.kernel.array().isFinite()).count();
  return r;
}

}  // namespace

template <class T>
EmpiricalNtkRunResult<T> empirical_ntk_run(const EmpiricalNtkPlan& p) {
  constexpr Precision want = sizeof(T) == 4 ? Precision::float32 : Precision::float64;
  if (p.precision != want)
    throw InputError(fmt::format("empirical NTK: the plan's precision is {}, the call's {}",
                                 precision_name(p.precision), precision_name(want)));
  if (p.task.arch.layers.empty()) return kernel_of<Mlp, T>(p, p.model);
  ConvNetConfig cfg;  // a layered net (model.arch): the run's resolved architecture
  cfg.arch = p.task.arch;
  cfg.input = p.task.input_shape;
  cfg.bias = p.model.bias;
  cfg.init = p.model.init;
  return kernel_of<ConvNet, T>(p, cfg);
}

template <class T>
std::string kernel_problem(const EmpiricalNtkRunResult<T>& r, const EmpiricalNtkPlan& plan) {
  const TrainTask& t = plan.task;
  const std::string run = fmt::format("{} w={} seed={}", t.scaling, t.model.width, t.seed);
  if (r.status == RunStatus::diverged) return fmt::format("training diverged ({})", run);
  if (r.non_finite_entries == 0) return "";
  return fmt::format(
      "{} of the {} kernel entries are not finite ({}{}: the {} net's parameters overflow {}); lower "
      "train.lr or use train.precision = \"float64\"",
      r.non_finite_entries, r.kernel.size(), run, plan.trained ? ", trained" : ", at init",
      plan.trained ? "trained" : "initial", sizeof(T) == 4 ? "float32" : "float64");
}

template EmpiricalNtkRunResult<float> empirical_ntk_run<float>(const EmpiricalNtkPlan&);
template std::string kernel_problem<float>(const EmpiricalNtkRunResult<float>&, const EmpiricalNtkPlan&);
template std::string kernel_problem<double>(const EmpiricalNtkRunResult<double>&, const EmpiricalNtkPlan&);
template EmpiricalNtkRunResult<double> empirical_ntk_run<double>(const EmpiricalNtkPlan&);

}  // namespace widthlab
