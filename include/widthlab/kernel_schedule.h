// Which block rows of a kernel's output files a rank writes next (`widthlab kernel` over MPI ranks, mpi_kernel.cpp).
// Pure bookkeeping, no MPI: rank 0 owns one schedule and answers every rank's request from it.
//
// Tasks are whole block rows (rows [b·block, (b+1)·block) of the outputs):
//   * computed tasks, one per block row: the kernel from the diagonal block rightwards (symmetric outputs) or all
//     columns (X1 × X2), both outputs at once (the NTK recursion reuses the NNGP's);
//   * mirror tasks (symmetric outputs), one per block row b ≥ 1 and output file, or one per row for both files when
//     `split_mirror_by_file` is off: the part left of the diagonal, the transpose of blocks (j, b), j < b, that the
//     computed tasks of rows j wrote. A mirror task is ready once computed tasks 0 … b−1 are complete.
// Handing tasks out on request, instead of a fixed deal, lets the ranks finish together although rows differ in cost
// (a computed row b of a symmetric kernel holds nb − b blocks, a mirror row b holds b) and machines are noisy
// (measured, N = 20000 at d = 784, -n 2 with a fixed zig-zag deal: one rank reached the barrier 0.13–0.84 s after the
// other). Order: computed tasks top to bottom (longest first), then the largest ready mirror task, preferring the file
// `rank % 2` when mirror tasks are split by file (a buffered write holds its file's inode lock, so two ranks writing
// one file queue on it).
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

namespace widthlab {

struct KernelTask {
  std::int64_t block_row = 0;
  bool mirror = false;           // false: computed; true: transposed from the computed rows above
  bool nngp = true, ntk = true;  // the outputs this task writes
  std::int64_t blocks = 0;       // blocks it writes per output (its cost, for progress)
  std::int64_t written_blocks() const { return blocks * (int(nngp) + int(ntk)); }  // over the outputs it writes
};

class KernelSchedule {
 public:
  // block_rows = ceil(N1 / block); nngp/ntk: which outputs are written (at least one).
  KernelSchedule(std::int64_t block_rows, bool symmetric, bool nngp, bool ntk, bool split_mirror_by_file);

  // The next task for `rank`, by id (task(id) describes it); nullopt when none is ready now — then either
  // exhausted() (nothing left to hand out) or a mirror task waits for computed tasks still running.
  std::optional<int> take(int rank);
  void complete(int id);  // task `id`, taken before, is written
  bool exhausted() const { return handed_out_ == int(tasks_.size()); }
  bool all_complete() const { return completed_ == int(tasks_.size()); }

  const KernelTask& task(int id) const { return tasks_.at(std::size_t(id)); }
  int size() const { return int(tasks_.size()); }
  std::int64_t total_blocks() const;  // over all tasks and outputs' shares: the progress total

 private:
  std::vector<KernelTask> tasks_;  // computed tasks (block rows 0, 1, …) first, then mirror tasks
  std::vector<char> taken_, done_;
  int computed_ = 0;              // number of computed tasks (ids 0 … computed_-1, id = block row)
  int next_computed_ = 0;         // computed tasks are handed out in order
  std::int64_t done_prefix_ = 0;  // computed rows 0 … done_prefix_-1 are all complete
  int handed_out_ = 0, completed_ = 0;
  bool split_ = false;
};

}  // namespace widthlab
