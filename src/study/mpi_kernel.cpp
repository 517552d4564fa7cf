// `widthlab kernel` outputs computed over MPI ranks into shared memory-mapped .npy files
// (include/widthlab/mpi_runtime.h).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "widthlab/error.h"
#include "widthlab/mpi_runtime.h"
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"
#include "widthlab/progress.h"

namespace widthlab {

namespace {

// A rank > 0's view of the .npy.tmp file rank 0 created (header already written): maps it and finds the data.
template <class T>
class SharedNpy {
 public:
  explicit SharedNpy(const std::filesystem::path& final_path) : path_(final_path.string() + ".tmp") {
    int fd = ::open(path_.c_str(), O_RDWR);
    if (fd < 0) throw InputError(fmt::format("{}: cannot open the shared kernel output: {}", printable_path(path_),
                                             std::strerror(errno)));
    struct stat st {};
    ::fstat(fd, &st);
    size_ = std::size_t(st.st_size);
    map_ = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map_ == MAP_FAILED || size_ < 10) throw InputError(fmt::format("{}: cannot map the shared kernel output", printable_path(path_)));
    const auto* b = static_cast<const unsigned char*>(map_);
    const std::size_t offset = b[6] == 1 ? 10 + std::size_t(b[8] | (b[9] << 8))
                                         : 12 + std::size_t(b[8] | (b[9] << 8) | (b[10] << 16) | (std::size_t(b[11]) << 24));
    data_ = reinterpret_cast<T*>(static_cast<char*>(map_) + offset);
  }
  ~SharedNpy() {
    if (map_ && map_ != MAP_FAILED) {
      ::msync(map_, size_, MS_SYNC);
      ::munmap(map_, size_);
    }
  }
  T* data() { return data_; }

 private:
  std::string path_;
  void* map_ = nullptr;
  std::size_t size_ = 0;
  T* data_ = nullptr;
};

// Owner of block row `bi` among `ranks`: zig-zag (0,1,…,K-1,K-1,…,0,0,1,…) so that the long rows at the top of a
// triangle pair with the short rows at the bottom.
int block_row_owner(std::int64_t bi, int ranks) {
  const std::int64_t p = bi % (2 * std::int64_t(ranks));
  return int(p < ranks ? p : 2 * ranks - 1 - p);
}

// This rank's share of the kernel into the full N1 × N2 row-major outputs (either may be null).
template <class T>
void compute_rows(const Matrix<T>& X1, const Matrix<T>* X2, const KernelOptions& opts, T* nngp, T* ntk) {
  const std::int64_t N1 = X1.rows(), N2 = X2 ? X2->rows() : N1, B = opts.block;
  const std::int64_t nb = (N1 + B - 1) / B;
  const int rank = mpi_rank(), ranks = mpi_size();
  std::int64_t mine = 0;
  for (std::int64_t bi = 0; bi < nb; ++bi) mine += block_row_owner(bi, ranks) == rank;
  auto& pd = progress_defaults();
  const ProgressDefaults saved = pd;
  Progress progress("kernel", long(mine), saved.enabled && mine > 4, saved.force);
  pd.enabled = false;  // the per-call progress of kernel_compute
  for (std::int64_t bi = 0; bi < nb; ++bi) {
    if (block_row_owner(bi, ranks) != rank) continue;
    const std::int64_t a = bi * B, m = std::min(B, N1 - a);
    const Matrix<T> Xs = X1.middleRows(a, m);
    if (X2) {
      kernel_compute<T>(Xs, X2, opts, nngp ? nngp + a * N2 : nullptr, ntk ? ntk + a * N2 : nullptr, N2);
    } else {
      // Diagonal block (exact diagonal), the blocks right of it, and their mirror below — as kernel_compute's
      // symmetric path does it on the same block grid.
      kernel_compute<T>(Xs, nullptr, opts, nngp ? nngp + a * N1 + a : nullptr, ntk ? ntk + a * N1 + a : nullptr, N1);
      const std::int64_t b = a + m;
      if (b < N1) {
        const Matrix<T> Xr = X1.middleRows(b, N1 - b);
        kernel_compute<T>(Xs, &Xr, opts, nngp ? nngp + a * N1 + b : nullptr, ntk ? ntk + a * N1 + b : nullptr, N1);
        for (T* out : {nngp, ntk}) {
          if (!out) continue;
          for (std::int64_t cb = b; cb < N1; cb += 32)
            for (std::int64_t c = cb; c < std::min(cb + 32, N1); ++c)
              for (std::int64_t r = a; r < b; ++r) out[c * N1 + r] = out[r * N1 + c];
        }
      }
    }
    progress.advance(1);
  }
  pd = saved;
  progress.finish();
}

}  // namespace

template <class T>
KernelSummary kernel_to_npy_mpi(const Matrix<T>& X1, const Matrix<T>* X2, const KernelOptions& opts,
                                const std::filesystem::path& nngp_path, const std::filesystem::path& ntk_path) {
  const std::int64_t n1 = X1.rows(), n2 = X2 ? X2->rows() : n1;
  if (!mpi_active() || mpi_size() < 2) {
    NpyMappedWriter<T> nngp(nngp_path.string(), n1, n2), ntk(ntk_path.string(), n1, n2);
    KernelSummary s = kernel_compute<T>(X1, X2, opts, nngp.data(), ntk.data(), n2);
    nngp.commit();
    ntk.commit();
    return s;
  }
  if (auto err = opts.validate(); !err.empty()) throw InputError("kernel options: " + err);
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<NpyMappedWriter<T>> wn, wt;
  std::unique_ptr<SharedNpy<T>> sn, st;
  T *nngp = nullptr, *ntk = nullptr;
  if (mpi_is_root()) {
    wn = std::make_unique<NpyMappedWriter<T>>(nngp_path.string(), n1, n2);
    wt = std::make_unique<NpyMappedWriter<T>>(ntk_path.string(), n1, n2);
    nngp = wn->data(), ntk = wt->data();
    mpi_barrier();
  } else {
    mpi_barrier();
    sn = std::make_unique<SharedNpy<T>>(nngp_path);
    st = std::make_unique<SharedNpy<T>>(ntk_path);
    nngp = sn->data(), ntk = st->data();
  }
  compute_rows<T>(X1, X2, opts, nngp, ntk);
  sn.reset();  // msync + unmap before the barrier
  st.reset();
  mpi_barrier();
  if (mpi_is_root()) {
    wn->commit();
    wt->commit();
  }
  KernelSummary s;
  s.threads = (opts.threads > 0 ? opts.threads : int(std::max(1u, std::thread::hardware_concurrency()))) * mpi_size();
  s.block = opts.block;
  s.precision = sizeof(T) == 4 ? Precision::float32 : Precision::float64;
  s.symmetric = X2 == nullptr;
  s.rows = n1;
  s.cols = n2;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

template KernelSummary kernel_to_npy_mpi<float>(const Matrix<float>&, const Matrix<float>*, const KernelOptions&,
                                                const std::filesystem::path&, const std::filesystem::path&);
template KernelSummary kernel_to_npy_mpi<double>(const Matrix<double>&, const Matrix<double>*, const KernelOptions&,
                                                 const std::filesystem::path&, const std::filesystem::path&);

}  // namespace widthlab
