// A width where most runs diverged has no distance of its own: the mean over its surviving runs would be a survivors'
// mean. The study's rate fits leave such a width out, say so in the fit's note, and its convergence statement names it
// (has_distance_for_half_its_runs, report.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "small_study.h"

namespace widthlab {
namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// Marks the runs of `width` at the given seeds as diverged in DIR/runs.jsonl, as a sweep records a diverged run.
int mark_diverged(const std::filesystem::path& dir, int width, const std::vector<int>& seeds) {
  std::istringstream in(read_text(dir / "runs.jsonl"));
  std::string out;
  int marked = 0;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j.value("width", 0) == width && std::find(seeds.begin(), seeds.end(), j.value("seed", -1)) != seeds.end()) {
      j["status"] = "diverged";
      ++marked;
    }
    out += j.dump() + "\n";
  }
  std::ofstream(dir / "runs.jsonl") << out;
  return marked;
}

TEST(StudyReport, AWidthWhoseRunsMostlyDivergedIsLeftOutOfTheFitAndNamed) {
  const Config cfg =
      tiny_mf_study_config("undermeasured", {"limits.mf_particles=512", "sweep.widths=[16, 32, 64, 128]"});
  const auto dir = run_small_study(cfg, "undermeasured", 40);
  const auto before = nlohmann::json::parse(read_text(dir / "rates.json"))["mf"];
  ASSERT_EQ(before["fit"]["widths_used"], 4) << before.dump(1);
  EXPECT_TRUE(before["convergence"]["widths_with_distance_for_under_half_their_runs"].empty());

  ASSERT_EQ(mark_diverged(dir, 32, {1, 2}), 2);  // 1 of width 32's 3 runs keeps a distance
  open_run_dir(dir, OutputMode::resume, cfg);
  StudyOptions so;
  so.out = dir, so.threads = 1, so.plots = false, so.bootstrap = 40;
  run_study(cfg, so);

  const auto after = nlohmann::json::parse(read_text(dir / "rates.json"))["mf"];
  EXPECT_EQ(after["fit"]["widths_used"], 3) << after.dump(1);
  EXPECT_EQ(after["abs_dtest_loss_fit"]["widths_used"], 3) << after.dump(1);
  EXPECT_NE(after["fit"]["note"].get<std::string>().find("fewer than half of their runs left out"), std::string::npos)
      << after["fit"]["note"];
  EXPECT_EQ(after["convergence"]["widths_with_distance_for_under_half_their_runs"], nlohmann::json::array({32}));
  EXPECT_FALSE(after["convergence"]["approaches"]);
  const std::string statement = after["convergence"]["statement"];
  EXPECT_NE(statement.find("d = 32 (1 of 3) has a distance for fewer than half of its runs"), std::string::npos)
      << statement;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace widthlab
