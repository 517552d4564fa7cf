// The analytic-kernel flags that `widthlab kernel` and `widthlab predict` share (theory.md §3.8;
// include/widthlab/kernel.h):
// --depth, --activation, --parameterization, --w-std, --b-std, --width, --precision, --arch, --input-shape (an
// architecture instead of --depth/--activation/--width; architecture.h, cnn_kernel.h), --device (where the kernel
// is computed: choose_kernel_device), and for the streaming kernel verb also --block, --threads. Both verbs read their
// inputs with read_kernel_input, so "which kernel" (the Dense stack or an architecture, on (N, d) rows or (N, H, W, C)
// images) is decided here for both.
//   KernelFlags flags;                        // owned by the verb (e.g. in a shared_ptr captured by its run function)
//   add_kernel_flags(sub, flags, spec);
//   …
//   KernelOptions o = kernel_options_from_flags(flags, spec);  // InputError (exit 2) naming the flag and value
//   Matrix<T> X = read_kernel_input<T>(path, "--x1", o);        // (N, d) or, with --arch, (N, H, W, C) images
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "widthlab/kernel_cuda.h"

namespace widthlab::cli {

using widthlab::KernelDevice;

struct KernelFlags {
  std::string activation = "relu", parameterization = "ntk", precision = "float64";
  int depth = 1;
  double w_std = 1.0, b_std = 0.0, width = 1.0;
  std::int64_t block = 512;       // with KernelFlagsSpec::blocks only
  int threads = 0;                // with KernelFlagsSpec::blocks only
  std::string arch, input_shape;  // with KernelFlagsSpec::arch only; "" = not given
  std::string device = "auto";    // --device cpu | cuda | auto
  const CLI::Option *depth_option = nullptr, *activation_option = nullptr, *width_option = nullptr;  // given?
  const CLI::Option *arch_option = nullptr, *input_shape_option = nullptr;                           // given?
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
// architecture states its layers and widths). Without it, --depth and --activation are required. A flag that would
// change nothing is refused: --width with --parameterization ntk (its kernels have no width, theory.md §3.8), an
// empty --arch or --input-shape.
KernelOptions kernel_options_from_flags(const KernelFlags& f, const KernelFlagsSpec& spec);

// --device through widthlab::choose_kernel_device (kernel_cuda.h), with this process's MPI rank count.
KernelDevice choose_kernel_device(const KernelFlags& f, const KernelOptions& o);

// An (N, d) .npy input, or with opts.arch also (N, H, W, C) images read as N rows of H·W·C values; the image shape
// then becomes opts.input_shape (and must agree with --input-shape and the verb's other inputs). InputError naming
// `flag` and `path`. Instantiated for float and double.
template <class T>
Matrix<T> read_kernel_input(const std::string& path, const std::string& flag, KernelOptions& opts);

}  // namespace widthlab::cli
