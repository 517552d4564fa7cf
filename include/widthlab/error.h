// Error kinds at the library boundary (STYLE 6): bad input is an InputError (CLI exit 2, Python ValueError);
// broken invariants are asserts; numerical outcomes (diverged, non-PSD) are statuses, not exceptions.
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
