// Request-driven deal of a kernel's block rows over ranks (include/widthlab/kernel_schedule.h).
#include "widthlab/kernel_schedule.h"

#include <fmt/format.h>

#include "widthlab/error.h"

namespace widthlab {

KernelSchedule::KernelSchedule(std::int64_t block_rows, bool symmetric, bool nngp, bool ntk,
                               bool split_mirror_by_file) {
  if (block_rows < 1 || block_rows > (1 << 24) || !(nngp || ntk))
    throw InputError(
        fmt::format("kernel schedule: expected 1 to 2^24 block rows and at least one output, got {} rows", block_rows));
  split_ = split_mirror_by_file && nngp && ntk;
  for (std::int64_t b = 0; b < block_rows; ++b)
    tasks_.push_back({b, false, nngp, ntk, symmetric ? block_rows - b : block_rows});
  computed_ = int(block_rows);
  if (symmetric)
    for (std::int64_t b = block_rows - 1; b >= 1; --b) {  // largest first: take() scans in this order
      if (split_) {
        tasks_.push_back({b, true, true, false, b});
        tasks_.push_back({b, true, false, true, b});
      } else {
        tasks_.push_back({b, true, nngp, ntk, b});
      }
    }
  taken_.assign(tasks_.size(), 0);
  done_.assign(tasks_.size(), 0);
}

std::optional<int> KernelSchedule::take(int rank) {
  if (next_computed_ < computed_) {
    const int id = next_computed_++;
    taken_[std::size_t(id)] = 1;
    ++handed_out_;
    return id;
  }
  // The largest ready mirror task, of this rank's file if one is ready, else of the other file.
  std::optional<int> pick, fallback;
  for (int id = computed_; id < size() && !pick; ++id) {
    const KernelTask& t = tasks_[std::size_t(id)];
    if (taken_[std::size_t(id)] || t.block_row > done_prefix_) continue;
    if (!split_ || t.ntk == (rank % 2 == 1))
      pick = id;
    else if (!fallback)
      fallback = id;
  }
  if (!pick) pick = fallback;
  if (pick) {
    taken_[std::size_t(*pick)] = 1;
    ++handed_out_;
  }
  return pick;
}

void KernelSchedule::complete(int id) {
  if (id < 0 || id >= size() || !taken_[std::size_t(id)] || done_[std::size_t(id)])
    throw std::logic_error(fmt::format("kernel schedule: task {} completed without being taken, or twice", id));
  done_[std::size_t(id)] = 1;
  ++completed_;
  while (done_prefix_ < computed_ && done_[std::size_t(done_prefix_)]) ++done_prefix_;
}

std::int64_t KernelSchedule::total_blocks() const {
  std::int64_t n = 0;
  for (const KernelTask& t : tasks_) n += t.written_blocks();
  return n;
}

}  // namespace widthlab
