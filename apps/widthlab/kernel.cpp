// `widthlab kernel`: analytic NNGP and NTK of the architecture.md §4 network (theory.md §3.8) or of an --arch
// architecture (theory.md §3.9, cnn_kernel.h) → DIR/nngp.npy, DIR/ntk.npy. Outputs are written in row panels of whole
// blocks (NpyPieceWriter), so N² results larger than RAM work.
#include "widthlab/kernel.h"

#include <fmt/format.h>

#include <cmath>

#include "kernel_flags.h"
#include "verb.h"
#include "widthlab/error.h"
#include "widthlab/mpi_runtime.h"
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"

namespace {

struct KernelVerbFlags {
  std::string x1, x2, out;
  widthlab::cli::KernelFlags kernel;
  bool force = false;
};

const widthlab::cli::KernelFlagsSpec kSpec{/*float32=*/true, /*blocks=*/true, "kernel", /*arch=*/true};

template <class T>
int run_kernel(const KernelVerbFlags& f, widthlab::KernelOptions opts) {
  using namespace widthlab;
  Matrix<T> X1 = cli::read_kernel_input<T>(f.x1, "--x1", opts), X2;
  auto check = [](const Matrix<T>& X, const std::string& flag, const std::string& path) {
    if (X.rows() < 1 || X.cols() < 1)
      throw InputError(fmt::format("{} {}: expected a non-empty (N, d) array", flag, path));
    if (all_finite(X)) return;
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      if (!all_finite(X.row(i)))
        throw InputError(fmt::format("{} {}: row {} holds a non-finite value (NaN or inf)", flag, path, i));
  };
  check(X1, "--x1", f.x1);
  if (!f.x2.empty()) {
    X2 = cli::read_kernel_input<T>(f.x2, "--x2", opts);
    check(X2, "--x2", f.x2);
    if (X2.cols() != X1.cols())
      throw InputError(fmt::format("--x2 {}: expected {} columns (as --x1), got {}", f.x2, X1.cols(), X2.cols()));
  }
  // Rank 0 alone prepares (and checks) the directory; the others use it as it is once rank 0 is done — a check of
  // theirs would race with rank 0's first writes.
  auto dir = mpi_root_first([&](bool root) {
    return root ? prepare_output_dir(f.out, f.force ? OutputMode::force : OutputMode::fresh, /*resumable=*/false)
                : std::filesystem::path(f.out);
  });
  // Under mpirun the rows are split over the ranks (mpi_runtime.h).
  KernelSummary s = kernel_to_npy_mpi<T>(X1, f.x2.empty() ? nullptr : &X2, opts, dir / "nngp.npy", dir / "ntk.npy");
  fmt::print("{}\nwrote {}/nngp.npy and {}/ntk.npy\n", s.brief(), printable_path(dir), printable_path(dir));
  return 0;
}

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto f = std::make_shared<KernelVerbFlags>();
  sub.add_option("--x1", f->x1, "Inputs X1, .npy of shape (N1, d) or, with --arch, (N1, H, W, C)")->required();
  sub.add_option("--x2", f->x2, "Inputs X2, .npy like X1; default X1 (symmetric)");
  widthlab::cli::add_kernel_flags(sub, f->kernel, kSpec);
  sub.add_option("--out", f->out, "Output directory (nngp.npy, ntk.npy)")->required();
  sub.add_flag("--force", f->force, "Replace the results widthlab wrote in --out (other files there are kept)");
  return [f] {
    using namespace widthlab;
    const KernelOptions o = cli::kernel_options_from_flags(f->kernel, kSpec);
    return o.precision == Precision::float32 ? run_kernel<float>(*f, o) : run_kernel<double>(*f, o);
  };
}

const widthlab::cli::VerbRegistration reg{
    "kernel", "Analytic NNGP and NTK of a fully connected net or an --arch architecture (DIR/nngp.npy, DIR/ntk.npy)",
    setup};

}  // namespace
