// Host side of the CUDA dense NNGP/NTK (kernel_cuda.h): support checks, entry constants, the per-row diagonals
// (kernel_diagonals.h, the CPU path's own), exact symmetry. The device side is kernel_cuda.cu (compiled only with
// CUDA; dense_cuda_job.h); without CUDA, kernel_compute_cuda and kernel_time_cuda throw InputError with cuda_status()
// after checking their input.
#include "widthlab/kernel_cuda.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/transpose.h"

#if WIDTHLAB_HAVE_CUDA
#include "cuda/dense_cuda_job.h"
#endif

namespace widthlab {
namespace {

constexpr double kPi = 3.14159265358979323846;

bool closed_form(const Activation& act) {
  double a, b;
  return act.abrelu(&a, &b) || act.kind == ActivationKind::erf;
}

std::string unsupported_shape(const KernelOptions& opts) {
  if (opts.arch) return "--arch (architecture kernels run on the CPU only so far)";
  if (!closed_form(opts.act))
    return fmt::format("activation {} (no closed-form dual; its Gauss–Hermite quadrature runs on the CPU only)",
                       opts.act.name);
  return "";
}

// Checks shared by kernel_compute_cuda and kernel_time_cuda; returns the per-layer weights as floats (empty: all 1).
std::vector<float> check_request(const MatrixRef<float>& X1, const MatrixRef<float>* X2, const KernelOptions& opts,
                                 const std::vector<double>* layer_weights) {
  kernel_check_inputs<float>(X1, X2, opts);
  KernelOptions o = opts;
  o.precision = Precision::float32;  // the float overloads are float32 whatever opts.precision says
  if (auto why = cuda_kernel_unsupported(o); !why.empty()) throw InputError("CUDA kernel: not supported for " + why);
  if (layer_weights && layer_weights->size() != std::size_t(opts.depth + 1))
    throw InputError(
        fmt::format("layer weights: expected depth + 1 = {} values, got {}", opts.depth + 1, layer_weights->size()));
  std::vector<float> c;
  if (layer_weights)
    for (double w : *layer_weights) {
      if (!std::isfinite(w) || w < 0) throw InputError(fmt::format("layer weight {}: expected a finite number ≥ 0", w));
      c.push_back(float(w));
    }
  require_cuda("CUDA kernel");
  return c;
}

#if WIDTHLAB_HAVE_CUDA
// X as a contiguous row-major buffer: X's own storage when its rows are already back to back, else a copy.
const float* contiguous(const MatrixRef<float>& X, Matrix<float>& copy) {
  if (X.outerStride() == X.cols()) return X.data();
  copy = X;
  return copy.data();
}

std::vector<float> as_float(const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); }
#endif

}  // namespace

std::string CudaKernelSummary::brief() const {
  return fmt::format("{}×{} {} kernel, float32, cuda ({}), {} GEMM, {} panel{} of {} rows, {:.3f} s", kernel.rows,
                     kernel.cols, kernel.symmetric ? "symmetric" : "cross", device, tf32 ? "TF32" : "strict float32",
                     panels, panels == 1 ? "" : "s", panel_rows, kernel.seconds);
}

void symmetrize_from_upper(float* out, std::int64_t n, std::int64_t ld, const std::vector<double>& diag) {
  if (diag.size() != std::size_t(n))
    throw std::invalid_argument(fmt::format("symmetrize_from_upper: {} diagonal values for n = {}", diag.size(), n));
  constexpr std::int64_t B = 256;
  for (std::int64_t i0 = 0; i0 < n; i0 += B)
    for (std::int64_t j0 = 0; j0 < i0; j0 += B)  // block (i0, j0) below the diagonal ← block (j0, i0) transposed
      transpose_tiled(out + j0 * ld + i0, ld, B, std::min(B, n - i0), out + i0 * ld + j0, ld);
  for (std::int64_t i = 0; i < n; ++i) {  // inside the diagonal blocks: mirror, then the exact diagonal
    out[i * ld + i] = float(diag[std::size_t(i)]);
    for (std::int64_t j = (i / B) * B; j < i; ++j) out[i * ld + j] = out[j * ld + i];
  }
}

std::string cuda_kernel_unsupported(const KernelOptions& opts) {
  if (auto why = unsupported_shape(opts); !why.empty()) return why;
  if (opts.precision != Precision::float32)
    return "precision float64 (the CUDA kernel computes in float32; add --precision float32)";
  return "";
}

template <class S>
DenseEntryParams<S> dense_entry_params(const KernelOptions& opts, std::int64_t n0) {
  if (auto why = unsupported_shape(opts); !why.empty())
    throw std::invalid_argument("dense_entry_params: not supported for " + why);
  DenseEntryParams<S> P;
  P.L = opts.depth;
  double a = 0, b = 0;
  if (opts.act.abrelu(&a, &b)) {
    P.form = DualForm::abrelu;
    P.c0 = S((a * a + b * b) / 2);
    P.c1 = S((a - b) * (a - b) / (2 * kPi));
  } else {
    P.form = DualForm::erf;
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

CudaKernelSummary kernel_compute_cuda(const MatrixRef<float>& X1, const MatrixRef<float>* X2, const KernelOptions& opts,
                                      float* nngp, float* ntk, std::int64_t ld, const CudaKernelOptions& cuda_opts,
                                      const std::vector<double>* layer_weights) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<float> c = check_request(X1, X2, opts, layer_weights);
  const std::int64_t N1 = X1.rows(), N2 = X2 ? X2->rows() : N1;
  if (ld < N2) throw InputError(fmt::format("kernel output stride {} < {} columns", ld, N2));
  if (cuda_opts.panel_bytes < 1) throw InputError("CUDA kernel: panel_bytes must be ≥ 1");
  CudaKernelSummary s;
  s.kernel.threads = 1;
  s.kernel.precision = Precision::float32;
  s.kernel.symmetric = X2 == nullptr;
  s.kernel.rows = N1;
  s.kernel.cols = N2;
  s.device = cuda_status();
  s.tf32 = cuda_opts.tf32;
  if (!nngp && !ntk) return s;
#if WIDTHLAB_HAVE_CUDA
  Matrix<float> copy1, copy2;
  cuda_detail::DenseCudaJob job;
  job.x1 = contiguous(X1, copy1);
  job.x2 = X2 ? contiguous(*X2, copy2) : nullptr;
  job.n1 = N1;
  job.n2 = N2;
  job.d = X1.cols();
  job.params = dense_entry_params<float>(opts, X1.cols());
  job.params.ntk = ntk != nullptr;
  job.c = c.empty() ? nullptr : c.data();
  const DenseDiagonals D1 = dense_diagonals<float>(X1, opts, layer_weights);
  const std::vector<float> d1 = as_float(D1.k), d2 = X2 ? as_float(dense_diagonals<float>(*X2, opts).k) : d1;
  job.d1 = d1.data();
  job.d2 = d2.data();
  job.nngp = nngp;
  job.ntk = ntk;
  job.ld = ld;
  job.tf32 = cuda_opts.tf32;
  job.panel_bytes = cuda_opts.panel_bytes;
  const cuda_detail::DenseCudaStats st = cuda_detail::dense_kernel_cuda_run(job);
  s.panel_rows = st.panel_rows;
  s.panels = st.panels;
  if (s.kernel.symmetric) {  // exact symmetry and the exact diagonal, as kernel_compute (kernel.h)
    if (nngp) symmetrize_from_upper(nngp, N1, ld, D1.nngp);
    if (ntk) symmetrize_from_upper(ntk, N1, ld, D1.ntk);
  }
#else
  throw std::logic_error("kernel_compute_cuda: reached without CUDA (check_request should have thrown)");
#endif
  s.kernel.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

double kernel_time_cuda(const MatrixRef<float>& X, const KernelOptions& opts, const CudaKernelOptions& cuda_opts,
                        int reps) {
  (void)check_request(X, nullptr, opts, nullptr);
#if WIDTHLAB_HAVE_CUDA
  Matrix<float> copy;
  cuda_detail::DenseCudaJob job;
  job.x1 = contiguous(X, copy);
  job.n1 = job.n2 = X.rows();
  job.d = X.cols();
  job.params = dense_entry_params<float>(opts, X.cols());
  const std::vector<float> d1 = as_float(dense_diagonals<float>(X, opts).k);
  job.d1 = job.d2 = d1.data();
  job.tf32 = cuda_opts.tf32;
  return cuda_detail::dense_kernel_cuda_time(job, reps);
#else
  throw std::logic_error("kernel_time_cuda: reached without CUDA (check_request should have thrown)");
#endif
}

template DenseEntryParams<float> dense_entry_params<float>(const KernelOptions&, std::int64_t);
template DenseEntryParams<double> dense_entry_params<double>(const KernelOptions&, std::int64_t);

}  // namespace widthlab
