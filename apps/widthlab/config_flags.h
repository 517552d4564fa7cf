// The config flags every config-taking verb shares (architecture.md §4, §5): `--config F` and repeatable `--set
// key=value`.
//   ConfigFlags flags;                    // owned by the verb (e.g. in a shared_ptr captured by its run function)
//   add_config_flags(sub, flags);
//   …
//   Config config = resolve_config(flags);  // InputError (exit 2) naming the file or --set, key, value, rule
// Each --set takes exactly one value, so `--set a=1 --set b=2` works and a following positional stays positional.
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "widthlab/config.h"

namespace widthlab::cli {

struct ConfigFlags {
  std::string config;             // "" = the built-in default (configs/default.toml)
  std::vector<std::string> sets;  // "key.path=value", applied in order (the last one of a key wins)
};

inline std::string config_set_help() {
  std::string sections;
  for (const auto& s : config_sections()) sections += (sections.empty() ? "" : ", ") + s;
  return "Override a config key, value in TOML or a bare word: --set train.lr=0.01 --set sweep.widths=[128,256] "
         "--set train.optimizer=sgd (repeatable; sections: " +
         sections + ")";
}

inline void add_config_flags(CLI::App& sub, ConfigFlags& flags, bool config_required = false) {
  auto* c = sub.add_option(
      "--config", flags.config,
      config_required ? "TOML config file" : "TOML config file (default: the built-in default, configs/default.toml)");
  if (config_required) c->required();
  sub.add_option("--set", flags.sets, config_set_help())
      ->type_name("KEY=VALUE")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

inline Config resolve_config(const ConfigFlags& flags) { return load_config(flags.config, flags.sets); }

}  // namespace widthlab::cli
