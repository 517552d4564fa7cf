// `widthlab classify`: the architecture.md §4 JSON contract, the three input modes, and exit 2 on bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/cli_helpers.h"
#include "widthlab/classification.h"
#include "widthlab/limit_models.h"

using nlohmann::json;
using widthlab::test::run_cli;

namespace {
json classify_ok(const std::string& args) {
  const auto r = run_cli("classify " + args);
  EXPECT_EQ(r.code, 0) << args << "\n" << r.err;
  json j;
  try {
    j = json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not one JSON object: " << r.out;
  }
  return j;
}

void expect_exit2(const std::string& args, const std::string& needle) {
  const auto r = run_cli("classify " + args);
  EXPECT_EQ(r.code, 2) << args << "\nstdout: " << r.out;
  EXPECT_TRUE(r.out.empty()) << args;
  EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\nstderr: " << r.err;
  // One line of error.
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}
}  // namespace

TEST(ClassifyCli, ContractKeysForAPreset) {
  const json j = classify_ok("--preset mf");
  for (const char* k : {"A", "B", "C", "stable", "regime", "region", "model", "finite_init_logits", "finite_kernel",
                        "feature_learning"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_DOUBLE_EQ(j["A"].get<double>(), -0.5);
  EXPECT_DOUBLE_EQ(j["B"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["C"].get<double>(), 0.0);
  EXPECT_TRUE(j["stable"].get<bool>());
  EXPECT_EQ(j["regime"], "stable");
  EXPECT_EQ(j["region"], 1);
  EXPECT_EQ(j["model"], "mf");
  EXPECT_FALSE(j["finite_init_logits"].get<bool>());
  EXPECT_TRUE(j["finite_kernel"].get<bool>());
  EXPECT_TRUE(j["feature_learning"].get<bool>());
  EXPECT_DOUBLE_EQ(j["q_sigma"].get<double>(), -1.0);
  EXPECT_DOUBLE_EQ(j["q_lr_out"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["q_lr_in"].get<double>(), 1.0);
  EXPECT_EQ(j["abc"]["layers"].size(), 2u);
  EXPECT_DOUBLE_EQ(j["abc"]["layers"][1]["a"].get<double>(), 0.5);  // a2 = −q_σ − q̃_a/2
  EXPECT_DOUBLE_EQ(j["rate_exponent"].get<double>(), -0.5);
  EXPECT_TRUE(j["theory_exponents"].is_object());
  EXPECT_FALSE(j.contains("degenerate_gd"));
}

TEST(ClassifyCli, GolikovFlagsAndAliases) {
  const json sym = classify_ok("--q-sigma -0.5 --q-lr 0.5");
  EXPECT_EQ(sym["region"], 3);
  EXPECT_EQ(sym["model"], "sym-default");
  EXPECT_DOUBLE_EQ(sym["B"].get<double>(), 0.5);
  const json tri = classify_ok("--q-sigma -0.6666666666666666 --q-lr 0.5");
  EXPECT_EQ(tri["region"], 11);
  const json sp = classify_ok("--q-sigma -0.5 --q-lr 0 --q-lr-out 1");  // SP as a tuple: (−1/2, q̃_a = 1, q̃_w = 0)
  EXPECT_EQ(sp["regime"], "diverges");
  EXPECT_TRUE(sp["region"].is_null());
  EXPECT_DOUBLE_EQ(sp["C_a"].get<double>(), 0.5);
  EXPECT_EQ(classify_ok("--preset standard")["regime"], "diverges");
  EXPECT_EQ(classify_ok("--preset '(-1, -1)'")["regime"], "stagnates");
  EXPECT_EQ(classify_ok("--preset mean-field")["model"], "mf");
  EXPECT_EQ(classify_ok("--preset intermediate:0.75")["model"], "intermediate");
  const json ic = classify_ok("--preset ic-mf");
  EXPECT_EQ(ic["model"], "ic-mf");
  EXPECT_TRUE(ic["finite_init_logits"].get<bool>() && ic["finite_kernel"].get<bool>() &&
              ic["feature_learning"].get<bool>());
}

TEST(ClassifyCli, DeepVerdicts) {
  const json deg = classify_ok("--preset mf --depth 3 --activation relu --optimizer gd");
  ASSERT_TRUE(deg.contains("degenerate_gd"));
  EXPECT_TRUE(deg["degenerate_gd"].get<bool>());
  EXPECT_NE(deg["reason"].get<std::string>().find("degenerate"), std::string::npos);
  EXPECT_TRUE(deg["region"].is_null());
  EXPECT_FALSE(classify_ok("--preset mf --depth 3 --optimizer rmsprop")["degenerate_gd"].get<bool>());
  EXPECT_FALSE(classify_ok("--preset mf --depth 2")["degenerate_gd"].get<bool>());
  EXPECT_FALSE(classify_ok("--preset mup --depth 3")["degenerate_gd"].get<bool>());
  EXPECT_FALSE(classify_ok("--preset mf --depth 3 --activation sigmoid")["degenerate_gd"].get<bool>());
}

TEST(ClassifyCli, ConfigInput) {
  const std::string dir = widthlab::test::scratch_dir("classify_cfg");
  const std::string path = dir + "/c.toml";
  std::ofstream(path) << "[model]\ndepth = 3\nactivation = \"relu\"\n[scaling]\npresets = [\"mf\"]\n"
                         "[train]\noptimizer = \"gd\"\n";
  const json j = classify_ok("--config " + path);
  ASSERT_TRUE(j.is_array() && j.size() == 1u) << j;  // one object per scaling of the config
  EXPECT_EQ(j[0]["depth"], 3);
  EXPECT_TRUE(j[0]["degenerate_gd"].get<bool>());
  const json k = classify_ok("--config " + path + " --set train.optimizer=rmsprop");
  EXPECT_FALSE(k[0]["degenerate_gd"].get<bool>());
  const json one = classify_ok("--config " + path + " --depth 1");
  EXPECT_EQ(one[0]["region"], 1);
  // Issue: only presets[0] was classified.
  const json both = classify_ok("--config " + path + " --depth 1 --set 'scaling.presets=[\"ntk\", \"mf\"]'");
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0]["model"], "ntk");
  EXPECT_EQ(both[1]["model"], "mf");
  expect_exit2("--config " + dir + "/missing.toml", "missing.toml");
}

// Issue: a frozen hidden layer (C_w = -1 < C_a = 0) was reported as MF feature learning with an evolving kernel.
TEST(ClassifyCli, FrozenHiddenLayerIsNotFeatureLearning) {
  const json j = classify_ok("--preset 'custom:init=0,-0.5;lr=0,-1'");
  EXPECT_FALSE(j["feature_learning"].get<bool>()) << j;
  EXPECT_EQ(j["model"], "random-features");
  EXPECT_DOUBLE_EQ(j["abc"]["r"].get<double>(), 1.0) << j;  // TP4's r = −C_w: the features do not move at Θ(1)
  EXPECT_EQ(j["properties_text"].get<std::string>().find("evolves"), std::string::npos) << j["properties_text"];
  EXPECT_TRUE(classify_ok("--preset mf")["feature_learning"].get<bool>());  // both layers at the critical rate
}

// Issue: --q-sigma -3/4 was refused although help writes exponents as fractions.
TEST(ClassifyCli, FractionsAccepted) {
  const json j = classify_ok("--q-sigma -3/4 --q-lr 1/2");
  EXPECT_EQ(j["region"], 4);
  EXPECT_EQ(classify_ok("--preset '(-3/4, 1/2)'")["region"], 4);
}

// Issue: a 1.5 KB JSON line on a terminal. On a TTY a short summary with exact fractions; --json for scripts.
TEST(ClassifyCli, TerminalSummaryAndJsonFlag) {
  const auto tty = widthlab::test::run_command("script -qec '" + std::string(WIDTHLAB_CLI) +
                                               " classify --q-sigma -3/4 --q-lr 1/2' /dev/null");
  ASSERT_EQ(tty.code, 0) << tty.err;
  EXPECT_NE(tty.out.find("region 4"), std::string::npos) << tty.out;
  EXPECT_NE(tty.out.find("q_sigma = -3/4"), std::string::npos) << tty.out;
  EXPECT_EQ(tty.out.find("{\""), std::string::npos) << "no JSON on a terminal: " << tty.out;
  EXPECT_LT(widthlab::test::lines(tty.out), 8) << tty.out;
  const auto json_tty = widthlab::test::run_command("script -qec '" + std::string(WIDTHLAB_CLI) +
                                                    " classify --preset mf --json' /dev/null");
  EXPECT_NE(json_tty.out.find("{\"A\""), std::string::npos) << json_tty.out;
}

TEST(ClassifyCli, BadInputExitsTwo) {
  expect_exit2("--preset no-such", "no-such");
  expect_exit2("--q-sigma abc --q-lr 1", "--q-sigma");
  expect_exit2("--q-sigma nan --q-lr 1", "--q-sigma");
  expect_exit2("--q-sigma -1 --q-lr inf", "--q-lr");
  expect_exit2("--q-sigma -1", "--q-lr");
  expect_exit2("--preset mf --q-sigma -1 --q-lr 1", "exactly one");
  expect_exit2("", "exactly one");
  expect_exit2("--preset mf --optimizer lbfgs", "lbfgs");
  expect_exit2("--preset mf --optimizer RMSprop", "allowed: gd, sgd, rmsprop, adam");  // exact, as train.optimizer
  expect_exit2("--preset mf --activation nope", "nope");
  expect_exit2("--preset mf --depth 0", "depth");
  expect_exit2("--preset intermediate:2", "intermediate");
}

TEST(ClassifyCli, HelpListsPresets) {
  const auto r = run_cli("classify --help");
  EXPECT_EQ(r.code, 0);
  for (const char* n : {"mean-field", "ic-mf", "sym-default", "improved-sp", "mup", "custom", "q_sigma"})
    EXPECT_NE(r.out.find(n), std::string::npos) << n;
}

// The classifier's region names are the limit simulators' model names (limits/limit_models.h).
TEST(ClassifyCli, RegionNamesMatchTheLimitModelTable) {
  for (int r = 1; r <= 13; ++r) EXPECT_EQ(widthlab::region_info(r).model, widthlab::limit_model_for_region(r).name);
}
