// How a GPU kernel call (kernel_cuda.h) cuts its N1 × N2 output into row panels. Host code, plain data (no Eigen:
// the CUDA side, compiled by nvcc, takes a KernelPanel by value).
#pragma once
#include <cstdint>
#include <vector>

#include "widthlab/host_device.h"

namespace widthlab {

// Rows [r0, r0 + rows) of X1 against columns [col0, col0 + cols) of X2.
struct KernelPanel {
  std::int64_t r0 = 0, rows = 0, col0 = 0, cols = 0;
};

// The panels of an n1 × n2 call, panel_rows rows each (the last one fewer). A symmetric call (X2 = X1, n1 == n2)
// computes the upper triangle only: a panel starts at the column of its own first row (col0 = r0), so it holds its
// diagonal block whole and everything right of it — Σ rows·cols = (1 + 1/P)·n²/2 for P equal panels, against n² —
// and the host mirrors the strict lower triangle (symmetrize_from_upper). std::invalid_argument on n1 < 0, n2 < 0,
// panel_rows < 1, or symmetric with n1 ≠ n2.
std::vector<KernelPanel> kernel_panels(std::int64_t n1, std::int64_t n2, std::int64_t panel_rows, bool symmetric);

// How many of panel p's rows the recursion computes in panel column j (0 ≤ j < p.cols): all of them, or in a
// symmetric call (upper_only) those at or above the diagonal, row r0 + i ≤ col0 + j. Host and device code: the CUDA
// kernel (src/cuda/kernel_cuda.cu) loops over exactly these rows, and the CPU tests check the count.
WIDTHLAB_HOST_DEVICE std::int64_t panel_rows_computed(const KernelPanel& p, std::int64_t j, bool upper_only) {
  const std::int64_t at_or_above = p.col0 + j - p.r0 + 1;
  if (!upper_only || at_or_above >= p.rows) return p.rows;
  return at_or_above > 0 ? at_or_above : 0;
}

}  // namespace widthlab
