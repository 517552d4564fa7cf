// The study report says when an MF limit's own Monte Carlo error flattens the fitted convergence: a P-particle limit
// against width-d nets gives distances ∝ √(1/d + 1/P) (theory.md §8.7), so the note's exponent is a closed form of
// the particle count and the two widest widths.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "small_study.h"

namespace widthlab {
namespace {

// report.md of a tiny MF study (widths 16, 32, 64) whose independent limit runs have `particles` particles.
std::string mf_study_report(int particles) {
  const Config cfg = tiny_mf_study_config("<particle note>", {fmt::format("limits.mf_particles={}", particles)});
  const auto dir = run_small_study(cfg, fmt::format("pnote_{}", particles), 50);
  std::ifstream f(dir / "report.md");
  std::string report{std::istreambuf_iterator<char>(f), {}};
  std::filesystem::remove_all(dir);
  return report;
}

TEST(ParticleFloorNote, NamesTheFlatteningOfTooFewParticles) {
  // P = 128 = 2 × the widest net: 0.5 · ln((1/64 + 1/128) / (1/32 + 1/128)) / ln 2 = 0.5 · log2(3/5) = −0.368.
  const double expected = 0.5 * std::log2(3.0 / 5.0);
  const std::string few = mf_study_report(128);
  EXPECT_NE(few.find(fmt::format("last-doubling exponent of {:.2f}, not -0.50", expected)), std::string::npos) << few;
  EXPECT_NE(few.find("128 particles against the widest net's 64 neurons"), std::string::npos);
  // P = 4096 = 64 × the widest net: −0.494, within 0.03 of −1/2: no note.
  const std::string many = mf_study_report(4096);
  EXPECT_EQ(many.find("the limit's own Monte Carlo error"), std::string::npos);
}

}  // namespace
}  // namespace widthlab
