// A config's empirical-NTK plan (theory.md §3.8, §6.3 R21; include/widthlab/empirical_ntk_plan.h).
#include "widthlab/empirical_ntk_plan.h"

#include <fmt/format.h>

#include <optional>

#include "widthlab/config_mapping.h"
#include "widthlab/error.h"
#include "widthlab/loss.h"

namespace widthlab {

EmpiricalNtkPlan empirical_ntk_plan(const Config& config, const EmpiricalNtkRunOptions& o) {
  const auto& nm = o.names;
  if (o.weighting != "lr" && o.weighting != "plain" && o.weighting != "nt")
    throw InputError(fmt::format("{} '{}': expected lr, plain or nt", nm.weighting, o.weighting));
  if (o.width && *o.width < 1) throw InputError(fmt::format("{} {}: expected ≥ 1", nm.width, *o.width));
  if (o.seed < -1) throw InputError(fmt::format("{} {}: expected ≥ 0", nm.seed, o.seed));
  if (o.weighting == "nt" && config.model.bias)
    throw InputError(
        fmt::format("{} nt: needs a net without biases (model.bias = false): a bias init has no "
                    "width-independent b_std",
                    nm.weighting));

  EmpiricalNtkPlan p;
  const SweepSetup setup = make_sweep_setup(config);
  p.task = pick_train_task(setup, config, o.scaling, o.width,
                           o.seed >= 0 ? std::optional<std::uint64_t>(o.seed) : std::nullopt);
  p.model = p.task.model;
  p.model.input_dim = int(setup.data.x_train.cols());
  const int k = loss_from_name(p.task.train.loss).outputs(setup.data.classes);
  if (p.model.outputs == 0) p.model.outputs = k;
  if (auto err = p.model.validate(); !err.empty()) throw InputError(err);

  if (o.x) {
    const MatrixD& X = *o.x;
    if (X.rows() < 1 || X.cols() != p.model.input_dim)
      throw InputError(fmt::format("{}: expected an (N, {}) array (the data's input dimension), got ({}, {})", nm.x,
                                   p.model.input_dim, X.rows(), X.cols()));
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      if (!X.row(i).allFinite())
        throw InputError(fmt::format("{}: row {} holds a non-finite value (NaN or inf)", nm.x, i));
    p.x = X;
  } else {
    p.x = setup.data.x_test;
  }
  if (o.output < -1 || o.output >= p.model.outputs)
    throw InputError(
        fmt::format("{} {}: expected -1 (mean over outputs) or 0..{}", nm.output, o.output, p.model.outputs - 1));
  p.kernel.lr_weighted = o.weighting == "lr";
  p.kernel.nt_parameterization = o.weighting == "nt";
  p.kernel.lr = p.task.train.lr;
  p.kernel.output = o.output;
  p.trained = o.trained;
  p.precision = p.task.train.precision;
  p.data = setup.data;
  return p;
}

}  // namespace widthlab
