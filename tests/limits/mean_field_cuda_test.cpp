// The MF particle system on the GPU (mean_field.h ParticleOptions::cuda, limit_run.h LimitOptions::device). The GPU
// comparisons GTEST_SKIP with cuda_status() where no GPU is usable (CI has none); the refusals run everywhere.
// Tolerances: the float32 training contract of mlp.h "Accuracy" against the float64 CPU particles (1e-4 of the
// largest logit after a few steps), as for the finite nets on the GPU (tests/cuda/mlp_cuda_test.cpp).
#include <gtest/gtest.h>

#include <string>

#include "limit_test_data.h"
#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/limit_models.h"
#include "widthlab/limit_run.h"
#include "widthlab/mean_field.h"

namespace widthlab {
namespace {

using test::teacher_task;

LimitOptions mf_options(const std::string& device) {
  LimitOptions o;
  o.model = "mf";
  o.particles = 256;
  o.optimizer = "gd";
  o.lr = 0.5;
  o.steps = 8;
  o.kernel_points = 4;
  o.device = device;
  return o;
}

std::string message_of(const LimitOptions& o, const Dataset& d) {
  try {
    simulate_limit_seed(o, d, 3);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

double max_abs(const MatrixD& m) { return m.size() ? m.cwiseAbs().maxCoeff() : 0.0; }

TEST(ParticlesCuda, RequestsWithoutACudaPathAreRefusedOrStayOnTheCpu) {
  const Dataset d = teacher_task(5, 20, 8, 1);
  LimitOptions o = mf_options("cuda");
  o.optimizer = "adam";
  o.lr = 0.01;
  EXPECT_NE(message_of(o, d).find("runs float32 gd and sgd, not optimizer 'adam'"), std::string::npos)
      << message_of(o, d);
  o = mf_options("cuda");
  o.precision = Precision::float64;
  EXPECT_NE(message_of(o, d).find("not limits in float64"), std::string::npos) << message_of(o, d);
  o = mf_options("gpu");
  EXPECT_NE(o.validate().find("study.device = \"gpu\""), std::string::npos);
  // auto with an adaptive optimizer: the CPU, and the record says nothing about a device.
  o = mf_options("auto");
  o.optimizer = "adam";
  o.lr = 0.01;
  const LimitSeedResult r = simulate_limit_seed(o, d, 3);
  EXPECT_EQ(r.device, "cpu");
  EXPECT_FALSE(limit_seed_record(limit_model_from_name("mf"), o, r, {}).contains("device"));
  if (!cuda_available()) {
    EXPECT_NE(message_of(mf_options("cuda"), d).find("CUDA is not available"), std::string::npos);
    EXPECT_EQ(simulate_limit_seed(mf_options("auto"), d, 3).device, "cpu");
  }
}

// GD and SGD particles (± paired, with the kernel diagonal read back from the device) against float64 CPU particles.
TEST(ParticlesCuda, SimulatedLimitMatchesFloat64) {
  if (!cuda_available()) GTEST_SKIP() << cuda_status();
  const Dataset d = teacher_task(5, 24, 10, 2);
  for (int batch : {0, 7}) {
    LimitOptions o = mf_options("cuda");
    o.batch = batch;
    o.optimizer = batch ? "sgd" : "gd";
    const LimitSeedResult g = simulate_limit_seed(o, d, 3);
    o.device = "cpu";
    o.precision = Precision::float64;
    const LimitSeedResult c = simulate_limit_seed(o, d, 3);
    ASSERT_EQ(g.status, RunStatus::ok) << batch;
    EXPECT_EQ(g.device, "cuda");
    EXPECT_EQ(limit_seed_record(limit_model_from_name("mf"), o, g, {})["device"], "cuda");
    EXPECT_LT(max_abs(g.test_logits - c.test_logits), 1e-4 * (1 + max_abs(c.test_logits))) << batch;
    ASSERT_EQ(g.kernel_diag_final.size(), c.kernel_diag_final.size());
    for (std::size_t i = 0; i < c.kernel_diag_final.size(); ++i)
      EXPECT_NEAR(g.kernel_diag_final[i], c.kernel_diag_final[i], 1e-4 * c.kernel_diag_final[i]) << batch;
  }
}

// net() reads the particles back from the device: after GPU updates they equal the CPU system's to float32 rounding.
TEST(ParticlesCuda, NetReadsTheDeviceParticlesBack) {
  if (!cuda_available()) GTEST_SKIP() << cuda_status();
  const Dataset d = teacher_task(5, 16, 4, 4);
  ParticleOptions po;
  po.input_dim = 5;
  po.particles = 128;
  ParticleOptions pg = po;
  pg.cuda = true;
  ParticleSystem<float> cpu(po, 0.3, 16), gpu(pg, 0.3, 16);
  cpu.init(9);
  gpu.init(9);
  const MatrixF x = d.x_train.cast<float>();
  MatrixF dl = MatrixF::Constant(16, 1, 0.05f);
  for (int s = 0; s < 3; ++s) {
    cpu.forward(x.data(), 16);
    gpu.forward(x.data(), 16);
    cpu.update(x.data(), dl.data());
    gpu.update(x.data(), dl.data());
  }
  for (int l = 0; l < 2; ++l) {
    const MatrixF& a = cpu.net().weight(l);
    const MatrixF& b = gpu.net().weight(l);
    EXPECT_LT((a - b).cwiseAbs().maxCoeff(), 1e-5f * (1 + a.cwiseAbs().maxCoeff())) << l;
  }
}

}  // namespace
}  // namespace widthlab
