// Pieces shared by the Sohl-Dickstein et al. 2020 [SP] cases (sohl_dickstein*.cpp; theory.md §3.8, §6.3): the
// nets-module Mlp built in improved SP, naive SP or the NTK parameterization, and the largest-stable-lr search (R24).
// Internal to src/reproduce.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "widthlab/dataset.h"
#include "widthlab/mlp.h"
#include "widthlab/reproduce.h"
#include "widthlab/tensor.h"
#include "widthlab/train_run.h"

namespace widthlab::repro::sd {

// An Mlp with its per-layer factors (init, multiplier α_l, lr) and, for improved SP, the multiplier s_l per layer.
struct SpNet {
  MlpConfig config;
  std::vector<LayerFactors> factors;
  std::vector<double> s;  // s_l per layer (1 for the input layer; all 1 outside improved SP)
};

// Improved SP with base width N and multiplier s (naive SP: s = 1, N = width), theory.md §3.8: layer l has actual
// width s·N, raw N(0, 1/fan_in) weights times W_std·√s_l (so W ~ N(0, W_std²/N_l)) and multiplier 1/√s_l.
SpNet sp_net(int input_dim, int N, int s, int depth, const Activation& act, bool bias, double W_std);
// The NTK parameterization at width n (theory.md §3.8): W ~ N(0, 1) (raw draw times √fan_in), multiplier
// W_std/√fan_in, one lr. Bias-free (the Mlp's bias shares its layer's multiplier, which is not the NTK
// parameterization's σ_b; nets with biases in the NTK parameterization are built in sohl_dickstein_dense.h).
SpNet ntk_net(int input_dim, int n, int depth, const Activation& act, double W_std);

// ‖a − b‖_F / ‖b‖_F.
double rel_frobenius(const MatrixD& a, const MatrixD& b);

// One trial of the lr search: full-batch GD with MSE on the bias-free net, float64, the train loss at every step.
TrainTask lr_trial(const SpNet& n, double lr, int steps, std::uint64_t seed);

// Largest stable lr of full-batch GD with MSE (R24): bisection over lr_k = lr_min·2^{k/2}, k = 0..K−1; a trial is
// stable when the train loss stays finite and never rises above its initial value over `steps` steps (below the
// kernel regime's edge 2m/λ_max every mode's residual shrinks at every step, theory.md §6.3). Asking it of the last
// step only is fooled: a bias-free ReLU net that blows up and then lands on f ≡ 0 with every unit dead ends below its
// initial loss (theory.md §6.3 R24). NaN when lr_min is
// unstable, +∞ (censored) when the grid's largest lr is stable. The net is trained without bias.
double max_stable_lr(const SpNet& n, const Dataset& data, int steps, std::uint64_t seed, double lr_min, int K);

// One family of the lr search: its label and its net at actual width n.
struct LrFamily {
  std::string name;
  std::function<SpNet(int width)> net;
};
// The largest stable lr of every family at every width and seed (lr grid 1e-5·2^{k/2}, k < 44): one SeedGrid per
// family (in order; censored seeds are +∞ or NaN), the report table (censored seeds counted and left out of the mean)
// and `csv_path` (family, width, seed, max_stable_lr).
struct MaxLrSweep {
  std::vector<SeedGrid> grids;
  ReportTable table;
  std::vector<std::vector<double>> seconds;  // per family and width: the wall time of its seeds' bisections
};
MaxLrSweep max_lr_sweep(const std::vector<LrFamily>& families, const std::vector<int>& widths, const Dataset& small,
                        int steps, const std::vector<std::uint64_t>& seeds, const std::filesystem::path& csv_path);

// judge_slope on a max_lr_sweep grid, unless a seed was stable up to the grid's largest lr (+∞) or unstable at its
// smallest (NaN): its largest stable lr is only known to lie above or below the grid, and leaving it out would bias
// the slope, so the verdict is then inconclusive and says where the censored seeds are.
VerdictResult judge_lr_slope(const SeedGrid& g, double exponent, double tol, const std::string& source);

}  // namespace widthlab::repro::sd
