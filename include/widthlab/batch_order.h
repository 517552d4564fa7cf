// The order in which a run visits its training examples (theory.md §6.0): full batch, or mini-batches of a
// permutation reshuffled at the start of every epoch from make_rng(seed, rng_stream::batches) (torch DataLoader
// order: the last batch of an epoch may be short). One implementation for the finite nets and their limits, so that
// a limit sees the same batches as the net of the same seed.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "widthlab/rng.h"

namespace widthlab {

class BatchOrder {
 public:
  // n examples, `batch` per step (0 or ≥ n: full batch).
  BatchOrder(int n, int batch, std::uint64_t seed);
  bool full() const { return batch_ >= n_; }
  int batch() const { return batch_; }
  // The example indices of the next step (identity for full batch); valid until the next call.
  std::span<const int> next();

 private:
  int n_, batch_, pos_;
  std::vector<int> perm_;
  Rng rng_;
};

}  // namespace widthlab
