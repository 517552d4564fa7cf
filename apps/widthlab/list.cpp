// `widthlab list`: the registered activations and losses (what configs, --activation and --loss accept).
#include <fmt/format.h>

#include "verb.h"
#include "widthlab/activation.h"
#include "widthlab/loss.h"

namespace {
widthlab::cli::VerbRun setup(CLI::App& sub) {
  return [] {
    fmt::print("activations:\n");
    for (const auto& a : widthlab::activation_registry())
      fmt::print("  {:<12} {}{}\n", a.name, a.description, a.parameter.empty() ? "" : "  (" + a.parameter + ")");
    fmt::print("losses:\n");
    for (const auto& l : widthlab::loss_names()) fmt::print("  {}\n", l);
    return 0;
  };
}
const widthlab::cli::VerbRegistration reg{"list", "List the registered activations and losses", setup};
}  // namespace
