// The plots are drawn by Python scripts (python/plots/; matplotlib). This is the one way widthlab starts them: the
// interpreter is found once, the script runs with an argument vector (no shell), and its output goes to a log file.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace widthlab {

// The interpreter for the plots: `requested` when given, else $WIDTHLAB_PYTHON, else /usr/bin/python3 (Debian's,
// which sees python3-matplotlib). A name without '/' is looked up on PATH. InputError naming it when it cannot be
// found or run.
std::string python_interpreter(const std::string& requested = "");

// python/plots/NAME in the source tree.
std::filesystem::path plot_script(const std::string& name);

struct PlotScriptResult {
  int exit_code = 0;    // the script's exit status; -1 when it could not be started or was killed
  std::string message;  // "" when it succeeded, else why not, in one line (the log file is named)
};

// Runs `python script args…`, stdout and stderr appended to `log` (a file widthlab writes, claimed like any output).
// Exit status 3 from a plot script means matplotlib is missing.
PlotScriptResult run_plot_script(const std::string& python, const std::filesystem::path& script,
                                 const std::vector<std::string>& args, const std::filesystem::path& log);

// Draws DIR's plots with python/plots/SCRIPT DIR (log: DIR/plots.log): "" when drawn, else "no plots: <why>" (the
// interpreter missing or the script failing).
std::string draw_dir_plots(const std::string& script, const std::filesystem::path& dir, const std::string& python);

}  // namespace widthlab
