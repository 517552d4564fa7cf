// Verb registry for the CLI (STYLE 15): each verb lives in its own file and registers itself with
//   static const widthlab::cli::VerbRegistration reg{"name", "one-line description", setup_fn};
// setup_fn adds the verb's flags to its CLI11 subcommand and returns the function that runs it (returning the
// exit code). main.cpp maps InputError and CLI11 parse errors to exit 2, anything else to exit 1.
#pragma once
#include <CLI/CLI.hpp>
#include <charconv>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "widthlab/config.h"

namespace widthlab::cli {

struct GlobalFlags {
  bool quiet = false;     // --quiet: no progress line
  bool progress = false;  // --progress: progress line even when stderr is not a terminal
};
GlobalFlags& global_flags();

// Check of an integer flag in [lo, hi], naming the range as `range` does: CLI11's own validators name it with a
// 300-digit bound; this says "--seed: -1: expected an integer ≥ 0".
inline CLI::Validator integer_in(long long lo, long long hi, const std::string& range, const std::string& name) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        long long v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi)
          return text + ": expected an integer " + range;
        return {};
      },
      name);
}

// An integer flag that must be ≥ 0 (seeds).
inline CLI::Validator non_negative_integer() {
  return integer_in(0, std::numeric_limits<long long>::max(), "≥ 0", "INT>=0");
}

// Every verb's --threads (main.cpp adds it to each): 0 (all cores) to kMaxThreads, the bound study.threads and the
// kernel's threads share, so no verb takes a count that another refuses.
inline CLI::Validator thread_count() {
  const std::string range = "[0, " + std::to_string(widthlab::kMaxThreads) + "]";
  return integer_in(0, widthlab::kMaxThreads, "in " + range + " (0 = all cores)", "INT in " + range);
}

using VerbRun = std::function<int()>;
using VerbSetup = std::function<VerbRun(CLI::App& sub)>;

struct VerbInfo {
  std::string name, description;
  VerbSetup setup;
};
std::vector<VerbInfo>& verb_registry();

struct VerbRegistration {
  VerbRegistration(std::string name, std::string description, VerbSetup setup) {
    verb_registry().push_back({std::move(name), std::move(description), std::move(setup)});
  }
};

}  // namespace widthlab::cli
