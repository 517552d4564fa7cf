// `widthlab kernel` outputs written to .npy files in row panels, over one process or over MPI ranks that share the
// files (include/widthlab/mpi_runtime.h).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#include "widthlab/error.h"
#include "widthlab/mpi_runtime.h"
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"
#include "widthlab/progress.h"
#include "widthlab/transpose.h"

namespace widthlab {

namespace {

// Owner of block row `bi` among `ranks`: zig-zag (0,1,…,K-1,K-1,…,0,0,1,…) so that the long rows at the top of a
// triangle pair with the short rows at the bottom.
int block_row_owner(std::int64_t bi, int ranks) {
  const std::int64_t p = bi % (2 * std::int64_t(ranks));
  return int(p < ranks ? p : 2 * ranks - 1 - p);
}

// A rows × cols piece of both outputs (row-major, leading dimension cols) at (row0, col0) of the full arrays.
template <class T>
struct Panel {
  std::vector<T> nngp, ntk;
  std::int64_t row0 = 0, rows = 0, col0 = 0, cols = 0;
};

// Writes panels to the two files, one row segment per pwrite. With `overlap`, a panel is written on a helper thread
// while the caller computes the next one (two buffers); without it (--threads 1: one core per process) inline.
template <class T>
class PanelWriter {
 public:
  PanelWriter(NpyPieceWriter<T>* nngp, NpyPieceWriter<T>* ntk, bool overlap)
      : nngp_(nngp), ntk_(ntk), overlap_(overlap) {}
  ~PanelWriter() {
    for (auto& f : pending_)
      if (f.valid()) f.wait();  // an error already propagates from finish() or next()
  }
  // A free buffer shaped rows × cols (waits for the write that last used it).
  Panel<T>& next(std::int64_t row0, std::int64_t rows, std::int64_t col0, std::int64_t cols) {
    turn_ ^= 1;
    if (pending_[turn_].valid()) pending_[turn_].get();
    Panel<T>& p = buffers_[turn_];
    p.row0 = row0, p.rows = rows, p.col0 = col0, p.cols = cols;
    if (nngp_) p.nngp.resize(std::size_t(rows * cols));
    if (ntk_) p.ntk.resize(std::size_t(rows * cols));
    return p;
  }
  // Writes the buffer last returned by next().
  void submit() {
    const Panel<T>& p = buffers_[turn_];
    // One file at a time, odd ranks starting with the other file: a buffered write holds its file's inode lock,
    // so two ranks writing the same file at once would queue on it.
    auto write = [this, &p] {
      const bool ntk_first = mpi_rank() % 2 == 1;
      for (int k = 0; k < 2; ++k) {
        const bool ntk = (k == 0) == ntk_first;
        NpyPieceWriter<T>* file = ntk ? ntk_ : nngp_;
        if (!file) continue;
        const T* values = ntk ? p.ntk.data() : p.nngp.data();
        for (std::int64_t r = 0; r < p.rows; ++r) file->write(p.row0 + r, p.col0, values + r * p.cols, p.cols);
      }
    };
    if (overlap_) pending_[turn_] = std::async(std::launch::async, write);
    else write();
  }
  void finish() {
    for (auto& f : pending_)
      if (f.valid()) f.get();
  }

 private:
  NpyPieceWriter<T>* nngp_;
  NpyPieceWriter<T>* ntk_;
  bool overlap_;
  Panel<T> buffers_[2];
  std::future<void> pending_[2];
  int turn_ = 0;
};

// Columns per panel: whole blocks, about `bytes` per output, so the buffers stay small at any N.
template <class T>
std::int64_t panel_columns(std::int64_t block, std::size_t bytes) {
  return std::max<std::int64_t>(1, std::int64_t(bytes / sizeof(T)) / (block * block)) * block;
}

// Block row [a, a+m) of the outputs, columns [from, to) (block-aligned), computed by the plan into a panel.
template <class T>
void compute_panel(const KernelPlan<T>& plan, std::int64_t a, std::int64_t m, std::int64_t from, std::int64_t to,
                   PanelWriter<T>& out, bool have_nngp, bool have_ntk) {
  const std::int64_t w = to - from;
  Panel<T>& p = out.next(a, m, from, w);
  plan.compute(a, m, from, w, have_nngp ? p.nngp.data() : nullptr, have_ntk ? p.ntk.data() : nullptr, w);
  out.submit();
}

// Block row [a, a+m), columns [from, to) below the diagonal (to ≤ a): the mirror of rows [from, to), columns
// [a, a+m), which phase 1 wrote (any rank's: read through the writer's shared read-only view), transposed.
template <class T>
void mirror_panel(std::int64_t a, std::int64_t m, std::int64_t from, std::int64_t to, NpyPieceWriter<T>* nngp,
                  NpyPieceWriter<T>* ntk, PanelWriter<T>& out) {
  const std::int64_t w = to - from;
  Panel<T>& p = out.next(a, m, from, w);
  for (auto [src, dst] : {std::pair{nngp, p.nngp.data()}, std::pair{ntk, p.ntk.data()}}) {
    if (!src) continue;
    const std::int64_t ld = src->cols();
    transpose_tiled(src->view() + from * ld + a, ld, w, m, dst, w);
  }
  out.submit();
}

// Block rows dealt to `rank` of `ranks`.
std::vector<std::int64_t> block_rows_of(std::int64_t rows, std::int64_t block, int ranks, int rank) {
  std::vector<std::int64_t> mine;
  for (std::int64_t bi = 0; bi * block < rows; ++bi)
    if (block_row_owner(bi, ranks) == rank) mine.push_back(bi);
  return mine;
}

// What this rank mirrors in the lower-triangle phase. With an even number of ranks and both outputs, even ranks
// write the NNGP file and odd ranks the NTK file, each file's block rows dealt over its half of the ranks (with 2
// ranks: one whole file each): a buffered write holds its file's inode lock, so two ranks writing one file queue on
// it (measured, N = 20000, -n 2: each rank's half of the lower-triangle writes took about as long as one process
// writing all of them, 1.2–1.6 s; one file each, 0.95–1.3 s).
struct MirrorShare {
  bool nngp = false, ntk = false;
  std::vector<std::int64_t> block_rows;
};
MirrorShare mirror_share(std::int64_t rows, std::int64_t block, bool have_nngp, bool have_ntk) {
  const int ranks = mpi_size(), rank = mpi_rank();
  if (ranks % 2 == 0 && have_nngp && have_ntk)
    return {rank % 2 == 0, rank % 2 == 1, block_rows_of(rows, block, ranks / 2, rank / 2)};
  return {have_nngp, have_ntk, block_rows_of(rows, block, ranks, rank)};
}

// This rank's block rows of the outputs (all of them with one rank). Symmetric outputs take two phases: the
// upper triangle (diagonal block and right), a barrier, then the lower triangle read back and transposed (this
// rank's share: mirror_share), so every piece written is a long run of one row.
template <class T>
void compute_rows(const KernelPlan<T>& plan, NpyPieceWriter<T>* nngp, NpyPieceWriter<T>* ntk,
                  std::size_t panel_bytes) {
  const std::int64_t N1 = plan.rows(), N2 = plan.cols(), B = plan.block(), W = panel_columns<T>(B, panel_bytes);
  const bool symmetric = plan.symmetric();
  const std::vector<std::int64_t> mine = block_rows_of(N1, B, mpi_size(), mpi_rank());
  const MirrorShare mirror = symmetric ? mirror_share(N1, B, nngp != nullptr, ntk != nullptr) : MirrorShare{};
  long panels = 0;
  for (std::int64_t bi : mine) panels += long((N2 - (symmetric ? bi * B : 0) + W - 1) / W);
  for (std::int64_t bi : mirror.block_rows) panels += long((bi * B + W - 1) / W);
  const ProgressDefaults& pd = progress_defaults();
  Progress progress("kernel", panels, pd.enabled && panels > 4, pd.force);
  PanelWriter<T> out(nngp, ntk, plan.threads() != 1);
  for (std::int64_t bi : mine) {
    const std::int64_t a = bi * B, m = std::min(B, N1 - a);
    for (std::int64_t c = symmetric ? a : 0; c < N2; c += W) {
      compute_panel<T>(plan, a, m, c, std::min(c + W, N2), out, nngp != nullptr, ntk != nullptr);
      progress.advance(1);
    }
  }
  out.finish();
  if (symmetric) {
    mpi_barrier();
    NpyPieceWriter<T>* mirror_nngp = mirror.nngp ? nngp : nullptr;
    NpyPieceWriter<T>* mirror_ntk = mirror.ntk ? ntk : nullptr;
    PanelWriter<T> lower(mirror_nngp, mirror_ntk, plan.threads() != 1);
    for (std::int64_t bi : mirror.block_rows) {
      const std::int64_t a = bi * B, m = std::min(B, N1 - a);
      for (std::int64_t c = 0; c < a; c += W) {
        mirror_panel<T>(a, m, c, std::min(c + W, a), mirror_nngp, mirror_ntk, lower);
        progress.advance(1);
      }
    }
    lower.finish();
  }
  progress.finish();
}

}  // namespace

template <class T>
KernelSummary kernel_to_npy_mpi(const Matrix<T>& X1, const Matrix<T>* X2, const KernelOptions& opts,
                                const std::filesystem::path& nngp_path, const std::filesystem::path& ntk_path,
                                std::size_t panel_bytes) {
  const auto t0 = std::chrono::steady_clock::now();
  const MatrixRef<T> x1(X1);
  std::optional<MatrixRef<T>> x2;
  if (X2) x2.emplace(*X2);
  const KernelPlan<T> plan(x1, x2 ? &*x2 : nullptr, opts);  // rejects invalid input before any file exists
  const std::int64_t n1 = X1.rows(), n2 = X2 ? X2->rows() : n1;
  std::optional<NpyPieceWriter<T>> nngp, ntk;
  mpi_root_first([&](bool root) {  // rank 0 creates the .tmp files, then the other ranks open them
    nngp.emplace(root ? NpyPieceWriter<T>::create(nngp_path.string(), n1, n2)
                      : NpyPieceWriter<T>::attach(nngp_path.string(), n1, n2));
    ntk.emplace(root ? NpyPieceWriter<T>::create(ntk_path.string(), n1, n2)
                     : NpyPieceWriter<T>::attach(ntk_path.string(), n1, n2));
    return 0;
  });
  compute_rows<T>(plan, &*nngp, &*ntk, panel_bytes);
  mpi_barrier();  // every rank's rows are written
  if (mpi_is_root()) {
    nngp->commit();
    ntk->commit();
  }
  KernelSummary s;
  s.threads = plan.threads() * mpi_size();
  s.block = opts.block;
  s.precision = sizeof(T) == 4 ? Precision::float32 : Precision::float64;
  s.symmetric = X2 == nullptr;
  s.rows = n1;
  s.cols = n2;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

template KernelSummary kernel_to_npy_mpi<float>(const Matrix<float>&, const Matrix<float>*, const KernelOptions&,
                                                const std::filesystem::path&, const std::filesystem::path&, std::size_t);
template KernelSummary kernel_to_npy_mpi<double>(const Matrix<double>&, const Matrix<double>*, const KernelOptions&,
                                                 const std::filesystem::path&, const std::filesystem::path&, std::size_t);

}  // namespace widthlab
