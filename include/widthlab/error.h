// Error kinds at the library boundary. One rule:
//   * bad user input (a file, key, value or flag) is an InputError: CLI exit 2, Python ValueError;
//   * a broken invariant — a caller inside widthlab breaking a function's contract (a CSV row of the wrong length,
//     a scratch buffer of the wrong size) — throws std::logic_error or one of its kinds (std::invalid_argument,
//     std::out_of_range); it is never caught inside the library and reaches the CLI as "internal error" (exit 1).
//     Invariants are checked in release builds too: a wrong number must never be written silently;
//   * numerical outcomes (a diverged run, a non-PSD kernel) are statuses in the results, not exceptions.
#pragma once
#include <stdexcept>
#include <string>

namespace widthlab {

// Bad user input. The message is one line naming the file / key / value and what was expected.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace widthlab
