// Config input that used to be taken without effect or with a wrong rule (audit "lose nothing, hide nothing", F5, F8,
// F10): a --set of a whole table, an activation with an empty parameter, an unknown reproduce.name, and an integer
// beyond 32 bits, whose message must state the key's own range. Each is an InputError with ONE line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "widthlab/config.h"
#include "widthlab/error.h"

using namespace widthlab;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

// The message of load_config(file, sets): one line holding every needle.
void expect_error(const std::vector<std::string>& sets, const std::vector<std::string>& needles,
                  const std::string& file = "") {
  SCOPED_TRACE(sets.back());
  const std::string msg = error_of([&] { load_config(file, sets); });
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  for (const auto& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
}

std::string write_tmp(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::path(WIDTHLAB_TEST_TMP) / ("config_ignored_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name) << text;
  return (dir / name).string();
}

}  // namespace

// F5: `--set train={lr=0.1}` replaced the whole [train] table (the file's steps and an earlier --set lost).
TEST(SetWholeTable, IsRefusedWithAnExampleOfOneKey) {
  const std::string file = write_tmp("t.toml", "[train]\nsteps = 20\nlr = 0.5\n[sweep]\nlrs = [0.1, 1.0]\n");
  expect_error({"train={lr=0.1}"}, {"--set train={lr=0.1}: expected key=value for one key, e.g. train.lr=0.1"}, file);
  expect_error({"train.optimizer=sgd", "train={lr=0.1}"}, {"e.g. train.lr=0.1"});
  expect_error({"sweep={widths=[16,32]}"}, {"--set sweep={widths=[16,32]}", "e.g. sweep.widths=[16, 32]"}, file);
  expect_error({"scaling={custom={lr=[1, -1]}}"}, {"e.g. scaling.custom.lr=[1, -1]"});
  expect_error({"scaling.custom={init=[0, -0.5]}"}, {"--set scaling.custom=", "e.g. scaling.custom.init=[0, -0.5]"});
  expect_error({"train={}"}, {"--set train={}", "e.g. train.optimizer=..."});
  expect_error({"train=3"}, {"--set train=3: expected key=value for one key"});
  // A key whose value is not a table refuses an inline table as the wrong type.
  expect_error({"train.lr={a=1}"}, {"train.lr = {a = 1}: expected a number, not a table"});
  expect_error({"model.activation={a=1}"}, {"expected a string, not a table"});
  // One key at a time still builds the custom table and keeps the file's other keys.
  const Config c = load_config(file, {"train.lr=0.1"});
  EXPECT_EQ(c.train.steps, 20);
  EXPECT_EQ(c.sweep.lrs, (std::vector<double>{0.1, 1.0}));
}

// F8: "leaky_relu:" took the default slope 0.01 silently; "relu:" was relu.
TEST(ActivationWithEmptyParameter, IsRefused) {
  expect_error({"model.activation=leaky_relu:"},
               {"model.activation = \"leaky_relu:\": expected a number after ':' (alpha in [0, 1]"});
  expect_error({"model.activation=relu:"}, {"'relu' takes no parameter"});
  expect_error({"model.activation=erf:"}, {"'erf' takes no parameter"});
  EXPECT_EQ(load_config("", {"model.activation=leaky_relu:0.2"}).model.activation, "leaky_relu:0.2");
  EXPECT_EQ(load_config("", {"model.activation=leaky_relu"}).model.activation, "leaky_relu");
}

// F8: reproduce.name was never checked (`widthlab reproduce` ran another case than config.toml recorded).
TEST(ReproduceName, MustNameARegisteredCase) {
  expect_error({"reproduce.name=foo"}, {"reproduce.name = \"foo\": expected one of", "golikov2020-width"});
  expect_error({"reproduce.name=golikov2020-widht"}, {"did you mean 'golikov2020-width'?"});
  EXPECT_EQ(load_config("", {"reproduce.name=golikov2021-regions"}).reproduce.name, "golikov2021-regions");
  EXPECT_EQ(load_config("", {"reproduce.name="}).reproduce.name, "");
  for (const auto& name : reproduction_names())
    EXPECT_EQ(load_config("", {"reproduce.name=" + name}).reproduce.name, name);
}

// F10: train.steps = 100000000000 said "expected an integer in [-2147483648, 2147483647]" for a key that is >= 0.
TEST(IntegerBeyond32Bits, StatesTheKeysOwnRange) {
  expect_error({"train.steps=100000000000"},
               {"--set: train.steps = 100000000000: expected an integer >= 0, at most 2147483647"});
  expect_error({"train.steps=-100000000000"}, {"train.steps = -100000000000: expected an integer >= 0"});
  expect_error({"limits.coupled_particles_per_width=100000000000"},
               {"limits.coupled_particles_per_width = 100000000000: expected an integer in [0, 2^20]"});
  expect_error({"model.depth=100000000000"}, {"model.depth = 100000000000: expected an integer in [1, 64]"});
  expect_error({"sweep.widths=[16, 100000000000]"},
               {"sweep.widths[1] = 100000000000: expected widths >= 1, at most 2147483647"});
  expect_error({"study.threads=-100000000000"}, {"study.threads = -100000000000: expected an integer in [0, 4096]"});
  const std::string file = write_tmp("big.toml", "[train]\nlog_every = 99999999999\n");
  const std::string msg = error_of([&] { load_config(file, {}); });
  EXPECT_EQ(msg.rfind(file + ":2:", 0), 0u) << msg;
  EXPECT_NE(msg.find("train.log_every = 99999999999: expected an integer >= 0"), std::string::npos) << msg;
}

// Audit finding 6: study.threads took any count while the kernel's threads stop at kMaxThreads.
TEST(StudyThreads, HaveTheSharedBound) {
  expect_error({"study.threads=4097"}, {"--set: study.threads = 4097: expected an integer in [0, 4096]"});
  EXPECT_EQ(load_config("", {"study.threads=4096"}).study.threads, kMaxThreads);
}

// Audit finding 5: data.path with the gaussians task, and gaussians_* keys with another dataset, were read by nothing.
TEST(DataKeys, TheDatasetDoesNotReadAreRefused) {
  expect_error({"data.dataset=gaussians", "data.path=/no/such/dir"},
               {"--set: data.path = \"/no/such/dir\": the gaussians task is drawn, not read from files"});
  expect_error({"data.gaussians_dim=8"},
               {"data.gaussians_dim = 8: read by the gaussians task only (data.dataset = \"fashion-mnist-2\")"});
  expect_error({"data.dataset=npy", "data.path=/d", "data.gaussians_delta=0.25"}, {"data.gaussians_delta = 0.25"});
  // The defaults, which every resolved config.toml writes, are not a choice.
  EXPECT_EQ(load_config("", {"data.gaussians_dim=40", "data.gaussians_delta=0.5"}).data.dataset, "fashion-mnist-2");
  EXPECT_EQ(load_config("", {"data.dataset=gaussians", "data.gaussians_dim=8"}).data.gaussians_dim, 8);
}

// Audit finding 1: a flag that stands for a key (--arch, --device, --threads) and a --set of that key disagreeing.
TEST(FlagSetConflicts, AreRefusedNamingBoth) {
  const std::vector<FlagOverrides> flags = {
      {"--device cuda", {"study.device=cuda"}},
      {"--arch 'dense(d)-relu'", {"model.arch=\"dense(d)-relu\"", "model.depth=1"}}};
  EXPECT_EQ(error_of([&] {
              refuse_flag_set_conflicts(flags, {"train.lr=0.1", "study.device=cpu"});
            }),
            "--set study.device=cpu: --device cuda sets study.device = \"cuda\"; expected the key given once, or the "
            "same value in both");
  EXPECT_NE(error_of([&] { refuse_flag_set_conflicts(flags, {"model.depth=2"}); }).find("--arch 'dense(d)-relu' sets"),
            std::string::npos);
  // The same value, quoted or a bare word, is one value.
  EXPECT_NO_THROW(
      refuse_flag_set_conflicts(flags, {"study.device=\"cuda\"", "model.arch=dense(d)-relu", "model.depth=1"}));
}
