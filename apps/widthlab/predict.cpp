// `widthlab predict`: predictions of the infinite-width net (theory.md §3.2; include/widthlab/predict.h) on --test →
// DIR/mean.npy (m × outputs), DIR/cov.npy (m × m, with --cov), DIR/predict.json (what was used). The net is the
// --depth/--activation Dense stack or an --arch architecture (theory.md §3.9, cnn_kernel.h): the kernel flags and
// inputs are `widthlab kernel`'s (kernel_flags.h), so --train / --test may then be (N, H, W, C) images; so is
// --device: the float64 kernels are computed on the GPU when the CUDA kernel supports the request (kernel_cuda.h),
// and the solves stay on the CPU.
#include "widthlab/predict.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "kernel_flags.h"
#include "verb.h"
#include "widthlab/error.h"
#include "widthlab/kernel.h"
#include "widthlab/kernel_cuda.h"
#include "widthlab/loss.h"
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"
#include "widthlab/results_io.h"

namespace {

struct PredictFlags {
  std::string train, labels, test, time, loss = "mse", kernel = "ntk", out;
  widthlab::cli::KernelFlags net;
  double lr = 1.0, diag_reg = 0.0;
  std::uint64_t seed = 0;
  bool cov = false, no_init_sample = false, diag_reg_absolute = false, force = false;
  const CLI::Option *seed_option = nullptr, *lr_option = nullptr;  // given?
};

// Flags the prediction would not read are refused, as --seed is with mse (no silently ignored flag):
// --lr at t = ∞ (only mse has it, and f*(∞) = Θ*(Θ + r·I)⁻¹y involves no time scale; predict.h), and --width with
// --kernel nngp (the NNGP of either parameterization has no width, theory.md §3.8; --cov uses the NNGP alone then).
void refuse_unread_flags(const PredictFlags& f, const widthlab::PredictOptions& po) {
  using namespace widthlab;
  if (std::isinf(po.time) && loss_from_kind(po.loss).closed_form() && f.lr_option->count() > 0)  // else: no t = ∞
    throw InputError(fmt::format(
        "--lr {}: not used at --time inf (the t = ∞ prediction does not depend on the step size); give a finite "
        "--time or leave --lr out",
        f.lr));
  if (po.diag_reg_absolute_scale && po.diag_reg == 0)  // 0 is 0 in either unit
    throw InputError(
        "--diag-reg-absolute: not used with --diag-reg 0 (no regularizer to scale); give --diag-reg R > 0 or leave "
        "--diag-reg-absolute out");
  if (po.kernel == PredictKernel::nngp && f.net.width_option->count() > 0)
    throw InputError(
        fmt::format("--width {}: not used with --kernel nngp (the NNGP has no width; theory.md §3.8)", f.net.width));
}

// Predictions need float64 solves; float32 kernels would only lose accuracy. One kernel evaluation: no
// --block/--threads. --arch / --input-shape as `widthlab kernel`.
const widthlab::cli::KernelFlagsSpec kSpec{/*float32=*/false, /*blocks=*/false, "predict", /*arch=*/true};

double parse_time(const std::string& s) {
  if (s == "inf" || s == "∞") return std::numeric_limits<double>::infinity();
  try {
    std::size_t pos = 0;
    double t = std::stod(s, &pos);
    if (pos == s.size() && std::isfinite(t) && t >= 0) return t;
  } catch (const std::exception&) {
  }
  throw widthlab::InputError(fmt::format("--time '{}': expected a number of steps ≥ 0 or inf", s));
}

struct Inputs {
  widthlab::MatrixD X, Y, T;
};

// --train, --labels, --test, checked; with --arch, (N, H, W, C) images set ko.input_shape (kernel_flags.h).
Inputs read_inputs(const PredictFlags& f, widthlab::KernelOptions& ko) {
  using namespace widthlab;
  Inputs in{cli::read_kernel_input<double>(f.train, "--train", ko), npy_read_matrix<double>(f.labels),
            cli::read_kernel_input<double>(f.test, "--test", ko)};
  auto check = [](const MatrixD& A, const std::string& flag, const std::string& path) {
    if (A.rows() < 1 || A.cols() < 1) throw InputError(fmt::format("{} {}: expected a non-empty array", flag, path));
    for (Eigen::Index i = 0; i < A.rows(); ++i)
      if (!A.row(i).allFinite())
        throw InputError(fmt::format("{} {}: row {} holds a non-finite value (NaN or inf)", flag, path, i));
  };
  check(in.X, "--train", f.train);
  check(in.Y, "--labels", f.labels);
  check(in.T, "--test", f.test);
  if (in.T.cols() != in.X.cols())
    throw InputError(
        fmt::format("--test {}: expected {} columns (as --train), got {}", f.test, in.X.cols(), in.T.cols()));
  if (in.Y.rows() != in.X.rows())
    throw InputError(
        fmt::format("--labels {}: expected {} rows (one per --train row), got {}", f.labels, in.X.rows(), in.Y.rows()));
  return in;
}

int run_predict(const PredictFlags& f) {
  using namespace widthlab;
  KernelOptions ko = cli::kernel_options_from_flags(f.net, kSpec);

  PredictOptions po;
  po.loss = loss_from_name(f.loss).kind;
  po.time = parse_time(f.time);
  po.lr = f.lr;
  po.diag_reg = f.diag_reg;
  po.diag_reg_absolute_scale = f.diag_reg_absolute;
  po.cov = f.cov;
  if (f.kernel == "ntk")
    po.kernel = PredictKernel::ntk;
  else if (f.kernel == "nngp")
    po.kernel = PredictKernel::nngp;
  else
    throw InputError(fmt::format("--kernel '{}': expected ntk or nngp", f.kernel));
  refuse_unread_flags(f, po);
  po.seed = f.seed;
  po.init_sample = !f.no_init_sample;
  if (loss_from_kind(po.loss).closed_form() && (f.no_init_sample || f.seed_option->count() > 0))
    throw InputError(
        fmt::format("{}: only used with --loss logistic or cross-entropy (their function-space GD starts "
                    "from a GP sample); mse predicts the GP mean and needs no seed",
                    f.no_init_sample ? "--no-init-sample" : "--seed"));
  if (f.no_init_sample && f.seed_option->count() > 0)  // GD from 0 draws nothing: the seed would change nothing
    throw InputError("--seed: seeds the GP sample that --no-init-sample turns off; expected one of them");

  const auto [X, Y, T] = read_inputs(f, ko);
  const cli::KernelDevice device = cli::choose_kernel_device(f.net, ko);  // after read_inputs: --arch image shapes
  const OutputMode mode = f.force ? OutputMode::force : OutputMode::fresh;
  const std::vector<std::string> writes = {"mean.npy", "cov.npy", "predict.json"};
  const std::vector<std::filesystem::path> reads = {f.train, f.labels, f.test};  // --force must not remove them
  check_output_dir(f.out, mode, /*resumable=*/false, writes, reads);  // writes nothing: predict() validates the rest
  PredictResult r = predict(X, Y, T, ko, po, device.device == Device::cuda ? cuda_kernel_source(ko) : KernelSource{});
  if (!all_finite(r.mean) || (po.cov && !all_finite(r.cov)))
    throw InputError(
        "the predictions are not finite (the function-space dynamics overflowed float64); lower --lr or "
        "--time, or rescale the labels");
  auto dir = prepare_output_dir(f.out, mode, /*resumable=*/false, writes, reads);
  npy_write(dir / "mean.npy", r.mean);
  if (po.cov) npy_write(dir / "cov.npy", r.cov);
  const auto& s = r.summary;
  nlohmann::json j = {{"loss", f.loss},
                      {"kernel", f.kernel},
                      {"time", std::isinf(po.time) ? nlohmann::json("inf") : nlohmann::json(po.time)},
                      {"lr", po.lr},
                      {"diag_reg", po.diag_reg},
                      {"diag_reg_absolute", s.reg},
                      {"eig_min", s.eig_min},
                      {"eig_max", s.eig_max},
                      {"train_rows", X.rows()},
                      {"test_rows", T.rows()},
                      {"outputs", s.outputs},
                      {"cov", po.cov}};
  if (device.device == Device::cuda) j["device"] = "cuda";  // absent for the CPU, as in runs.jsonl
  if (ko.arch) {
    j["arch"] = architecture_text(*ko.arch);
    const ImageShape is = ko.input_shape.value_or(ImageShape{1, 1, X.cols()});
    j["input_shape"] = {is.height, is.width, is.channels};
  }
  if (!loss_from_kind(po.loss).closed_form()) {
    j["steps"] = s.steps;
    j["init_sample"] = po.init_sample;
    j["seed"] = po.seed;
    j["jitter"] = s.jitter;
  }
  write_file_atomic(dir / "predict.json", j.dump(2) + "\n");
  fmt::print(
      "predict: {} train, {} test, loss {}, kernel {}, t = {}; kernels on {}; eigen range [{:.3g}, {:.3g}]{}\nwrote "
      "{}{}\n",
      X.rows(), T.rows(), f.loss, f.kernel, f.time,
      device.device == Device::cuda ? "cuda (" + cuda_status() + ")" : "cpu (" + device.note + ")", s.eig_min,
      s.eig_max, s.jitter > 0 ? fmt::format(", GP-sample jitter {:.3g}", s.jitter) : "",
      printable_path(dir / "mean.npy"), po.cov ? " and " + printable_path(dir / "cov.npy") : "");
  return 0;
}

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto f = std::make_shared<PredictFlags>();
  sub.add_option("--train", f->train, "Train inputs, .npy of shape (n, d) or, with --arch, (n, H, W, C)")->required();
  sub.add_option("--labels", f->labels, "Train labels, .npy (n,) or (n, k); ±1 for logistic, class ids for CE")
      ->required();
  sub.add_option("--test", f->test, "Test inputs, .npy like --train: (m, d) or, with --arch, (m, H, W, C)")->required();
  sub.add_option("--time", f->time, "Training time in steps of size --lr (neural-tangents convention), or inf")
      ->required();
  sub.add_option("--loss", f->loss, fmt::format("{}", fmt::join(widthlab::loss_names(), " | ")))->capture_default_str();
  f->lr_option = sub.add_option("--lr", f->lr, "Learning rate (step size; not with --time inf)")->capture_default_str();
  sub.add_option("--diag-reg", f->diag_reg, "Diagonal regularizer, in units of trace(K)/n")->capture_default_str();
  sub.add_flag("--diag-reg-absolute", f->diag_reg_absolute, "--diag-reg in absolute units");
  sub.add_flag("--cov", f->cov, "Also write the test covariance DIR/cov.npy (mse)");
  sub.add_option("--kernel", f->kernel, "Kernel that drives training: ntk | nngp")->capture_default_str();
  f->seed_option =
      sub.add_option("--seed", f->seed, "Seed of the GP-sampled initial function (logistic / cross-entropy)")
          ->capture_default_str();
  sub.add_flag("--no-init-sample", f->no_init_sample, "Start function-space GD from 0 instead of a GP sample");
  widthlab::cli::add_kernel_flags(sub, f->net, kSpec);
  sub.add_option("--out", f->out, "Output directory (mean.npy, cov.npy, predict.json)")->required();
  sub.add_flag("--force", f->force, "Replace the results widthlab wrote in --out (other files there are kept)");
  return [f] { return run_predict(*f); };
}

const widthlab::cli::VerbRegistration reg{
    "predict", "Infinite-width net predictions on test inputs (DIR/mean.npy, DIR/cov.npy, DIR/predict.json)", setup};

}  // namespace
