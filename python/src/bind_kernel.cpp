// widthlab._core.kernel: the analytic NNGP / NTK of kernel.h (theory.md §3.8; architecture.md §4 kernel semantics) on
// numpy arrays.
//   kernel(x1, x2=None, depth=1, activation="relu", parameterization="ntk", W_std=1.0, b_std=0.0, width=1.0,
//          precision="float64", ntk=None, nngp=None, threads=0, block=512, get=None, arch=None, input_shape=None,
//          device="auto")   (ntk / nngp: None = True, unless get= picks the kernels; a given one must agree with get)
//     -> {"nngp": (N1, N2), "ntk": (N1, N2)}   (arch: cnn_kernel.h; x1/x2 may then be (N, H, W, C) images)
// Inputs arrive as C-ordered arrays of the precision's dtype (forcecast converts others once) and reach
// kernel_compute as MatrixRef views of the numpy buffers (no copy); outputs are allocated by C++ and handed to numpy
// without a copy. The GIL is released while the kernel runs.
// _kernel_cpp_seconds(...) times the same C++ call internally (for bench/python_overhead.py).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "bindings.h"
#include "network_args.h"
#include "numpy_bridge.h"
#include "progress_scope.h"
#include "widthlab/architecture.h"
#include "widthlab/error.h"
#include "widthlab/kernel.h"
#include "widthlab/kernel_cuda.h"
#include "widthlab/memory_guard.h"

namespace widthlab::python {
namespace {

namespace py = pybind11;
using py_bridge::InArray;

struct KernelArgs {
  KernelOptions opts;
  bool want_nngp = true, want_ntk = true;
  std::string device = "auto";  // resolved by choose_kernel_device once the inputs' image shape is known
};

KernelArgs kernel_args(const py::object& depth, const py::object& activation, const std::string& parameterization,
                       double W_std, double b_std, double width, const std::string& precision, bool nngp, bool ntk,
                       int threads, std::int64_t block, const py::object& arch, const py::object& input_shape) {
  KernelArgs a;
  network_args(a.opts, depth, activation, width, arch, input_shape, "kernel");
  a.opts.parameterization = parameterization_from_name(parameterization);
  a.opts.W_std = W_std;
  a.opts.b_std = b_std;
  if (precision == "float64")
    a.opts.precision = Precision::float64;
  else if (precision == "float32")
    a.opts.precision = Precision::float32;
  else
    throw InputError("precision = '" + precision + "': expected float32 or float64");
  a.opts.threads = threads;
  a.opts.block = block;
  if (!nngp && !ntk) throw InputError("nngp = False and ntk = False: nothing to compute");
  a.want_nngp = nngp;
  a.want_ntk = ntk;
  if (auto err = a.opts.validate(); !err.empty()) throw InputError("kernel options: " + err);
  return a;
}

// The input as a C-ordered array of dtype T: the caller's own array when it already is one, else one converted copy.
// (N, d), or with an architecture also (N, H, W, C) images.
template <class T>
InArray<T> input_array(const py::handle& obj, const char* what, bool images) {
  auto arr = py_bridge::real_array<T>(obj, what);
  if (arr.ndim() != 2 && !(images && arr.ndim() == 4))
    throw InputError(
        std::string(what) +
        (images ? ": expected an (N, d) or (N, H, W, C) array, got " : ": expected a 2-D (N, d) array, got ") +
        std::to_string(arr.ndim()) + " dimensions");
  return arr;
}

// A view of the array's rows; 4-D images are rows of H·W·C values and set (or must match) `shape`.
template <class T>
MatrixRef<T> rows_view(const InArray<T>& a, const char* what, std::optional<ImageShape>& shape) {
  if (a.ndim() != 4) return py_bridge::as_matrix<T>(a, what);
  const ImageShape s{a.shape(1), a.shape(2), a.shape(3)};
  if (shape && !(*shape == s))
    throw InputError(fmt::format("{}: images of shape ({}, {}, {}), expected ({}, {}, {}) as x1", what, s.height,
                                 s.width, s.channels, shape->height, shape->width, shape->channels));
  shape = s;
  return py_bridge::ConstMap<T>(a.data(), a.shape(0), s.size());
}

// x1 and (optionally) x2 as arrays kept alive plus MatrixRef views of their buffers (what kernel_compute takes).
template <class T>
struct Inputs {
  InArray<T> a1;
  std::optional<InArray<T>> a2;
  std::optional<MatrixRef<T>> X1, X2;
  std::optional<ImageShape> shape;  // from 4-D inputs
  Inputs(const py::handle& x1, const py::handle& x2, bool images) : a1(input_array<T>(x1, "x1", images)) {
    X1.emplace(rows_view<T>(a1, "x1", shape));
    if (!x2.is_none()) {
      a2 = input_array<T>(x2, "x2", images);
      X2.emplace(rows_view<T>(*a2, "x2", shape));
    }
  }
  Inputs(const Inputs&) = delete;  // the views point into a1 / a2
};

// The options with the image shape of 4-D inputs (which must agree with input_shape= when both are given).
template <class T>
KernelArgs with_input_shape(const KernelArgs& a, const Inputs<T>& in) {
  KernelArgs b = a;
  if (!in.shape) return b;
  if (b.opts.input_shape && !(*b.opts.input_shape == *in.shape))
    throw InputError(fmt::format("x1: images of shape ({}, {}, {}), but input_shape = ({}, {}, {})", in.shape->height,
                                 in.shape->width, in.shape->channels, b.opts.input_shape->height,
                                 b.opts.input_shape->width, b.opts.input_shape->channels));
  b.opts.input_shape = in.shape;
  return b;
}

template <class T>
struct KernelOut {
  Matrix<T> nngp, ntk;
  KernelSummary summary;
};

// On the CPU engine, or on the GPU when choose_kernel_device says so (kernel_cuda.h).
template <class T>
KernelOut<T> compute(const MatrixRef<T>& X1, const MatrixRef<T>* X2, const KernelArgs& a, Device device) {
  KernelOut<T> out;
  const auto N1 = X1.rows(), N2 = X2 ? X2->rows() : X1.rows();
  check_fits_in_memory(double(a.want_nngp + a.want_ntk) * double(N1) * double(N2) * sizeof(T),
                       fmt::format("x1 ({} rows){}: the {} ({})", N1, X2 ? fmt::format(" and x2 ({} rows)", N2) : "",
                                   a.want_nngp && a.want_ntk ? "nngp and ntk"
                                   : a.want_nngp             ? "nngp"
                                                             : "ntk",
                                   sizeof(T) == 4 ? "float32" : "float64"));
  if (a.want_nngp) out.nngp.resize(N1, N2);
  if (a.want_ntk) out.ntk.resize(N1, N2);
  T* nngp = a.want_nngp ? out.nngp.data() : nullptr;
  T* ntk = a.want_ntk ? out.ntk.data() : nullptr;
  if (device == Device::cuda)
    out.summary = kernel_compute_cuda(X1, X2, a.opts, nngp, ntk, N2).kernel;
  else
    out.summary = kernel_compute<T>(X1, X2, a.opts, nngp, ntk, N2);
  return out;
}

template <class T>
py::dict kernel_typed(const py::handle& x1, const py::handle& x2, const KernelArgs& args) {
  const Inputs<T> in(x1, x2, args.opts.arch.has_value());
  const KernelArgs a = with_input_shape(args, in);
  const Device device = choose_kernel_device(a.device, a.opts, "device").device;
  KernelOut<T> out;
  {
    ProgressScope turn{py::none()};  // one computing call at a time (progress_scope.h)
    py::gil_scoped_release nogil;
    out = compute<T>(*in.X1, in.X2 ? &*in.X2 : nullptr, a, device);
  }
  py::dict d;
  if (a.want_nngp) d["nngp"] = py_bridge::to_numpy(std::move(out.nngp));
  if (a.want_ntk) d["ntk"] = py_bridge::to_numpy(std::move(out.ntk));
  return d;
}

// neural-tangents' get=: "nngp", "ntk" or a tuple of them → which kernels to compute. An nngp= or ntk= given beside
// it must agree (ntk=True with get="nngp" would otherwise be dropped silently).
void select_by_get(const py::object& get, std::optional<bool>& nngp, std::optional<bool>& ntk) {
  std::vector<std::string> names;
  if (py::isinstance<py::str>(get))
    names.push_back(get.cast<std::string>());
  else
    for (const auto& item : get) {
      if (!py::isinstance<py::str>(item)) throw InputError("get: expected \"nngp\", \"ntk\" or a tuple of them");
      names.push_back(item.cast<std::string>());
    }
  bool want_nngp = false, want_ntk = false;
  for (const auto& n : names) {
    if (n == "nngp")
      want_nngp = true;
    else if (n == "ntk")
      want_ntk = true;
    else
      throw InputError(fmt::format("get = '{}': expected \"nngp\", \"ntk\" or a tuple of them", n));
  }
  if (!want_nngp && !want_ntk) throw InputError("get: expected at least one of \"nngp\", \"ntk\"");
  for (const auto& [name, given, wanted] : {std::tuple{"nngp", nngp, want_nngp}, std::tuple{"ntk", ntk, want_ntk}})
    if (given && *given != wanted)
      throw InputError(fmt::format("get = {} and {} = {}: they disagree; give get= alone, or {}= that agrees with it",
                                   py::repr(get).cast<std::string>(), name, *given ? "True" : "False", name));
  nngp = want_nngp;
  ntk = want_ntk;
}

// Seconds per call of the C++ computation alone (inputs already converted and viewed, outputs allocated in C++ as in
// kernel()), the minimum over `repeats` calls.
template <class T>
double cpp_seconds(const py::handle& x1, const py::handle& x2, const KernelArgs& args, int repeats) {
  const Inputs<T> in(x1, x2, args.opts.arch.has_value());
  const KernelArgs a = with_input_shape(args, in);
  double best = 1e300;
  ProgressScope turn{py::none()};  // one computing call at a time (progress_scope.h)
  py::gil_scoped_release nogil;
  for (int r = 0; r < std::max(1, repeats); ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    KernelOut<T> out = compute<T>(*in.X1, in.X2 ? &*in.X2 : nullptr, a, Device::cpu);
    const auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
  }
  return best;
}

// Bound directly as widthlab.kernel (no Python wrapper: a wrapper's call and keyword re-packing cost ~3 µs, a few
// percent of a 100 × 100 kernel).
constexpr const char* kKernelDoc =
    R"(Analytic NNGP and NTK of a fully connected net (theory.md §3.8) or of an architecture (theory.md §3.9); the
networks of `widthlab kernel`.

x1: (N1, d) array; x2: (N2, d) array or None (= x1: symmetric, computed once). `depth` (required without `arch`,
as the CLI's --depth) hidden Dense layers of
`parameterization` ("ntk" | "standard") each followed by `activation`, then a Dense readout; b_std = 0 means no
bias; `width` is the hidden base width (only the standard NTK depends on it).
arch: an architecture string instead of depth/activation/width, such as conv(3,same,64)-relu-gap-dense(1) (grammar:
include/widthlab/architecture.h; the widths written there are the standard parameterization's base widths); x1, x2
may then be (N, H, W, C) images, or (N, H·W·C) rows with input_shape=(H, W, C); without either, rows are (1, 1, d). `precision`: "float64" or "float32"
(inputs are converted once, outputs have that dtype). threads = 0: all cores; `block`: rows/cols per block (CPU).
device: "auto" (the GPU when one is present and the request has a CUDA path: no arch, a closed-form activation —
the relu family or erf), "cpu" or "cuda" (ValueError when it cannot run there), as the CLI's --device.

Returns {"nngp": (N1, N2) array, "ntk": (N1, N2) array}, a key only when asked for (nngp=, ntk= — both True by
default — or neural-tangents' get="nngp" | "ntk" | ("nngp", "ntk"); an nngp= or ntk= beside get= must agree with it,
e.g. get="nngp" with ntk=True is refused). C-ordered inputs
of the precision's dtype are read in place (no conversion, no copy); outputs are handed over from C++ without a copy; the GIL is released
during the computation. Bad input raises ValueError with the CLI's message.)";

}  // namespace

void bind_kernel(py::module_& m) {
  m.def(
      "kernel",
      [](py::object x1, py::object x2, py::object depth, py::object activation, const std::string& parameterization,
         double W_std, double b_std, double width, const std::string& precision, std::optional<bool> nngp,
         std::optional<bool> ntk, int threads, std::int64_t block, py::object get, py::object arch,
         py::object input_shape, const std::string& device) {
        if (!get.is_none()) select_by_get(get, nngp, ntk);
        KernelArgs a = kernel_args(depth, activation, parameterization, W_std, b_std, width, precision,
                                   nngp.value_or(true), ntk.value_or(true), threads, block, arch, input_shape);
        a.device = device;
        return a.opts.precision == Precision::float64 ? kernel_typed<double>(x1, x2, a)
                                                      : kernel_typed<float>(x1, x2, a);
      },
      py::arg("x1"), py::arg("x2") = py::none(), py::kw_only(), py::arg("depth") = py::none(),
      py::arg("activation") = py::none(), py::arg("parameterization") = "ntk", py::arg("W_std") = 1.0,
      py::arg("b_std") = 0.0, py::arg("width") = 1.0, py::arg("precision") = "float64", py::arg("nngp") = py::none(),
      py::arg("ntk") = py::none(), py::arg("threads") = 0, py::arg("block") = 512, py::arg("get") = py::none(),
      py::arg("arch") = py::none(), py::arg("input_shape") = py::none(), py::arg("device") = "auto", kKernelDoc);
  m.def(
      "_kernel_cpp_seconds",
      [](py::object x1, py::object x2, py::object depth, py::object activation, const std::string& parameterization,
         double W_std, double b_std, double width, const std::string& precision, bool nngp, bool ntk, int threads,
         std::int64_t block, int repeats, py::object arch, py::object input_shape) {
        const KernelArgs a = kernel_args(depth, activation, parameterization, W_std, b_std, width, precision, nngp, ntk,
                                         threads, block, arch, input_shape);
        return a.opts.precision == Precision::float64 ? cpp_seconds<double>(x1, x2, a, repeats)
                                                      : cpp_seconds<float>(x1, x2, a, repeats);
      },
      py::arg("x1"), py::arg("x2") = py::none(), py::kw_only(), py::arg("depth") = py::none(),
      py::arg("activation") = py::none(), py::arg("parameterization") = "ntk", py::arg("W_std") = 1.0,
      py::arg("b_std") = 0.0, py::arg("width") = 1.0, py::arg("precision") = "float64", py::arg("nngp") = true,
      py::arg("ntk") = true, py::arg("threads") = 0, py::arg("block") = 512, py::arg("repeats") = 1,
      py::arg("arch") = py::none(), py::arg("input_shape") = py::none());
}

}  // namespace widthlab::python
