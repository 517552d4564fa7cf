// --device on the verbs that train finite nets or MF particles (study.device; mlp_cuda.h): refusals are exit 2 with
// one line and nothing written, whatever the machine; auto/cpu run and records say nothing of a device on the CPU.
// (The GPU runs themselves are bench/gpu_check.sh's and tests/cuda's.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/cli_helpers.h"
#include "widthlab/device.h"

using namespace widthlab;
using namespace widthlab::test;

namespace {
const std::string kLimitSmall =  // `limit` reads no [sweep] (a --set of it is refused)
    " --set data.dataset=gaussians --set data.train_size=60 --set data.test_size=30 --set train.steps=2"
    " --set limits.seeds=[0]";
const std::string kSmall = kLimitSmall + " --set sweep.widths=[16] --set sweep.seeds=[0]";
}  // namespace

TEST(TrainingDeviceCli, CudaWithoutAPathOrAGpuIsRefusedBeforeAnythingIsWritten) {
  const auto dir = scratch_dir("training_device_cli");
  struct Case {
    std::string args, says;
  };
  std::vector<Case> cases = {
      {"train --device cuda --set train.optimizer=adam --set train.lr=0.01" + kSmall,
       "study.device = \"cuda\": not supported for optimizer 'adam' (CUDA runs gd and sgd)"},
      {"train --device cuda --set train.precision=float64" + kSmall,
       "study.device = \"cuda\": not supported for train.precision = \"float64\""},
      {"limit --device cuda --set train.precision=float64" + kLimitSmall,
       "study.device = \"cuda\": the MF particle system on the GPU runs float32 gd and sgd, not limits in float64"},
      {"train --device tpu" + kSmall, "--device: tpu not in {cpu,cuda,auto}"},
  };
  if (!cuda_available()) {
    for (const char* verb : {"train", "study", "limit", "ntk-empirical"})
      cases.push_back({std::string(verb) + " --device cuda" + (verb == std::string("limit") ? kLimitSmall : kSmall),
                       "CUDA is not available"});
    cases.push_back({"transfer --device cuda" + kSmall + " --set sweep.widths=[16,32]", "CUDA is not available"});
    cases.push_back({"reproduce golikov2020-width --smoke --device cuda", "CUDA is not available"});
  }
  int i = 0;
  for (const auto& c : cases) {
    const std::string out = dir + "/case" + std::to_string(i++);
    const auto r = run_cli(c.args + " --out " + out);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.args;
  }
}

TEST(TrainingDeviceCli, CpuRunsRecordNoDevice) {
  const auto dir = scratch_dir("training_device_cli_cpu");
  const auto r = run_cli("train --device cpu --out " + dir + "/t" + kSmall);
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream in(dir + "/t/runs.jsonl");
  std::string line;
  int runs = 0;
  while (std::getline(in, line)) {
    ++runs;
    EXPECT_EQ(line.find("\"device\""), std::string::npos) << line;
  }
  EXPECT_GT(runs, 0);
}
