#include "kernel_flags.h"

#include <fmt/format.h>

#include "widthlab/cnn_kernel.h"
#include "widthlab/error.h"
#include "widthlab/kernel_cuda.h"
#include "widthlab/mpi_runtime.h"
#include "widthlab/npy.h"

namespace widthlab::cli {

void add_kernel_flags(CLI::App& sub, KernelFlags& f, const KernelFlagsSpec& spec) {
  const std::string required = spec.arch ? " (required unless --arch is given)" : " (required)";
  auto* depth = sub.add_option("--depth", f.depth, "Hidden Dense+activation layers L ≥ 1" + required);
  auto* act = sub.add_option("--activation", f.activation,
                             "Activation name (see `widthlab list`), e.g. relu, leaky_relu:0.1" + required);
  f.depth_option = depth;
  f.activation_option = act;
  if (spec.arch) {
    f.arch_option = sub.add_option(
        "--arch", f.arch,
        "Architecture instead of --depth/--activation, e.g. "
        "conv(3x3,same,64)-relu-conv(3x3,same,64)-relu-gap-dense(1) (docs/theory.md §3.9). Layers and "
        "their neural-tangents stax equivalents (W_std, b_std and parameterization from the flags): "
        "dense(N) = stax.Dense(N); conv(KHxKW,same|valid|circular,N[,stride=SHxSW]) = stax.Conv(N, (KH, "
        "KW), strides=(SH, SW), padding='SAME'|'VALID'|'CIRCULAR'); relu, erf, leaky_relu:a, … = "
        "stax.Relu(), stax.Erf(), stax.LeakyRelu(a), … (`widthlab list`; others by Gauss–Hermite "
        "quadrature, as stax.ElementwiseNumerical); flatten = stax.Flatten(); gap = stax.GlobalAvgPool()");
    f.input_shape_option =
        sub.add_option("--input-shape", f.input_shape,
                       "Image shape H,W,C of the input rows with --arch (default: from (N,H,W,C) inputs, else 1,1,d)");
  } else {
    depth->required();
    act->required();
  }
  sub.add_option("--parameterization", f.parameterization, "ntk | standard")->capture_default_str();
  sub.add_option("--w-std", f.w_std, "Weight std W_std")->capture_default_str();
  sub.add_option("--b-std", f.b_std, "Bias std b_std (0 = no bias)")->capture_default_str();
  f.width_option =
      sub.add_option("--width", f.width, "Base hidden width (standard parameterization's NTK)")->capture_default_str();
  sub.add_option("--precision", f.precision, spec.float32 ? "float32 | float64" : "float64 (only)")
      ->capture_default_str();
  if (spec.blocks) {
    sub.add_option("--block", f.block, "Rows/columns per block")->capture_default_str();
    sub.add_option("--threads", f.threads, "Threads (0 = all cores)")->capture_default_str();
  }
  sub.add_option("--device", f.device,
                 "cpu | cuda | auto: auto computes the kernel on the GPU when one is present and the request is one "
                 "the CUDA kernel supports (no --arch; a closed-form activation: the relu family or erf), else on "
                 "the CPU")
      ->capture_default_str();
}

KernelDevice choose_kernel_device(const KernelFlags& f, const KernelOptions& o) {
  return widthlab::choose_kernel_device(f.device, o, "--device", mpi_size());
}

namespace {

// --arch / --depth / --activation / --width: which network (kernel_flags.h).
void network_from_flags(const KernelFlags& f, const KernelFlagsSpec& spec, KernelOptions& o) {
  auto given = [](const CLI::Option* opt) { return opt && opt->count() > 0; };
  if (spec.arch && (!f.arch.empty() || given(f.arch_option))) {
    if (given(f.depth_option) || given(f.activation_option) || given(f.width_option))
      throw InputError(
          "--arch: --depth, --activation and --width are not used with an architecture (it states its "
          "layers and widths)");
    o.arch = parse_architecture(f.arch);
    if (!f.input_shape.empty() || given(f.input_shape_option))
      o.input_shape = parse_input_shape(f.input_shape, "--input-shape");
    return;
  }
  if (!f.input_shape.empty() || given(f.input_shape_option)) throw InputError("--input-shape: only used with --arch");
  if (spec.arch && (!given(f.depth_option) || !given(f.activation_option)))
    throw InputError("--depth and --activation: required (or give --arch)");
  o.depth = f.depth;
  o.act = activation_from_name(f.activation);
  o.width = f.width;
}

}  // namespace

KernelOptions kernel_options_from_flags(const KernelFlags& f, const KernelFlagsSpec& spec) {
  KernelOptions o;
  network_from_flags(f, spec, o);
  o.parameterization = parameterization_from_name(f.parameterization);
  // The NTK parameterization's kernels do not depend on the width (theory.md §3.8; kernel.h): a --width would be
  // ignored, so it is refused, as --tf32 is for a float64 run.
  if (f.width_option && f.width_option->count() > 0 && o.parameterization == Parameterization::ntk)
    throw InputError(fmt::format(
        "--width {}: only used with --parameterization standard (the ntk parameterization's kernels have no width)",
        f.width));
  o.W_std = f.w_std;
  o.b_std = f.b_std;
  if (spec.blocks) {
    o.block = f.block;
    o.threads = f.threads;
  }
  if (!spec.float32) {
    if (f.precision != "float64")
      throw InputError(fmt::format("--precision '{}': {} supports float64 only", f.precision, spec.verb));
  } else if (f.precision == "float32") {
    o.precision = Precision::float32;
  } else if (f.precision == "float64") {
    o.precision = Precision::float64;
  } else {
    throw InputError(fmt::format("--precision '{}': expected float32 or float64", f.precision));
  }
  if (auto err = o.validate(); !err.empty()) throw InputError(err);
  return o;
}

namespace {

template <class T>
Matrix<T> read_kernel_rows(const std::string& path, const std::string& flag, KernelOptions& opts) {
  const NpyHeader h = npy_read_header(path);
  if (h.shape.size() != 4) return npy_read_matrix<T>(path);
  if (!opts.arch)
    throw InputError(fmt::format("{} {}: expected a 2-D (N, d) array (4-D images need --arch)", flag, path));
  const ImageShape s{h.shape[1], h.shape[2], h.shape[3]};
  if (opts.input_shape && !(*opts.input_shape == s))
    throw InputError(fmt::format("{} {}: images of shape ({}, {}, {}), but the input shape is ({}, {}, {})", flag, path,
                                 s.height, s.width, s.channels, opts.input_shape->height, opts.input_shape->width,
                                 opts.input_shape->channels));
  opts.input_shape = s;
  const std::vector<double> flat = npy_read_flat(path);
  return Eigen::Map<const Matrix<double>>(flat.data(), h.shape[0], s.size()).template cast<T>();
}

}  // namespace

template <class T>
Matrix<T> read_kernel_input(const std::string& path, const std::string& flag, KernelOptions& opts) {
  Matrix<T> x = read_kernel_rows<T>(path, flag, opts);
  // The architecture fits these inputs and ends in a vector, and the kernel's scale fits T: checked here, before a
  // verb writes anything (non-finite rows are the verb's to name).
  if (opts.arch) CnnKernel(opts, x.cols());
  if (x.size() > 0 && all_finite(x)) try {
      kernel_check_scale<T>(MatrixRef<T>(x), opts);
    } catch (const InputError& e) {
      throw InputError(fmt::format("{} {}: {}", flag, path, e.what()));
    }
  return x;
}

template Matrix<float> read_kernel_input<float>(const std::string&, const std::string&, KernelOptions&);
template Matrix<double> read_kernel_input<double>(const std::string&, const std::string&, KernelOptions&);

}  // namespace widthlab::cli
