// Fewer seeds at the widest nets (sweep.few_seeds_from / sweep.few_seeds; the verdicts issue's "where the largest width
// cannot afford it, fewer seeds there"): optional, absent by default, both or neither, and the seeds each width runs.
#include <gtest/gtest.h>

#include <string>

#include "widthlab/config.h"
#include "widthlab/config_mapping.h"
#include "widthlab/error.h"

namespace widthlab {
namespace {

std::string error_of(const std::string& toml) {
  try {
    parse_config(toml, "cfg.toml");
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError for " << toml;
  return "";
}

TEST(ConfigFewSeeds, AbsentByDefaultAndNotWritten) {
  const Config c = default_config();
  EXPECT_FALSE(c.sweep.few_seeds_from.has_value());
  EXPECT_FALSE(c.sweep.few_seeds.has_value());
  EXPECT_EQ(to_toml(c).find("few_seeds"), std::string::npos);  // config.toml of every existing run stays as it was
}

TEST(ConfigFewSeeds, ParsedAndRoundTripped) {
  const Config c = parse_config("[sweep]\nseeds = [0, 1, 2, 3]\nfew_seeds_from = 1024\nfew_seeds = 2\n", "cfg.toml");
  ASSERT_TRUE(c.sweep.few_seeds.has_value());
  EXPECT_EQ(*c.sweep.few_seeds_from, 1024);
  EXPECT_EQ(*c.sweep.few_seeds, 2);
  EXPECT_TRUE(parse_config(to_toml(c), "x") == c);
}

TEST(ConfigFewSeeds, BadValuesAreOneLineErrorsNamingTheKey) {
  const std::string seeds = "[sweep]\nseeds = [0, 1, 2]\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {seeds + "few_seeds = 2\n", "sweep.few_seeds"},
      {seeds + "few_seeds_from = 512\n", "sweep.few_seeds_from"},
      {seeds + "few_seeds_from = 512\nfew_seeds = 0\n", "sweep.few_seeds"},
      {seeds + "few_seeds_from = 0\nfew_seeds = 1\n", "sweep.few_seeds_from"},
  };
  for (const auto& [toml, key] : cases) {
    const std::string e = error_of(toml);
    EXPECT_NE(e.find(key), std::string::npos) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
}

TEST(ConfigFewSeeds, TheWidestNetsRunTheFirstSeedsOnly) {
  SweepSetup s;
  s.widths = {128, 256, 512};
  s.seeds = {7, 3, 5, 9};
  EXPECT_EQ(s.seeds_at(512), s.seeds);  // absent: every seed everywhere
  EXPECT_EQ(s.seeds_text(), "4 seeds");
  s.few_seeds_from = 256;
  s.few_seeds = 2;
  EXPECT_EQ(s.seeds_at(128), s.seeds);
  EXPECT_EQ(s.seeds_at(256), (std::vector<std::uint64_t>{7, 3}));  // the first two as listed, not the smallest
  EXPECT_EQ(s.seeds_at(512), (std::vector<std::uint64_t>{7, 3}));
  EXPECT_EQ(s.seeds_text(), "4 seeds (2 at widths ≥ 256)");
  s.few_seeds_from = 1024;  // no width reaches it: nothing to say
  EXPECT_EQ(s.seeds_text(), "4 seeds");
  s.few_seeds_from = 256;
  s.few_seeds = 4;  // not fewer than the seeds: every width runs all of them
  EXPECT_EQ(s.seeds_at(512), s.seeds);
  EXPECT_EQ(s.seeds_text(), "4 seeds");
}

}  // namespace
}  // namespace widthlab
