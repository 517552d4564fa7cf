// The learning-rate axis sweep.lrs (issue 22, theory.md §10): optional, parsed from files and --set, validated with
// one-line errors naming the key, and absent by default so that nothing else changes.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "widthlab/config.h"
#include "widthlab/error.h"

namespace widthlab {
namespace {

std::string error_of(const std::string& toml, const std::vector<std::string>& sets = {}) {
  try {
    parse_config(toml, "cfg.toml", sets);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError for " << toml;
  return "";
}

TEST(ConfigLrs, AbsentByDefaultAndNotWritten) {
  const Config c = default_config();
  EXPECT_FALSE(c.sweep.lrs.has_value());
  EXPECT_EQ(to_toml(c).find("lrs"), std::string::npos);  // config.toml of every existing run stays as it was
  EXPECT_EQ(to_json(c).find("lrs"), std::string::npos);
  EXPECT_TRUE(parse_config(to_toml(c), "x") == c);
}

TEST(ConfigLrs, ParsedFromAFileAndFromSetAndRoundTripped) {
  const Config f = parse_config("[sweep]\nlrs = [0.01, 0.1, 1]\n", "cfg.toml");
  ASSERT_TRUE(f.sweep.lrs.has_value());
  EXPECT_EQ(*f.sweep.lrs, (std::vector<double>{0.01, 0.1, 1.0}));
  const Config s = parse_config("", "cfg.toml", {"sweep.lrs=[0.5, 2]"});
  EXPECT_EQ(*s.sweep.lrs, (std::vector<double>{0.5, 2.0}));
  EXPECT_TRUE(parse_config(to_toml(f), "x") == f);
  EXPECT_NE(to_toml(f).find("lrs = [0.01, 0.1, 1.0]"), std::string::npos) << to_toml(f);
  EXPECT_FALSE(f == default_config());
  const std::vector<std::string> keys = config_keys("sweep");
  EXPECT_NE(std::find(keys.begin(), keys.end(), "lrs"), keys.end());
}

TEST(ConfigLrs, BadValuesAreOneLineErrorsNamingTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[sweep]\nlrs = []\n", "at least one"},   {"[sweep]\nlrs = [0.1, -1]\n", "> 0"},
      {"[sweep]\nlrs = [0.1, 0]\n", "> 0"},      {"[sweep]\nlrs = [0.1, inf]\n", "finite"},
      {"[sweep]\nlrs = [0.1, 0.1]\n", "twice"},  {"[sweep]\nlrs = 0.1\n", "array"},
      {"[sweep]\nlrs = [\"fast\"]\n", "number"},
  };
  for (const auto& [toml, needle] : cases) {
    const std::string e = error_of(toml);
    EXPECT_NE(e.find("sweep.lrs"), std::string::npos) << e;
    EXPECT_NE(e.find(needle), std::string::npos) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    EXPECT_EQ(e.rfind("cfg.toml", 0), 0u) << e;
  }
  const std::string e = error_of("", {"sweep.lrs=[1, -2]"});
  EXPECT_EQ(e.rfind("--set", 0), 0u) << e;
  EXPECT_NE(e.find("sweep.lrs"), std::string::npos) << e;
}

}  // namespace
}  // namespace widthlab
