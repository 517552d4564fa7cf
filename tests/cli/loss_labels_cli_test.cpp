// The data's labels in the form train.loss takes, the same for every verb that loads a config's data
// (load_dataset_for_loss, config_mapping.h): binary ±1 labels become class ids 0/1 for cross-entropy, and a
// one-output loss (logistic, mse) on a task of more than two classes is refused — mse would regress the class id
// 0..K−1 as a number and score its sign. Refusals exit 2 with one line before anything is written.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/cli_helpers.h"
#include "widthlab/npy.h"
#include "widthlab/results_io.h"

using namespace widthlab;
using namespace widthlab::test;
namespace fs = std::filesystem;

namespace {

// A 3-class npy task (labels 0, 1, 2) and a config that reads it.
std::string three_class_config(const std::string& dir) {
  fs::create_directories(dir + "/npy");
  const MatrixD x = sin_inputs(18, 4, 0);
  VectorD y(18);
  for (int i = 0; i < 18; ++i) y[i] = i % 3;
  for (const char* name : {"X_train.npy", "X_test.npy"}) npy_write(dir + "/npy/" + name, x);
  for (const char* name : {"y_train.npy", "y_test.npy"}) npy_write(dir + "/npy/" + name, y);
  write_file(dir + "/c.toml", "[data]\ndataset = \"npy\"\npath = \"" + dir +
                                  "/npy\"\ntrain_size = 18\ntest_size = 18\n\n[scaling]\npresets = [\"ntk\"]\n\n"
                                  "[train]\nsteps = 2\n\n[sweep]\nwidths = [16, 32]\nseeds = [0]\n\n[limits]\n"
                                  "seeds = [0]\ncompute = [\"ntk\"]\n\n[study]\nplots = false\nthreads = 1\n");
  return " --config " + dir + "/c.toml ";
}

}  // namespace

TEST(LossLabelsCli, OneOutputLossesOnThreeClassesAreRefusedByEveryVerb) {
  const auto dir = scratch_dir("loss_labels_three");
  const std::string cfg = three_class_config(dir);
  for (const std::string verb : {"train", "study", "transfer", "limit", "ntk-empirical"}) {
    SCOPED_TRACE(verb);
    const std::string out = dir + "/" + verb;
    const std::string run =
        verb + cfg + "--out " + out + (verb == "transfer" ? " --set 'sweep.lrs=[0.01, 0.1, 1]'" : "");
    expect_refused(run_cli(run + " --set train.loss=mse"),
                   "train.loss = \"mse\": the data have 3 classes, and this loss has one output per sample for two "
                   "classes (labels ±1) — on class ids 0..K−1 it would regress the id as a number");
    expect_refused(run_cli(run + " --set train.loss=logistic"), "train.loss = \"logistic\": the data have 3 classes");
    EXPECT_FALSE(fs::exists(out)) << "written before the refusal";
  }
  EXPECT_EQ(run_cli("train --quiet" + cfg + "--out " + dir + "/ce --set train.loss=cross-entropy").code, 0);
}

// `limit` loaded the data without mapping the labels to the loss: cross-entropy on a binary task failed on label −1,
// after its output directory was written.
TEST(LossLabelsCli, LimitTakesCrossEntropyOnABinaryTask) {
  const auto dir = scratch_dir("loss_labels_limit_ce");
  write_file(dir + "/c.toml",
             "[data]\ndataset = \"gaussians\"\ntrain_size = 12\ntest_size = 8\ngaussians_dim = 4\n\n[train]\nsteps = "
             "2\nloss = \"cross-entropy\"\n\n[limits]\nseeds = [0]\n");
  const CliResult r = run_cli("limit --quiet --model ntk --config " + dir + "/c.toml --out " + dir + "/o");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = read_jsonl(dir + "/o/limit.jsonl");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["status"], "ok");
  EXPECT_EQ(lines[0]["test_logits"].size(), 8u);
  EXPECT_EQ(lines[0]["test_logits"][0].size(), 2u);  // one logit per class
}
