// The verdicts shared by nguyen2019-fmnist and nguyen2019-cnn (src/reproduce/nguyen_common.h, nguyen_neurons.h;
// theory.md §6.4 R26, R27) on constructed inputs: each returns holds, fails and inconclusive; and the per-channel
// neuron sample of a ConvNet against a direct evaluation of its definition.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "reproduce/nguyen_neurons.h"  // internal to src/reproduce (src/ is on this test's include path)

namespace widthlab::repro::nguyen {
namespace {

const std::vector<int> kWidths = {16, 32, 64, 128};

// A deterministic value in [−1, 1) per (a, b, c): the constructed seed noise.
double noise(int a, int b, int c) {
  const std::uint64_t h =
      (std::uint64_t(a) * 73856093u) ^ (std::uint64_t(b) * 19349663u) ^ (std::uint64_t(c) * 83492791u);
  return double((h * 2654435761u) % 10007u) / 10007.0 * 2.0 - 1.0;
}

// Per (width, point) the seeds' values: mean curve point k at width w = k + A·w^e, plus seed noise of size `sd`.
SeedGrid curve_grid(double A, double e, double sd, std::size_t n, int seeds = 8) {
  SeedGrid g;
  for (std::size_t i = 0; i < kWidths.size(); ++i)
    for (std::size_t k = 0; k < n; ++k) {
      g.widths.push_back(kWidths[i]);
      std::vector<double> v;
      for (int s = 0; s < seeds; ++s)
        v.push_back(double(k) + A * std::pow(double(kWidths[i]), e) + sd * noise(int(i), int(k), s));
      g.values.push_back(v);
    }
  return g;
}

TEST(NguyenVerdicts, CurveCollapseHoldsFailsAndIsInconclusive) {
  // Gaps A·w^e·(1 − 2^e): exponent e; noise small against them → the exponent's interval is narrow.
  EXPECT_EQ(judge_curve_collapse(curve_grid(1.0, -1.0, 1e-4, 3), kWidths, 3, "test").verdict, Verdict::holds);
  EXPECT_EQ(judge_curve_collapse(curve_grid(0.01, 1.0, 1e-4, 3), kWidths, 3, "test").verdict, Verdict::fails);
  // No width dependence, only seed noise: the gaps are noise and the exponent's interval straddles 0.
  const VerdictResult v = judge_curve_collapse(curve_grid(0.0, 0.0, 0.3, 3), kWidths, 3, "test");
  EXPECT_EQ(v.verdict, Verdict::inconclusive) << v.detail;
}

// Referee audit: nguyen2019-fmnist's neighbour gaps 0.054, 0.030, 0.011, 0.014 fit a negative exponent with its
// interval below 0, yet the last doubling rises: the gap has stopped shrinking there (theory.md §8.7 (b)), so the
// collapse is inconclusive, not "holds"; a gap that keeps falling still holds, and both print the last step.
TEST(NguyenVerdicts, CurveCollapseWithARisingLastDoublingIsInconclusive) {
  const std::vector<int> widths = {16, 32, 64, 128, 256};
  const std::vector<double> means = {0.0, 0.054, 0.084, 0.095, 0.109};  // gaps 0.054, 0.030, 0.011, 0.014
  SeedGrid g;
  for (std::size_t i = 0; i < widths.size(); ++i) {
    g.widths.push_back(widths[i]);
    std::vector<double> v;
    for (int s = 0; s < 8; ++s) v.push_back(means[i] + 1e-4 * noise(int(i), 0, s));
    g.values.push_back(v);
  }
  const VerdictResult rising = judge_curve_collapse(g, widths, 1, "test");
  EXPECT_EQ(rising.verdict, Verdict::inconclusive) << rising.detail;
  EXPECT_NE(rising.detail.find("fitted exponent of the neighbour gap -0.7"), std::string::npos) << rising.detail;
  EXPECT_NE(rising.detail.find("last step's local exponent 0.34"), std::string::npos) << rising.detail;
  EXPECT_NE(rising.detail.find("a floor, theory.md §8.7 (b)"), std::string::npos) << rising.detail;

  const VerdictResult falling = judge_curve_collapse(curve_grid(1.0, -1.0, 1e-4, 3), kWidths, 3, "test");
  EXPECT_EQ(falling.verdict, Verdict::holds) << falling.detail;
  EXPECT_NE(falling.detail.find("last step's local exponent -0.99"), std::string::npos) << falling.detail;
}

// w samples per seed: quantiles of U(0, 1) shifted by `shift` + `sd`·noise(seed).
std::vector<double> shifted_uniform(int w, double shift) {
  std::vector<double> v;
  for (int j = 0; j < w; ++j) v.push_back((j + 0.5) / w + shift);
  return v;
}

// A grid whose trained law at width index i is U(0, 1) + shift(i) + seed offsets of size sd; init: U(0, 1) + seed
// offsets at every width.
NeuronGrid neuron_grid_of(const std::function<double(std::size_t)>& shift, double sd, int seeds = 10) {
  NeuronGrid g;
  for (int p = 0; p < 2; ++p) {
    g[p].resize(kWidths.size());
    for (std::size_t i = 0; i < kWidths.size(); ++i)
      for (int s = 0; s < seeds; ++s) {
        NeuronSample x;
        for (int q = 0; q < kQuantities; ++q)
          x[q] = shifted_uniform(kWidths[i], (p ? shift(i) : 0.0) + sd * noise(p, int(i) * 7 + q, s));
        g[p][i].push_back(x);
      }
  }
  return g;
}

TEST(NguyenVerdicts, DistributionCollapseHoldsFailsAndIsInconclusive) {
  // Shift 4/w: neighbour W1 ≈ 2/w (plus the quantile grids' own O(1/w) difference) → exponent ≈ −1.
  const auto down = neuron_grid_of([](std::size_t i) { return 4.0 / kWidths[i]; }, 1e-4);
  EXPECT_EQ(judge_distribution_collapse(down, kWidths, 0, "test").verdict, Verdict::holds);
  const auto up = neuron_grid_of([](std::size_t i) { return 0.05 * kWidths[i]; }, 1e-4);
  EXPECT_EQ(judge_distribution_collapse(up, kWidths, 1, "test").verdict, Verdict::fails);
  // The same law at every width with seed offsets of size 0.2: W1 is seed noise and its exponent uncertain.
  const auto flat = neuron_grid_of([](std::size_t) { return 0.0; }, 0.2);
  const VerdictResult v = judge_distribution_collapse(flat, kWidths, 0, "test");
  EXPECT_EQ(v.verdict, Verdict::inconclusive) << v.detail;
  EXPECT_NE(v.detail.find("at init"), std::string::npos);
}

TEST(NguyenVerdicts, NoiseFloorGoesHoldsInconclusiveFailsAsTheWidestWidthsSeparate) {
  // The two widest widths' laws differ by a shift b on top of seed offsets of size 0.2; the ratio grows with b.
  std::vector<Verdict> seen;
  for (double b = 0; b <= 2.0; b += 0.02) {
    const auto g = neuron_grid_of([&](std::size_t i) { return i + 1 == kWidths.size() ? b : 0.0; }, 0.2);
    seen.push_back(judge_noise_floor(g, 1, 0).verdict);
  }
  EXPECT_EQ(seen.front(), Verdict::holds);
  EXPECT_EQ(seen.back(), Verdict::fails);
  EXPECT_EQ(std::set<Verdict>(seen.begin(), seen.end()).count(Verdict::inconclusive), 1u);
  // Monotone: once it leaves holds it never returns, once it fails it keeps failing.
  for (std::size_t k = 1; k < seen.size(); ++k) {
    if (seen[k - 1] != Verdict::holds) {
      EXPECT_NE(seen[k], Verdict::holds) << k;
    }
    if (seen[k - 1] == Verdict::fails) {
      EXPECT_EQ(seen[k], Verdict::fails) << k;
    }
  }
  // At init (phase 0) every width has the same law: the ratio is ≈ 1.
  EXPECT_EQ(judge_noise_floor(neuron_grid_of([](std::size_t) { return 5.0; }, 0.2), 0, 1).verdict, Verdict::holds);
}

// z at the centre pixel and a in MF units, written out from the definitions: a 3×3 SAME stride-2 cross-correlation of
// the (H, W, 1) image (zero padding ⌊total/2⌋ before), z = α_0(θ_0·patch + b_0); a_i = d·α_L·θ_L(0, i).
TEST(NguyenNeurons, ConvSampleMatchesItsDefinition) {
  const Architecture arch =
      parse_architecture("conv(3x3,same,5,stride=2)-relu-conv(3x3,same,5,stride=2)-relu-gap-dense(1)", false);
  ConvNetConfig cfg;
  cfg.arch = arch;
  cfg.input = {9, 8, 1};
  cfg.bias = true;
  std::vector<LayerFactors> f = {{1.3, 0.7, 1.0}, {0.5, 1.1, 1.0}, {2.0, 0.3, 1.0}};
  ConvNet<double> net(cfg, f);
  net.init(7);
  MatrixD x(1, 72);
  for (int j = 0; j < 72; ++j) x(0, j) = std::sin(0.37 * j) + 0.1 * j;
  const NeuronSample s = neuron_sample(net, x);
  ASSERT_EQ(s[0].size(), 5u);
  ASSERT_EQ(s[1].size(), 5u);
  // Output 5×4 (⌈9/2⌉, ⌈8/2⌉); centre (2, 2). SAME padding: rows total (5−1)·2+3−9 = 2 → 1 before; columns
  // (4−1)·2+3−8 = 1 → 0 before. Patch rows 2·2−1 … 2·2+1, columns 2·2 … 2·2+2.
  for (int c = 0; c < 5; ++c) {
    double acc = net.bias(0)(c);
    for (int kh = 0; kh < 3; ++kh)
      for (int kw = 0; kw < 3; ++kw) {
        const int r = 2 * 2 - 1 + kh, col = 2 * 2 + kw;
        const double v = (r >= 0 && r < 9 && col >= 0 && col < 8) ? x(0, r * 8 + col) : 0.0;
        acc += net.weight(0)(c, kh * 3 + kw) * v;
      }
    EXPECT_NEAR(s[1][c], 0.7 * acc, 1e-12) << c;
    EXPECT_NEAR(s[0][c], 5 * 0.3 * net.weight(2)(0, c), 1e-15) << c;
  }
}

}  // namespace
}  // namespace widthlab::repro::nguyen
