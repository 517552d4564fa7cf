// Input that was taken without effect (audit of --set, --resume and flags, findings 1–6): a flag and a --set giving
// one key two values, a --resume with nothing to compare against, --coord-steps past train.steps, --data for a case
// on other data, keys and flags nothing reads, and --threads past the bound the kernel keeps. Each is refused with
// exit 2 and ONE stderr line before anything is written; the accepted neighbours still work.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/cli_helpers.h"
#include "widthlab/npy.h"

using namespace widthlab;
using namespace widthlab::test;
namespace fs = std::filesystem;

namespace {

const std::string kGaussians =
    "[data]\ndataset = \"gaussians\"\ntrain_size = 16\ntest_size = 16\ngaussians_dim = 6\n\n[scaling]\npresets = "
    "[\"sp\"]\n\n[train]\nsteps = 3\n\n[sweep]\nwidths = [16, 32]\nseeds = [0]\n\n[study]\nplots = false\nthreads = "
    "1\n";

std::string tiny_config(const std::string& dir) {
  write_file(dir + "/c.toml", kGaussians);
  return " --config " + dir + "/c.toml ";
}

}  // namespace

// Finding 1: the --set, applied after the flag, won silently (a dense net trained under --arch conv…, the CPU under
// --device cuda, another thread count than --threads).
TEST(FlagConflictCli, AFlagAndASetOfTheSameKeyMustAgree) {
  const auto dir = scratch_dir("flag_set_conflict");
  const std::string train = "train" + tiny_config(dir) + "--out " + dir + "/o --dry-run ";
  expect_refused(run_cli(train + "--arch 'conv(3x3,same,d)-relu-gap' --set 'model.arch=\"dense(d)-relu\"'"),
                 "--set model.arch=\"dense(d)-relu\": --arch 'conv(3x3,same,d)-relu-gap' sets model.arch = "
                 "\"conv(3x3,same,d)-relu-gap\"");
  expect_refused(run_cli(train + "--arch 'conv(3x3,same,d)-relu-gap' --set model.activation=tanh"),
                 "sets model.activation = \"relu\"");
  expect_refused(run_cli(train + "--device cuda --set study.device=cpu"), "--device cuda sets study.device");
  expect_refused(run_cli(train + "--threads 2 --set study.threads=3"), "--threads 2 sets study.threads = 2");
  expect_refused(
      run_cli("study" + tiny_config(dir) + "--out " + dir + "/o --dry-run --threads 2 --set study.threads=3"),
      "--threads 2 sets study.threads = 2");
  expect_refused(
      run_cli("reproduce nguyen2019-gaussians --smoke --out " + dir + "/o --device cpu --set study.device=cuda"),
      "--device cpu sets study.device");
  expect_refused(run_cli("classify" + tiny_config(dir) + "--depth 2 --set model.depth=3"),
                 "--depth 2 sets model.depth");
  // --no-plots stands for study.plots = false (a --set study.plots=true beside it drew nothing, silently).
  expect_refused(
      run_cli("study" + tiny_config(dir) + "--out " + dir + "/o --dry-run --no-plots --set study.plots=true"),
      "--no-plots sets study.plots = false");
  expect_refused(run_cli("transfer" + tiny_config(dir) + "--set 'sweep.lrs=[0.1,0.2]' --out " + dir +
                         "/o --dry-run --no-plots --set study.plots=true"),
                 "--no-plots sets study.plots = false");
  expect_refused(
      run_cli("reproduce nguyen2019-gaussians --smoke --out " + dir + "/o --no-plots --set study.plots=true"),
      "--no-plots sets study.plots = false");
  EXPECT_FALSE(fs::exists(dir + "/o"));
  // The same value twice is one value.
  EXPECT_EQ(run_cli(train + "--device cpu --set study.device=cpu --threads 1 --set study.threads=1").code, 0);
  EXPECT_EQ(
      run_cli("study" + tiny_config(dir) + "--out " + dir + "/o --dry-run --no-plots --set study.plots=false").code, 0);
}

// Finding 2: a DIR whose config.toml was gone resumed with any config, and a DIR that did not exist started afresh.
TEST(FlagConflictCli, ResumeNeedsResultsAndTheirConfig) {
  const auto dir = scratch_dir("resume_needs_config");
  const std::string train = "--quiet train" + tiny_config(dir) + "--out " + dir + "/o ";
  expect_refused(run_cli(train + "--resume"), "nothing to resume (no such directory)");
  EXPECT_FALSE(fs::exists(dir + "/o"));
  ASSERT_EQ(run_cli(train).code, 0);
  fs::remove(dir + "/o/config.toml");
  expect_refused(run_cli(train + "--set train.steps=2 --resume"),
                 "/o/config.toml: missing; --resume compares the config with the one that made the runs there");
  expect_refused(run_cli("--quiet transfer" + tiny_config(dir) + "--set 'sweep.lrs=[0.1,0.2,0.4]' --no-plots --out " +
                         dir + "/o --resume"),
                 "config.toml: missing");
}

// Finding 3: --coord-steps 10 with train.steps = 5 tracked t = 1..5 and reported t = 1..10.
TEST(FlagConflictCli, CoordStepsWithinTrainSteps) {
  const auto dir = scratch_dir("coord_steps");
  const std::string transfer =
      "transfer" + tiny_config(dir) + "--set 'sweep.lrs=[0.1,0.2,0.4]' --no-plots --dry-run --out " + dir + "/o ";
  expect_refused(run_cli(transfer + "--coord-steps 10"), "--coord-steps 10 > train.steps = 3");
  EXPECT_EQ(run_cli(transfer + "--coord-steps 3").code, 0);
}

// Finding 4: --data was ignored by a case that reads no image data.
TEST(FlagConflictCli, ReproduceDataOnlyForImageCases) {
  const auto dir = scratch_dir("reproduce_data");
  expect_refused(run_cli("reproduce nguyen2019-gaussians --smoke --data /no/such/dir --out " + dir + "/o"),
                 "--data /no/such/dir: reproduce nguyen2019-gaussians runs on data.dataset = \"gaussians\"");
  EXPECT_FALSE(fs::exists(dir + "/o"));
}

// Finding 5: flags that change nothing.
TEST(FlagConflictCli, FlagsThatChangeNothingAreRefused) {
  const auto dir = scratch_dir("unread_flags");
  expect_refused(run_cli("reproduce --list --out " + dir + "/o"), "--out: not used with --list");
  expect_refused(run_cli("reproduce --list --smoke"), "--smoke: not used with --list");
  EXPECT_EQ(run_cli("reproduce --list").code, 0);
  expect_refused(run_cli("--quiet --progress list"), "--quiet and --progress: expected at most one of them");
  write_binary_task(dir, 4, 5);
  const std::string predict = "predict --train " + dir + "/x.npy --labels " + dir + "/y.npy --test " + dir +
                              "/t.npy --time inf --depth 1 --activation relu --device cpu ";
  expect_refused(run_cli(predict + "--diag-reg-absolute --out " + dir + "/p1"),
                 "--diag-reg-absolute: not used with --diag-reg 0");
  EXPECT_EQ(run_cli(predict + "--diag-reg-absolute --diag-reg 0.01 --out " + dir + "/p2").code, 0);
}

// Finding 5: data keys the dataset does not read, and two spellings of one npy file.
TEST(FlagConflictCli, DataKeysTheDatasetDoesNotRead) {
  const auto dir = scratch_dir("unread_data_keys");
  const std::string train = "train" + tiny_config(dir) + "--dry-run --out " + dir + "/o ";
  expect_refused(run_cli(train + "--set data.path=/no/such/dir"),
                 "data.path = \"/no/such/dir\": the gaussians task is drawn, not read from files");
  fs::create_directories(dir + "/npy");
  MatrixD x = sin_inputs(16, 6, 0);
  VectorD y(16);
  for (int i = 0; i < 16; ++i) y[i] = i % 2 ? 1.0 : -1.0;
  for (const char* name : {"X_train.npy", "x_train.npy", "X_test.npy"}) npy_write(dir + "/npy/" + name, x);
  for (const char* name : {"y_train.npy", "y_test.npy"}) npy_write(dir + "/npy/" + name, y);
  const std::string npy = train + "--set data.dataset=npy --set data.path=" + dir + "/npy ";
  expect_refused(run_cli(npy), "data.gaussians_dim = 6: read by the gaussians task only");
  expect_refused(run_cli(npy + "--set data.gaussians_dim=40"), "holds both X_train.npy and x_train.npy");
  fs::remove(dir + "/npy/x_train.npy");
  EXPECT_EQ(run_cli(npy + "--set data.gaussians_dim=40").code, 0);
}

// Finding 6: train took --threads 100000, which kernel refuses; one bound for every verb.
TEST(FlagConflictCli, ThreadsHaveOneBoundForEveryVerb) {
  const auto dir = scratch_dir("threads_bound");
  for (const std::string verb : {"train", "study", "transfer", "kernel", "reproduce nguyen2019-gaussians"})
    expect_refused(run_cli(verb + " --threads 4097 --out " + dir + "/o"),
                   "--threads: 4097: expected an integer in [0, 4096]");
  expect_refused(run_cli("train" + tiny_config(dir) + "--set study.threads=4097 --out " + dir + "/o"),
                 "study.threads = 4097: expected an integer in [0, 4096]");
  EXPECT_FALSE(fs::exists(dir + "/o"));
  EXPECT_EQ(run_cli("train" + tiny_config(dir) + "--threads 4096 --dry-run --out " + dir + "/o").code, 0);
}
