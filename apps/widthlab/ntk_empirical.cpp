// `widthlab ntk-empirical [--config F] [--set k=v]… --out DIR [--width W] [--seed S] [--scaling NAME] [--trained]
//                         [--x X.npy] [--normalization lr|plain|nt] [--output O] [--force]`
// Empirical NTK (theory.md §3.8, §6.3 R21; library: widthlab/empirical_ntk_run.h) of the config's finite net — the
// first scaling / width / seed of the config unless given — at init, or with --trained after the config's [train] run
// (same init, batches and optimizer as run_training; IC-MF offsets included), on the config's test inputs or on
// --x. Writes DIR/entk.npy (N × N, the config's train.precision). Bad input → exit 2.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <new>

#include "config_flags.h"
#include "verb.h"
#include "widthlab/empirical_ntk_plan.h"
#include "widthlab/error.h"
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"

namespace {

struct EntkFlags {
  widthlab::cli::ConfigFlags config;
  std::string out, x, scaling, weighting = "lr";
  std::optional<int> width;
  int output = -1;
  long long seed = -1;
  bool trained = false, force = false;
};

// DIR is checked before the kernel is computed and prepared only once it exists, so a net that does not fit in
// memory (past empirical_ntk_plan's lower bound), a diverged run or a kernel with non-finite entries (kernel_problem)
// leaves nothing written.
template <class T>
int write_entk(const EntkFlags& f, const widthlab::EmpiricalNtkPlan& plan, widthlab::OutputMode mode,
               const std::vector<std::filesystem::path>& reads) {
  using namespace widthlab;
  const TrainTask& task = plan.task;
  EmpiricalNtkRunResult<T> r;
  try {
    r = empirical_ntk_run<T>(plan);
  } catch (const std::bad_alloc&) {
    throw InputError(fmt::format("width {}: the net or its kernel on {} inputs does not fit in this machine's memory",
                                 task.model.width, plan.x.rows()));
  }
  if (const std::string why = kernel_problem(r, plan); !why.empty()) {
    fmt::print(stderr, "widthlab ntk-empirical: {}; no kernel written\n", why);
    return 1;
  }
  const auto dir = prepare_output_dir(f.out, mode, /*resumable=*/false, {"entk.npy"}, reads);
  npy_write((dir / "entk.npy").string(), r.kernel);
  fmt::print("empirical NTK ({} normalization) of {} d={} seed={} depth={} {}: {} × {} on {} → {}/entk.npy\n",
             f.weighting, task.scaling, task.model.width, task.seed, plan.model.depth,
             plan.trained ? "trained" : "at init", r.kernel.rows(), r.kernel.cols(), r.device, printable_path(dir));
  if (f.weighting == "nt") {  // the W_std of the analytic kernel this one tends to, per layer (empirical_ntk.h)
    const double unit = plan.model.init == InitKind::uniform ? 1.0 / std::sqrt(3.0) : 1.0;
    std::vector<std::string> sigmas;
    for (const auto& lf : task.factors) sigmas.push_back(fmt::format("{:.6g}", lf.multiplier * lf.init * unit));
    fmt::print("effective W_std per layer (compare with `widthlab kernel --w-std`): {}\n", fmt::join(sigmas, ", "));
  }
  return 0;
}

int run_entk(const EntkFlags& f) {
  using namespace widthlab;
  const Config config = cli::resolve_config(f.config);
  EmpiricalNtkRunOptions o;
  o.scaling = f.scaling;
  o.width = f.width;
  o.seed = f.seed;
  o.trained = f.trained;
  o.weighting = f.weighting;
  o.output = f.output;
  o.names = {"--scaling", "--width", "--seed", "--normalization", "--output", "--x " + f.x};
  MatrixD X;
  if (!f.x.empty()) {
    X = npy_read_matrix<double>(f.x);
    o.x = &X;
  }
  const EmpiricalNtkPlan plan = empirical_ntk_plan(config, o);  // refuses a net too large for this machine's memory
  const OutputMode mode = f.force ? OutputMode::force : OutputMode::fresh;
  const std::vector<std::filesystem::path> reads = {f.x, config.data.path};  // --force must not remove them
  check_output_dir(f.out, mode, /*resumable=*/false, {"entk.npy"}, reads);   // writes nothing
  return plan.precision == Precision::float64 ? write_entk<double>(f, plan, mode, reads)
                                              : write_entk<float>(f, plan, mode, reads);
}

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto f = std::make_shared<EntkFlags>();
  widthlab::cli::add_config_flags(sub, f->config);
  widthlab::cli::add_arch_flag(sub, f->config);
  widthlab::cli::add_device_flag(sub, f->config.device);
  sub.add_option("--out", f->out, "Output directory (entk.npy)")->required();
  sub.add_option("--width", f->width, "Hidden width (default: the first of sweep.widths)");
  sub.add_option("--seed", f->seed, "Init seed (default: the first of sweep.seeds)")
      ->check(widthlab::cli::non_negative_integer());
  sub.add_option("--scaling", f->scaling, "Scaling name (default: the config's first scaling)");
  sub.add_flag("--trained", f->trained, "Kernel after the config's [train] run instead of at init");
  sub.add_option("--x", f->x, "Inputs, .npy of shape (N, input_dim) (default: the config's test inputs)");
  sub.add_option("--normalization,--weighting", f->weighting,
                 "lr: Θ weighted by each layer's lr (Golikov; the kernel that drives GD) | plain: gradient in the "
                 "stored parameters | nt: neural-tangents' NTK parameterization of the same net (→ `widthlab kernel` "
                 "with --w-std = the net's effective σ as d → ∞; needs model.bias = false)")
      ->capture_default_str();
  sub.add_option("--output", f->output, "Logit index, or -1 for the mean over outputs")->capture_default_str();
  sub.add_flag("--force", f->force, "Replace the results widthlab wrote in --out (other files there are kept)");
  return [f] { return run_entk(*f); };
}

const widthlab::cli::VerbRegistration reg{"ntk-empirical",
                                          "Empirical NTK of a finite net of the config, at init or trained "
                                          "(DIR/entk.npy)",
                                          setup};

}  // namespace
