// The analytic-kernel flags that `widthlab kernel` and `widthlab predict` share (theory.md §3.8;
// include/widthlab/kernel.h):
// --depth, --activation, --parameterization, --w-std, --b-std, --width, --precision, and for the streaming kernel
// verb also --block, --threads and --arch, --input-shape (an architecture instead of --depth/--activation/--width;
// architecture.h, cnn_kernel.h).
//   KernelFlags flags;                        // owned by the verb (e.g. in a shared_ptr captured by its run function)
//   add_kernel_flags(sub, flags, spec);
//   …
//   KernelOptions o = kernel_options_from_flags(flags, spec);  // InputError (exit 2) naming the flag and value
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "widthlab/kernel.h"

namespace widthlab::cli {

struct KernelFlags {
  std::string activation = "relu", parameterization = "ntk", precision = "float64";
  int depth = 1;
  double w_std = 1.0, b_std = 0.0, width = 1.0;
  std::int64_t block = 512;       // with KernelFlagsSpec::blocks only
  int threads = 0;                // with KernelFlagsSpec::blocks only
  std::string arch, input_shape;  // with KernelFlagsSpec::arch only; "" = not given
  const CLI::Option *depth_option = nullptr, *activation_option = nullptr, *width_option = nullptr;  // given?
};

// Which of the shared flags a verb takes.
struct KernelFlagsSpec {
  bool float32 = true;  // --precision float32 | float64; false: float64 only ("--precision 'x': <verb> supports
                        // float64 only")
  bool blocks = true;   // --block and --threads (blocked, multi-threaded evaluation)
  std::string verb;     // names the verb in the float64-only message
  bool arch = false;    // --arch and --input-shape; then --depth and --activation are required only without --arch
};

void add_kernel_flags(CLI::App& sub, KernelFlags& f, const KernelFlagsSpec& spec);

// The validated KernelOptions (block / threads left at their defaults without spec.blocks). With --arch: opts.arch
// and, when --input-shape is given, opts.input_shape; --depth, --activation and --width are then refused (the
// architecture states its layers and widths). Without it, --depth and --activation are required.
KernelOptions kernel_options_from_flags(const KernelFlags& f, const KernelFlagsSpec& spec);

}  // namespace widthlab::cli
