// A fixed set of worker threads over shared work (the kernel's blocks, a sweep's runs): `worker` runs on `threads`
// threads, the caller's included, and all are joined before returning. An Interrupted (interrupt.h) stops the worker
// that sees it and is rethrown once all have joined, so no thread is left running and no joinable std::thread is
// destroyed.
#pragma once
#include <thread>
#include <vector>

#include "widthlab/interrupt.h"

namespace widthlab {

// The most worker threads any thread count takes (study.threads, every verb's --threads, KernelOptions::threads, the
// Python threads= arguments): far past any machine's cores, so a larger number is a typo.
inline constexpr int kMaxThreads = 4096;

template <class Worker>
void run_worker_threads(int threads, const Worker& worker) {
  auto guarded = [&worker] {
    try {
      worker();
    } catch (const Interrupted&) {  // rethrown below
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(guarded);
  guarded();
  for (auto& th : pool) th.join();
  if (interrupt_requested()) throw Interrupted{};
}

}  // namespace widthlab
