// `widthlab transfer` and the lr axis end to end (issue 22): bad input exits 2 with one line naming the key and
// writes nothing, a small transfer writes its files, an lr sweep resumes after kill -9 without loss or duplicates,
// and without sweep.lrs the other verbs write what they wrote before.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/cli_helpers.h"

using namespace widthlab::test;
namespace fs = std::filesystem;

namespace {

// A small lr sweep on the gaussians task: 2 scalings × 3 widths × 4 lrs × 2 seeds = 48 runs of a few ms.
const char* kSmall = R"toml(
[data]
dataset = "gaussians"
train_size = 64
test_size = 64
[model]
depth = 2
[scaling]
presets = ["ntk", "mup"]
reference_width = 32
[train]
steps = 8
log_every = 0
lr = 0.2
[sweep]
widths = [32, 64, 128]
seeds = [0, 1]
lrs = [0.05, 0.2, 0.8, 3.2]
[limits]
compute = []
[study]
threads = 1
)toml";

std::string lr_key(const nlohmann::json& r) { return run_key(r) + "_lr" + std::to_string(r["lr"].get<double>()); }

TEST(TransferCli, BadInputExitsTwoNamingTheKeyAndWritesNothing) {
  const std::string dir = scratch_dir("transfer_bad");
  write_file(dir + "/c.toml", kSmall);
  write_file(dir + "/nolrs.toml", std::string(kSmall).replace(std::string(kSmall).find("lrs ="), 3, "#lr"));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--config " + dir + "/c.toml --set 'sweep.lrs=[0.1, -1]' --out " + dir + "/o1", "sweep.lrs"},
      {"--config " + dir + "/c.toml --set 'sweep.lrs=[]' --out " + dir + "/o2", "sweep.lrs"},
      {"--config " + dir + "/c.toml --set 'sweep.lrs=[0.1, 1]' --out " + dir + "/o3", "sweep.lrs"},
      {"--config " + dir + "/nolrs.toml --out " + dir + "/o4", "sweep.lrs"},
      {"--config " + dir + "/c.toml --set 'sweep.widths=[32]' --out " + dir + "/o5", "sweep.widths"},
      {"--config " + dir + "/c.toml --set sweep.few_seeds_from=64 --set sweep.few_seeds=1 --out " + dir + "/o6",
       "sweep.few_seeds"},
  };
  for (const auto& [args, needle] : cases) {
    const auto r = run_cli("transfer --quiet " + args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
  }
  for (int i = 1; i <= 6; ++i) EXPECT_FALSE(fs::exists(dir + "/o" + std::to_string(i))) << i;
  // The study compares scalings at one lr: it refuses an lr axis, also before writing anything.
  const auto s = run_cli("study --quiet --config " + dir + "/c.toml --out " + dir + "/o7");
  EXPECT_EQ(s.code, 2) << s.err;
  EXPECT_NE(s.err.find("sweep.lrs"), std::string::npos) << s.err;
  EXPECT_FALSE(fs::exists(dir + "/o7"));
  fs::remove_all(dir);
}

TEST(TransferCli, SmallTransferWritesItsFilesAndReport) {
  const std::string dir = scratch_dir("transfer_small");
  write_file(dir + "/c.toml", kSmall);
  const auto r = run_cli("transfer --quiet --no-plots --bootstrap 100 --config " + dir + "/c.toml --out " + dir + "/o");
  ASSERT_EQ(r.code, 0) << r.err;
  const fs::path o = dir + "/o";
  for (const char* f : {"config.toml", "runs.jsonl", "losses.csv", "optimum.csv", "exponents.csv", "coord_check.csv",
                        "coord_fit.csv", "transfer.json", "report.md"})
    EXPECT_TRUE(fs::exists(o / f)) << f;
  EXPECT_EQ(count_lines(o / "runs.jsonl"), 48);
  EXPECT_EQ(count_lines(o / "losses.csv"), 49);
  EXPECT_EQ(count_lines(o / "exponents.csv"), 1 + 2 * 2);  // 2 scalings × (train, test)
  EXPECT_FALSE(fs::exists(o / "curves"));
  const auto recs = read_run_records(o / "runs.jsonl");
  ASSERT_FALSE(recs.empty());
  EXPECT_TRUE(recs[0]["coord_check"].contains("act_delta_track"));
  EXPECT_EQ(recs[0]["coord_check"]["act_delta_track"].size(), 3u);  // --coord-steps default 3
  const std::string report = read_file(o / "report.md");
  for (const char* needle : {"## ntk", "## mup", "## Summary", "predicted e*", "Coordinate check"})
    EXPECT_NE(report.find(needle), std::string::npos) << needle;
  EXPECT_NE(read_file(o / "config.toml").find("lrs = [0.05, 0.2, 0.8, 3.2]"), std::string::npos);
  // --resume reuses every run; a fresh run into the same directory is refused.
  const auto again =
      run_cli("transfer --quiet --no-plots --bootstrap 100 --config " + dir + "/c.toml --out " + dir + "/o --resume");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("48 already done"), std::string::npos) << again.out;
  EXPECT_EQ(count_lines(o / "runs.jsonl"), 48);
  EXPECT_EQ(run_cli("transfer --quiet --no-plots --config " + dir + "/c.toml --out " + dir + "/o").code, 2);
  // Issue (re-audit N1): --coord-steps is not in config.toml, and a resume with another value mixed 3- and 7-step
  // coordinate checks in one fit. It is refused before anything is written.
  const std::string provenance = read_file(o / "provenance.jsonl");
  const auto other =
      run_cli("transfer --quiet --no-plots --coord-steps 7 --config " + dir + "/c.toml --out " + dir + "/o --resume");
  EXPECT_EQ(other.code, 2) << other.err;
  EXPECT_NE(other.err.find("pass --coord-steps 3 to resume it"), std::string::npos) << other.err;
  EXPECT_EQ(std::count(other.err.begin(), other.err.end(), '\n'), 1) << other.err;
  EXPECT_EQ(read_file(o / "provenance.jsonl"), provenance);
  fs::remove_all(dir);
}

// Audit: a run the time budget skipped (or that failed) wrote no record and was read as diverged, which could put an
// optimum "next to diverged" beside it. A missing run is shown as missing, and its width gets no optimum. The sweep's
// 3 widths cannot decide a verdict, and the report says so up front.
TEST(TransferCli, AMissingRunIsShownAndItsWidthHasNoOptimum) {
  const std::string dir = scratch_dir("transfer_missing");
  write_file(dir + "/c.toml", kSmall);
  const std::string cmd = "transfer --quiet --no-plots --bootstrap 50 --config " + dir + "/c.toml --out " + dir + "/o";
  ASSERT_EQ(run_cli(cmd).code, 0);
  const fs::path o = dir + "/o";
  std::string kept;  // drop ntk's run at width 64, lr 0.8, seed 1, as if the time budget had stopped it
  for (const auto& rec : read_run_records(o / "runs.jsonl"))
    if (!(rec["scaling"] == "ntk" && rec["width"] == 64 && rec["lr"] == 0.8 && rec["seed"] == 1))
      kept += rec.dump() + "\n";
  write_file(o / "runs.jsonl", kept);
  const auto r = run_cli(cmd + " --resume --set study.max_seconds=1e-9");  // no time for the missing run
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("1 skipped (time budget)"), std::string::npos) << r.out;
  EXPECT_EQ(count_lines(o / "losses.csv"), 49);  // every run of the grid, the missing one included
  EXPECT_NE(read_file(o / "losses.csv").find("ntk,64,0.8,1,missing,nan,nan"), std::string::npos);
  const std::string optimum = read_file(o / "optimum.csv");
  EXPECT_NE(optimum.find("ntk,train_loss,64,nan,nan,nan,runs missing"), std::string::npos) << optimum;
  EXPECT_EQ(optimum.find("mup,train_loss,64,nan,nan,nan,runs missing"), std::string::npos) << optimum;
  const std::string report = read_file(o / "report.md");
  EXPECT_NE(report.find("23 ok, 0 unstable, 0 diverged, 1 missing"), std::string::npos);
  EXPECT_NE(report.find("sweep.widths holds 3 widths: a verdict needs at least 4"), std::string::npos);
  EXPECT_NE(report.find("95 % interval: none (fewer than 3 seeds"), std::string::npos);  // 2 seeds: no interval
  const std::size_t mup64 = optimum.find("mup,train_loss,64,");  // an optimum, and no interval from 2 seeds
  ASSERT_NE(mup64, std::string::npos) << optimum;
  const std::string row = optimum.substr(mup64, optimum.find('\n', mup64) - mup64);
  EXPECT_NE(row.find(",nan,nan,"), std::string::npos) << row;
  EXPECT_EQ(nlohmann::json::parse(read_file(o / "transfer.json"))[0]["runs_missing"], 1);
  fs::remove_all(dir);
}

TEST(TransferCli, KilledLrSweepResumesWithoutLossOrDuplicates) {
  const std::string dir = scratch_dir("transfer_kill");
  // 24 runs of ~0.1 s each on one thread, so that a kill lands mid-sweep.
  write_file(dir + "/c.toml", R"toml(
[data]
dataset = "gaussians"
train_size = 1000
test_size = 200
[scaling]
presets = ["ntk", "mf"]
[train]
steps = 60
log_every = 0
[sweep]
widths = [256, 512]
seeds = [0, 1]
lrs = [0.01, 0.1, 1.0]
[limits]
compute = []
[study]
threads = 1
)toml");
  const std::string out = dir + "/out";
  const int total = 24;
  const auto runs = fs::path(out) / "runs.jsonl";
  int seen = 0;
  ASSERT_TRUE(kill_train_after_runs(dir + "/c.toml", out, 3, &seen))
      << "the sweep finished before it could be killed (" << seen << " runs seen)";
  const int before = int(read_run_records(runs, true).size());
  EXPECT_GE(before, 3);
  EXPECT_LT(before, total);
  { std::ofstream(runs, std::ios::app) << R"({"scaling": "mf", "width": 512, "se)"; }  // a half-written line
  const auto r = run_cli("train --quiet --config " + dir + "/c.toml --out " + out + " --resume");
  ASSERT_EQ(r.code, 0) << r.err;
  std::map<std::string, int> counts;
  for (const auto& rec : read_run_records(runs, true)) ++counts[lr_key(rec)];
  EXPECT_EQ(int(counts.size()), total);
  for (const auto& [key, n] : counts) EXPECT_EQ(n, 1) << key << " appears " << n << " times";
  EXPECT_NE(r.out.find(std::to_string(before) + " already done"), std::string::npos) << r.out;
  fs::remove_all(dir);
}

TEST(TransferCli, WithoutLrsTrainWritesWhatItWroteBefore) {
  const std::string dir = scratch_dir("transfer_default");
  std::string cfg = kSmall;
  cfg.replace(cfg.find("lrs ="), 3, "#lr");
  cfg.replace(cfg.find("log_every = 0"), 13, "log_every = 4");  // curves are written when there is a curve
  write_file(dir + "/c.toml", cfg);
  const auto r = run_cli("train --quiet --config " + dir + "/c.toml --out " + dir + "/o");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_file(dir + "/o/config.toml").find("lrs"), std::string::npos);
  const auto recs = read_run_records(fs::path(dir) / "o" / "runs.jsonl");
  EXPECT_EQ(recs.size(), 12u);
  for (const auto& rec : recs) {
    EXPECT_DOUBLE_EQ(rec["lr"].get<double>(), 0.2);
    EXPECT_FALSE(rec["coord_check"].contains("act_delta_track"));
    EXPECT_TRUE(fs::exists(fs::path(dir) / "o" / "curves" / (run_key(rec) + ".csv"))) << run_key(rec);
  }
  fs::remove_all(dir);
}

}  // namespace
