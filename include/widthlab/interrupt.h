// Cooperative interruption of long work: the Python module's Ctrl-C (KeyboardInterrupt) stops a train, study, limit,
// kernel or predict call between steps rather than after it. The CLI installs nothing (SIGINT ends the process), so
// a poll is then one atomic load.
//
// Long loops call poll_interrupt() between steps, outside parallel regions. Once an interrupt is requested it throws
// Interrupted — not a std::exception, so a `catch (const std::exception&)` that records a failed run does not take it;
// thread pools catch it in their workers, join, and rethrow it (worker_threads.h). Results already written stay
// (each is written whole, then renamed), so an interrupted sweep resumes with --resume / resume=True.
#pragma once
#include <functional>

namespace widthlab {

struct Interrupted {};

// Asks the front end whether to stop (Python: PyErr_CheckSignals under the GIL). Called only on the thread that
// installed it, at most every kInterruptPollSeconds; true requests the interrupt.
using InterruptSource = std::function<bool()>;
inline constexpr double kInterruptPollSeconds = 0.1;

// Installs `source` for the calling thread's polls (an empty one removes it). Not thread-safe with running work:
// install it once, before any call (the Python module does at import).
void set_interrupt_source(InterruptSource source);

// Throws Interrupted when an interrupt was requested (by any thread's poll, or request_interrupt); on the source's
// thread, asks the source first when the last ask is older than kInterruptPollSeconds.
void poll_interrupt();

void request_interrupt();    // e.g. a progress callback that raised KeyboardInterrupt
bool interrupt_requested();  // without throwing: for a pool that joins its workers first
void clear_interrupt();      // once a front end has handled it: an old request does not stop the next call

}  // namespace widthlab
