// simulated_limit (simulated_limit.h): the one rule by which `limit`, `study` and Python pick a scaling's simulated
// d = ∞ model, checked against the classifier's table (theory.md §2.2) and the multilayer MF rule (§3.6).
#include "widthlab/simulated_limit.h"

#include <gtest/gtest.h>

#include "widthlab/activation.h"
#include "widthlab/classification.h"
#include "widthlab/config.h"
#include "widthlab/config_scalings.h"
#include "widthlab/error.h"

namespace widthlab {
namespace {

// The config's one scaling `preset` at `depth`, classified, and what simulated_limit makes of it.
SimulatedLimit limit_of(const std::string& preset, int depth) {
  const Config cfg = parse_config(
      "", "<test>",
      {"scaling.presets=[\"" + preset + "\"]", "model.depth=" + std::to_string(depth), "model.activation=\"relu\""});
  const Scaling s = config_scalings(cfg).at(0);
  return simulated_limit(cfg, s, classify(s, activation_from_name("relu")));
}

TEST(SimulatedLimit, OneHiddenLayerSimulatesTheClassifiersModel) {
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"mf", "mf"},       {"ntk", "ntk"}, {"sym-default", "sym-default"}, {"intermediate:0.75", "intermediate"},
      {"ic-mf", "ic-mf"}, {"mup", "mf"},  {"improved-sp", "ntk"},         {"(0, 0)", "pre-sym-default"}};
  for (const auto& [preset, model] : expected) {
    const SimulatedLimit l = limit_of(preset, 1);
    EXPECT_TRUE(l.simulated()) << preset;
    EXPECT_EQ(l.model, model) << preset;
    EXPECT_EQ(l.options.model, model) << preset;
    EXPECT_EQ(l.options.depth, 1) << preset;
  }
}

TEST(SimulatedLimit, UnstableAndDeepNonMfScalingsHaveNone) {
  for (const auto& [preset, depth, model] :
       std::vector<std::tuple<std::string, int, std::string>>{{"sp", 1, "diverges"},
                                                              {"ntk", 2, "deep-kernel"},
                                                              {"mup", 2, "deep-feature-learning"},
                                                              {"mf", 3, "deep-degenerate"},
                                                              {"ic-mf", 2, "deep-feature-learning"}}) {
    const SimulatedLimit l = limit_of(preset, depth);
    EXPECT_FALSE(l.simulated()) << preset << " depth " << depth;
    EXPECT_EQ(l.model, model) << preset << " depth " << depth;  // the classifier's name, for the message
  }
}

TEST(SimulatedLimit, MfAtTwoHiddenLayersIsTheMultilayerParticleSystem) {
  const SimulatedLimit l = limit_of("mf", 2);
  ASSERT_TRUE(l.simulated());
  EXPECT_EQ(l.options.model, "mf");
  EXPECT_EQ(l.options.depth, 2);
  EXPECT_EQ(l.options.validate(), "");  // limit_run accepts 'mf' beyond one hidden layer
}

// theory.md §1.3: B takes the larger of the two lr exponents; the rule's lr weights keep that layer's term only.
TEST(SimulatedLimit, LrWeightsFollowTheDominantLayer) {
  const SimulatedLimit split = limit_of("(-0.75, 0.5, 0.25)", 1);  // (q_σ, q̃_a, q̃_w): the output lr dominates
  ASSERT_TRUE(split.simulated());
  EXPECT_EQ(split.options.lr_weight_out, 1.0);
  EXPECT_EQ(split.options.lr_weight_in, 0.0);
  // Random features, (q_σ, q̃_a, q̃_w) = (−1, 1, 1/2): region 1 with C_w = −1/2, which the classifier names apart;
  // region 1's MF particles with the input layer's lr term dropped are its limit.
  const SimulatedLimit rf = limit_of("(-1, 1, 0.5)", 1);
  ASSERT_TRUE(rf.simulated());
  EXPECT_EQ(rf.options.model, "mf");
  EXPECT_EQ(rf.options.lr_weight_out, 1.0);
  EXPECT_EQ(rf.options.lr_weight_in, 0.0);
  const SimulatedLimit tie = limit_of("mf", 1);  // equal exponents: both layers' terms
  EXPECT_EQ(tie.options.lr_weight_out, 1.0);
  EXPECT_EQ(tie.options.lr_weight_in, 1.0);
}

TEST(LimitJobs, RefuseALayeredNetAndAModelWithARegion) {
  std::vector<std::string> skipped;
  const Config conv = parse_config("", "<test>", {"model.arch=\"conv(3x3,same,d)-leaky_relu:0.1-gap\""});
  EXPECT_THROW(limit_jobs(conv, "", 0, skipped), InputError);
  const Config dense = parse_config("", "<test>", {});
  EXPECT_THROW(limit_jobs(dense, "mf", 1, skipped), InputError);
  EXPECT_THROW(limit_jobs(dense, "", 14, skipped), InputError);
  const auto jobs = limit_jobs(dense, "", 4, skipped);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].options.model, "intermediate");
}

// A deep scaling without a simulator is skipped with advice that works at that depth: --model mf (the one multilayer
// model), not --model NAME for any of the 13 (limit_run refuses those at depth >= 2).
TEST(LimitJobs, DeepScalingsWithoutASimulatorAreSkippedNamingTheMultilayerModel) {
  const Config cfg = parse_config("", "<test>", {"scaling.presets=[\"mf\", \"ntk\"]", "model.depth=2"});
  std::vector<std::string> skipped;
  const auto jobs = limit_jobs(cfg, "", 0, skipped);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].options.model, "mf");
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("scaling 'ntk' (depth 2)"), std::string::npos) << skipped[0];
  EXPECT_NE(skipped[0].find("only 'mf' is simulated"), std::string::npos) << skipped[0];
  EXPECT_EQ(skipped[0].find("--region"), std::string::npos) << skipped[0];
  LimitOptions deep_ntk = jobs[0].options;  // the advice not given: --model ntk at depth 2 is refused
  deep_ntk.model = "ntk";
  EXPECT_NE(deep_ntk.validate(), "");
}

}  // namespace
}  // namespace widthlab
