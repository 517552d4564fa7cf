// Neuron-level distributions of the nguyen2019-fmnist nets (theory.md §6.4 R26, §3.6). Per run and neuron: the output
// weight in MF units a_i = d·α_H·θ_H(0, i) (the "hat" weight of f = (1/d) Σ_i a_i φ(H_H(x, i)), whose law at init is
// the same at every width: U(±√d*) for the mf preset), and the first hidden layer's pre-activation of one fixed input,
// z_i = α_0 (θ_0 x₀ + b_0)_i (H_1(x₀, c) = w_1(c)·x₀ in label form). Compared across widths by the 1-Wasserstein
// distance of the samples pooled over seeds (two_sample.h). Internal to src/reproduce.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "reproduce/common.h"

namespace widthlab::repro::nguyen {

inline constexpr int kQuantities = 2;  // 0: output weight a, 1: pre-activation z
inline constexpr std::array<const char*, kQuantities> kQuantityIds = {"a", "z"};

// One net's values, per quantity one per neuron (empty for a diverged run).
using NeuronSample = std::array<std::vector<double>, kQuantities>;
NeuronSample neuron_sample(const Mlp<double>& net, const MatrixD& x0);
// The net of a task at init (the paired init of its seed) or trained (the result's final_weights, kept with
// train.keep_parameters); x0 is one input row.
NeuronSample init_sample(const TrainTask& task, const MatrixD& x0);
NeuronSample trained_sample(const TrainTask& task, const TrainResult& r, const MatrixD& x0);

// One label's samples: [phase 0 init / 1 trained][width index][seed index].
using NeuronGrid = std::array<std::vector<std::vector<NeuronSample>>, 2>;

// The groups (one per seed) of quantity q at width index i in phase p.
std::vector<std::vector<double>> groups_of(const NeuronGrid& g, int p, std::size_t i, int q);
// W1 between the samples of neighbouring widths i, i+1 pooled over the seeds idx (NaN when one is empty).
std::vector<double> neighbour_w1(const NeuronGrid& g, int p, int q, const std::vector<std::size_t>& idx);
// The same with the Kolmogorov–Smirnov statistic, all seeds.
std::vector<double> neighbour_ks(const NeuronGrid& g, int p, int q);

// Histogram rows (label, quantity, phase, width, bin_lo, bin_hi, density) of every width's pooled sample on common
// bins: `bins` equal bins between the 0.5 % and 99.5 % quantiles of all widths' values together.
void add_histograms(std::vector<std::vector<std::string>>& rows, const NeuronGrid& g, const std::string& label,
                    const std::vector<int>& widths, int bins = 40);

}  // namespace widthlab::repro::nguyen
