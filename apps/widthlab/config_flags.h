// The config flags every config-taking verb shares (architecture.md §4, §5): `--config F` and repeatable `--set
// key=value`.
//   ConfigFlags flags;                    // owned by the verb (e.g. in a shared_ptr captured by its run function)
//   add_config_flags(sub, flags);
//   …
//   Config config = resolve_config(flags);  // InputError (exit 2) naming the file or --set, key, value, rule
// Each --set takes exactly one value, so `--set a=1 --set b=2` works and a following positional stays positional.
#pragma once
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "widthlab/architecture.h"
#include "widthlab/config.h"
#include "widthlab/error.h"

namespace widthlab::cli {

struct ConfigFlags {
  std::string config;                        // "" = the built-in default (configs/default.toml)
  std::vector<std::string> sets;             // "key.path=value", applied in order (the last one of a key wins)
  std::string arch;                          // --arch (verbs that train): model.arch, with depth and activation from it
  std::string device;                        // --device (verbs that train): study.device
  const CLI::Option* arch_option = nullptr;  // given? (`--arch ""` is refused, not ignored)
  const CLI::App* verb = nullptr;            // the verb's subcommand: its --threads, where it has one
};

// --device cpu|cuda|auto on a verb that trains finite nets or MF particles: study.device (where they train; README
// "A GPU"), applied before the --set ones.
inline void add_device_flag(CLI::App& sub, std::string& device) {
  sub.add_option("--device", device,
                 "Where finite nets and MF particles train: cuda (a CUDA GPU; float32 dense nets with gd/sgd), cpu, or "
                 "auto = cuda when a GPU is present and the run has a CUDA path (sets study.device; default: the "
                 "config's, auto)")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
}

inline std::string config_set_help() {
  std::string sections;
  for (const auto& s : config_sections()) sections += (sections.empty() ? "" : ", ") + s;
  return "Override a config key, value in TOML or a bare word: --set train.lr=0.01 --set sweep.widths=[128,256] "
         "--set train.optimizer=sgd (repeatable; sections: " +
         sections + ")";
}

inline void add_config_flags(CLI::App& sub, ConfigFlags& flags, bool config_required = false) {
  flags.verb = &sub;
  auto* c = sub.add_option(
      "--config", flags.config,
      config_required ? "TOML config file" : "TOML config file (default: the built-in default, configs/default.toml)");
  c->check(CLI::Validator(
      [](std::string& path) { return path.empty() ? std::string("expected a TOML file path, got an empty one") : ""; },
      "FILE"));
  if (config_required) c->required();
  sub.add_option("--set", flags.sets, config_set_help())
      ->type_name("KEY=VALUE")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

// --arch TEXT on a verb that trains nets: the overrides model.arch = TEXT, model.depth = its number of dense / conv
// layers and model.activation = its activation (when it has one), applied before the --set ones.
inline void add_arch_flag(CLI::App& sub, ConfigFlags& flags) {
  flags.arch_option =
      sub.add_option("--arch", flags.arch,
                     "Train a layered (convolutional) net: the layers before the readout, widths written d, e.g. "
                     "'conv(3x3,same,d)-relu-conv(3x3,same,d)-relu-gap' (sets model.arch, model.depth and "
                     "model.activation; the readout dense(k) is added; README 'Convolutional nets')");
}

// `v` as a TOML string, for an override's value.
inline std::string toml_string(const std::string& v) {
  std::string q = "\"";
  for (char c : v) q += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return q + "\"";
}

inline std::vector<std::string> arch_overrides(const std::string& text) {
  const Architecture arch = parse_architecture(text, true);
  int affine = 0;
  std::vector<std::string> activations;
  for (const Layer& l : arch.layers) {
    affine += l.affine();
    if (l.kind == LayerKind::activation &&
        std::find(activations.begin(), activations.end(), l.act.name) == activations.end())
      activations.push_back(l.act.name);
  }
  if (activations.size() > 1)
    throw InputError(fmt::format("--arch '{}': activations {} differ; a trained net has one (model.activation)", text,
                                 fmt::join(activations, ", ")));
  std::vector<std::string> sets = {"model.arch=" + toml_string(text), fmt::format("model.depth={}", affine)};
  if (!activations.empty()) sets.push_back("model.activation=" + toml_string(activations.front()));
  return sets;
}

// The flags given that stand for config keys, as the overrides they apply before the --set ones. --threads
// (study.threads) and --no-plots (study.plots = false) are looked up on the verb, so that every verb's own option
// counts.
inline std::vector<FlagOverrides> flag_overrides(const ConfigFlags& flags) {
  std::vector<FlagOverrides> out;
  // An empty --arch is parsed (and refused, as `--set model.arch=` is), not taken for "no --arch".
  if (!flags.arch.empty() || (flags.arch_option && flags.arch_option->count() > 0))
    out.push_back({"--arch '" + flags.arch + "'", arch_overrides(flags.arch)});
  if (!flags.device.empty()) out.push_back({"--device " + flags.device, {"study.device=" + flags.device}});
  const CLI::Option* threads = flags.verb ? flags.verb->get_option_no_throw("--threads") : nullptr;
  if (threads && threads->count() > 0) {
    const std::string n = std::to_string(threads->as<int>());
    out.push_back({"--threads " + n, {"study.threads=" + n}});
  }
  const CLI::Option* no_plots = flags.verb ? flags.verb->get_option_no_throw("--no-plots") : nullptr;
  if (no_plots && no_plots->count() > 0) out.push_back({"--no-plots", {"study.plots=false"}});
  return out;
}

// A --set of a section the verb never reads would change nothing: [reproduce] is `widthlab reproduce`'s alone (and
// `config`'s, which prints every key), and `limit` simulates the limits of [limits] without the finite sweep's
// [sweep]. Refused naming the verb.
inline void refuse_unread_sections(const ConfigFlags& flags) {
  const std::string verb = flags.verb ? flags.verb->get_name() : "";
  for (const auto& set : flags.sets) {
    std::string key = set.substr(0, set.find('='));
    std::erase_if(key, [](unsigned char c) { return std::isspace(c); });
    const std::string section = key.substr(0, key.find('.'));
    const bool unread = (section == "reproduce" && verb != "config") || (section == "sweep" && verb == "limit");
    if (unread)
      throw InputError(
          fmt::format("--set {}: widthlab {} does not read [{}]; expected a key it reads", set, verb, section));
  }
}

// The config of --config, the flags that stand for keys and the --set ones, in that order. A --set that gives a key
// another value than a flag does is refused (refuse_flag_set_conflicts): the later would win silently.
inline Config resolve_config(const ConfigFlags& flags) {
  refuse_unread_sections(flags);
  const std::vector<FlagOverrides> by_flags = flag_overrides(flags);
  refuse_flag_set_conflicts(by_flags, flags.sets);
  std::vector<std::string> sets;
  for (const auto& f : by_flags) sets.insert(sets.end(), f.sets.begin(), f.sets.end());
  sets.insert(sets.end(), flags.sets.begin(), flags.sets.end());
  return load_config(flags.config, sets);
}

}  // namespace widthlab::cli
