#include "widthlab/plot_script.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "widthlab/error.h"
#include "widthlab/output_dir.h"

extern char** environ;

namespace fs = std::filesystem;

namespace widthlab {
namespace {

bool executable(const fs::path& p) { return ::access(p.c_str(), X_OK) == 0 && !fs::is_directory(p); }

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && executable(fs::path(dir) / name)) return (fs::path(dir) / name).string();
  return "";
}

}  // namespace

std::string python_interpreter(const std::string& requested) {
  std::string name = requested;
  std::string source = "--python";
  if (name.empty()) {
    const char* env = std::getenv("WIDTHLAB_PYTHON");
    name = env && *env ? env : "/usr/bin/python3";
    source = env && *env ? "$WIDTHLAB_PYTHON" : "the default interpreter";
  }
  if (name.find('/') == std::string::npos) {
    const std::string found = find_on_path(name);
    if (found.empty())
      throw InputError(fmt::format("{} '{}': not found on PATH; expected a Python interpreter", source, name));
    return found;
  }
  if (!executable(name))
    throw InputError(
        fmt::format("{} '{}': not an executable file; expected a Python interpreter (set --python or "
                    "WIDTHLAB_PYTHON)",
                    source, printable_text(name)));
  return name;
}

fs::path plot_script(const std::string& name) { return fs::path(WIDTHLAB_SOURCE_DIR) / "python" / "plots" / name; }

PlotScriptResult run_plot_script(const std::string& python, const fs::path& script,
                                 const std::vector<std::string>& args, const fs::path& log) {
  PlotScriptResult r;
  claim_output(log);
  std::vector<std::string> argv_s = {python, script.string()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int err = posix_spawn(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) {
    r.exit_code = -1;
    r.message = fmt::format("cannot start {}: {}", python, std::strerror(err));
    return r;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (r.exit_code == 3)
    r.message = fmt::format("matplotlib is not available to {}", python);
  else if (r.exit_code != 0)
    r.message =
        fmt::format("{} exited with status {} (see {})", script.filename().string(), r.exit_code, printable_path(log));
  return r;
}

std::string draw_dir_plots(const std::string& script, const std::filesystem::path& dir, const std::string& python) {
  std::string interpreter;
  try {
    interpreter = python_interpreter(python);
  } catch (const InputError& e) {
    return fmt::format("no plots: {}", e.what());
  }
  const PlotScriptResult r = run_plot_script(interpreter, plot_script(script), {dir.string()}, dir / "plots.log");
  return r.message.empty() ? "" : "no plots: " + r.message;
}

}  // namespace widthlab
