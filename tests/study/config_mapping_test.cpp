// The Config → library options mappings of sweep.h: data_options (every [data] key, architecture.md §5), train_options,
// limit_options.
#include <gtest/gtest.h>

#include "widthlab/config.h"
#include "widthlab/error.h"
#include "widthlab/sweep.h"

using namespace widthlab;

namespace {
Config gaussians_config() {
  Config c = default_config();
  c.data.dataset = "gaussians";
  c.data.classes = {};
  c.data.train_size = 12;
  c.data.test_size = 6;
  c.data.gaussians_dim = 7;
  c.data.gaussians_delta = 0.25;
  c.data.seed = 5;
  return c;
}
}  // namespace

TEST(ConfigMapping, DataOptionsKeepEveryDataKey) {
  const Config c = gaussians_config();
  const DataOptions d = data_options(c);
  EXPECT_EQ(d.dataset, "gaussians");
  EXPECT_EQ(d.train_size, 12);
  EXPECT_EQ(d.test_size, 6);
  EXPECT_EQ(d.gaussians_dim, 7);
  EXPECT_EQ(d.gaussians_delta, 0.25);
  EXPECT_EQ(d.seed, 5u);
  EXPECT_EQ(d.standardize, c.data.standardize);
  EXPECT_EQ(d.path, c.data.path);
}

TEST(ConfigMapping, SweepDataIsTheConfiguredGaussiansTask) {
  const Config c = gaussians_config();
  const SweepSetup s = make_sweep_setup(c);
  ASSERT_EQ(s.data.x_train.cols(), 7) << "data.gaussians_dim was not passed to the data module";
  DataOptions by_hand;  // the same task asked of the data module directly
  by_hand.dataset = "gaussians";
  by_hand.train_size = 12;
  by_hand.test_size = 6;
  by_hand.gaussians_dim = 7;
  by_hand.gaussians_delta = 0.25;
  by_hand.seed = 5;
  const Dataset ref = load_dataset(by_hand);
  auto same = [](const auto& a, const auto& b) { return a.rows() == b.rows() && a.cols() == b.cols() && a == b; };
  EXPECT_TRUE(same(s.data.x_train, ref.x_train));
  EXPECT_TRUE(same(s.data.y_train, ref.y_train));
  EXPECT_TRUE(same(s.data.x_test, ref.x_test));
  by_hand.seed = 0;  // data.seed matters: another seed draws other samples
  EXPECT_FALSE(same(s.data.x_train, load_dataset(by_hand).x_train));
}

TEST(ConfigMapping, TrainAndLimitOptionsFollowTheConfig) {
  Config c = default_config();
  c.model.depth = 2;
  c.model.activation = "tanh";
  c.model.init = "gaussian";
  c.scaling.reference_width = 64;
  c.train.optimizer = "adam";
  c.train.lr = 0.125;
  c.train.steps = 17;
  c.train.batch.full = false;
  c.train.batch.size = 32;
  c.train.loss = "mse";
  c.train.precision = "float64";
  c.train.log_every = 3;
  c.train.track_kernel_steps = 4;
  c.limits.mf_particles = 1024;
  c.limits.seeds = {7, 8};
  c.limits.gp_jitter = 1e-6;

  const TrainOptions t = train_options(c);
  EXPECT_EQ(t.optimizer, "adam");
  EXPECT_EQ(t.lr, 0.125);
  EXPECT_EQ(t.steps, 17);
  EXPECT_EQ(t.batch, 32);
  EXPECT_EQ(t.loss, "mse");
  EXPECT_EQ(t.precision, Precision::float64);
  EXPECT_EQ(t.curve_every, 3);
  EXPECT_EQ(t.kernel_track_steps, 4);

  const LimitOptions l = limit_options(c);
  EXPECT_EQ(l.depth, 2);
  EXPECT_EQ(l.activation.name, "tanh");
  EXPECT_EQ(l.init, "gaussian");
  EXPECT_EQ(l.reference_width, 64);
  EXPECT_EQ(l.optimizer, "adam");
  EXPECT_EQ(l.lr, 0.125);
  EXPECT_EQ(l.steps, 17);
  EXPECT_EQ(l.batch, 32);
  EXPECT_EQ(l.loss, "mse");
  EXPECT_EQ(l.precision, Precision::float64);
  EXPECT_EQ(l.curve_every, 3);
  EXPECT_EQ(l.kernel_track_steps, 4);
  EXPECT_EQ(l.particles, 1024);
  EXPECT_EQ(l.seeds, (std::vector<std::uint64_t>{7, 8}));
  EXPECT_EQ(l.gp_jitter, 1e-6);
  const LimitOptions defaults;  // the per-model choices stay with the caller
  EXPECT_EQ(l.model, defaults.model);
  EXPECT_EQ(l.lr_weight_out, defaults.lr_weight_out);
  EXPECT_EQ(l.lr_weight_in, defaults.lr_weight_in);

  c.train.batch.full = true;
  c.train.precision = "float32";
  EXPECT_EQ(limit_options(c).batch, 0);
  EXPECT_EQ(limit_options(c).precision, Precision::float32);
}

// model.arch: the readout dense(k) is appended, d becomes each run's width, the input shape is the dataset's (or
// model.input_shape) and must fit the data and the layers before anything runs.
TEST(ConfigMapping, ModelArchResolvesPerRun) {
  Config c = gaussians_config();
  c.model.activation = "relu";
  c.model.depth = 2;
  c.model.arch = "dense(d)-relu-dense(d)-relu";
  const SweepSetup s = make_sweep_setup(c);
  EXPECT_EQ(architecture_text(s.arch), "dense(d)-relu-dense(d)-relu-dense(1)");
  EXPECT_EQ(s.input_shape, (ImageShape{1, 1, 7}));
  const TrainTask t = make_train_task(s, s.scalings.front(), 32, 3);
  EXPECT_EQ(architecture_text(t.arch), "dense(32)-relu-dense(32)-relu-dense(1)");
  EXPECT_EQ(t.factors.size(), 3u);

  c.model.depth = 1;
  c.model.arch = "conv(3x3,valid,d)-relu-flatten";
  c.model.input_shape = "7,1,1";
  EXPECT_THROW(
      {
        try {
          (void)make_sweep_setup(c);
        } catch (const InputError& e) {
          EXPECT_NE(std::string(e.what()).find("a valid 3x3 filter does not fit the 7x1 input"), std::string::npos)
              << e.what();
          throw;
        }
      },
      InputError);
  c.model.input_shape = "2,2,2";
  EXPECT_THROW((void)make_sweep_setup(c), InputError);  // 8 values per input, 7 features
}

// Factors ω^e that the training precision cannot hold ran as nets "diverged at step 0" (overflow) or with learning
// rate 0 (underflow), reported as the scaling's; refused when the sweep is set up, naming the scaling, layer and width.
TEST(ConfigMapping, ScalingFactorsEverySweptWidthCannotHoldAreRefused) {
  auto message = [](const Config& c) {
    try {
      (void)make_sweep_setup(c);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  Config c = gaussians_config();
  c.sweep.widths = {16, 32};
  c.scaling.presets = {"custom:init=-1e6,-1e6;lr=-1e6,-1e6"};
  const std::string overflow = message(c);
  EXPECT_NE(overflow.find("scaling 'custom:"), std::string::npos) << overflow;
  EXPECT_NE(overflow.find("layer 0's init factor ω^e at width 16 (ω = 16 / scaling.reference_width 128) is inf"),
            std::string::npos)
      << overflow;
  c.scaling.presets = {};
  c.scaling.q = {{0.0, 200.0}};  // lr factors 8^{±200} at d = 16: outside float32, inside float64
  const std::string extreme = message(c);
  EXPECT_NE(extreme.find("lr factor"), std::string::npos) << extreme;
  EXPECT_NE(extreme.find("outside float32's positive range"), std::string::npos) << extreme;
  c.train.precision = "float64";
  EXPECT_EQ(message(c), "");
  c.scaling.reference_width = 1e300;  // ω ≈ 1.6e-299: mf's ω^{±1/2} and ω^{±1} leave float32's range
  c.scaling.q = {};
  c.scaling.presets = {"mf"};
  c.train.precision = "float32";
  EXPECT_NE(message(c).find("outside float32's positive range"), std::string::npos) << message(c);
}
