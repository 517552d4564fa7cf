// A limit that diverges is recorded and reported as diverged: its limits.jsonl record names no logits file (none is
// written), and report.md counts it in the ∞ row and in the scaling's summary line, instead of a bare "—".
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "small_study.h"

namespace widthlab {
namespace {

TEST(StudyReport, DivergedLimitIsCountedAndNamesNoLogitsFile) {
  const Config cfg = parse_config(R"toml(
[data]
dataset = "gaussians"
train_size = 24
test_size = 10
gaussians_dim = 6
[scaling]
presets = ["mf"]
[train]
lr = 1e30
steps = 4
log_every = 0
[sweep]
widths = [16, 32, 64]
seeds = [0]
[limits]
compute = ["mf"]
mf_particles = 256
seeds = [0]
[study]
plots = false
)toml",
                                  "diverged_limit");
  const auto dir = run_small_study(cfg, "diverged_limit", 10);
  std::ifstream in(dir / "limits.jsonl");
  int records = 0;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    ++records;
    ASSERT_EQ(j["status"], "diverged") << line;  // lr 1e30 overflows the MF particles
    EXPECT_FALSE(j.contains("test_logits_file")) << line;
    EXPECT_TRUE(j["test_logits"].empty()) << line;
  }
  EXPECT_EQ(records, 1);
  EXPECT_FALSE(std::filesystem::exists(dir / "logits" / "limit_mf_s0.npy"));
  std::ifstream rin(dir / "report.md");
  const std::string report((std::istreambuf_iterator<char>(rin)), {});
  EXPECT_NE(report.find("| ∞ (limit) | 0 / 1 |"), std::string::npos) << report;
  EXPECT_NE(report.find("its limit diverged in 1 of 1 seeds"), std::string::npos) << report;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace widthlab
