// Bad config input (architecture.md §5, issue 3): every case is an InputError with ONE line that starts with the file
// path (or "--set") and names the key path, the value and what was expected. WIDTHLAB_SHOW_ERRORS=1 prints them.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>

#include "widthlab/config.h"
#include "widthlab/error.h"

using namespace widthlab;
namespace fs = std::filesystem;

namespace {
fs::path tmp_dir() {
  fs::path dir = fs::path(WIDTHLAB_TEST_TMP) / ("config_errors_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}
std::string write_tmp(const std::string& name, const std::string& text) {
  fs::path p = tmp_dir() / name;
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    if (std::getenv("WIDTHLAB_SHOW_ERRORS")) std::cout << "    " << e.what() << "\n";
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Loads `toml` from a file named after the case; the message must start with the file path and contain every needle.
void expect_file_error(const std::string& name, const std::string& toml, const std::vector<std::string>& needles,
                       const std::vector<std::string>& overrides = {}) {
  SCOPED_TRACE(name);
  std::string path = write_tmp(name + ".toml", toml);
  std::string msg = error_of([&] { load_config(path, overrides); });
  EXPECT_TRUE(starts_with(msg, path)) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  for (const auto& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
}

// Applies overrides to the default; the message must start with "--set" and contain every needle.
void expect_set_error(const std::vector<std::string>& overrides, const std::vector<std::string>& needles,
                      const std::string& file = "") {
  SCOPED_TRACE(overrides.back());
  std::string msg = error_of([&] { load_config(file, overrides); });
  EXPECT_TRUE(starts_with(msg, "--set")) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  for (const auto& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
}
}  // namespace

// ---- keys and sections ----

TEST(ConfigErrors, UnknownKeyListsTheAllowedOnes) {
  expect_file_error(
      "unknown_key", "[train]\nlr = 0.1\nlrr = 0.1\n",
      {":3:7: ", "train.lrr = 0.1", "unknown key", "allowed in [train]: optimizer, lr, steps", "did you mean 'lr'"});
  expect_file_error("unknown_custom_key", "[scaling.custom]\nlrs = [1, -1]\n",
                    {"scaling.custom.lrs", "unknown key", "init, multiplier, lr"});
}

TEST(ConfigErrors, UnknownSection) {
  expect_file_error("unknown_section", "[trian]\nlr = 0.1\n",
                    {"[trian]", "unknown section", "data, model, scaling, train", "did you mean [train]"});
  expect_file_error("key_outside_section", "lr = 0.1\n", {"lr = 0.1", "outside any section"});
  expect_file_error("section_not_table", "train = 3\n", {"train = 3", "expected a table [train]"});
  expect_file_error("custom_not_table", "[scaling]\ncustom = 3\n", {"scaling.custom = 3", "expected a table"});
}

// ---- types ----

TEST(ConfigErrors, WrongTypeForEachKind) {
  expect_file_error("string_for_number", "[train]\nlr = \"fast\"\n",
                    {":2:6: ", "train.lr = \"fast\"", "expected a number, not a string"});
  expect_file_error("float_for_int", "[train]\nsteps = 2.5\n",
                    {"train.steps = 2.5", "expected an integer, not a float"});
  expect_file_error("int_for_bool", "[model]\nbias = 1\n", {"model.bias = 1", "expected true or false"});
  expect_file_error("number_for_string", "[train]\noptimizer = 3\n", {"train.optimizer = 3", "expected a string"});
  expect_file_error("scalar_for_array", "[sweep]\nwidths = 128\n",
                    {"sweep.widths = 128", "expected an array of integers"});
  expect_file_error("bad_element", "[sweep]\nwidths = [128, \"256\"]\n",
                    {"sweep.widths[1] = \"256\"", "expected an integer, not a string"});
  expect_file_error("bad_batch", "[train]\nbatch = \"half\"\n",
                    {"train.batch = \"half\"", "expected \"full\" or an integer"});
  expect_file_error("negative_seed", "[sweep]\nseeds = [0, -1]\n", {"sweep.seeds[1] = -1", "expected an integer >= 0"});
  expect_file_error("huge_int", "[train]\nsteps = 9999999999\n",
                    {"train.steps = 9999999999", "expected an integer >= 0, at most 2147483647"});
  expect_file_error("date_for_number", "[train]\nlr = 2024-01-01\n", {"train.lr = 2024-01-01", "not a date/time"});
  expect_file_error("q_not_nested", "[scaling]\nq = [-1, 1]\n", {"scaling.q[0] = -1", "expected an array of numbers"});
}

// ---- empty grids and ranges ----

TEST(ConfigErrors, EmptyLists) {
  expect_file_error("empty_widths", "[sweep]\nwidths = []\n", {"sweep.widths = []", "at least one width"});
  expect_file_error("empty_seeds", "[sweep]\nseeds = []\n", {"sweep.seeds = []", "at least one seed"});
  expect_file_error("empty_presets", "[scaling]\npresets = []\n",
                    {"scaling.presets = []", "at least one preset", "sp"});
}

TEST(ConfigErrors, OutOfRange) {
  expect_file_error("width_zero", "[sweep]\nwidths = [128, 0]\n",
                    {":2:10: ", "sweep.widths = [128, 0]", "widths >= 1"});
  expect_file_error("lr_negative", "[train]\nlr = -0.1\n", {":2:6: ", "train.lr = -0.1", "finite number > 0"});
  expect_file_error("lr_zero", "[train]\nlr = 0\n", {"train.lr = 0.0", "finite number > 0"});
  expect_file_error("lr_nan", "[train]\nlr = nan\n", {"train.lr = nan", "finite number > 0"});
  expect_file_error("lr_inf", "[train]\nlr = inf\n", {"train.lr = inf", "finite number > 0"});
  expect_file_error("steps_negative", "[train]\nsteps = -1\n", {"train.steps = -1", ">= 0"});
  expect_file_error("train_size", "[data]\ntrain_size = 1\n", {"data.train_size = 1", "2"});
  expect_file_error("depth_zero", "[model]\ndepth = 0\n", {"model.depth = 0", "expected an integer in [1, 64]"});
  expect_file_error("reference_width", "[scaling]\nreference_width = 0\n", {"scaling.reference_width = 0.0", "> 0"});
  expect_file_error("odd_particles", "[limits]\nmf_particles = 101\n", {"limits.mf_particles = 101", "even"});
  expect_file_error("batch_zero", "[train]\noptimizer = \"sgd\"\nbatch = 0\n", {"train.batch = 0", ">= 1"});
  expect_file_error("jitter", "[limits]\ngp_jitter = -1e-3\n", {"limits.gp_jitter = -0.001", ">= 0"});
  expect_file_error("budget", "[study]\nmax_seconds = -5\n", {"study.max_seconds = -5.0", ">= 0"});
}

// model.arch / model.input_shape (config.h): the width word d everywhere, depth and activation agree.
TEST(ConfigErrors, ModelArch) {
  expect_file_error("arch_syntax", "[model]\narch = \"conv(3x3,sam,d)-relu-gap\"\n",
                    {"model.arch = \"conv(3x3,sam,d)-relu-gap\"", "padding 'sam'"});
  expect_file_error("arch_fixed_width", "[model]\nactivation = \"relu\"\narch = \"conv(3,same,16)-relu-gap\"\n",
                    {"model.arch", "layer 'conv(3x3,same,16)': expected width d"});
  expect_file_error("arch_activation", "[model]\narch = \"conv(3,same,d)-relu-gap\"\n",
                    {"model.arch", "activation layer 'relu': expected model.activation = \"leaky_relu:0.1\""});
  expect_file_error("arch_depth",
                    "[model]\nactivation = \"relu\"\narch = \"conv(3,same,d)-relu-conv(3,same,d)-relu-gap\"\n",
                    {"model.depth = 1", "expected 2, the number of dense / conv layers in model.arch"});
  expect_file_error("shape_without_arch", "[model]\ninput_shape = \"28,28,1\"\n",
                    {"model.input_shape = \"28,28,1\"", "only with model.arch"});
  expect_file_error("shape_syntax",
                    "[model]\nactivation = \"relu\"\narch = \"conv(3,same,d)-relu-gap\"\ninput_shape = \"28x28\"\n",
                    {"model.input_shape '28x28'", "expected H,W,C"});
}

TEST(ConfigErrors, Duplicates) {
  expect_file_error("dup_widths", "[sweep]\nwidths = [128, 256, 128]\n",
                    {"sweep.widths = [128, 256, 128]", "width 128 appears twice"});
  expect_file_error("dup_seeds", "[sweep]\nseeds = [1, 1]\n", {"sweep.seeds", "seed 1 appears twice"});
  expect_file_error("dup_presets", "[scaling]\npresets = [\"sp\", \"sp\"]\n",
                    {"scaling.presets", "'sp' appears twice"});
  expect_file_error("alias_presets", "[scaling]\npresets = [\"sp\", \"standard\"]\n",
                    {"scaling.presets", "'standard'", "twice"});
  expect_file_error("dup_classes", "[data]\nclasses = [3, 3]\n", {"data.classes = [3, 3]", "distinct"});
  expect_file_error("dup_limits", "[limits]\ncompute = [\"mf\", \"mf\"]\n", {"limits.compute", "'mf' appears twice"});
}

// ---- unknown names ----

TEST(ConfigErrors, UnknownNamesListTheAllowedOnes) {
  expect_file_error("activation", "[model]\nactivation = \"relux\"\n",
                    {"model.activation = \"relux\"", "unknown", "leaky_relu"});
  expect_file_error("activation_param", "[model]\nactivation = \"relu:2\"\n",
                    {"model.activation = \"relu:2\"", "takes no parameter"});
  expect_file_error("loss", "[train]\nloss = \"hinge\"\n", {"train.loss = \"hinge\"", "logistic", "cross-entropy"});
  const std::string optimizers = fmt::format("expected one of {}", fmt::join(optimizer_names(), ", "));
  expect_file_error("optimizer", "[train]\noptimizer = \"sgdd\"\n",
                    {"train.optimizer = \"sgdd\"", optimizers, "did you mean 'sgd'"});  // the registry's list
  expect_file_error("preset", "[scaling]\npresets = [\"sp\", \"ntkk\"]\n",
                    {"scaling.presets = [\"sp\", \"ntkk\"]", "unknown preset", "mean-field"});
  expect_file_error("preset_param", "[scaling]\npresets = [\"intermediate:2\"]\n",
                    {"scaling.presets", "intermediate:2", "1/2 < q < 1"});
  expect_file_error("limit_model", "[limits]\ncompute = [\"ntk\", \"mff\"]\n",
                    {"limits.compute", "expected one of mf, ntk", "did you mean 'mf'"});
  expect_file_error("precision", "[train]\nprecision = \"float16\"\n",
                    {"train.precision = \"float16\"", "float32, float64"});
  expect_file_error("init", "[model]\ninit = \"xavier\"\n", {"model.init = \"xavier\"", "uniform, gaussian"});
  expect_file_error("dataset", "[data]\ndataset = \"imagenet\"\n", {"data.dataset = \"imagenet\"", "fashion-mnist-2"});
}

// ---- rules across sections ----

TEST(ConfigErrors, CrossSectionRules) {
  expect_file_error("custom_length", "[scaling.custom]\nlr = [1, -1, 0]\n",
                    {":2:6: ", "scaling.custom.lr = [1.0, -1.0, 0.0]", "model.depth + 1 = 2"});
  expect_file_error("q_deep", "[model]\ndepth = 2\n[scaling]\npresets = [\"ntk\"]\nq = [[-1, 1]]\n",
                    {"scaling.q", "model.depth = 1"});
  expect_file_error("q_arity", "[scaling]\nq = [[-1]]\n", {"scaling.q = [[-1.0]]", "[q_sigma, q_lr]"});
  expect_file_error("gd_minibatch", "[train]\nbatch = 32\n", {"train.batch = 32", "full-batch"});
  expect_file_error("batch_too_big", "[train]\noptimizer = \"sgd\"\nbatch = 5000\n",
                    {"train.batch = 5000", "data.train_size = 1000"});
  expect_file_error("binary_loss_multiclass", "[data]\ndataset = \"mnist\"\npath = \"/x\"\n",
                    {"train.loss = \"logistic\"", "cross-entropy"});
  expect_file_error("npy_without_path", "[data]\ndataset = \"npy\"\n", {"data.path = \"\"", "directory"});
}

// ---- files and TOML syntax ----

TEST(ConfigErrors, SyntaxErrorHasLineAndColumn) {
  expect_file_error("syntax", "[train]\nlr = = 1\n", {":2:", "TOML syntax error"});
  expect_file_error("duplicate_key", "[train]\nlr = 1\nlr = 2\n", {":3:", "TOML syntax error"});
  expect_file_error("unterminated", "[sweep]\nwidths = [128, 256\n", {"TOML syntax error"});
}

TEST(ConfigErrors, MissingFileAndDirectory) {
  std::string missing = (tmp_dir() / "no_such_config.toml").string();
  std::string msg = error_of([&] { load_config(missing); });
  EXPECT_TRUE(starts_with(msg, missing)) << msg;
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
  std::string dir = tmp_dir().string();
  msg = error_of([&] { load_config(dir); });
  EXPECT_TRUE(starts_with(msg, dir)) << msg;
  EXPECT_NE(msg.find("is a directory"), std::string::npos) << msg;
}

TEST(ConfigErrors, NonUtf8Bytes) {
  expect_file_error("latin1", "[data]\npath = \"caf\xe9\"\n", {":2:12: ", "0xe9", "not UTF-8"});
  expect_file_error("overlong", "[data]\n# \xc0\xaf\n", {":2:3: ", "0xc0", "not UTF-8"});
  expect_file_error("truncated", "[data]\npath = \"\xe2\x82\"\n", {"0xe2", "not UTF-8"});
  // Valid multi-byte text passes (and keeps its bytes).
  std::string p = write_tmp("utf8.toml", "# ω = d/d*\n[data]\npath = \"données/ω\"\n");
  EXPECT_EQ(load_config(p, {"data.dataset=npy"}).data.path, "données/ω");
}

// ---- --set ----

TEST(ConfigErrors, SetWithoutEquals) {
  expect_set_error({"train.lr"}, {"--set train.lr", "expected key=value"});
  expect_set_error({"=0.1"}, {"missing key"});
}

TEST(ConfigErrors, SetUnknownKey) {
  expect_set_error({"train.lrr=0.1"},
                   {"--set: train.lrr = 0.1", "unknown key", "allowed in [train]", "did you mean 'lr'"});
  expect_set_error({"trian.lr=0.1"},
                   {"trian.lr", "unknown key", "allowed sections: data, model", "did you mean 'train'"});
  expect_set_error({"train.lr.x=1"}, {"train.lr.x", "unknown key", "train.lr is a value, not a table"});
  expect_set_error({"scaling.custom.lrs=[1,2]"},
                   {"scaling.custom.lrs", "allowed in [scaling.custom]: init, multiplier, lr"});
}

TEST(ConfigErrors, SetWrongTypeAndRange) {
  expect_set_error({"train.lr=fast"}, {"--set: train.lr = \"fast\"", "expected a number"});
  expect_set_error({"sweep.widths=128"}, {"--set: sweep.widths = 128", "expected an array of integers"});
  expect_set_error({"train.steps=1.5"}, {"--set: train.steps = 1.5", "expected an integer"});
  expect_set_error({"model.bias=yes"}, {"model.bias = \"yes\"", "expected true or false"});
  expect_set_error({"sweep.widths=[128, 256"}, {"sweep.widths", "not a TOML value"});
  expect_set_error({"model.activation=\"relu"}, {"model.activation", "not a TOML value"});
  // A number out of float64's or int64's range is not a string (the message said "expected an integer, not a string").
  expect_set_error({"train.steps=99999999999999999999"}, {"train.steps", "not a TOML value", "64 bits"});
  expect_set_error({"train.lr=1e400"}, {"train.lr", "not a TOML value"});
  // And one below it is refused as written (TOML reads it as 0: the message said "train.lr = 0.0").
  expect_set_error({"train.lr=1e-400"}, {"--set: train.lr = 1e-400: a number below float64's range"});
  // A NUL in a string would end a path there (a config's data.path "a\u0000b" read directory "a").
  expect_set_error({"data.path=\"a\\u0000b\""}, {"data.path", "expected a string without NUL characters"});
  expect_set_error({"scaling.reference_width=-2.5e-999"}, {"= -2.5e-999: a number below float64's range"});
  // Range problems of an overridden key name --set even when a file is given.
  std::string base = write_tmp("set_base.toml", "[train]\nsteps = 3\n");
  expect_set_error({"train.lr=-1"}, {"--set: train.lr = -1.0", "finite number > 0"}, base);
  expect_set_error({"sweep.widths=[]"}, {"--set: sweep.widths = []", "at least one width"}, base);
  expect_set_error({"train.optimizer=sgdd"}, {"train.optimizer = \"sgdd\"", "did you mean 'sgd'"});
}

// A bad value from the file is blamed on the file even when overrides are given for other keys.
TEST(ConfigErrors, FileValueIsBlamedOnTheFileDespiteOverrides) {
  expect_file_error("file_blamed", "[train]\nlr = -1\n", {":2:6: ", "train.lr = -1.0"}, {"train.steps=5"});
}

// A --set into a section the file gives as something else (`train = 5`, an array of tables) was inserted into a new
// table that silently replaced the file's: the file is named instead.
TEST(ConfigErrors, SetIntoASectionTheFileGivesAsAValueNamesTheFile) {
  expect_file_error("section_array", "[[train]]\nlr = 1\n",
                    {"train = [", "expected a table [train]", "--set train.steps=2"}, {"train.steps=2"});
  expect_file_error("section_value", "train = 5\n", {"train = 5: expected a table [train]"}, {"train.steps=2"});
  expect_file_error("subtable_value", "[scaling]\ncustom = 1\n", {"scaling.custom = 1: expected a table"},
                    {"scaling.custom.init=[0, 0]"});
}

TEST(ConfigErrors, ApplyOverridesRejectsBadOnes) {
  Config base;
  std::string msg = error_of([&] { apply_overrides(base, {"train.lr=0"}); });
  EXPECT_TRUE(starts_with(msg, "--set")) << msg;
  EXPECT_NE(msg.find("train.lr = 0.0"), std::string::npos) << msg;
}
