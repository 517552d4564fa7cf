// Shared by the libFuzzer targets of fuzz/: the contract every parser must keep (return a value or throw
// widthlab::InputError; anything else escapes and libFuzzer reports it), and a per-process scratch file for the
// parsers that only take a path.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "widthlab/error.h"

namespace widthlab::fuzz {

// Runs `parse`; an InputError is the parser's documented answer to bad input and is swallowed. Any other
// exception (std::out_of_range, std::bad_alloc, …) is not caught, so libFuzzer records the input as a crash.
template <class F>
bool accepts(F&& parse) {
  try {
    parse();
    return true;
  } catch (const InputError&) {
    return false;
  }
}

// Aborts with a message (libFuzzer saves the input): for properties the harness checks itself.
[[noreturn]] inline void violated(const std::string& what) {
  std::fprintf(stderr, "fuzz contract violated: %s\n", what.c_str());
  std::abort();
}

// A file in /dev/shm (memory, not disk) named by target and process id, so parallel fuzzers never share one.
// Rewritten for every input; removed when the process exits normally.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& target)
      : path_("/dev/shm/widthlab-fuzz-" + target + "-" + std::to_string(::getpid())) {}
  ~ScratchFile() { std::remove(path_.c_str()); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  const std::string& write(const std::uint8_t* data, std::size_t size) {
    std::ofstream f(path_, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), std::streamsize(size));
    f.close();
    if (!f) violated("cannot write the scratch file " + path_);
    return path_;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The input as text split at '\n' into at most `max_parts` pieces (the last one keeps any further newlines).
inline std::vector<std::string> split_lines(std::string_view text, std::size_t max_parts) {
  std::vector<std::string> parts;
  while (parts.size() + 1 < max_parts) {
    const std::size_t nl = text.find('\n');
    if (nl == std::string_view::npos) break;
    parts.emplace_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  parts.emplace_back(text);
  return parts;
}

}  // namespace widthlab::fuzz
