// `widthlab plot DIR [--python PY]`: (re)draws the PNG plots of a study or train directory with
// python/plots/widthlab_plots.py (DESIGN §4, §8). Exit 0 when drawn, 1 when python/matplotlib is missing, 2 when DIR
// is not a results directory.
#include <fmt/format.h>

#include <filesystem>

#include "verb.h"
#include "widthlab/error.h"
#include "widthlab/output_dir.h"
#include "widthlab/study.h"

namespace {
struct PlotOptions {
  std::string dir, python;
};
widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto opt = std::make_shared<PlotOptions>();
  sub.add_option("dir", opt->dir, "A study or train output directory")->required();
  sub.add_option("--python", opt->python, "Python interpreter (default $WIDTHLAB_PYTHON or /usr/bin/python3)");
  return [opt] {
    namespace fs = std::filesystem;
    fs::path d(opt->dir);
    if (!fs::is_directory(d) || !fs::exists(d / "runs.jsonl"))
      throw widthlab::InputError(fmt::format("{}: expected a study/train output directory holding runs.jsonl",
                                             widthlab::printable_path(d)));
    std::string msg = widthlab::draw_plots(d, opt->python);
    if (!msg.empty()) {
      fmt::print(stderr, "widthlab plot: {}\n", msg);
      return 1;
    }
    for (const auto& e : fs::directory_iterator(d))
      if (e.path().extension() == ".png") fmt::print("{}\n", widthlab::printable_path(e.path()));
    return 0;
  };
}
const widthlab::cli::VerbRegistration reg{"plot", "(Re)draw the plots of a study or train directory", setup};
}  // namespace
