// `widthlab kernel`: analytic NNGP and NTK of the architecture.md §4 network (theory.md §3.8) or of an --arch
// architecture (theory.md §3.9, cnn_kernel.h) → DIR/nngp.npy, DIR/ntk.npy. Outputs are written in row panels of whole
// blocks (NpyPieceWriter), so N² results larger than RAM work. --device cuda (or auto on a machine with a GPU) runs
// the dense closed-form kernel on the GPU instead, in float32 or float64 (kernel_cuda.h); that path holds both
// N1 × N2 outputs in host memory and writes them at the end.
#include "widthlab/kernel.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <type_traits>

#include "kernel_flags.h"
#include "verb.h"
#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/kernel_cuda.h"
#include "widthlab/memory_guard.h"
#include "widthlab/mpi_runtime.h"
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"

namespace {

struct KernelVerbFlags {
  std::string x1, x2, out;
  widthlab::cli::KernelFlags kernel;
  bool force = false, tf32 = false;
};

const widthlab::cli::KernelFlagsSpec kSpec{/*float32=*/true, /*blocks=*/true, "kernel", /*arch=*/true};

// choose_kernel_device (kernel_flags.h), and --tf32 only where it applies: float32 on the GPU.
widthlab::cli::KernelDevice choose_device(const KernelVerbFlags& f, const widthlab::KernelOptions& o) {
  using namespace widthlab;
  if (f.tf32 && o.precision != Precision::float32)
    throw InputError("--tf32: applies to --precision float32 only, and this run is float64");
  const cli::KernelDevice c = cli::choose_kernel_device(f.kernel, o);
  if (f.tf32 && c.device != Device::cuda)
    throw InputError("--tf32: applies to the CUDA kernel only, and this run is on the CPU (" + c.note + ")");
  return c;
}

template <class T>
int run_kernel(const KernelVerbFlags& f, widthlab::KernelOptions opts, const widthlab::cli::KernelDevice& device) {
  using namespace widthlab;
  Matrix<T> X1 = cli::read_kernel_input<T>(f.x1, "--x1", opts), X2;
  auto check = [](const Matrix<T>& X, const std::string& flag, const std::string& path) {
    if (X.rows() < 1 || X.cols() < 1)
      throw InputError(fmt::format("{} {}: expected a non-empty (N, d) array", flag, path));
    if (all_finite(X)) return;
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      if (!all_finite(X.row(i)))
        throw InputError(fmt::format("{} {}: row {} holds a non-finite value (NaN or inf{})", flag, path, i,
                                     std::is_same_v<T, float> ? ", or beyond float32's ±3.4e38" : ""));
  };
  check(X1, "--x1", f.x1);
  if (!f.x2.empty()) {
    X2 = cli::read_kernel_input<T>(f.x2, "--x2", opts);
    check(X2, "--x2", f.x2);
    if (X2.cols() != X1.cols())
      throw InputError(fmt::format("--x2 {}: expected {} columns (as --x1), got {}", f.x2, X1.cols(), X2.cols()));
  }
  if (device.device == Device::cuda)  // the CUDA path holds both outputs in host memory (the CPU path streams them)
    check_fits_in_memory(2.0 * double(X1.rows()) * double(f.x2.empty() ? X1.rows() : X2.rows()) * sizeof(T),
                         fmt::format("--x1 {} ({} rows){}: the nngp and ntk on the GPU path", f.x1, X1.rows(),
                                     f.x2.empty() ? "" : fmt::format(" and --x2 {} ({} rows)", f.x2, X2.rows())));
  check_fits_on_disk(f.out, 2.0 * double(X1.rows()) * double(f.x2.empty() ? X1.rows() : X2.rows()) * sizeof(T),
                     fmt::format("nngp.npy and ntk.npy of --x1 {} ({} rows){}", f.x1, X1.rows(),
                                 f.x2.empty() ? "" : fmt::format(" and --x2 {} ({} rows)", f.x2, X2.rows())));
  // Rank 0 alone prepares (and checks) the directory; the others use it as it is once rank 0 is done — a check of
  // theirs would race with rank 0's first writes.
  auto dir = mpi_root_first([&](bool root) {
    return root ? prepare_output_dir(f.out, f.force ? OutputMode::force : OutputMode::fresh, /*resumable=*/false,
                                     {"nngp.npy", "ntk.npy"}, {f.x1, f.x2})
                : std::filesystem::path(f.out);
  });
  std::string brief;
  if (device.device == Device::cuda) {
    Matrix<T> K(X1.rows(), f.x2.empty() ? X1.rows() : X2.rows()), Th(K.rows(), K.cols());
    const MatrixRef<T> x1(X1), x2(X2);
    CudaKernelOptions co;
    co.tf32 = f.tf32;
    const CudaKernelSummary s =
        kernel_compute_cuda(x1, f.x2.empty() ? nullptr : &x2, opts, K.data(), Th.data(), K.cols(), co);
    npy_write((dir / "nngp.npy").string(), K);
    npy_write((dir / "ntk.npy").string(), Th);
    brief = s.brief();
  } else {
    // Under mpirun the rows are split over the ranks (mpi_runtime.h).
    KernelSummary s = kernel_to_npy_mpi<T>(X1, f.x2.empty() ? nullptr : &X2, opts, dir / "nngp.npy", dir / "ntk.npy");
    brief = fmt::format("{}, cpu ({})", s.brief(), device.note);
  }
  fmt::print("{}\nwrote {} and {}\n", brief, printable_path(dir / "nngp.npy"), printable_path(dir / "ntk.npy"));
  return 0;
}

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto f = std::make_shared<KernelVerbFlags>();
  sub.add_option("--x1", f->x1, "Inputs X1, .npy of shape (N1, d) or, with --arch, (N1, H, W, C)")->required();
  sub.add_option("--x2", f->x2, "Inputs X2, .npy like X1; default X1 (symmetric)");
  widthlab::cli::add_kernel_flags(sub, f->kernel, kSpec);
  sub.add_option("--out", f->out, "Output directory (nngp.npy, ntk.npy)")->required();
  sub.add_flag("--force", f->force, "Replace the results widthlab wrote in --out (other files there are kept)");
  sub.add_flag("--tf32", f->tf32, "CUDA kernel only: TF32 tensor-core GEMM (faster; ~1e-3 relative error)");
  return [f] {
    using namespace widthlab;
    const KernelOptions o = cli::kernel_options_from_flags(f->kernel, kSpec);
    const cli::KernelDevice d = choose_device(*f, o);
    return o.precision == Precision::float32 ? run_kernel<float>(*f, o, d) : run_kernel<double>(*f, o, d);
  };
}

const widthlab::cli::VerbRegistration reg{
    "kernel", "Analytic NNGP and NTK of a fully connected net or an --arch architecture (DIR/nngp.npy, DIR/ntk.npy)",
    setup};

}  // namespace
