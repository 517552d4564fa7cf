// `widthlab train` end to end: the sweep's files, exit codes on bad input, and resume after kill -9.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/cli_helpers.h"
#include "widthlab/npy.h"

using widthlab::test::count_lines;
using widthlab::test::kill_train_after_runs;
using widthlab::test::run_cli;
using widthlab::test::scratch_dir;
using widthlab::test::write_file;
namespace fs = std::filesystem;

namespace {
// (scaling, width, seed) → number of complete records (a partial last line is skipped).
std::map<std::string, int> run_counts(const fs::path& runs) {
  std::map<std::string, int> m;
  for (const auto& j : widthlab::test::read_run_records(runs, /*skip_partial=*/true)) m[widthlab::test::run_key(j)]++;
  return m;
}

const char* kTiny = R"toml(
[data]
dataset = "gaussians"
classes = []
train_size = 40
test_size = 30
[scaling]
presets = ["sp", "mf"]
[train]
steps = 5
[sweep]
widths = [16, 32]
seeds = [0, 1]
[limits]
compute = []
)toml";
}  // namespace

TEST(TrainCli, WritesRunsCurvesAndConfig) {
  std::string dir = scratch_dir("train_ok");
  write_file(dir + "/c.toml", kTiny);
  auto r = run_cli("train --quiet --config " + dir + "/c.toml --out " + dir + "/out");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(count_lines(dir + "/out/runs.jsonl"), 8);
  EXPECT_TRUE(fs::exists(dir + "/out/config.toml"));
  EXPECT_TRUE(fs::exists(dir + "/out/curves/mf_w32_s1.csv"));
  EXPECT_NE(r.out.find("8 ran"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("threads"), std::string::npos);
  // Existing results without --resume / --force: exit 2 naming the directory.
  auto again = run_cli("train --quiet --config " + dir + "/c.toml --out " + dir + "/out");
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("--resume"), std::string::npos) << again.err;
  // --resume does nothing new; --force starts over.
  auto resumed = run_cli("train --quiet --config " + dir + "/c.toml --out " + dir + "/out --resume");
  EXPECT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("8 already done, 0 ran"), std::string::npos) << resumed.out;
  EXPECT_EQ(count_lines(dir + "/out/runs.jsonl"), 8);
  // --resume with a different config is refused.
  auto changed = run_cli("train --quiet --config " + dir + "/c.toml --set train.lr=0.5 --out " + dir + "/out --resume");
  EXPECT_EQ(changed.code, 2);
  EXPECT_NE(changed.err.find("different config"), std::string::npos) << changed.err;
  auto forced = run_cli("train --quiet --config " + dir + "/c.toml --out " + dir + "/out --force");
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_EQ(count_lines(dir + "/out/runs.jsonl"), 8);
  fs::remove_all(dir);
}

// Issue: "1 scalings", "1 BLAS threads".
TEST(TrainCli, CountsAgreeWithTheirNouns) {
  std::string dir = scratch_dir("train_words");
  write_file(dir + "/c.toml", kTiny);
  auto r = run_cli("train --quiet --threads 1 --config " + dir +
                   "/c.toml --set 'scaling.presets=[\"mf\"]' "
                   "--set 'sweep.seeds=[0]' --out " +
                   dir + "/out");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("1 scaling × 2 widths × 1 seed "), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("1 BLAS thread for"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("1 BLAS threads"), std::string::npos) << r.out;
  fs::remove_all(dir);
}

TEST(TrainCli, BadInputExitsTwo) {
  std::string dir = scratch_dir("train_bad");
  write_file(dir + "/c.toml", kTiny);
  struct Case {
    std::string args, needle;
  } cases[] = {
      {"train --quiet --config " + dir + "/missing.toml --out " + dir + "/o1", "missing.toml"},
      {"train --quiet --config " + dir + "/c.toml --set train.lr=-1 --out " + dir + "/o2", "train.lr"},
      {"train --quiet --config " + dir + "/c.toml --set sweep.widths=[] --out " + dir + "/o3", "sweep.widths"},
      {"train --quiet --config " + dir + "/c.toml --set 'scaling.presets=[\"nope\"]' --out " + dir + "/o4", "nope"},
      {"train --quiet --config " + dir + "/c.toml", "--out"},
      {"train --quiet --config " + dir + "/c.toml --out " + dir + "/o5 --resume --force", "resume"},
      // A widest net no machine holds (2^44 weights, 64 TiB in float32): refused, not killed by the system mid-sweep.
      {"train --quiet --config " + dir + "/c.toml --set model.depth=2 --set 'sweep.widths=[16, 4194304]' --out " + dir +
           "/o6",
       "sweep.widths up to 4194304 at model.depth = 2: the widest net's 1.76e+13 weights and 1.01e+09 activation "
       "values (z, h, δ) on a batch of 40 (float32) need at least"},
      // Weights that fit (2^29: 2 GiB) and activations on its batch that no machine holds (2^28 × 10^6 × 4 bytes = 1
      // PiB): the run died of std::bad_alloc with exit 1 after writing its directory.
      {"train --quiet --config " + dir +
           "/c.toml --set data.gaussians_dim=1 --set data.train_size=1000000 --set "
           "'sweep.widths=[268435456]' --out " +
           dir + "/o7",
       "the widest net's 5.37e+08 weights and 8.05e+14 activation values (z, h, δ) on a batch of 1000000 (float32) "
       "need "
       "at least"},
  };
  for (const auto& c : cases) {
    auto r = run_cli(c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one-line error expected: " << r.err;
  }
  EXPECT_FALSE(fs::exists(dir + "/o6")) << "written before the refusal";
  EXPECT_FALSE(fs::exists(dir + "/o7")) << "written before the refusal";
  fs::remove_all(dir);
}

// --arch: a convolutional net under every scaling (IC-MF included) on gaussians read as 5×8×1 images; the records
// name the resolved architecture, and bad architectures are exit 2 before anything is written.
TEST(TrainCli, ConvolutionalNetsUnderEveryScaling) {
  std::string dir = scratch_dir("train_arch");
  write_file(dir + "/c.toml", kTiny);
  const std::string base = "train --quiet --config " + dir + "/c.toml --set model.input_shape='\"5,8,1\"' ";
  auto r = run_cli(base +
                   "--arch 'conv(3x3,same,d)-relu-conv(3,valid,d,stride=2)-relu-gap' --set "
                   "'scaling.presets=[\"sp\", \"ntk\", \"mf\", \"ic-mf\", \"mup\"]' --out " +
                   dir + "/out");
  ASSERT_EQ(r.code, 0) << r.err;
  int ok = 0;
  for (const auto& j : widthlab::test::read_run_records(dir + "/out/runs.jsonl", false)) {
    EXPECT_EQ(j["status"], "ok") << j.dump();
    EXPECT_EQ(j["depth"], 2);
    EXPECT_EQ(j["activation"], "relu");
    const int w = j["width"];
    EXPECT_EQ(j["arch"], "conv(3x3,same," + std::to_string(w) + ")-relu-conv(3x3,valid," + std::to_string(w) +
                             ",stride=2x2)-relu-gap-dense(1)");
    ok += j["status"] == "ok";
  }
  EXPECT_EQ(ok, 5 * 2 * 2);
  EXPECT_NE(widthlab::test::read_file(dir + "/out/config.toml").find("arch = \"conv(3x3,same,d)"), std::string::npos);
  struct Case {
    std::string args, needle;
  } cases[] = {
      {base + "--arch 'conv(3x3,same,d)-relu' --out " + dir + "/o1", "expected a vector"},
      {base + "--arch 'conv(3x3,same,16)-relu-gap' --out " + dir + "/o2", "expected width d"},
      {base + "--arch 'conv(3x3,same,d)-relu-gap-dense(d)-erf' --out " + dir + "/o3", "activations relu, erf differ"},
      {base + "--arch 'conv(9x9,valid,d)-relu-gap' --out " + dir + "/o4", "does not fit the 5x8 input"},
      {"train --quiet --config " + dir + "/c.toml --arch 'conv(3,valid,d)-relu-gap' --out " + dir + "/o5",
       "does not fit the 1x1 input"},  // gaussians are (1, 1, 40) without model.input_shape
  };
  for (const auto& c : cases) {
    auto e = run_cli(c.args);
    EXPECT_EQ(e.code, 2) << c.args << "\n" << e.err;
    EXPECT_NE(e.err.find(c.needle), std::string::npos) << c.args << "\n" << e.err;
    EXPECT_FALSE(fs::exists(dir + "/o" + std::to_string(&c - cases + 1))) << c.args;
  }
  fs::remove_all(dir);
}

// npy image stacks (n, H, W, C): conv nets take their shape without model.input_shape; a contradicting
// model.input_shape, or train and test files of different image shapes, are exit 2 naming the key or file.
TEST(TrainCli, NpyImageStacksGiveConvNetsTheirShape) {
  std::string dir = scratch_dir("train_npy_images");
  fs::create_directories(dir + "/data");
  const widthlab::ImageShape shape{5, 8, 1};
  auto labels = [](int n) {
    widthlab::Vector<double> y(n);
    for (int i = 0; i < n; ++i) y(i) = i % 2;
    return y;
  };
  widthlab::test::write_images(dir + "/data/X_train.npy", widthlab::test::sin_inputs(40, 40, 0.0), shape);
  widthlab::test::write_images(dir + "/data/X_test.npy", widthlab::test::sin_inputs(30, 40, 0.5), shape);
  widthlab::npy_write(dir + "/data/y_train.npy", labels(40));
  widthlab::npy_write(dir + "/data/y_test.npy", labels(30));
  write_file(dir + "/c.toml", kTiny);
  const std::string base = "train --quiet --config " + dir +
                           "/c.toml --set data.dataset='\"npy\"' --set data.path='\"" + dir +
                           "/data\"' --arch 'conv(3x3,same,d)-relu-gap' ";
  auto r = run_cli(base + "--out " + dir + "/out");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto records = widthlab::test::read_run_records(dir + "/out/runs.jsonl", false);
  ASSERT_FALSE(records.empty());
  for (const auto& j : records) EXPECT_EQ(j["status"], "ok") << j.dump();

  auto bad = run_cli(base + "--set model.input_shape='\"8,5,1\"' --out " + dir + "/o1");
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_NE(bad.err.find("model.input_shape = \"8,5,1\": the npy files hold images of shape (5, 8, 1)"),
            std::string::npos)
      << bad.err;
  EXPECT_FALSE(fs::exists(dir + "/o1"));

  widthlab::test::write_images(dir + "/data/X_test.npy", widthlab::test::sin_inputs(30, 40, 0.5), {8, 5, 1});
  auto mixed = run_cli(base + "--out " + dir + "/o2");
  EXPECT_EQ(mixed.code, 2) << mixed.err;
  EXPECT_NE(mixed.err.find("X_test.npy: images of shape (8, 5, 1), but"), std::string::npos) << mixed.err;
  EXPECT_FALSE(fs::exists(dir + "/o2"));
  fs::remove_all(dir);
}

// Audit: four-class npy data with the logistic loss failed every run (exit 1, errors.jsonl written); the labels are
// now checked against the loss once, before anything is written.
TEST(TrainCli, LabelsThatDoNotSuitTheLossAreRefusedBeforeWriting) {
  std::string dir = scratch_dir("train_npy_classes");
  fs::create_directories(dir + "/data");
  widthlab::Vector<double> y_train(40), y_test(30);
  for (int i = 0; i < 40; ++i) y_train(i) = i % 4;
  for (int i = 0; i < 30; ++i) y_test(i) = i % 4;
  widthlab::npy_write(dir + "/data/X_train.npy", widthlab::test::sin_inputs(40, 6, 0.0));
  widthlab::npy_write(dir + "/data/X_test.npy", widthlab::test::sin_inputs(30, 6, 0.5));
  widthlab::npy_write(dir + "/data/y_train.npy", y_train);
  widthlab::npy_write(dir + "/data/y_test.npy", y_test);
  write_file(dir + "/c.toml", kTiny);
  const std::string base =
      "train --quiet --config " + dir + "/c.toml --set data.dataset='\"npy\"' --set data.path='\"" + dir + "/data\"' ";
  auto r = run_cli(base + "--out " + dir + "/out");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("train.loss = \"logistic\": the data have 4 classes"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/out"));
  auto ce = run_cli(base + "--set train.loss='\"cross-entropy\"' --out " + dir + "/ce");
  EXPECT_EQ(ce.code, 0) << ce.err;
  // A binary task's ±1 labels are class ids 0/1 to cross-entropy: every run trains (before, each failed).
  auto binary = run_cli("train --quiet --config " + dir + "/c.toml --set train.loss='\"cross-entropy\"' --out " + dir +
                        "/binary");
  ASSERT_EQ(binary.code, 0) << binary.err;
  for (const auto& j : widthlab::test::read_run_records(dir + "/binary/runs.jsonl", false))
    EXPECT_EQ(j["status"], "ok") << j.dump();
  fs::remove_all(dir);
}

TEST(TrainCli, KilledSweepResumesWithoutLossOrDuplicates) {
  std::string dir = scratch_dir("train_kill");
  // 12 runs of ~0.1–0.3 s each on one thread, so that a kill lands mid-sweep.
  write_file(dir + "/c.toml", R"toml(
[data]
dataset = "gaussians"
classes = []
train_size = 1000
test_size = 200
[scaling]
presets = ["ntk", "mf"]
[train]
steps = 60
[sweep]
widths = [256, 512]
seeds = [0, 1, 2]
[limits]
compute = []
[study]
threads = 1
)toml");
  const std::string out = dir + "/out";
  const int total = 12;
  const auto runs = fs::path(out) / "runs.jsonl";
  int seen = 0;
  ASSERT_TRUE(kill_train_after_runs(dir + "/c.toml", out, 3, &seen))
      << "the sweep finished before it could be killed (" << seen << " runs seen)";
  int before = int(run_counts(runs).size());
  EXPECT_GE(before, 3);
  EXPECT_LT(before, total);
  // Simulate the worst case too: a half-written last line.
  { std::ofstream(runs, std::ios::app) << R"({"scaling": "mf", "width": 512, "se)"; }
  auto r = run_cli("train --quiet --config " + dir + "/c.toml --out " + out + " --resume");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("partial"), std::string::npos) << r.err;
  auto counts = run_counts(runs);
  EXPECT_EQ(int(counts.size()), total);
  for (const auto& [key, n] : counts) EXPECT_EQ(n, 1) << key << " appears " << n << " times";
  EXPECT_NE(r.out.find(std::to_string(before) + " already done"), std::string::npos) << r.out;
  fs::remove_all(dir);
}
