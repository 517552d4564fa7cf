// `widthlab list`: every registry a config or flag names — activations, losses, optimizers, scaling presets and limit
// models — with the one-line descriptions the registries carry (what configs, --activation, --loss, --optimizer,
// scaling.presets and limits.compute / limit --model accept). Reproductions: `widthlab reproduce --list`.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "verb.h"
#include "widthlab/activation.h"
#include "widthlab/limit_models.h"
#include "widthlab/loss.h"
#include "widthlab/optimizer.h"
#include "widthlab/scaling.h"

namespace {
void print_limit_models() {
  fmt::print("limit models (limits.compute, limit --model; theory.md §2.2, §3.5):\n");
  for (const auto& m : widthlab::limit_model_table()) {
    const std::string region = m.region ? fmt::format("region {}", m.region) : "-";
    fmt::print("  {:<20} {:<10} {}\n", m.name, region, m.description);
  }
}

widthlab::cli::VerbRun setup(CLI::App&) {
  return [] {
    fmt::print("activations:\n");
    for (const auto& a : widthlab::activation_registry())
      fmt::print("  {:<12} {}{}\n", a.name, a.description, a.parameter.empty() ? "" : "  (" + a.parameter + ")");
    fmt::print("losses (train.loss):\n");
    for (const auto& l : widthlab::loss_registry())
      fmt::print("  {:<14} {}  (also: {})\n", l.name, l.description, fmt::join(l.aliases, ", "));
    fmt::print("optimizers (train.optimizer):\n");
    for (const auto& o : widthlab::optimizer_registry()) fmt::print("  {:<12} {}\n", o.name, o.description);
    fmt::print("scaling presets (scaling.presets):\n{}", widthlab::scaling_presets_help());
    print_limit_models();
    return 0;
  };
}
const widthlab::cli::VerbRegistration reg{
    "list", "List the registered activations, losses, optimizers, scaling presets and limit models", setup};
}  // namespace
