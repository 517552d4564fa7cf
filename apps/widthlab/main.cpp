// widthlab CLI entry point: builds one CLI11 subcommand per registered verb and maps errors to exit codes
// (architecture.md §4: 0 ok, 2 bad input with a one-line message, 1 internal failure).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "verb.h"
#include "widthlab/error.h"
#include "widthlab/mpi_runtime.h"
#include "widthlab/output_dir.h"
#include "widthlab/progress.h"
#include "widthlab/provenance.h"

namespace widthlab::cli {
GlobalFlags& global_flags() {
  static GlobalFlags flags;
  return flags;
}
std::vector<VerbInfo>& verb_registry() {
  static std::vector<VerbInfo> verbs;
  return verbs;
}
}  // namespace widthlab::cli

namespace {
// The first argument that is not a global flag names the verb: a message when it is missing or unknown, "" when it
// is known (CLI11 then reports what is wrong). CLI11 alone says "A subcommand is required", naming no verb.
std::string verb_message(int argc, char** argv, const std::vector<widthlab::cli::VerbInfo>& verbs) {
  std::vector<std::string> names;
  for (const auto& v : verbs) names.push_back(v.name);
  const std::string expected =
      fmt::format("expected one of: {} (`widthlab --help` describes them)", fmt::join(names, ", "));
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.starts_with("-")) continue;  // --quiet, --progress, --help, --version take no value
    if (std::find(names.begin(), names.end(), a) != names.end()) return {};
    return fmt::format("'{}': unknown verb; {}", widthlab::printable_text(a), expected);
  }
  return "no verb given; " + expected;
}

// CLI11 checks required options before unknown ones, so `train --nope` said only "--out is required". On a parse
// error, the first `--name` after the verb that neither the verb nor the global flags know is named instead ("" when
// every flag is known). Only `--` tokens are looked at: a value may start with a single "-" (a negative number).
std::string unknown_flag_message(int argc, char** argv, CLI::App& app) {
  CLI::App* verb = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (!verb) {
      if (a.starts_with("-")) continue;
      for (CLI::App* sub : app.get_subcommands({}))
        if (sub->get_name() == a) verb = sub;
      if (!verb) return {};
      continue;
    }
    if (!a.starts_with("--") || a == "--") continue;
    const std::string name = a.substr(0, a.find('='));
    if (!verb->get_option_no_throw(name) && !app.get_option_no_throw(name) && name != "--help")
      return fmt::format("{} {}: unknown flag (`widthlab {} --help` lists its flags)", verb->get_name(),
                         widthlab::printable_text(name), verb->get_name());
  }
  return {};
}
}  // namespace

int main(int argc, char** argv) {
  widthlab::MpiSession mpi_session(&argc, &argv);  // MPI only under mpirun (mpi_runtime.h)
  widthlab::set_invocation({argv, argv + argc});   // recorded in each output directory's provenance.jsonl
  using namespace widthlab::cli;
  CLI::App app{"widthlab — a laboratory for the infinite-width limits of neural networks"};
  app.set_version_flag("--version", std::string("widthlab ") + WIDTHLAB_VERSION);
  app.require_subcommand(1);
  app.add_flag("--quiet", global_flags().quiet, "No progress line on stderr");
  app.add_flag("--progress", global_flags().progress, "Progress line even when stderr is not a terminal");
  auto& verbs = verb_registry();
  std::sort(verbs.begin(), verbs.end(), [](const VerbInfo& a, const VerbInfo& b) { return a.name < b.name; });
  std::map<CLI::App*, VerbRun> runs;
  for (auto& v : verbs) {
    CLI::App* sub = app.add_subcommand(v.name, v.description);
    sub->fallthrough();  // global flags may come after the verb
    runs[sub] = v.setup(*sub);
    if (CLI::Option* threads = sub->get_option_no_throw("--threads")) threads->check(thread_count());  // one bound
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (const std::string verb = verb_message(argc, argv, verbs); !verb.empty())
      return widthlab::mpi_fail(2, fmt::format("widthlab: {}", verb));
    if (const std::string flag = unknown_flag_message(argc, argv, app); !flag.empty())
      return widthlab::mpi_fail(2, fmt::format("widthlab {}", flag));
    return widthlab::mpi_fail(2, fmt::format("widthlab: {}", e.what()));
  } catch (const widthlab::InputError& e) {
    return widthlab::mpi_fail(2, fmt::format("widthlab: {}", e.what()));
  }
  if (global_flags().quiet && global_flags().progress)  // one would override the other
    return widthlab::mpi_fail(2,
                              "widthlab: --quiet and --progress: expected at most one of them (--quiet turns the "
                              "progress line off, --progress shows it where stderr is not a terminal)");
  // The global flags set the defaults every progress line starts from (progress.h); ranks > 0 stay silent.
  if (global_flags().quiet) widthlab::progress_defaults().enabled = false;
  if (global_flags().progress) widthlab::progress_defaults().force = true;
  for (auto& [sub, run] : runs) {
    if (!sub->parsed()) continue;
    try {
      return run();
    } catch (const widthlab::InputError& e) {
      return widthlab::mpi_fail(2, fmt::format("widthlab {}: {}", sub->get_name(), e.what()));
    } catch (const std::exception& e) {
      return widthlab::mpi_fail(1, fmt::format("widthlab {}: internal error: {}", sub->get_name(), e.what()));
    }
  }
  return 1;
}
