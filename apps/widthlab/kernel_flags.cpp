#include "kernel_flags.h"

#include <fmt/format.h>

#include "widthlab/error.h"

namespace widthlab::cli {

void add_kernel_flags(CLI::App& sub, KernelFlags& f, const KernelFlagsSpec& spec) {
  sub.add_option("--depth", f.depth, "Hidden Dense+activation layers L ≥ 1")->required();
  sub.add_option("--activation", f.activation, "Activation name (see `widthlab list`), e.g. relu, leaky_relu:0.1")
      ->required();
  sub.add_option("--parameterization", f.parameterization, "ntk | standard")->capture_default_str();
  sub.add_option("--w-std", f.w_std, "Weight std W_std")->capture_default_str();
  sub.add_option("--b-std", f.b_std, "Bias std b_std (0 = no bias)")->capture_default_str();
  sub.add_option("--width", f.width, "Base hidden width (standard parameterization's NTK)")->capture_default_str();
  sub.add_option("--precision", f.precision, spec.float32 ? "float32 | float64" : "float64 (only)")
      ->capture_default_str();
  if (spec.blocks) {
    sub.add_option("--block", f.block, "Rows/columns per block")->capture_default_str();
    sub.add_option("--threads", f.threads, "Threads (0 = all cores)")->capture_default_str();
  }
}

KernelOptions kernel_options_from_flags(const KernelFlags& f, const KernelFlagsSpec& spec) {
  KernelOptions o;
  o.depth = f.depth;
  o.act = activation_from_name(f.activation);
  o.parameterization = parameterization_from_name(f.parameterization);
  o.W_std = f.w_std;
  o.b_std = f.b_std;
  o.width = f.width;
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

}  // namespace widthlab::cli
