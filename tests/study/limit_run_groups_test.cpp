// A study whose net seeds outnumber its independent limit runs compares several seeds with one run (seed index s with
// run s mod L at every width), so the rate fits resample the runs and then the seeds compared with each
// (theory.md §8.7); rates.json and the report say so. With a run per seed nothing is grouped; with fewer than 3 runs
// the first stage has too few units to resample and the fit has no interval (rate_fit.h).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "small_study.h"

namespace widthlab {
namespace {

struct GroupedStudy {
  nlohmann::json fit;
  std::string report;
};

// A tiny MF study over 4 net seeds against `limit_seeds` independent limit runs.
GroupedStudy mf_study(const std::string& limit_seeds, const std::string& tag) {
  const Config cfg = tiny_mf_study_config(
      "<limit run groups>", {"sweep.seeds=[0, 1, 2, 3]", "limits.mf_particles=1024", "limits.seeds=" + limit_seeds});
  const auto dir = run_small_study(cfg, tag, 60);
  GroupedStudy s;
  s.fit = nlohmann::json::parse(std::ifstream(dir / "rates.json")).at("mf").at("fit");
  std::ifstream f(dir / "report.md");
  s.report.assign(std::istreambuf_iterator<char>(f), {});
  std::filesystem::remove_all(dir);
  return s;
}

TEST(LimitRunGroups, SeedsSharingALimitRunAreResampledTogether) {
  const GroupedStudy shared = mf_study("[0, 1, 2]", "groups_shared");
  EXPECT_EQ(shared.fit.at("resampled_groups").get<int>(), 3) << shared.fit.dump();
  EXPECT_NE(shared.report.find("resampling the 3 limit runs, then the seeds compared with each"), std::string::npos)
      << shared.report;
  // Two runs (4 seeds): two groups, so no interval (null in rates.json) and no word about resampling them.
  const GroupedStudy two = mf_study("[0, 1]", "groups_two");
  EXPECT_EQ(two.fit.at("resampled_groups").get<int>(), 2) << two.fit.dump();
  EXPECT_TRUE(two.fit.at("ci_low").is_null()) << two.fit.dump();
  EXPECT_TRUE(two.fit.at("ci_high").is_null()) << two.fit.dump();
  EXPECT_EQ(two.report.find("resampling the"), std::string::npos);
  const GroupedStudy own = mf_study("[0, 1, 2, 3]", "groups_own");
  EXPECT_EQ(own.fit.at("resampled_groups").get<int>(), 0) << own.fit.dump();
  EXPECT_EQ(own.report.find("resampling the"), std::string::npos);
}

}  // namespace
}  // namespace widthlab
