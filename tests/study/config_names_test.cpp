// The config module's name lists (config.h: optimizer_names, limit_model_names, reproduction_names): the first two
// are asked of the nets / limits registries, the third is a copy of the reproduction registry (src/reproduce sits
// above the config module); this test, linked against every module, catches drift between them.
#include <gtest/gtest.h>

#include <set>

#include "widthlab/config.h"
#include "widthlab/limit_models.h"
#include "widthlab/optimizer.h"

using namespace widthlab;

TEST(ConfigNames, OptimizerNamesAreTheOptimizerRegistry) {
  std::set<std::string> registry;
  for (const auto& o : optimizer_registry()) registry.insert(o.name);
  const auto& names = optimizer_names();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), registry);
  EXPECT_EQ(names.size(), registry.size()) << "optimizer_names() lists a name twice";
}

TEST(ConfigNames, LimitModelNamesAreTheLimitModelTable) {
  const std::vector<std::string> table = limit_model_canonical_names();
  const auto& names = limit_model_names();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), std::set<std::string>(table.begin(), table.end()));
  EXPECT_EQ(names.size(), table.size()) << "limit_model_names() lists a name twice";
}
