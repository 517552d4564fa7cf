// `widthlab limit` end to end (architecture.md §4): model chosen by classify from the first scaling, or by
// --model/--region; DIR/limit.jsonl with one line per seed; bad input exits 2 with one line.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <vector>

#include "cli_helpers.h"
#include "widthlab/results_io.h"

namespace widthlab {
namespace {

std::string write_config(const std::string& dir) {
  const std::string path = dir + "/cfg.toml";
  std::ofstream f(path);
  f << "[data]\ndataset = \"gaussians\"\ntrain_size = 24\ntest_size = 10\ngaussians_dim = 6\n"
       "[scaling]\npresets = [\"mf\"]\n"
       "[train]\nlr = 0.2\nsteps = 4\nprecision = \"float64\"\n"
       "[limits]\nmf_particles = 512\nseeds = [0, 1]\n";
  return path;
}

TEST(LimitCli, DefaultModelFromFirstScalingAndRegionFlag) {
  const std::string dir = test::scratch_dir("limit_cli");
  const std::string cfg = write_config(dir);
  auto r = test::run_cli("limit --quiet --config " + cfg + " --out " + dir + "/mf");
  ASSERT_EQ(r.code, 0) << r.err;
  auto lines = read_jsonl(dir + "/mf/limit.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["model"], "mf");
  EXPECT_EQ(lines[0]["region"], 1);
  EXPECT_EQ(lines[0]["state"], "particles");
  EXPECT_EQ(lines[1]["seed"], 1);
  EXPECT_EQ(lines[0]["test_logits"].size(), 10u);
  EXPECT_EQ(lines[0]["test_classes"].size(), 10u);
  EXPECT_EQ(lines[0]["curve"]["step"].size(), 5u);  // before steps 0..3 and after the last
  EXPECT_EQ(lines[0]["status"], "ok");

  // The NTK limit by region number: kernel state u = g + h with a GP sample.
  r = test::run_cli("limit --quiet --config " + cfg + " --out " + dir + "/ntk --region 2");
  ASSERT_EQ(r.code, 0) << r.err;
  lines = read_jsonl(dir + "/ntk/limit.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["model"], "ntk");
  EXPECT_EQ(lines[0]["state"], "kernel");
  EXPECT_EQ(lines[0]["gp_method"], "cholesky");
  EXPECT_TRUE(lines[0]["state_includes_g"].get<bool>());

  // A scaling that classify puts into region 7 (post-MF ray) via a Golikov point.
  r = test::run_cli("limit --quiet --config " + cfg + " --out " + dir +
                    "/q7 --set 'scaling.presets=[]' "
                    "--set 'scaling.q=[[-1.5, 1.5]]' --set 'limits.compute=[\"post-mf\"]'");
  ASSERT_EQ(r.code, 0) << r.err;
  lines = read_jsonl(dir + "/q7/limit.jsonl");
  EXPECT_EQ(lines[0]["model"], "post-mf");
  EXPECT_EQ(lines[0]["rule_later"], "L_0");
}

// Audit: with train.log_every = 0 (no curve) a finished seed recorded test_mean_abs_logit null, and the step a run
// diverged at depended on the logging: a curve point called a loss that overflowed on finite logits diverged, the
// step itself only non-finite logits. The final mean |logit| is the test logits' own, and both criteria are one.
TEST(LimitCli, RecordsDoNotDependOnTheLogging) {
  const std::string dir = test::scratch_dir("limit_cli_logging");
  const std::string cfg = write_config(dir);
  for (const char* model : {"mf", "ntk"}) {
    const auto r = test::run_cli("limit --quiet --config " + cfg + " --model " + model +
                                 " --set train.log_every=0 --out " + dir + "/quiet_" + model);
    ASSERT_EQ(r.code, 0) << r.err;
    for (const auto& line : read_jsonl(dir + "/quiet_" + model + "/limit.jsonl")) {
      double mean = 0;
      for (const auto& v : line["test_logits"]) mean += std::abs(v.is_array() ? v[0].get<double>() : v.get<double>());
      mean /= double(line["test_logits"].size());
      ASSERT_TRUE(line["test_mean_abs_logit"].is_number()) << model;
      EXPECT_NEAR(line["test_mean_abs_logit"].get<double>(), mean, 1e-12 * (1 + mean)) << model;
      EXPECT_TRUE(line["curve"]["step"].empty()) << model;
    }
  }
  std::vector<int> diverged_at;
  for (const char* every : {"1", "0"}) {
    const auto r = test::run_cli("limit --quiet --config " + cfg + " --model ntk --set train.loss=mse --set " +
                                 "train.lr=1e150 --set train.steps=20 --set train.log_every=" + every + " --out " +
                                 dir + "/blow_" + every);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto lines = read_jsonl(dir + "/blow_" + std::string(every) + "/limit.jsonl");
    ASSERT_EQ(lines[0]["status"], "diverged");
    diverged_at.push_back(lines[0]["diverged_at_step"].get<int>());
  }
  EXPECT_EQ(diverged_at[0], diverged_at[1]);
}

// Issue: `limit --config` simulated only the first scaling's model and ignored limits.compute.
TEST(LimitCli, EveryScalingWhoseModelIsComputed) {
  const std::string dir = test::scratch_dir("limit_cli_all");
  const std::string cfg = write_config(dir);
  auto r = test::run_cli("limit --quiet --config " + cfg + " --out " + dir +
                         "/both --set 'scaling.presets=[\"ntk\", "
                         "\"mf\", \"sym-default\"]' --set 'limits.compute=[\"ntk\", \"mf\"]'");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = read_jsonl(dir + "/both/limit.jsonl");
  ASSERT_EQ(lines.size(), 4u);  // 2 models × 2 seeds
  EXPECT_EQ(lines[0]["model"], "ntk");
  EXPECT_EQ(lines[2]["model"], "mf");
  EXPECT_NE(r.err.find("sym-default"), std::string::npos) << "the skipped scaling is named: " << r.err;
  r = test::run_cli("limit --config " + cfg + " --out " + dir + "/none --set 'limits.compute=[\"ntk\"]'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("not in limits.compute"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/none")) << "nothing is written before the inputs validate";
}

// Issue: `limit --resume` deleted limit.jsonl, so another --model lost the earlier model's records, and the same
// model reran every seed. It keeps every record and adds only the (model, seed) pairs the file lacks.
TEST(LimitCli, ResumeKeepsRecordsAndAddsOnlyMissingSeeds) {
  const std::string dir = test::scratch_dir("limit_cli_resume");
  const std::string cfg = write_config(dir);
  const std::string out = " --out " + dir + "/r";
  auto r = test::run_cli("limit --quiet --config " + cfg + out + " --model mf --set 'limits.seeds=[0]'");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto first = read_jsonl(dir + "/r/limit.jsonl");
  ASSERT_EQ(first.size(), 1u);
  // Another model into the same directory, then the same model again: nothing to add.
  r = test::run_cli("limit --quiet --config " + cfg + out + " --model ntk --set 'limits.seeds=[0]' --resume");
  ASSERT_EQ(r.code, 0) << r.err;
  r = test::run_cli("limit --quiet --config " + cfg + out + " --model ntk --set 'limits.seeds=[0]' --resume");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("limit ntk: 1 seed already in limit.jsonl, kept"), std::string::npos) << r.out;
  const auto lines = read_jsonl(dir + "/r/limit.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], first[0]);  // the mf record, byte for byte the same
  EXPECT_EQ(lines[1]["model"], "ntk");
}

TEST(LimitCli, BadInputExitsTwoWithOneLine) {
  const std::string dir = test::scratch_dir("limit_cli_bad");
  const std::string cfg = write_config(dir);
  auto r = test::run_cli("limit --config " + cfg + " --out " + dir + "/a --model bogus");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bogus"), std::string::npos);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  // sp is not dynamically stable: no limit model to simulate.
  r = test::run_cli("limit --config " + cfg + " --out " + dir + "/b --set 'scaling.presets=[\"sp\"]'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("sp"), std::string::npos);
  // An odd particle count cannot be ± paired.
  r = test::run_cli("limit --config " + cfg + " --out " + dir + "/c --set limits.mf_particles=7");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("mf_particles"), std::string::npos);
  // A directory that cannot be created: its one line, not the plan line before it (issue: two lines on stderr).
  r = test::run_cli("limit --config " + cfg + " --model mf --out /proc/widthlab_cannot_create");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("cannot create output directory"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  // --model picks the model: a limits.compute it would ignore is refused (audit: mf was simulated silently).
  r = test::run_cli("limit --config " + cfg + " --out " + dir + "/d --model mf --set 'limits.compute = [\"ntk\"]'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("not used with --model"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/d")) << "written before the refusal";
  // A particle system no machine holds (2^24 particles at depth 2: 2^48 weights, 1 PiB in float32) is refused before
  // anything is written, not killed by the system mid-run (audit: depth 3 with the default 65536 particles).
  r = test::run_cli("limit --config " + cfg + " --out " + dir + "/e --model mf --set model.depth=2 --set " +
                    "limits.mf_particles=16777216");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("limits.mf_particles = 16777216 at model.depth = 2: the particle system's 2.81e+14 weights "
                       "and "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("(float64) need at least"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/e")) << "written before the refusal";
  // Audit: a kernel model counted nothing, and 60000 + 60000 inputs died of std::bad_alloc after writing config.toml
  // and limit.jsonl; the particle model's activations on its full batch (65536 particles × 60000 inputs, z, h and δ:
  // 44 GiB) went uncounted and the system killed it. Both are refused before anything is written, --dry-run too.
  const std::string big =
      " --set data.dataset=gaussians --set data.gaussians_dim=5 --set data.train_size=60000 --set "
      "data.test_size=60000 --set limits.mf_particles=65536";
  for (const auto& [model, needle] : {std::pair{"ntk",
                                                "limit model ntk: its NTK and NNGP with its Cholesky factor "
                                                "(3.6e+10 float64 entries) need at least 268 GiB"},
                                      std::pair{"mf", "1.18e+10 activation values (z, h, δ) on a batch of 60000"}})
    for (const char* dry : {"", " --dry-run"}) {
      r = test::run_cli("limit --config " + cfg + big + " --model " + model + dry + " --out " + dir + "/f");
      EXPECT_EQ(r.code, 2) << model << dry;
      EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
      EXPECT_FALSE(std::filesystem::exists(dir + "/f")) << "written before the refusal";
    }
}

}  // namespace
}  // namespace widthlab
