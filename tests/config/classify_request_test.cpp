// classify_request (widthlab/classify_request.h): the argument rules shared by `widthlab classify` and
// widthlab.classify — modes, defaults vs the config's values, and one-line errors naming the caller's inputs.
#include "widthlab/classify_request.h"

#include <gtest/gtest.h>

#include "widthlab/classification.h"
#include "widthlab/error.h"
#include "widthlab/optimizer.h"

using namespace widthlab;

namespace {
const ClassifyInputNames kNames{"P, Q, C", "O needs C", "QS", "QL", "QO", "D"};

std::string error_of(const ClassifyRequest& r) {
  try {
    classify_request(r, kNames);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// The classification the pieces give directly, as classify_request reports it.
nlohmann::json direct(const Scaling& s, const std::string& activation, const std::string& optimizer) {
  const Activation act = activation_from_name(activation);
  nlohmann::json j = classification_to_json(classify(s, act));
  j["activation"] = act.name;
  j["optimizer"] = optimizer;
  return j;
}
}  // namespace

TEST(ClassifyRequest, PresetAndGolikovPointWithDefaults) {
  ClassifyRequest r;
  r.preset = "mf";
  const auto family = optimizer_family("gd");
  EXPECT_EQ(classify_request(r, kNames), direct(scaling_from_name("mf", 1, 128, family), "leaky_relu:0.1", "gd"));
  ClassifyRequest q;
  q.q_sigma = "-0.5";
  q.q_lr = "0.25";
  q.q_lr_out = "1";
  q.optimizer = "adam";
  EXPECT_EQ(classify_request(q, kNames),
            direct(scaling_from_golikov(-0.5, 1.0, 0.25, 1, 128, optimizer_family("adam")), "leaky_relu:0.1", "adam"));
}

TEST(ClassifyRequest, ConfigValuesAndOverridesOfThem) {
  Config c = default_config();
  c.model.depth = 3;
  c.model.activation = "relu";
  c.scaling.presets = {"ntk"};
  c.scaling.reference_width = 64;
  ClassifyRequest r;
  r.config = [&] { return c; };
  const auto family = optimizer_family(c.train.optimizer);
  using nlohmann::json;
  EXPECT_EQ(classify_request(r, kNames),
            json::array({direct(scaling_from_name("ntk", 3, 64, family), "relu", c.train.optimizer)}));
  r.depth = 2;
  r.activation = "tanh";
  EXPECT_EQ(classify_request(r, kNames),
            json::array({direct(scaling_from_name("ntk", 2, 64, family), "tanh", c.train.optimizer)}));
}

// Issue: `classify --config` classified only presets[0]. A config's answer is one object per scaling, in order.
TEST(ClassifyRequest, ConfigClassifiesEveryScaling) {
  Config c = default_config();
  c.scaling.presets = {"sp", "mf"};
  c.scaling.q = {{-0.75, 0.5}};
  ClassifyRequest r;
  r.config = [&] { return c; };
  const nlohmann::json all = classify_request(r, kNames);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["scaling"], "sp");
  EXPECT_EQ(all[1]["scaling"], "mf");
  EXPECT_EQ(all[1]["region"], 1);
  EXPECT_EQ(all[2]["region"], 4);
}

// Issue: fractions were refused although help writes exponents as fractions; float noise was printed.
TEST(ClassifyRequest, FractionsParseExactlyAndPrintClean) {
  ClassifyRequest q;
  q.q_sigma = "-3/4";
  q.q_lr = "1/2";
  const nlohmann::json j = classify_request(q, kNames);
  EXPECT_EQ(j["region"], 4);
  EXPECT_EQ(j["q_sigma"].get<double>(), -0.75);
  ClassifyRequest noise;
  noise.q_sigma = "-0.6";
  noise.q_lr = "0.5";
  EXPECT_EQ(classify_request(noise, kNames)["C"].get<double>(), -0.1);  // -0.6 + 0.5, not -0.09999999999999998
}

TEST(ClassifyRequest, ErrorsNameTheCallersInputs) {
  bool loaded = false;
  ClassifyRequest both;
  both.preset = "mf";
  both.config = [&] {
    loaded = true;
    return default_config();
  };
  EXPECT_EQ(error_of(both), "expected exactly one of P, Q, C");
  EXPECT_FALSE(loaded);  // the argument checks come before the config is read
  EXPECT_EQ(error_of(ClassifyRequest{}), "expected exactly one of P, Q, C");

  ClassifyRequest o;
  o.preset = "mf";
  o.overrides = true;
  EXPECT_EQ(error_of(o), "O needs C");

  ClassifyRequest q;
  q.q_sigma = "-1";
  EXPECT_EQ(error_of(q), "QS and QL go together (QO optionally sets a separate output-layer rate)");
  q.q_lr = "1x";
  EXPECT_EQ(error_of(q), "QL = '1x': expected a finite number or a fraction like -3/4");
  q.q_lr = "inf";
  EXPECT_EQ(error_of(q), "QL = 'inf': expected a finite number or a fraction like -3/4");
  q.q_lr = "1/0";
  EXPECT_EQ(error_of(q), "QL = '1/0': expected a finite number or a fraction like -3/4");
  q.q_lr = "1";
  q.depth = 0;
  EXPECT_EQ(error_of(q), "D = 0: expected an integer >= 1");

  Config c = default_config();
  c.scaling.presets = {};
  c.scaling.custom = CustomExponentsConfig{};
  c.scaling.custom->init = {0.0, 0.5, 1.0};
  ClassifyRequest bad;
  bad.config = [&] { return c; };
  bad.config_name = "c.toml";
  EXPECT_EQ(error_of(bad), "c.toml: scaling.custom.init has 3 values: expected model.depth + 1 = 2");
}
