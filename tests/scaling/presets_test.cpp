// Presets: registry, names/aliases, recipes against the tables of theory.md §1.4–1.5, factors_at, parse errors.
#include <gtest/gtest.h>

#include <cmath>

#include "widthlab/error.h"
#include "widthlab/scaling.h"

using namespace widthlab;

namespace {
constexpr OptimizerFamily kSgd = OptimizerFamily::sgd;
constexpr OptimizerFamily kAdaptive = OptimizerFamily::adaptive;

// One row of the camera_ready table of theory.md §1.5 (exponents of ω): weight factor, lr_in, lr_hid, lr_out.
struct CameraReadyRow {
  const char* name;
  double weight, in, hid, out;
};
}  // namespace

TEST(ScalingPresets, RegistryHasEveryNameAndAlias) {
  const char* names[] = {"sp",         "standard", "default", "ntk",         "improved-sp",       "mf", "mean-field",
                         "mean_field", "ic-mf",    "mup",     "sym-default", "intermediate:0.75", "MF", "Mean-Field"};
  for (const char* n : names) EXPECT_NO_THROW(scaling_from_name(n)) << n;
  EXPECT_EQ(scaling_from_name("standard").name, "sp");
  EXPECT_EQ(scaling_from_name("mean_field").name, "mf");
  EXPECT_EQ(scaling_from_name("intermediate:0.6").name, "intermediate:0.6");
  EXPECT_EQ(scaling_from_name("intermediate").name, "intermediate:0.75");
  bool has_custom = false;
  for (const auto& p : scaling_registry()) has_custom = has_custom || p.name == "custom";
  EXPECT_TRUE(has_custom);
  EXPECT_NE(scaling_presets_help().find("mean-field"), std::string::npos);
  // Every name and alias of the registry, a new one included, parses to its row's name (custom takes exponents).
  for (const auto& p : scaling_registry()) {
    if (p.name == "custom") continue;
    for (const std::string& n : p.aliases) EXPECT_EQ(scaling_from_name(n).name, scaling_from_name(p.name).name) << n;
    EXPECT_EQ(scaling_from_name(p.name).name.rfind(p.name, 0), 0u) << p.name;  // "intermediate" → "intermediate:0.75"
  }
}

TEST(ScalingPresets, UnknownNameListsAllowedNamesAndAliases) {
  try {
    scaling_from_name("no-such-scaling");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("no-such-scaling"), std::string::npos);
    for (const char* n : {"sp", "standard", "default", "ntk", "improved-sp", "mean-field", "mean_field", "ic-mf", "mup",
                          "sym-default", "intermediate", "custom"})
      EXPECT_NE(m.find(n), std::string::npos) << n;
    EXPECT_EQ(m.find('\n'), std::string::npos);
  }
}

TEST(ScalingPresets, BadParametersAreInputErrors) {
  EXPECT_THROW(scaling_from_name("intermediate:0.5"), InputError);  // q = 1/2 is NTK, open interval
  EXPECT_THROW(scaling_from_name("intermediate:1"), InputError);
  EXPECT_THROW(scaling_from_name("intermediate:abc"), InputError);
  EXPECT_THROW(scaling_from_name("intermediate:nan"), InputError);
  EXPECT_THROW(scaling_from_name("mf:0.3"), InputError);         // takes no parameter
  EXPECT_THROW(scaling_from_name("custom"), InputError);         // needs exponents
  EXPECT_THROW(scaling_from_name("custom:init=0"), InputError);  // wrong count for depth 1
  EXPECT_THROW(scaling_from_name("custom:foo=0,0"), InputError);
  EXPECT_THROW(scaling_from_name("(1)"), InputError);
  EXPECT_THROW(scaling_from_name("(1, 2, 3, 4)"), InputError);
  EXPECT_THROW(scaling_from_name("(1, x)"), InputError);
  EXPECT_THROW(scaling_from_name("(1, inf)"), InputError);
  EXPECT_THROW(scaling_from_name("mf", 0), InputError);
  EXPECT_THROW(scaling_from_name("mf", 1, -3.0), InputError);
  EXPECT_THROW(scaling_from_name("sym-default", 3, 128, kAdaptive), InputError);
  EXPECT_THROW(scaling_from_golikov(-1, 1, 1, 2, 128, kAdaptive), InputError);
  EXPECT_THROW(scaling_from_golikov(NAN, 1, 1), InputError);
}

TEST(ScalingPresets, FactorsAtReferenceWidthAreOne) {
  for (const auto fam : {kSgd, kAdaptive}) {
    for (int H : {1, 2, 3}) {
      for (const auto& p : scaling_registry()) {
        if (p.name == "custom" || (p.name == "sym-default" && fam == kAdaptive && H > 1)) continue;
        for (double ref : {128.0, 37.0}) {
          const Scaling s = scaling_from_name(p.name, H, ref, fam);
          ASSERT_EQ(s.layers.size(), static_cast<std::size_t>(H + 1));
          for (const auto& f : s.factors_at(ref)) {
            EXPECT_DOUBLE_EQ(f.init, 1.0) << p.name;
            EXPECT_DOUBLE_EQ(f.multiplier, 1.0) << p.name;
            EXPECT_DOUBLE_EQ(f.lr, 1.0) << p.name;
          }
        }
      }
    }
  }
  EXPECT_THROW(scaling_from_name("mf").factors_at(0.0), InputError);
  EXPECT_THROW(scaling_from_name("mf").factors_at(NAN), InputError);
  Scaling broken = scaling_from_name("mf");
  broken.layers.pop_back();
  EXPECT_THROW(broken.factors_at(128), InputError);
}

// factors_at(2d*) against the camera_ready table of theory.md §1.5, both columns, depths 1–3.
TEST(ScalingPresets, CameraReadyTableAtTwiceTheReferenceWidth) {
  const double q = 0.75;
  const CameraReadyRow sgd_rows[] = {{"sp", 0, 0, 0, 0},
                                     {"mf", -0.5, 1, 0, -1},
                                     {"ntk", 0, 0, -1, -1},
                                     {"intermediate:0.75", 0.5 - q, 2 * q - 1, 2 * q - 2, -1}};
  const CameraReadyRow rms_rows[] = {{"sp", 0, 0, 0, 0},
                                     {"mf", -0.5, 0, -1, -1},
                                     {"ntk", 0, -0.5, -1.5, -1},
                                     {"intermediate:0.75", 0.5 - q, q - 1, q - 2, -1}};
  for (int H : {1, 2, 3}) {
    for (const auto fam : {kSgd, kAdaptive}) {
      for (const auto& row : (fam == kSgd ? sgd_rows : rms_rows)) {
        const auto f = scaling_from_name(row.name, H, 128, fam).factors_at(256);
        EXPECT_DOUBLE_EQ(f[0].init, 1.0) << row.name;
        EXPECT_DOUBLE_EQ(f[0].lr, std::pow(2.0, row.in)) << row.name;
        for (int l = 1; l < H; ++l) {
          EXPECT_DOUBLE_EQ(f[l].init, std::pow(2.0, row.weight)) << row.name;
          EXPECT_DOUBLE_EQ(f[l].lr, std::pow(2.0, row.hid)) << row.name << " H=" << H;
        }
        EXPECT_DOUBLE_EQ(f[H].init, std::pow(2.0, row.weight)) << row.name;
        EXPECT_DOUBLE_EQ(f[H].lr, std::pow(2.0, row.out)) << row.name;
        for (const auto& x : f) EXPECT_DOUBLE_EQ(x.multiplier, 1.0);
      }
    }
  }
}

// The `dev` recipe of theory.md §1.5: weight ω^{qσ+1/2}, lr_in ω^{q̃}, lr_hid ω^{q̃+qσ}, lr_out ω^{q̃+2qσ}.
TEST(ScalingPresets, GolikovTupleFollowsTheDevRecipe) {
  for (auto [qs, qa, qw] : {std::tuple{-1.0, 1.0, 1.0}, {-0.5, 0.0, 0.0}, {-0.5, 0.5, 0.5}, {-0.7, 0.3, 0.9}}) {
    for (int H : {1, 3}) {
      const auto f = scaling_from_golikov(qs, qa, qw, H).factors_at(512);  // ω = 4
      EXPECT_DOUBLE_EQ(f[0].init, 1.0);
      EXPECT_DOUBLE_EQ(f[0].lr, std::pow(4.0, qw));
      for (int l = 1; l < H; ++l) EXPECT_DOUBLE_EQ(f[l].lr, std::pow(4.0, qw + qs));
      EXPECT_DOUBLE_EQ(f[H].init, std::pow(4.0, qs + 0.5));
      EXPECT_DOUBLE_EQ(f[H].lr, std::pow(4.0, qa + 2 * qs));
    }
  }
  const Scaling two = scaling_from_name("(-1, 1)");
  const Scaling three = scaling_from_name(" ( -1 , 1, 1 ) ");
  EXPECT_EQ(two.name, "(-1, 1)");
  for (int l = 0; l < 2; ++l) {
    EXPECT_DOUBLE_EQ(two.layers[l].init, three.layers[l].init);
    EXPECT_DOUBLE_EQ(two.layers[l].lr, three.layers[l].lr);
  }
  // Named dev points coincide with the camera_ready presets at depth 1.
  for (auto [tuple, name] : {std::pair{"(-1, 1)", "mf"}, {"(-0.5, 0)", "ntk"}, {"(-0.5, 0.5)", "sym-default"}}) {
    const auto a = scaling_from_name(tuple).factors_at(1000), b = scaling_from_name(name).factors_at(1000);
    for (int l = 0; l < 2; ++l) {
      EXPECT_NEAR(a[l].init, b[l].init, 1e-12) << name;
      EXPECT_NEAR(a[l].lr, b[l].lr, 1e-12) << name;
    }
  }
  const Scaling asym = scaling_from_name("(-0.5, 1, 0)");
  EXPECT_DOUBLE_EQ(*asym.q_lr_out, 1.0);
  EXPECT_DOUBLE_EQ(*asym.q_lr_in, 0.0);
}

TEST(ScalingPresets, MupImprovedSpIcMfCustom) {
  // muP, theory.md §1.4: output init ×ω^{-1/2} (std d^{-1}), hidden unchanged; SGD lrs ω, 1, ω^{-1}; Adam 1, ω^{-1},
  // ω^{-1}.
  const Scaling m = scaling_from_name("mup", 3);
  EXPECT_EQ(m.layers[3].init, -0.5);
  EXPECT_EQ(m.layers[1].init, 0.0);
  EXPECT_EQ(m.layers[0].lr, 1.0);
  EXPECT_EQ(m.layers[2].lr, 0.0);
  EXPECT_EQ(m.layers[3].lr, -1.0);
  const Scaling ma = scaling_from_name("mup", 3, 128, kAdaptive);
  EXPECT_EQ(ma.layers[0].lr, 0.0);
  EXPECT_EQ(ma.layers[1].lr, -1.0);
  EXPECT_EQ(ma.layers[3].lr, -1.0);
  // improved SP: raw init ×√ω, forward multiplier 1/√ω on hidden and output layers, one unscaled lr.
  const auto f = scaling_from_name("improved-sp", 2).factors_at(128 * 9);
  EXPECT_DOUBLE_EQ(f[0].init * f[0].multiplier * f[0].lr, 1.0);
  for (int l = 1; l <= 2; ++l) {
    EXPECT_NEAR(f[l].init, 3.0, 1e-12);
    EXPECT_NEAR(f[l].multiplier, 1.0 / 3.0, 1e-12);
    EXPECT_DOUBLE_EQ(f[l].lr, 1.0);
  }
  const Scaling ic = scaling_from_name("ic-mf");
  EXPECT_TRUE(ic.init_corrected);
  EXPECT_FALSE(scaling_from_name("mf").init_corrected);
  const Scaling c = scaling_from_name("custom:init=0,-0.5;lr=1,-1", 1);
  EXPECT_EQ(c.layers[1].init, -0.5);
  EXPECT_EQ(c.layers[0].lr, 1.0);
  EXPECT_EQ(c.layers[1].multiplier, 0.0);
  const Scaling c2 = scaling_custom({{0, 0, 1}, {-0.5, 0, -1}});
  EXPECT_EQ(c2.depth, 1);
  EXPECT_THROW(scaling_custom({{0, 0, 1}}), InputError);
  EXPECT_THROW(scaling_custom({{0, 0, 1}, {NAN, 0, 0}}), InputError);
}
