#include "widthlab/interrupt.h"

#include <atomic>
#include <chrono>
#include <thread>

namespace widthlab {
namespace {

struct State {
  std::atomic<bool> requested{false};
  InterruptSource source;
  std::thread::id source_thread;
  std::chrono::steady_clock::time_point last_ask{};
};

State& state() {
  static State s;
  return s;
}

}  // namespace

void set_interrupt_source(InterruptSource source) {
  State& s = state();
  s.source = std::move(source);
  s.source_thread = std::this_thread::get_id();
}

void poll_interrupt() {
  State& s = state();
  if (!s.requested.load(std::memory_order_relaxed) && s.source && std::this_thread::get_id() == s.source_thread) {
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - s.last_ask).count() >= kInterruptPollSeconds) {
      s.last_ask = now;
      if (s.source()) request_interrupt();
    }
  }
  if (s.requested.load(std::memory_order_relaxed)) throw Interrupted{};
}

void request_interrupt() { state().requested.store(true); }

bool interrupt_requested() { return state().requested.load(); }

void clear_interrupt() { state().requested.store(false); }

}  // namespace widthlab
