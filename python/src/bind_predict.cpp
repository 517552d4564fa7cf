// widthlab._core.predict: infinite-width predictions (theory.md §3.2; library: predict.h), the `widthlab predict` verb
// on numpy arrays. The argument checks and their messages are the CLI's (apps/widthlab/predict.cpp), with the Python
// argument names in place of the flags (x_test for --test FILE, t for --time, …); the rest (loss names, labels,
// --cov with a non-mse loss, t / lr / diag_reg ranges) comes from predict() itself, word for word as the CLI prints.
//   predict(x_train, y_train, x_test, *, depth=None, activation=None, parameterization="ntk", W_std=1.0, b_std=0.0,
//           width=1.0, loss="mse", t=inf, lr=1.0, diag_reg=0.0, diag_reg_absolute_scale=False, cov=False,
//           kernel="ntk", seed=0, init_sample=True, arch=None, input_shape=None)
//     -> {"mean": (m, k), "cov": (m, m) (cov=True), "summary": {...}}
// The network is chosen as in kernel() (network_args.h): depth and activation, or arch (then x_train / x_test may be
// (N, H, W, C) images).
// The GIL is released while the kernels are computed and the prediction solved. widthlab.predict (python/widthlab)
// wraps it for neural-tangents' forms of t (None, "inf", a scalar or an array of times) and get=.
#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <limits>
#include <string>

#include "bindings.h"
#include "network_args.h"
#include "numpy_bridge.h"
#include "progress_scope.h"
#include "widthlab/error.h"
#include "widthlab/kernel.h"
#include "widthlab/kernel_cuda.h"
#include "widthlab/loss.h"
#include "widthlab/predict.h"

namespace widthlab::python {
namespace {

namespace py = pybind11;
using py_bridge::InArray;

// A 1-D (n, read as n × 1) or 2-D array as a float64 matrix, non-empty and finite (the CLI's checks on its .npy).
// With an architecture (ko.arch) also 4-D (n, H, W, C) images, read as n rows of H·W·C values; their shape becomes
// ko.input_shape (and must agree with input_shape= and the other input), as `widthlab predict --arch`.
MatrixD input(const py::handle& obj, const char* what, KernelOptions* ko = nullptr) {
  auto arr = py_bridge::real_array<double>(obj, what);
  MatrixD A;
  if (ko && arr.ndim() == 4) {
    if (!ko->arch) throw InputError(fmt::format("{}: expected a 2-D (n, d) array (4-D images need arch)", what));
    const ImageShape s{arr.shape(1), arr.shape(2), arr.shape(3)};
    if (ko->input_shape && !(*ko->input_shape == s))
      throw InputError(fmt::format("{}: images of shape ({}, {}, {}), but the input shape is ({}, {}, {})", what,
                                   s.height, s.width, s.channels, ko->input_shape->height, ko->input_shape->width,
                                   ko->input_shape->channels));
    ko->input_shape = s;
    A = py_bridge::ConstMap<double>(arr.data(), arr.shape(0), s.size());
  } else {
    A = py_bridge::as_matrix<double>(arr, what);
  }
  if (A.rows() < 1 || A.cols() < 1) throw InputError(fmt::format("{}: expected a non-empty array", what));
  for (Eigen::Index i = 0; i < A.rows(); ++i)
    if (!A.row(i).allFinite())
      throw InputError(fmt::format("{}: row {} holds a non-finite value (NaN or inf)", what, i));
  return A;
}

py::dict predict_py(const py::handle& x_train, const py::handle& y_train, const py::handle& x_test,
                    const py::object& depth, const py::object& activation, const std::string& parameterization,
                    double W_std, double b_std, double width, const std::string& loss, double t, double lr,
                    double diag_reg, bool diag_reg_absolute_scale, bool cov, const std::string& kernel,
                    std::uint64_t seed, bool init_sample, const py::object& arch, const py::object& input_shape,
                    const std::string& device) {
  KernelOptions ko;
  network_args(ko, depth, activation, width, arch, input_shape, "predict");
  ko.parameterization = parameterization_from_name(parameterization);
  ko.W_std = W_std;
  ko.b_std = b_std;
  if (auto err = ko.validate(); !err.empty()) throw InputError(err);

  PredictOptions po;
  po.loss = loss_from_name(loss).kind;
  if (std::isnan(t) || t < 0) throw InputError(fmt::format("t = {}: expected a number of steps ≥ 0 or inf", t));
  po.time = t;
  po.lr = lr;
  po.diag_reg = diag_reg;
  po.diag_reg_absolute_scale = diag_reg_absolute_scale;
  po.cov = cov;
  if (kernel == "ntk")
    po.kernel = PredictKernel::ntk;
  else if (kernel == "nngp")
    po.kernel = PredictKernel::nngp;
  else
    throw InputError(fmt::format("kernel = '{}': expected ntk or nngp", kernel));
  po.seed = seed;
  po.init_sample = init_sample;

  const MatrixD X = input(x_train, "x_train", &ko), Y = input(y_train, "y_train"), T = input(x_test, "x_test", &ko);
  if (T.cols() != X.cols())
    throw InputError(fmt::format("x_test: expected {} columns (as x_train), got {}", X.cols(), T.cols()));
  if (Y.rows() != X.rows())
    throw InputError(fmt::format("y_train: expected {} rows (one per x_train row), got {}", X.rows(), Y.rows()));
  const bool gpu = choose_kernel_device(device, ko, "device").device == Device::cuda;
  PredictResult r;
  {
    ProgressScope turn{py::none()};  // one computing call at a time (progress_scope.h)
    py::gil_scoped_release nogil;
    r = predict(X, Y, T, ko, po, gpu ? cuda_kernel_source(ko) : KernelSource{});
  }
  const PredictSummary& s = r.summary;
  py::dict summary;
  summary["reg"] = s.reg;
  summary["eig_min"] = s.eig_min;
  summary["eig_max"] = s.eig_max;
  summary["jitter"] = s.jitter;
  summary["steps"] = s.steps;
  summary["outputs"] = s.outputs;
  py::dict out;
  out["mean"] = py_bridge::to_numpy(std::move(r.mean));
  if (cov) out["cov"] = py_bridge::to_numpy(std::move(r.cov));
  out["summary"] = summary;
  return out;
}

constexpr const char* kPredictDoc =
    R"(Predictions of the infinite-width net on x_test (theory.md §3.2; `widthlab predict`).

x_train: (n, d), x_test: (m, d) arrays. y_train: mse → (n,) or (n, k) targets; logistic → n values ±1;
cross-entropy → n class indices 0..C−1. The net is the one of `kernel` (`depth` hidden Dense layers of
`parameterization`, `activation`, W_std, b_std, `width`; or `arch`, an architecture string such as
conv(3,same,64)-relu-gap-dense(1), instead of depth/activation/width — x_train, x_test may then be (N, H, W, C)
images, or rows with input_shape=(H, W, C)); `kernel` ("ntk" | "nngp") drives training.
`t` counts gradient-descent steps of size `lr` (neural-tangents' convention; t = inf for mse only — logistic and
cross-entropy run t function-space GD steps from a GP sample (seed, init_sample=True) or from 0).
diag_reg: added to the training kernel's diagonal, in units of trace/n (absolute with diag_reg_absolute_scale).
cov=True (mse only): also the test covariance of the infinite ensemble. device: where the float64 kernels are
computed — "auto" (the GPU when one is present and the net has a CUDA path), "cpu" or "cuda", as the CLI's --device;
the solves run on the CPU.

Returns {"mean": (m, k) array, "cov": (m, m) array (only with cov=True), "summary": {"reg", "eig_min", "eig_max",
"jitter", "steps", "outputs"}}. Bad input raises ValueError with the CLI's message (argument names for flags).)";

}  // namespace

void bind_predict(py::module_& m) {
  m.def("predict", &predict_py, py::arg("x_train"), py::arg("y_train"), py::arg("x_test"), py::kw_only(),
        py::arg("depth") = py::none(), py::arg("activation") = py::none(), py::arg("parameterization") = "ntk",
        py::arg("W_std") = 1.0, py::arg("b_std") = 0.0, py::arg("width") = 1.0, py::arg("loss") = "mse",
        py::arg("t") = std::numeric_limits<double>::infinity(), py::arg("lr") = 1.0, py::arg("diag_reg") = 0.0,
        py::arg("diag_reg_absolute_scale") = false, py::arg("cov") = false, py::arg("kernel") = "ntk",
        py::arg("seed") = 0, py::arg("init_sample") = true, py::arg("arch") = py::none(),
        py::arg("input_shape") = py::none(), py::arg("device") = "auto", kPredictDoc);
}

}  // namespace widthlab::python
