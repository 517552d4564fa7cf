// The config layer's good paths (architecture.md §5): defaults, the embedded default file, overrides, TOML/JSON round
// trips.
#include "widthlab/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "widthlab/error.h"

using namespace widthlab;
namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}
std::string write_tmp(const std::string& name, const std::string& text) {
  fs::path dir = fs::path(WIDTHLAB_TEST_TMP) / ("config_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path p = dir / name;
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}
const fs::path kDefaultFile = fs::path(WIDTHLAB_SOURCE_DIR) / "configs" / "default.toml";

// A config whose every key differs from the default, set field by field (independently of the schema walker, so a
// key the reader or writer forgets fails the round trip).
Config everything_changed() {
  Config c;
  c.data.dataset = "cifar-2";
  c.data.classes = {3, 5};
  c.data.train_size = 64;
  c.data.test_size = 32;
  c.data.standardize = "feature";
  c.data.path = "/tmp/some \"quoted\" dir\\x";
  c.data.seed = 12345678901234ull;
  c.model.depth = 1;
  c.model.activation = "relu";
  c.model.bias = true;
  c.model.init = "gaussian";
  c.model.arch = "conv(3x3,same,d)-relu-flatten";
  c.model.input_shape = "28,28,1";
  c.scaling.presets = {"ntk", "intermediate:0.6"};
  c.scaling.reference_width = 64.5;
  c.scaling.custom = CustomExponentsConfig{{0.0, -0.5}, {0.25, 0.0}, {1.0, -1.0}};
  c.scaling.q = {{-1.0, 1.0}, {-0.75, 0.5, 0.25}};
  c.train.optimizer = "sgd";
  c.train.lr = 0.1 + 0.2;  // not exactly representable: the writer must print enough digits
  c.train.steps = 7;
  c.train.batch = BatchConfig{false, 16};
  c.train.loss = "mse";
  c.train.precision = "float64";
  c.train.track_kernel_steps = 3;
  c.train.log_every = 0;
  c.sweep.widths = {16, 8, 4096};
  c.sweep.seeds = {9, 3};
  c.sweep.lrs = std::vector<double>{0.5, 0.1 + 0.2, 2};
  c.sweep.few_seeds_from = 4096;
  c.sweep.few_seeds = 1;
  c.limits.compute = {"post-mf", "ntk"};
  c.limits.mf_particles = 1024;
  c.limits.coupled_particles_per_width = 4;
  c.limits.seeds = {7};
  c.limits.gp_jitter = 1e-7;
  c.study.max_seconds = 12.5;
  c.study.plots = false;
  c.study.device = "cuda";
  c.study.threads = 3;
  c.reproduce.name = "golikov2020-width";
  return c;
}

// everything_changed() on the gaussians task: its gaussians_* keys changed too (cifar-2 does not read them, and the
// gaussians task reads no data.path, so no one config changes every [data] key).
Config gaussians_changed() {
  Config c = everything_changed();
  c.data.dataset = "gaussians";
  c.data.classes = {};
  c.data.path = "";
  c.data.gaussians_delta = 0.25;
  c.data.gaussians_dim = 7;
  return c;
}
}  // namespace

TEST(Config, SectionDefaultsAreValid) {
  Config c;
  EXPECT_EQ(c.data.validate(), "");
  EXPECT_EQ(c.model.validate(), "");
  EXPECT_EQ(c.scaling.validate(), "");
  EXPECT_EQ(c.train.validate(), "");
  EXPECT_EQ(c.sweep.validate(), "");
  EXPECT_EQ(c.limits.validate(), "");
  EXPECT_EQ(c.study.validate(), "");
  EXPECT_EQ(c.validate(), "");
}

// The struct defaults, configs/default.toml and the embedded copy are one and the same default.
TEST(Config, DefaultFileEmbeddedCopyAndStructDefaultsAgree) {
  ASSERT_TRUE(fs::exists(kDefaultFile)) << kDefaultFile;
  EXPECT_EQ(slurp(kDefaultFile), default_config_toml()) << "the embedded default differs from configs/default.toml";
  EXPECT_TRUE(load_config(kDefaultFile.string()) == default_config());
  EXPECT_TRUE(default_config() == Config{}) << to_toml(default_config()) << "\nvs\n" << to_toml(Config{});
  EXPECT_TRUE(load_config("") == Config{});
}

// Issue: model.init = "gaussian" was documented as "same variance" as PyTorch's uniform, but draws N(0, 1/fan_in)
// against U(±1/√fan_in)'s 1/(3 fan_in) (MlpInit.UniformAndGaussianLaws pins the laws themselves).
TEST(Config, DefaultFileStatesBothInitLaws) {
  const std::string text = default_config_toml();
  EXPECT_NE(text.find("variance 1/(3 fan_in)"), std::string::npos);
  EXPECT_NE(text.find("N(0, 1/fan_in)"), std::string::npos);
  EXPECT_EQ(text.find("same variance"), std::string::npos);
}

TEST(Config, DefaultIsTheDocumentedStudy) {
  const Config c = default_config();
  EXPECT_EQ(c.data.dataset, "fashion-mnist-2");
  EXPECT_TRUE(c.data.classes.empty());  // = the dataset's default pair (0, 6)
  EXPECT_EQ(c.data.train_size, 1000);
  EXPECT_EQ(c.data.test_size, 2000);
  EXPECT_EQ(c.model.depth, 1);
  EXPECT_EQ(c.model.activation, "leaky_relu:0.1");
  EXPECT_FALSE(c.model.bias);
  EXPECT_EQ(c.model.init, "uniform");
  EXPECT_EQ(c.scaling.presets,
            (std::vector<std::string>{"sp", "ntk", "mf", "ic-mf", "sym-default", "intermediate:0.75"}));
  EXPECT_EQ(c.scaling.reference_width, 128);
  EXPECT_FALSE(c.scaling.custom.has_value());
  EXPECT_EQ(c.train.optimizer, "gd");
  EXPECT_EQ(c.train.lr, 0.02);
  EXPECT_EQ(c.train.steps, 50);
  EXPECT_TRUE(c.train.batch.full);
  EXPECT_EQ(c.train.loss, "logistic");
  EXPECT_EQ(c.train.precision, "float32");
  EXPECT_EQ(c.sweep.widths, (std::vector<int>{128, 256, 512, 1024, 2048, 4096, 8192}));
  EXPECT_EQ(c.sweep.seeds, (std::vector<std::uint64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(c.limits.compute, (std::vector<std::string>{"ntk", "mf", "ic-mf"}));
  EXPECT_EQ(c.limits.mf_particles, 65536);
}

TEST(Config, PartialFileKeepsOtherDefaults) {
  std::string p = write_tmp("partial.toml", "[train]\nlr = 0.5\n\n[sweep]\nwidths = [64]\n");
  Config c = load_config(p);
  Config expected;
  expected.train.lr = 0.5;
  expected.sweep.widths = {64};
  EXPECT_TRUE(c == expected) << to_toml(c);
  // An integer where a number is expected is fine.
  EXPECT_EQ(load_config(write_tmp("int_lr.toml", "[train]\nlr = 1\n")).train.lr, 1.0);
  // An empty file is the default.
  EXPECT_TRUE(load_config(write_tmp("empty.toml", "")) == Config{});
}

TEST(Config, OverridesApply) {
  Config c = load_config("", {"train.lr=0.1", "sweep.widths=[128,256]", "train.optimizer=\"sgd\"",
                              "model.activation=relu", "train.batch=32", "data.classes = [2, 4]",
                              "scaling.presets=[\"mf\"]", "study.plots=false", "limits.compute=[]"});
  EXPECT_EQ(c.train.lr, 0.1);
  EXPECT_EQ(c.sweep.widths, (std::vector<int>{128, 256}));
  EXPECT_EQ(c.train.optimizer, "sgd");
  EXPECT_EQ(c.model.activation, "relu");  // a bare word is a string
  EXPECT_FALSE(c.train.batch.full);
  EXPECT_EQ(c.train.batch.size, 32);
  EXPECT_EQ(c.data.classes, (std::vector<int>{2, 4}));
  EXPECT_EQ(c.scaling.presets, (std::vector<std::string>{"mf"}));
  EXPECT_FALSE(c.study.plots);
  EXPECT_TRUE(c.limits.compute.empty());
  // Bare words with punctuation stay strings; the last override of a key wins.
  Config d = load_config("", {"model.activation=leaky_relu:0.2", "data.path=/some/dir", "train.optimizer=adam",
                              "train.optimizer=rmsprop", "train.batch=full"});
  EXPECT_EQ(d.model.activation, "leaky_relu:0.2");
  EXPECT_EQ(d.data.path, "/some/dir");
  EXPECT_EQ(d.train.optimizer, "rmsprop");
  EXPECT_TRUE(d.train.batch.full);
  // An empty value is the empty string.
  EXPECT_EQ(load_config("", {"reproduce.name="}).reproduce.name, "");
}

TEST(Config, OverridesWinOverTheFileAndKeepItsOtherKeys) {
  std::string p = write_tmp("base.toml", "[train]\nlr = 0.5\nsteps = 9\n[model]\nbias = true\n");
  Config c = load_config(p, {"train.lr=0.25"});
  EXPECT_EQ(c.train.lr, 0.25);
  EXPECT_EQ(c.train.steps, 9);
  EXPECT_TRUE(c.model.bias);
}

TEST(Config, OverridesCanCreateTheCustomTable) {
  Config c = load_config("", {"scaling.custom.lr=[1, -1]"});
  ASSERT_TRUE(c.scaling.custom.has_value());
  EXPECT_EQ(c.scaling.custom->lr, (std::vector<double>{1, -1}));
  EXPECT_TRUE(c.scaling.custom->init.empty());
  Config d = load_config("", {"scaling.custom.init=[0, -0.5]", "scaling.custom.multiplier=[0, 0]",
                              "scaling.custom.lr=[1, -1]", "scaling.q=[[-1, 1]]"});
  ASSERT_TRUE(d.scaling.custom.has_value());
  EXPECT_EQ(d.scaling.custom->init, (std::vector<double>{0, -0.5}));
  EXPECT_EQ(d.scaling.q, (std::vector<std::vector<double>>{{-1, 1}}));
}

TEST(Config, ApplyOverridesToAResolvedConfig) {
  Config base = everything_changed();
  ASSERT_EQ(base.validate(), "");
  Config c = apply_overrides(base, {"train.steps=11"});
  Config expected = base;
  expected.train.steps = 11;
  EXPECT_TRUE(c == expected) << to_toml(c);
  EXPECT_TRUE(apply_overrides(base, {}) == base);
}

TEST(Config, CustomTableAndGolikovPointsFromAFile) {
  std::string p = write_tmp("custom.toml",
                            "[scaling]\npresets = []\nq = [[-1, 1], [-0.5, 0.25, 0]]\n\n"
                            "[scaling.custom]\ninit = [0, -0.5]\nmultiplier = [0.0, 0.0]\nlr = [1, -1]\n");
  Config c = load_config(p);
  EXPECT_TRUE(c.scaling.presets.empty());
  ASSERT_TRUE(c.scaling.custom.has_value());
  EXPECT_EQ(c.scaling.custom->init, (std::vector<double>{0, -0.5}));
  EXPECT_EQ(c.scaling.custom->multiplier, (std::vector<double>{0, 0}));
  EXPECT_EQ(c.scaling.custom->lr, (std::vector<double>{1, -1}));
  EXPECT_EQ(c.scaling.q, (std::vector<std::vector<double>>{{-1, 1}, {-0.5, 0.25, 0}}));
}

TEST(Config, TomlRoundTrip) {
  for (const Config& c : {Config{}, everything_changed(), gaussians_changed()}) {
    ASSERT_EQ(c.validate(), "");
    std::string text = to_toml(c);
    Config back = parse_config(text, "roundtrip.toml");
    EXPECT_TRUE(back == c) << text;
    EXPECT_EQ(to_toml(back), text);
  }
  // Through a file as the study writes it.
  Config c = everything_changed();
  std::string p = write_tmp("resolved.toml", to_toml(c));
  EXPECT_TRUE(load_config(p) == c);
}

TEST(Config, EqualityNoticesEveryChangedKey) {
  // everything_changed() differs from the default in every section; changing one field breaks equality.
  Config a = gaussians_changed(), b = a;
  EXPECT_TRUE(a == b);
  b.data.gaussians_dim += 1;
  EXPECT_FALSE(a == b);
  b = a;
  b.scaling.custom->multiplier[1] = 0.5;
  EXPECT_FALSE(a == b);
  b = a;
  b.train.batch.size = 17;
  EXPECT_FALSE(a == b);
}

TEST(Config, JsonHasEverySectionAndKey) {
  Config c = everything_changed();
  auto j = nlohmann::json::parse(to_json(c));
  for (const auto& section : config_sections()) {
    ASSERT_TRUE(j.contains(section)) << section;
    for (const auto& key : config_keys(section)) EXPECT_TRUE(j[section].contains(key)) << section << "." << key;
  }
  EXPECT_EQ(j["train"]["lr"].get<double>(), c.train.lr);
  EXPECT_EQ(j["train"]["batch"].get<int>(), 16);
  EXPECT_EQ(j["data"]["seed"].get<std::uint64_t>(), 12345678901234ull);
  EXPECT_EQ(j["data"]["path"].get<std::string>(), c.data.path);
  EXPECT_EQ(j["scaling"]["custom"]["lr"], nlohmann::json::array({1.0, -1.0}));
  EXPECT_EQ(j["scaling"]["q"][1], nlohmann::json::array({-0.75, 0.5, 0.25}));
  auto d = nlohmann::json::parse(to_json(Config{}));
  EXPECT_EQ(d["train"]["batch"], "full");
  EXPECT_FALSE(d["scaling"].contains("custom"));
}

TEST(Config, KeyListsFollowTheContract) {
  EXPECT_EQ(config_sections(),
            (std::vector<std::string>{"data", "model", "scaling", "train", "sweep", "limits", "study", "reproduce"}));
  for (const char* key : {"optimizer", "lr", "steps", "batch", "loss", "precision"}) {
    auto keys = config_keys("train");
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
  EXPECT_EQ(config_keys("scaling.custom"), (std::vector<std::string>{"init", "multiplier", "lr"}));
}

// Every key of the schema can be set by --set and reaches the struct (the value differs from the default).
TEST(Config, EveryKeyCanBeOverridden) {
  for (const Config& changed : {everything_changed(), gaussians_changed()}) {
    const auto j = nlohmann::json::parse(to_json(changed));
    // Cross-section rules: set the keys in an order that is valid at the end.
    std::vector<std::string> sets;
    for (const auto& section : config_sections())
      for (const auto& key : config_keys(section)) {
        if (!j[section].contains(key)) continue;
        if (j[section][key].is_object()) {  // a sub-table: its keys one by one
          for (const auto& sub : config_keys(section + "." + key))
            sets.push_back(section + "." + key + "." + sub + "=" + j[section][key][sub].dump());
          continue;
        }
        sets.push_back(section + "." + key + "=" + j[section][key].dump());
      }
    Config c = load_config("", sets);
    EXPECT_TRUE(c == changed) << to_toml(c);
  }
}
