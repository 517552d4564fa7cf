// A config's empirical-NTK plan (theory.md §3.8, §6.3 R21; include/widthlab/empirical_ntk_plan.h).
#include "widthlab/empirical_ntk_plan.h"

#include <fmt/format.h>

#include <limits>
#include <optional>

#include "widthlab/architecture.h"
#include "widthlab/config_mapping.h"
#include "widthlab/error.h"
#include "widthlab/loss.h"
#include "widthlab/memory_guard.h"

namespace widthlab {
namespace {

// A lower bound on the bytes the plan's kernel needs (empirical_ntk.h, "Memory"): the net's parameters (twice when
// it trains: their gradient), Θ and its two N × N buffers, and the signals h, φ', δ of the N inputs at every layer.
double entk_bytes_lower_bound(const EmpiricalNtkPlan& p, double* parameters) {
  const double n = double(p.x.rows()), k = p.model.outputs;
  double params = 0, signals = 0;
  if (p.task.arch.layers.empty()) {
    for (int l = 0; l < p.model.num_layers(); ++l)
      params += double(p.model.fan_in(l)) * p.model.fan_out(l) + (p.model.bias ? p.model.fan_out(l) : 0);
    signals = n * (2 + k) * p.model.depth * double(p.model.width);
  } else {
    const std::vector<ImageShape> shapes = architecture_shapes(p.task.arch, p.task.input_shape);
    for (std::size_t i = 0; i < p.task.arch.layers.size(); ++i) {
      const Layer& l = p.task.arch.layers[i];
      if (!l.affine()) continue;
      const ImageShape &in = shapes[i], &out = shapes[i + 1];
      params += (l.kind == LayerKind::conv ? double(l.filter_h) * l.filter_w * in.channels * out.channels
                                           : double(in.size()) * out.size()) +
                (p.model.bias ? double(out.channels) : 0);
      signals += n * (2 + k) * double(out.size());
    }
  }
  *parameters = params;
  const double bytes = precision_bytes(p.precision);
  return bytes * ((p.trained ? 2 : 1) * params + 3 * n * n + signals);
}

// A net too large for this machine is refused here, before the verb writes anything (else std::bad_alloc would come
// after provenance.jsonl is written).
void check_memory(const EmpiricalNtkPlan& p, const EmpiricalNtkRunOptions& o) {
  double params = 0;
  const double need = entk_bytes_lower_bound(p, &params), have = physical_memory_bytes();
  if (need <= have) return;
  const std::string width = o.width ? fmt::format("{} {}", o.names.width, *o.width)
                                    : fmt::format("width {} (the first of sweep.widths)", p.task.model.width);
  constexpr double gib = 1024.0 * 1024.0 * 1024.0;
  throw InputError(fmt::format(
      "{}: the empirical NTK of this net ({:.3g} parameters) on {} inputs needs at least {:.3g} GiB in {}, more than "
      "this machine's {:.3g} GiB of memory",
      width, params, p.x.rows(), need / gib, precision_name(p.precision), have / gib));
}

}  // namespace

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
  check_memory(p, o);
  return p;
}

}  // namespace widthlab
