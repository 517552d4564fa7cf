// End-to-end: config flags through the widthlab binary (`widthlab config`, shared --config/--set of apps/widthlab/
// config_flags.h). Bad input → exit 2 and ONE stderr line naming the file or --set, the key and the value.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/cli_helpers.h"
#include "widthlab/config.h"

using namespace widthlab;
using widthlab::test::lines;
using widthlab::test::run_cli;

TEST(ConfigCli, DefaultPrintsTheEmbeddedDefault) {
  auto r = run_cli("config");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(parse_config(r.out, "stdout") == default_config()) << r.out;
}

TEST(ConfigCli, FileAndRepeatedSets) {
  std::string dir = widthlab::test::scratch_dir("config_cli");
  std::string path = dir + "/c.toml";
  std::ofstream(path) << "[train]\nlr = 0.5\nsteps = 9\n";
  auto r = run_cli("config --config " + path +
                   " --set train.lr=0.1 --set 'sweep.widths=[64, 32]' --set train.optimizer=sgd");
  ASSERT_EQ(r.code, 0) << r.err;
  Config c = parse_config(r.out, "stdout");
  EXPECT_EQ(c.train.lr, 0.1);
  EXPECT_EQ(c.train.steps, 9);
  EXPECT_EQ(c.train.optimizer, "sgd");
  EXPECT_EQ(c.sweep.widths, (std::vector<int>{64, 32}));
  auto j = run_cli("config --json --set train.steps=3");
  ASSERT_EQ(j.code, 0) << j.err;
  EXPECT_EQ(nlohmann::json::parse(j.out)["train"]["steps"], 3);
}

TEST(ConfigCli, KeysListsEveryKeyPath) {
  auto r = run_cli("config --keys");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* k :
       {"train.lr\n", "sweep.widths\n", "scaling.custom.lr\n", "data.dataset\n", "limits.mf_particles\n"})
    EXPECT_NE(r.out.find(k), std::string::npos) << k;
}

TEST(ConfigCli, BadInputExitsTwoWithOneLine) {
  std::string dir = widthlab::test::scratch_dir("config_cli_bad");
  std::string bad = dir + "/bad.toml";
  std::ofstream(bad) << "[train]\nlrr = 0.1\n";
  struct Case {
    std::string args;
    std::vector<std::string> needles;
  };
  const std::vector<Case> cases = {
      {"config --config " + bad, {bad + ":2:7:", "train.lrr", "unknown key"}},
      {"config --config " + dir + "/missing.toml", {"missing.toml", "cannot open"}},
      {"config --config " + dir, {dir, "is a directory"}},
      {"config --set train.lr=fast", {"--set: train.lr = \"fast\"", "expected a number"}},
      {"config --set train.lr", {"--set train.lr", "expected key=value"}},
      {"config --set sweep.widthz=[1]", {"--set: sweep.widthz", "unknown key", "did you mean 'widths'"}},
      {"config --set sweep.widths=[]", {"--set: sweep.widths = []", "at least one width"}},
      // Audit: an empty --config ran the built-in default, and --keys ignored the flags beside it.
      {"config --config ''", {"--config: expected a TOML file path, got an empty one"}},
      {"config --keys --config " + dir + "/missing.toml", {"--keys:", "takes no --config"}},
      {"config --keys --set train.lr=abc", {"--keys:", "takes no --config, --set"}},
  };
  for (const auto& c : cases) {
    auto r = run_cli(c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
    EXPECT_EQ(lines(r.err), 1) << c.args << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << c.args;
    for (const auto& n : c.needles) EXPECT_NE(r.err.find(n), std::string::npos) << "'" << n << "' not in: " << r.err;
  }
}
