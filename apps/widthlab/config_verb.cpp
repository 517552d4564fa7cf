// `widthlab config [--config F] [--set key=value]… [--json] [--keys]`: prints the resolved, validated config (the
// built-in default when no file is given) as TOML on stdout — a starting point for a config file and a check of one
// (bad input: exit 2 with a one-line message naming the file or --set, the key, the value and the rule).
#include <fmt/format.h>

#include <memory>

#include "config_flags.h"
#include "verb.h"
#include "widthlab/config.h"

namespace {

struct ConfigVerbOptions {
  widthlab::cli::ConfigFlags flags;
  bool json = false;
  bool keys = false;
};

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto opt = std::make_shared<ConfigVerbOptions>();
  widthlab::cli::add_config_flags(sub, opt->flags);
  sub.add_flag("--json", opt->json, "Print JSON instead of TOML");
  sub.add_flag("--keys", opt->keys, "List every key path the config accepts, one per line");
  return [opt] {
    using namespace widthlab;
    if (opt->keys) {
      if (!opt->flags.config.empty() || !opt->flags.sets.empty() || opt->json)
        throw InputError(
            "--keys: lists the key paths every config accepts, one per line; it takes no --config, --set "
            "or --json");
      for (const auto& s : config_sections())
        for (const auto& k : config_keys(s)) {
          auto sub_keys = config_keys(s + "." + k);
          if (sub_keys.empty()) fmt::print("{}.{}\n", s, k);
          for (const auto& sk : sub_keys) fmt::print("{}.{}.{}\n", s, k, sk);
        }
      return 0;
    }
    Config config = cli::resolve_config(opt->flags);
    if (opt->json)
      fmt::print("{}\n", to_json(config));
    else
      fmt::print("{}", to_toml(config));
    return 0;
  };
}

const widthlab::cli::VerbRegistration reg{"config",
                                          "Print the resolved config (default, --config file, --set overrides)", setup};
}  // namespace
