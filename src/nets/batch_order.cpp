#include "widthlab/batch_order.h"

#include <algorithm>
#include <numeric>

namespace widthlab {

BatchOrder::BatchOrder(int n, int batch, std::uint64_t seed)
    : n_(n),
      batch_(batch <= 0 || batch >= n ? n : batch),
      pos_(n),
      perm_(std::size_t(std::max(n, 0))),
      rng_(make_rng(seed, rng_stream::batches)) {
  std::iota(perm_.begin(), perm_.end(), 0);
}

std::span<const int> BatchOrder::next() {
  if (full()) return perm_;  // identity, never shuffled
  if (pos_ >= n_) {
    std::shuffle(perm_.begin(), perm_.end(), rng_);
    pos_ = 0;
  }
  const int rows = std::min(batch_, n_ - pos_);
  std::span<const int> s(perm_.data() + pos_, std::size_t(rows));
  pos_ += rows;
  return s;
}

}  // namespace widthlab
