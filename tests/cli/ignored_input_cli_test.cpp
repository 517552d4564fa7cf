// Input that used to be accepted without effect, or refused with more than one stderr line (audit "lose nothing, hide
// nothing", F5, F8, F10): each is refused with exit 2 and ONE stderr line before anything is written, and the
// accepted neighbours still work.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/cli_helpers.h"
#include "widthlab/config.h"
#include "widthlab/npy.h"
#include "widthlab/reproduce.h"

using namespace widthlab;
using namespace widthlab::test;
namespace fs = std::filesystem;

namespace {

const std::string kTiny =
    "--set 'sweep.widths=[16,32]' --set 'sweep.seeds=[0]' --set train.steps=3 --set data.train_size=20 "
    "--set data.test_size=20 --set 'scaling.presets=[\"sp\",\"ntk\"]' --set study.threads=1 ";

}  // namespace

// F5: a whole table in --set replaced the section (configs/transfer.toml's steps = 20 became the default 50).
TEST(IgnoredInputCli, SetOfAWholeSectionIsRefused) {
  expect_refused(run_cli("config --config " WIDTHLAB_SOURCE_DIR "/configs/transfer.toml --set 'train={lr=0.1}'"),
                 "--set train={lr=0.1}: expected key=value for one key, e.g. train.lr=0.1");
  expect_refused(run_cli("config --set train.optimizer=sgd --set 'sweep={widths=[16,32]}'"),
                 "e.g. sweep.widths=[16, 32]");
}

// F8: --width with the NTK parameterization, and with --kernel nngp in predict, changed nothing.
TEST(IgnoredInputCli, KernelWidthOnlyWhereAKernelHasOne) {
  auto dir = scratch_dir("ignored_kernel");
  write_binary_task(dir, 4, 5);
  const std::string kernel = "kernel --x1 " + dir + "/x.npy --depth 2 --activation relu --device cpu ";
  expect_refused(run_cli(kernel + "--width 7 --out " + dir + "/k1"),
                 "--width 7: only used with --parameterization standard");
  EXPECT_FALSE(fs::exists(dir + "/k1"));
  EXPECT_EQ(run_cli(kernel + "--width 7 --parameterization standard --out " + dir + "/k2").code, 0);
  expect_refused(run_cli("kernel --x1 " + dir + "/x.npy --arch '' --out " + dir + "/k3"), "arch '': expected layers");
  expect_refused(
      run_cli("kernel --x1 " + dir + "/x.npy --arch 'dense(4)-relu-dense(1)' --input-shape '' --out " + dir + "/k3"),
      "--input-shape '': expected H,W,C");
  EXPECT_FALSE(fs::exists(dir + "/k3"));

  const std::string predict = "predict --train " + dir + "/x.npy --labels " + dir + "/y.npy --test " + dir +
                              "/t.npy --depth 2 --activation relu --device cpu ";
  expect_refused(run_cli(predict + "--time inf --width 5 --out " + dir + "/p1"), "--width 5: only used with");
  expect_refused(run_cli(predict + "--time 3 --parameterization standard --kernel nngp --width 5 --out " + dir + "/p1"),
                 "--width 5: not used with --kernel nngp");
  EXPECT_EQ(run_cli(predict + "--time 3 --parameterization standard --width 5 --out " + dir + "/p2").code, 0);
}

// F8: at t = ∞ the prediction Θ*(Θ + r·I)⁻¹y has no step size (predict.h), so --lr was silently unused.
TEST(IgnoredInputCli, PredictLrIsRefusedAtInfiniteTime) {
  auto dir = scratch_dir("ignored_predict_lr");
  npy_write(dir + "/x.npy", sin_inputs(6, 3, 0));
  npy_write(dir + "/t.npy", sin_inputs(4, 3, 0.3));
  npy_write(dir + "/y.npy", VectorD(sin_inputs(6, 1, 0.5).col(0)));
  const std::string predict = "predict --train " + dir + "/x.npy --labels " + dir + "/y.npy --test " + dir +
                              "/t.npy --depth 1 --activation erf --device cpu ";
  for (const std::string kernel : {"ntk", "nngp"}) {
    expect_refused(run_cli(predict + "--time inf --lr 5 --kernel " + kernel + " --out " + dir + "/p1"),
                   "--lr 5: not used at --time inf");
    EXPECT_FALSE(fs::exists(dir + "/p1"));
  }
  EXPECT_EQ(run_cli(predict + "--time inf --out " + dir + "/p2").code, 0);
  EXPECT_EQ(run_cli(predict + "--time 4 --lr 0.5 --out " + dir + "/p3").code, 0);
}

// F8: `train --arch ""` trained the dense net as if --arch were absent (`--set model.arch=` is refused).
TEST(IgnoredInputCli, EmptyArchIsRefused) {
  auto dir = scratch_dir("ignored_arch");
  for (const std::string verb : {"train", "study", "ntk-empirical"}) {
    expect_refused(run_cli(verb + " " + kTiny + "--arch '' --out " + dir + "/" + verb), "arch '': expected layers");
    EXPECT_FALSE(fs::exists(dir + "/" + verb)) << verb;
  }
}

// F8: reproduce.name was not checked, and `reproduce` ran NAME while config.toml recorded the other name.
TEST(IgnoredInputCli, ReproduceNameMustBeTheCaseThatRuns) {
  std::vector<std::string> registry;
  for (const auto& r : reproduction_registry()) registry.push_back(r.name);
  EXPECT_EQ(registry, reproduction_names());  // the config module's copy of the names (names.cpp)
  auto dir = scratch_dir("ignored_reproduce");
  const std::string rep = "reproduce golikov2020-width --smoke --no-plots --threads 1 ";
  expect_refused(run_cli(rep + "--set reproduce.name=golikov2021-regions --out " + dir + "/r1"),
                 "--set: reproduce.name = \"golikov2021-regions\": this is reproduce golikov2020-width");
  expect_refused(
      run_cli(rep + "--config " WIDTHLAB_SOURCE_DIR "/configs/reproduce/golikov2020-curves.toml --out " + dir + "/r1"),
      "golikov2020-curves.toml: reproduce.name = \"golikov2020-curves\"");
  expect_refused(run_cli(rep + "--set reproduce.name=nope --out " + dir + "/r1"), "reproduce.name = \"nope\"");
  EXPECT_FALSE(fs::exists(dir + "/r1"));
  expect_refused(run_cli("config --set reproduce.name=foo"), "expected one of golikov2020-width");
}

// F10: bad input to the default study printed its budget note first; an uncreatable --out followed the plan line.
TEST(IgnoredInputCli, FailuresGetOneStderrLine) {
  auto dir = scratch_dir("ignored_one_line");
  expect_refused(run_cli("study --set train.lr=-1 --out " + dir + "/s"), "train.lr = -1");
  expect_refused(run_cli("study --quiet --set train.lr=-1 --out " + dir + "/s"), "train.lr = -1");
  if (fs::exists("/sys/kernel")) {  // sysfs refuses new directories, even to root
    expect_refused(run_cli("train " + kTiny + "--out /sys/widthlab_x"), "cannot create output directory");
    expect_refused(run_cli("study " + kTiny + "--no-plots --out /sys/widthlab_x"), "cannot create output directory");
  }
  expect_refused(run_cli("config --set train.steps=100000000000"),
                 "train.steps = 100000000000: expected an integer >= 0, at most 2147483647");
}

// F10: --width 999999999 ran into std::bad_alloc (exit 1) after provenance.jsonl was written.
TEST(IgnoredInputCli, EmpiricalNtkOfANetTooLargeForMemoryIsRefused) {
  auto dir = scratch_dir("ignored_entk");
  expect_refused(run_cli("ntk-empirical " + kTiny + "--width 999999999 --out " + dir + "/e"),
                 "--width 999999999: the empirical NTK of this net");
  EXPECT_FALSE(fs::exists(dir + "/e"));
  const auto ok = run_cli("ntk-empirical " + kTiny + "--width 8 --out " + dir + "/e2");
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_TRUE(fs::exists(dir + "/e2/entk.npy"));
}

// Audit (session 34): --seed beside --no-init-sample was recorded in predict.json and changed nothing; --python with
// the plots off changed nothing, and a missing one was a warning after the runs; transfer with train.steps = 0 "found"
// a flat optimum at every width.
TEST(IgnoredInputCli, FlagsThatWouldChangeNothing) {
  auto dir = scratch_dir("ignored_flags");
  write_binary_task(dir, 3, 4);
  const std::string predict = "predict --train " + dir + "/x.npy --labels " + dir + "/y.npy --test " + dir +
                              "/t.npy --depth 1 --activation erf --device cpu --loss logistic --time 3 ";
  expect_refused(run_cli(predict + "--no-init-sample --seed 4 --out " + dir + "/p1"),
                 "--seed: seeds the GP sample that --no-init-sample turns off");
  EXPECT_FALSE(fs::exists(dir + "/p1"));
  EXPECT_EQ(run_cli(predict + "--seed 4 --out " + dir + "/p2").code, 0);
  const std::string study = "study " + kTiny + "--out " + dir + "/s --dry-run ";
  expect_refused(run_cli(study + "--no-plots --python /usr/bin/python3"),
                 "--python /usr/bin/python3: the interpreter of the plots, which --no-plots turns off");
  expect_refused(run_cli(study + "--set study.plots=false --python /usr/bin/python3"),
                 "which study.plots = false turns");
  expect_refused(run_cli(study + "--python " + dir + "/no-such-python"), "no-such-python");
  const std::string transfer = "transfer " + kTiny + "--set 'sweep.lrs=[0.1,0.2,0.4]' --out " + dir + "/t --dry-run ";
  expect_refused(run_cli(transfer + "--set train.steps=0"), "train.steps = 0: widthlab transfer compares the loss");
  expect_refused(run_cli(transfer + "--no-plots --python /usr/bin/python3"), "which --no-plots turns off");
  // A --set of a section the verb never reads.
  expect_refused(run_cli("train " + kTiny + "--set reproduce.name=golikov2020-width --out " + dir + "/s --dry-run"),
                 "--set reproduce.name=golikov2020-width: widthlab train does not read [reproduce]");
  expect_refused(run_cli("limit " + kTiny + "--model ntk --set 'sweep.widths=[16,64]' --out " + dir + "/s"),
                 "widthlab limit does not read [sweep]");
  EXPECT_FALSE(fs::exists(dir + "/s"));
  EXPECT_FALSE(fs::exists(dir + "/t"));
}
