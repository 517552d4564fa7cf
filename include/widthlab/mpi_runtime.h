// OpenMPI support for `widthlab train|study` sweeps and `widthlab kernel` (issue 9; architecture.md §7 parallelism).
// Everything here works without MPI (not built with WIDTHLAB_HAVE_MPI, or not launched by mpirun): then there is one
// rank, rank 0, and every function behaves like the single-process code it wraps.
//
// Process model (`mpirun -n K widthlab …`):
//   * MpiSession (main.cpp) calls MPI_Init_thread only when the process was started by mpirun (OMPI_COMM_WORLD_SIZE
//     or PMI_SIZE in the environment), so a plain run never touches MPI. Ranks > 0 send stdout/stderr to /dev/null
//     (set WIDTHLAB_MPI_ALL_OUTPUT=1 to keep them) and disable progress lines: only rank 0 prints.
//   * mpi_fail(code, message): one-line error and exit code. With K > 1 ranks it prints (rank 0 at once, other ranks
//     after 1 s so that an error every rank hits is printed once) and MPI_Aborts with `code`, which mpirun returns.
//   * Sweeps (run_sweep_mpi): rank 0 is the coordinator, in its main thread (MPI calls only there, polling every
//     ~1 ms, so it costs no core) AND a worker, in a second thread; ranks 1..K-1 are workers. Keys not yet in
//     runs.jsonl are handed out dynamically, widest first (largest runs first for load balance); each worker sends its
//     run's record, curve and logits back (msgpack, so NaN survives) and rank 0 alone writes curves/, logits/,
//     runs.jsonl and errors.jsonl exactly as run_sweep_runs does (side files before the runs.jsonl line), so resume
//     and the numbers per key are those of the single-process sweep (only the line order differs). Each rank runs
//     one run at a time with threads_per_rank(threads) OpenBLAS threads.
//   * Kernels (kernel_to_npy_mpi): rank 0 creates DIR/<name>.npy.tmp with its header, barrier, every rank opens it.
//     Block rows are then handed out on request (kernel_schedule.h): rank 0's main thread answers the other ranks
//     (looking every 2 ms; they ask one row ahead) while a second thread of rank 0 works too. A rank computes a block
//     row in panels of whole blocks written with pwrite (NpyPieceWriter: no shared memory map, whose per-page faults
//     cost more than the kernel at small d) and reports it when its writes are done. Symmetric kernels compute each
//     row from the diagonal rightwards; the part left of the diagonal of row b is a mirror task, handed out once
//     rows 0 … b−1 are reported, that reads those rows back through the file and writes them transposed (one file
//     per task with more than one rank, each rank preferring its own file). Barrier, rank 0 renames the files. Each
//     block is computed by one KernelPlan (kernel.h) on the same block grid whichever rank computes it, so the
//     output is bit-identical to the single-process run (this path with one rank, tasks in the schedule's order).
#pragma once
#include <filesystem>
#include <string>

#include "widthlab/kernel.h"
#include "widthlab/sweep.h"

namespace widthlab {

// True when started by mpirun/srun-with-PMI (environment), whether or not MPI was built in.
bool mpi_launched();
// True when MPI is initialised in this process (built with MPI and launched by mpirun).
bool mpi_active();
int mpi_rank();  // 0 without MPI
int mpi_size();  // 1 without MPI
bool mpi_is_root();
void mpi_barrier();  // no-op without MPI; waits sleeping (polls every 0.2 ms), so a waiting rank frees its core
// The threads each rank uses for a `threads` option: itself when > 0, else 0 (all cores) shared out over the ranks
// (hardware threads / ranks, at least 1), so K ranks on one machine do not start K × cores threads.
int threads_per_rank(int threads);

// RAII: MPI_Init_thread (FUNNELED) in the constructor when mpi_launched() and built with MPI; MPI_Finalize in the
// destructor. Construct once, first thing in main().
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

// Prints "message" (one line) and returns `code` — or, with more than one rank, MPI_Aborts with `code` (never returns).
int mpi_fail(int code, const std::string& message);

// Runs fn(true) on rank 0, then (after a barrier) fn(false) on the other ranks; for work that rank 0 must do first
// (preparing an output directory). If rank 0 throws, the exception propagates there and main's mpi_fail aborts all.
template <class F>
auto mpi_root_first(F&& fn) {
  if (mpi_is_root()) {
    auto r = fn(true);
    mpi_barrier();
    return r;
  }
  mpi_barrier();
  return fn(false);
}

// run_sweep_runs distributed over the ranks (see above); exactly run_sweep_runs with one rank. On ranks > 0 the
// returned summary counts only what that rank ran.
SweepSummary run_sweep_runs_mpi(const std::vector<SweepRunKey>& keys, const SweepRunFunction& fn,
                                const SweepOptions& options);
// run_sweep (sweep.h) over the ranks.
SweepSummary run_sweep_mpi(const SweepSetup& setup, const SweepOptions& options);

// The kernel verb's output step: NNGP and NTK of X1 (and X2, or symmetric when null) written to the .npy files
// nngp_path / ntk_path (tmp file, then rename) in row panels, the rows split over the ranks (one rank: all of them),
// each rank on threads_per_rank(opts.threads) threads.
// Memory: one panel of at most ≈ panel_bytes per output besides the inputs (two with more than one thread, so that a
// panel is written while the next is computed), at any N: a panel spans whole blocks, so at least block² values.
// The default 64 MiB lets a panel hold a whole row segment of a block row up to N ≈ 32000 at block 512, float32: the
// page cache costs mostly per folio, and (ext4, Linux 6.18 here) a longer pwrite is given larger folios. Measured at
// N = 20000, d = 784, one process: 16 → 64 MiB panels (32 → 80 KB per pwrite) took system time from 2.5 to
// 2.0–2.2 s; a bare pwrite loop: 0.6 s per GB in 32 KB pieces, 0.4 in 80 KB, 0.25 in 1 MB. Invalid input throws before
// any file exists.
template <class T>
KernelSummary kernel_to_npy_mpi(const Matrix<T>& X1, const Matrix<T>* X2, const KernelOptions& opts,
                                const std::filesystem::path& nngp_path, const std::filesystem::path& ntk_path,
                                std::size_t panel_bytes = std::size_t(64) << 20);

}  // namespace widthlab
