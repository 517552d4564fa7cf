// The analytic-kernel flags that `widthlab kernel` and `widthlab predict` share (theory.md §3.8;
// include/widthlab/kernel.h):
// --depth, --activation, --parameterization, --w-std, --b-std, --width, --precision, and for the streaming kernel
// verb also --block, --threads.
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
  std::int64_t block = 512;  // with KernelFlagsSpec::blocks only
  int threads = 0;           // with KernelFlagsSpec::blocks only
};

// Which of the shared flags a verb takes.
struct KernelFlagsSpec {
  bool float32 = true;  // --precision float32 | float64; false: float64 only ("--precision 'x': <verb> supports
                        // float64 only")
  bool blocks = true;   // --block and --threads (blocked, multi-threaded evaluation)
  std::string verb;     // names the verb in the float64-only message
};

void add_kernel_flags(CLI::App& sub, KernelFlags& f, const KernelFlagsSpec& spec);

// The validated KernelOptions (block / threads left at their defaults without spec.blocks).
KernelOptions kernel_options_from_flags(const KernelFlags& f, const KernelFlagsSpec& spec);

}  // namespace widthlab::cli
