// A finished run whose train loss ends above its loss at init did not train (theory.md §10.1). A study keeps it (its
// distance is what the scaling does at that lr) but counts it: in the width's row of report.md, in the scaling's
// summary line and in the study's summary (theory.md §8.7). The counts are checked against runs.jsonl, recomputed
// here from each record's train_loss and train_loss_init with the rule written out.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "small_study.h"

namespace widthlab {
namespace {

TEST(StudyReport, RunsThatEndAboveTheirInitialLossAreCounted) {
  // SP tanh nets at lr 5: some overshoot within 3 steps and end above where they started, some do not.
  const Config cfg = tiny_mf_study_config(
      "above_init_runs", {"scaling.presets=[\"sp\"]", "train.lr=5", "train.steps=3", "limits.compute=[]"});
  StudySummary summary;
  const auto dir = run_small_study(cfg, "above_init_runs", 10, &summary);
  std::map<int, int> above;  // width → runs above their loss at init
  int total = 0, records = 0;
  std::ifstream in(dir / "runs.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    ++records;
    ASSERT_EQ(j["status"], "ok") << line;
    const double init = j["train_loss_init"].get<double>(), end = j["train_loss"].get<double>();
    const bool is_above = end - init > 1e-3 * std::max(1.0, std::abs(init));
    above[j["width"].get<int>()] += is_above;
    total += is_above;
  }
  ASSERT_EQ(records, 9);
  ASSERT_GT(total, 0) << "the scenario needs runs above their initial loss";
  ASSERT_LT(total, 9) << "and runs below it, so that a count of all or none cannot pass";
  EXPECT_EQ(summary.runs_above_init, total);
  EXPECT_NE(summary.brief().find(fmt::format("{} of them above their train loss at init", total)), std::string::npos)
      << summary.brief();
  std::ifstream rin(dir / "report.md");
  const std::string report((std::istreambuf_iterator<char>(rin)), {});
  EXPECT_NE(report.find(fmt::format("({} of the finished runs ended above their train loss at init", total)),
            std::string::npos)
      << report;
  for (int width : {16, 32, 64}) {
    const std::string row = fmt::format("| {} | 3 / 0", width);
    const auto at = report.find(row);
    ASSERT_NE(at, std::string::npos) << row << "\n" << report;
    const std::string rest = report.substr(at + row.size(), 30);
    if (above[width] > 0)
      EXPECT_EQ(rest.rfind(fmt::format(" ({} ok above init loss)", above[width]), 0), 0u) << width << ": " << rest;
    else
      EXPECT_EQ(rest.rfind(" |", 0), 0u) << width << ": " << rest;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace widthlab
