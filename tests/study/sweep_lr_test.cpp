// The lr axis of a sweep (sweep.lrs, issue 22): the grid, the run stems, and which runs resume skips; without an lr
// axis the grid and stems are exactly the width × seed ones.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "widthlab/sweep.h"

namespace widthlab {
namespace {
namespace fs = std::filesystem;

SweepSetup small_setup() {
  SweepSetup s;
  s.scalings = {scaling_from_name("ntk"), scaling_from_name("mf")};
  s.widths = {64, 256};
  s.seeds = {0, 1};
  return s;
}

TEST(SweepLr, WithoutLrsTheGridAndStemsAreUnchanged) {
  const auto keys = sweep_grid(small_setup());
  ASSERT_EQ(keys.size(), 8u);
  for (const auto& k : keys) EXPECT_FALSE(k.lr.has_value());
  EXPECT_EQ(keys.front().width, 256);  // widest first
  EXPECT_EQ(run_stem(keys.front()), "ntk_w256_s0");
}

TEST(SweepLr, LrsMultiplyTheGridAndNameTheRuns) {
  SweepSetup s = small_setup();
  s.lrs = {0.1, 1.5};
  const auto keys = sweep_grid(s);
  ASSERT_EQ(keys.size(), 16u);
  EXPECT_EQ(keys[0].width, 256);
  EXPECT_EQ(*keys[0].lr, 0.1);
  EXPECT_EQ(*keys[2].lr, 1.5);  // scaling, then lr, then seed
  EXPECT_EQ(run_stem(keys[0]), "ntk_w256_lr0.1_s0");
  EXPECT_EQ(run_stem({"ic-mf", 8, 3, 1e-05}), "ic-mf_w8_lr1e-05_s3");
  std::set<std::string> stems;
  for (const auto& k : keys) stems.insert(run_stem(k));
  EXPECT_EQ(stems.size(), keys.size());
}

TEST(SweepLr, ResumeSkipsOnlyTheRunsOfTheSameLr) {
  const fs::path out = fs::path(WIDTHLAB_TEST_TMP) / ("sweep_lr_" + std::to_string(::getpid()));
  fs::remove_all(out);
  fs::create_directories(out);
  std::ofstream(out / "runs.jsonl") << R"({"scaling": "ntk", "width": 64, "seed": 0, "lr": 0.1, "status": "ok"})"
                                    << "\n";
  SweepOptions o;
  o.out = out;
  o.save_curves = false;
  SweepSummary summary;
  const std::vector<SweepRunKey> with_lr = {{"ntk", 64, 0, 0.1}, {"ntk", 64, 0, 1.5}, {"ntk", 64, 1, 0.1}};
  const auto todo = pending_sweep_runs(with_lr, o, summary);
  ASSERT_EQ(todo.size(), 2u);
  EXPECT_EQ(*todo[0].lr, 1.5);
  EXPECT_EQ(summary.already_done, 1);
  // A sweep without an lr axis matches the record whatever lr it was trained with (as before the lr axis).
  SweepSummary plain;
  EXPECT_EQ(pending_sweep_runs({{"ntk", 64, 0}, {"ntk", 64, 1}}, o, plain).size(), 1u);
  EXPECT_EQ(plain.already_done, 1);
  fs::remove_all(out);
}

}  // namespace
}  // namespace widthlab
