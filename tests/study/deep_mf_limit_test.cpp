// A study of 2-hidden-layer MF nets measures them against the multilayer MF particle system (theory.md §3.6;
// simulated_limit.h) rather than against its widest net, and the distance falls with width as the CLT predicts
// (theory.md §4: O(d^-1/2); the fit's interval must lie below zero, §8.7).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "small_study.h"
#include "widthlab/results_io.h"

namespace widthlab {
namespace {

TEST(DeepMfStudy, ComparesWithTheMultilayerLimitAndTheDistanceFalls) {
  const Config cfg = parse_config(R"toml(
[data]
dataset = "gaussians"
train_size = 64
test_size = 64
gaussians_dim = 10
[model]
depth = 2
activation = "tanh"
[scaling]
presets = ["mf", "ntk"]
reference_width = 16
[train]
optimizer = "gd"
lr = 0.5
steps = 8
log_every = 0
[sweep]
widths = [32, 64, 128, 256]
seeds = [0, 1, 2, 3, 4, 5]
[limits]
compute = ["mf", "ntk"]
mf_particles = 4096
seeds = [0, 1, 2, 3, 4, 5]
[study]
threads = 1
plots = false
)toml",
                                  "<deep mf study>");
  StudySummary s;
  const auto dir = run_small_study(cfg, "deep_mf", 200, &s);
  EXPECT_EQ(s.runs_failed, 0);
  // mf's six limit seeds, one per net seed (each net seed resampled with its own limit run: 6 groups, whose interval
  // is stretched by c(6) = 1.44, theory.md §8.7 "Few seeds"; with 3 runs, c(3) = 2.69 left this fit's interval
  // reaching above zero); ntk at depth 2 (a deep kernel) has no simulator
  EXPECT_EQ(s.limits, 6);
  for (const auto& r : read_jsonl(dir / "limits.jsonl")) {
    EXPECT_EQ(r["model"], "mf");
    EXPECT_EQ(r["depth"], 2);
    EXPECT_EQ(r["particles"], 4096);
  }
  std::ifstream f(dir / "rates.json");
  const auto rates = nlohmann::json::parse(f);
  EXPECT_EQ(rates["mf"]["compared_with"], "limit");
  EXPECT_LT(rates["mf"]["fit"]["ci_high"].get<double>(), 0.0) << rates["mf"]["fit"].dump();
  EXPECT_NE(rates["ntk"]["compared_with"], "limit");  // a proxy, saying why
  std::ifstream rep(dir / "report.md");
  const std::string report{std::istreambuf_iterator<char>(rep), {}};
  EXPECT_NE(report.find("multilayer mean field, 2 hidden layers"), std::string::npos);
  EXPECT_NE(report.find("no simulator for limit model 'deep-kernel'"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace widthlab
