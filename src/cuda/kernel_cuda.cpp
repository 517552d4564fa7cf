// Host side of the CUDA dense NNGP/NTK (kernel_cuda.h): support checks, entry constants, the panels
// (kernel_panels.h), the per-row diagonals (kernel_diagonals.h, the CPU path's own), exact symmetry. The device side
// is kernel_cuda.cu (compiled only with CUDA; dense_cuda_job.h); without CUDA, kernel_compute_cuda and
// kernel_time_cuda throw InputError with cuda_status() after checking their input.
#include "widthlab/kernel_cuda.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/transpose.h"

#if WIDTHLAB_HAVE_CUDA
#include "cuda/dense_cuda_job.h"
#endif

namespace widthlab {
namespace {

constexpr double kPi = 3.14159265358979323846;

// The closed-form dual the entry kernel evaluates for `act` (kernel_entry.h), or none: the one place that maps an
// activation to a DualForm, so the GPU refuses (cuda_kernel_unsupported) exactly what it cannot evaluate.
std::optional<DualForm> dual_form(const Activation& act) {
  double a, b;
  if (act.abrelu(&a, &b)) return DualForm::abrelu;
  if (act.kind == ActivationKind::erf) return DualForm::erf;
  return std::nullopt;
}

// Checks shared by kernel_compute_cuda and kernel_time_cuda; returns the per-layer weights in T (empty: all 1).
template <class T>
std::vector<T> check_request(const MatrixRef<T>& X1, const MatrixRef<T>* X2, const KernelOptions& opts,
                             const CudaKernelOptions& cuda_opts, const std::vector<double>* layer_weights) {
  kernel_check_inputs<T>(X1, X2, opts);
  if (auto why = cuda_kernel_unsupported(opts); !why.empty()) throw InputError("CUDA kernel: not supported for " + why);
  if (cuda_opts.tf32 && std::is_same_v<T, double>)
    throw InputError("CUDA kernel: tf32 applies to float32 only, and this kernel is float64");
  if (cuda_opts.panel_bytes < 1) throw InputError("CUDA kernel: panel_bytes must be ≥ 1");
  if (layer_weights && layer_weights->size() != std::size_t(opts.depth + 1))
    throw InputError(
        fmt::format("layer weights: expected depth + 1 = {} values, got {}", opts.depth + 1, layer_weights->size()));
  std::vector<T> c;
  if (layer_weights)
    for (double w : *layer_weights) {
      if (!std::isfinite(w) || w < 0) throw InputError(fmt::format("layer weight {}: expected a finite number ≥ 0", w));
      c.push_back(T(w));
    }
  require_cuda("CUDA kernel");
  return c;
}

// Rows per panel: about panel_bytes of one output per panel, at least 1 and at most n1 (kernel_cuda.h).
template <class T>
std::int64_t panel_rows(std::int64_t n1, std::int64_t n2, const CudaKernelOptions& cuda_opts) {
  return std::clamp<std::int64_t>(cuda_opts.panel_bytes / (n2 * std::int64_t(sizeof(T))), 1,
                                  std::max<std::int64_t>(n1, 1));
}

#if WIDTHLAB_HAVE_CUDA
// X as a contiguous row-major buffer: X's own storage when its rows are already back to back, else a copy.
template <class T>
const T* contiguous(const MatrixRef<T>& X, Matrix<T>& copy) {
  if (X.outerStride() == X.cols()) return X.data();
  copy = X;
  return copy.data();
}

template <class T>
std::vector<T> converted(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

// The job of a kernel_compute_cuda or kernel_time_cuda call, less its outputs. It points into c, d1, d2 and the
// copies (made only for inputs whose rows are not contiguous), which must outlive it.
template <class T>
cuda_detail::DenseCudaJob<T> make_job(const MatrixRef<T>& X1, const MatrixRef<T>* X2, const KernelOptions& opts,
                                      const CudaKernelOptions& cuda_opts, const std::vector<T>& c,
                                      const std::vector<T>& d1, const std::vector<T>& d2, Matrix<T>& copy1,
                                      Matrix<T>& copy2) {
  cuda_detail::DenseCudaJob<T> job;
  job.x1 = contiguous(X1, copy1);
  job.x2 = X2 ? contiguous(*X2, copy2) : nullptr;
  job.n1 = X1.rows();
  job.n2 = X2 ? X2->rows() : X1.rows();
  job.d = X1.cols();
  job.params = dense_entry_params<T>(opts, X1.cols());
  job.c = c.empty() ? nullptr : c.data();
  job.d1 = d1.data();
  job.d2 = X2 ? d2.data() : d1.data();
  job.tf32 = cuda_opts.tf32;
  job.panel_rows = panel_rows<T>(job.n1, job.n2, cuda_opts);
  job.panels = kernel_panels(job.n1, job.n2, job.panel_rows, X2 == nullptr);
  return job;
}
#endif

}  // namespace

std::string CudaKernelSummary::brief() const {
  const bool f32 = kernel.precision == Precision::float32;
  return fmt::format("{}×{} {} kernel{}, {}, cuda ({}), {} GEMM, {} panel{} of {} rows, {:.3f} s", kernel.rows,
                     kernel.cols, kernel.symmetric ? "symmetric" : "cross",
                     kernel.symmetric ? " (upper triangle computed, mirrored)" : "", f32 ? "float32" : "float64",
                     device,
                     !f32   ? "float64"
                     : tf32 ? "TF32"
                            : "strict float32",
                     panels, panels == 1 ? "" : "s", panel_rows, kernel.seconds);
}

std::vector<KernelPanel> kernel_panels(std::int64_t n1, std::int64_t n2, std::int64_t panel_rows, bool symmetric) {
  if (n1 < 0 || n2 < 0 || panel_rows < 1 || (symmetric && n1 != n2))
    throw std::invalid_argument(
        fmt::format("kernel_panels: n1 = {}, n2 = {}, panel_rows = {}, symmetric = {}", n1, n2, panel_rows, symmetric));
  std::vector<KernelPanel> panels;
  for (std::int64_t r0 = 0; r0 < n1; r0 += panel_rows) {
    const std::int64_t col0 = symmetric ? r0 : 0;
    panels.push_back({r0, std::min(panel_rows, n1 - r0), col0, n2 - col0});
  }
  return panels;
}

std::string cuda_kernel_unsupported(const KernelOptions& opts) {
  if (opts.arch) return "--arch (architecture kernels run on the CPU only so far)";
  if (!dual_form(opts.act))
    return fmt::format(
        "activation {} (the GPU kernels have the ReLU-family and erf duals only; its dual runs on the CPU)",
        opts.act.name);
  return "";
}

KernelSource cuda_kernel_source(const KernelOptions& opts) {
  return [opts](const MatrixD& A, const MatrixD* B, MatrixD* nngp, MatrixD* ntk) {
    const Eigen::Index n = B ? B->rows() : A.rows();
    const MatrixRef<double> a(A);
    const std::optional<MatrixRef<double>> b = B ? std::optional<MatrixRef<double>>(*B) : std::nullopt;
    kernel_compute_cuda(a, b ? &*b : nullptr, opts, nngp ? nngp->data() : nullptr, ntk ? ntk->data() : nullptr, n);
  };
}

KernelDevice choose_kernel_device(std::string_view device, const KernelOptions& opts, std::string_view what,
                                  int ranks) {
  const std::optional<Device> asked = parse_device(device, what);
  const std::string flag(what);
  KernelDevice c;
  if (asked == Device::cpu) {
    c.note = "asked";
  } else if (asked == Device::cuda) {
    if (auto why = cuda_kernel_unsupported(opts); !why.empty())
      throw InputError(flag + " cuda: not supported for " + why);
    if (ranks > 1) throw InputError(flag + " cuda: not supported under mpirun with more than one rank");
    require_cuda(flag + " cuda");
    c.device = Device::cuda;
  } else if (auto why = cuda_kernel_unsupported(opts); !why.empty()) {
    c.note = "auto: the CUDA kernel does not support " + why;
  } else if (!cuda_available()) {
    c.note = "auto: " + cuda_status();
  } else if (ranks > 1) {
    c.note = "auto: more than one MPI rank";
  } else {
    c.device = Device::cuda;
  }
  return c;
}

template <class S>
DenseEntryParams<S> dense_entry_params(const KernelOptions& opts, std::int64_t n0) {
  if (auto why = cuda_kernel_unsupported(opts); !why.empty())
    throw std::invalid_argument("dense_entry_params: not supported for " + why);
  DenseEntryParams<S> P;
  P.L = opts.depth;
  P.form = *dual_form(opts.act);  // cuda_kernel_unsupported above refused every activation without one
  double a = 0, b = 0;
  if (opts.act.abrelu(&a, &b)) {
    P.c0 = S((a * a + b * b) / 2);
    P.c1 = S((a - b) * (a - b) / (2 * kPi));
  }
  const double w2 = opts.W_std * opts.W_std;
  P.w2 = S(w2);
  P.b2 = S(opts.b_std * opts.b_std);
  P.g2k = S(w2 / double(n0));
  P.width = S(opts.width);
  P.beta = S(opts.b_std > 0 ? 1.0 : 0.0);
  P.standard = opts.parameterization == Parameterization::standard;
  P.ntk = true;
  return P;
}

namespace {

// The symmetric finish (symmetrize_from_upper) for T = float or double.
template <class T>
void symmetrize_upper(T* out, std::int64_t n, std::int64_t ld, const std::vector<double>& diag) {
  if (diag.size() != std::size_t(n))
    throw std::invalid_argument(fmt::format("symmetrize_from_upper: {} diagonal values for n = {}", diag.size(), n));
  constexpr std::int64_t B = 256;
  for (std::int64_t i0 = 0; i0 < n; i0 += B)
    for (std::int64_t j0 = 0; j0 < i0; j0 += B)  // block (i0, j0) below the diagonal ← block (j0, i0) transposed
      transpose_tiled(out + j0 * ld + i0, ld, B, std::min(B, n - i0), out + i0 * ld + j0, ld);
  for (std::int64_t i = 0; i < n; ++i) {  // inside the diagonal blocks: mirror, then the exact diagonal
    out[i * ld + i] = T(diag[std::size_t(i)]);
    for (std::int64_t j = (i / B) * B; j < i; ++j) out[i * ld + j] = out[j * ld + i];
  }
}

template <class T>
CudaKernelSummary compute_cuda(const MatrixRef<T>& X1, const MatrixRef<T>* X2, const KernelOptions& opts, T* nngp,
                               T* ntk, std::int64_t ld, const CudaKernelOptions& cuda_opts,
                               const std::vector<double>* layer_weights) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<T> c = check_request(X1, X2, opts, cuda_opts, layer_weights);
  const std::int64_t N1 = X1.rows(), N2 = X2 ? X2->rows() : N1;
  if (ld < N2) throw InputError(fmt::format("kernel output stride {} < {} columns", ld, N2));
  CudaKernelSummary s;
  s.kernel.threads = 1;
  s.kernel.precision = std::is_same_v<T, float> ? Precision::float32 : Precision::float64;
  s.kernel.symmetric = X2 == nullptr;
  s.kernel.rows = N1;
  s.kernel.cols = N2;
  s.device = cuda_status();
  s.tf32 = cuda_opts.tf32;
  if (!nngp && !ntk) return s;
#if WIDTHLAB_HAVE_CUDA
  Matrix<T> copy1, copy2;
  const DenseDiagonals D1 = dense_diagonals<T>(X1, opts, layer_weights);
  const std::vector<T> d1 = converted<T>(D1.k), d2 = X2 ? converted<T>(dense_diagonals<T>(*X2, opts).k) : d1;
  cuda_detail::DenseCudaJob<T> job = make_job(X1, X2, opts, cuda_opts, c, d1, d2, copy1, copy2);
  job.params.ntk = ntk != nullptr;
  job.nngp = nngp;
  job.ntk = ntk;
  job.ld = ld;
  cuda_detail::dense_kernel_cuda_run(job);
  s.panel_rows = job.panel_rows;
  s.panels = int(job.panels.size());
  if (s.kernel.symmetric) {  // exact symmetry and the exact diagonal, as kernel_compute (kernel.h)
    if (nngp) symmetrize_upper(nngp, N1, ld, D1.nngp);
    if (ntk) symmetrize_upper(ntk, N1, ld, D1.ntk);
  }
#else
  throw std::logic_error("kernel_compute_cuda: reached without CUDA (check_request should have thrown)");
#endif
  s.kernel.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

template <class T>
double time_cuda(const MatrixRef<T>& X, const KernelOptions& opts, const CudaKernelOptions& cuda_opts, int reps) {
  const std::vector<T> c = check_request<T>(X, nullptr, opts, cuda_opts, nullptr);
#if WIDTHLAB_HAVE_CUDA
  Matrix<T> copy1, copy2;
  const std::vector<T> d1 = converted<T>(dense_diagonals<T>(X, opts).k);
  const cuda_detail::DenseCudaJob<T> job = make_job<T>(X, nullptr, opts, cuda_opts, c, d1, d1, copy1, copy2);
  return cuda_detail::dense_kernel_cuda_time(job, reps);
#else
  (void)c;
  throw std::logic_error("kernel_time_cuda: reached without CUDA (check_request should have thrown)");
#endif
}

}  // namespace

template DenseEntryParams<float> dense_entry_params<float>(const KernelOptions&, std::int64_t);
template DenseEntryParams<double> dense_entry_params<double>(const KernelOptions&, std::int64_t);

void symmetrize_from_upper(float* out, std::int64_t n, std::int64_t ld, const std::vector<double>& diag) {
  symmetrize_upper(out, n, ld, diag);
}
void symmetrize_from_upper(double* out, std::int64_t n, std::int64_t ld, const std::vector<double>& diag) {
  symmetrize_upper(out, n, ld, diag);
}
CudaKernelSummary kernel_compute_cuda(const MatrixRef<float>& X1, const MatrixRef<float>* X2, const KernelOptions& opts,
                                      float* nngp, float* ntk, std::int64_t ld, const CudaKernelOptions& cuda_opts,
                                      const std::vector<double>* layer_weights) {
  return compute_cuda(X1, X2, opts, nngp, ntk, ld, cuda_opts, layer_weights);
}
CudaKernelSummary kernel_compute_cuda(const MatrixRef<double>& X1, const MatrixRef<double>* X2,
                                      const KernelOptions& opts, double* nngp, double* ntk, std::int64_t ld,
                                      const CudaKernelOptions& cuda_opts, const std::vector<double>* layer_weights) {
  return compute_cuda(X1, X2, opts, nngp, ntk, ld, cuda_opts, layer_weights);
}
double kernel_time_cuda(const MatrixRef<float>& X, const KernelOptions& opts, const CudaKernelOptions& cuda_opts,
                        int reps) {
  return time_cuda(X, opts, cuda_opts, reps);
}
double kernel_time_cuda(const MatrixRef<double>& X, const KernelOptions& opts, const CudaKernelOptions& cuda_opts,
                        int reps) {
  return time_cuda(X, opts, cuda_opts, reps);
}

}  // namespace widthlab
