// Neuron-level distributions of the nguyen2019-fmnist and nguyen2019-cnn nets (theory.md §6.4 R26, R27, §3.6). Per
// run and neuron: the output weight in MF units a_i = d·α_H·θ_H(0, i) (the "hat" weight of f = (1/d) Σ_i a_i
// φ(H_H(x, i)), whose law at init is the same at every width: U(±√d*) for the mf preset), and the first hidden layer's
// pre-activation of one fixed input, z_i = α_0 (θ_0 x₀ + b_0)_i (H_1(x₀, c) = w_1(c)·x₀ in label form). For a layered
// net (ConvNet, after gap) a neuron is a channel: a_i is the readout weight of channel i of the pooled features and
// z_i the first conv layer's pre-activation of channel i at the centre output pixel (row ⌊H/2⌋, column ⌊W/2⌋), i.e.
// w_1(c_i)·patch(x₀) + b: a fixed function of channel i's filter, as z is of a dense neuron's row. Compared across
// widths by the 1-Wasserstein distance of the samples pooled over seeds (two_sample.h), with the verdicts of theory.md
// §6.4 R26 (collapse exponent, seed-split noise floor). Internal to src/reproduce.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "reproduce/common.h"
#include "reproduce/nguyen_common.h"
#include "widthlab/conv_net.h"

namespace widthlab::repro::nguyen {

inline constexpr int kQuantities = 2;  // 0: output weight a, 1: pre-activation z
inline constexpr std::array<const char*, kQuantities> kQuantityIds = {"a", "z"};

// One net's values, per quantity one per neuron (empty for a diverged run).
using NeuronSample = std::array<std::vector<double>, kQuantities>;
NeuronSample neuron_sample(const Mlp<double>& net, const MatrixD& x0);
// A layered net's (readout after gap, as the conv archs of the cases): per channel, see the header comment.
NeuronSample neuron_sample(const ConvNet<double>& net, const MatrixD& x0);
// The net of a task (dense, or layered when task.arch is set) at init (the paired init of its seed) or trained (the
// result's final_weights, kept with train.keep_parameters); x0 is one input row.
NeuronSample init_sample(const TrainTask& task, const MatrixD& x0);
NeuronSample trained_sample(const TrainTask& task, const TrainResult& r, const MatrixD& x0);

// One label's samples: [phase 0 init / 1 trained][width index][seed index].
using NeuronGrid = std::array<std::vector<std::vector<NeuronSample>>, 2>;

// Every (width, seed) of `label` at init and trained (x₀ = the first test input of s.data); the kept parameters are
// dropped from `res` once read (memory).
NeuronGrid neuron_grid(const SweepSetup& s, const std::string& label, const std::map<SweepRunKey, TrainTask>& tasks,
                       Results& res);

// The groups (one per seed) of quantity q at width index i in phase p.
std::vector<std::vector<double>> groups_of(const NeuronGrid& g, int p, std::size_t i, int q);
// W1 between the samples of neighbouring widths i, i+1 pooled over the seeds idx (NaN when one is empty).
std::vector<double> neighbour_w1(const NeuronGrid& g, int p, int q, const std::vector<std::size_t>& idx);
// The same with the Kolmogorov–Smirnov statistic, all seeds.
std::vector<double> neighbour_ks(const NeuronGrid& g, int p, int q);

// The seed-split noise ratio (split_noise_ratio, two_sample.h) of widths i, i+1 over all seeds, phase p.
double pair_noise_ratio(const NeuronGrid& g, int p, std::size_t i, int q);

// Collapse of quantity q's trained law: the OLS exponent of the neighbour W1 against the smaller width of each pair in
// (−∞, 0]; delete-one jackknife interval over seeds (a pooled statistic; verdicts.h jackknife_seeds). The detail adds
// the same exponent at init (pure sampling noise), which is why the claim is reported as uninformative (reproduce.h).
VerdictResult judge_distribution_collapse(const NeuronGrid& g, const std::vector<int>& widths, int q,
                                          const std::string& source);
// The two widest widths' W1 over the seed-split noise floor in [0, 2] (theory.md §6.4 R26: the width difference is
// within √3 × the noise of S/2 seeds); jackknife interval over seeds. Phase p (0 init: a sanity check of the
// statistic).
inline constexpr double kNoiseRatioMax = 2.0;
VerdictResult judge_noise_floor(const NeuronGrid& g, int p, int q);

// Texts of one group's claims (a depth of R26, the CNN of R27).
struct GroupText {
  std::string id;                                 // "R26.d2"
  std::string group;                              // "2 hidden layers"
  std::string net;                                // "MF net"
  std::string published;                          // the paper's statement and the theory.md §
  std::string source;                             // the region's source
  std::array<std::string, kQuantities> quantity;  // what a and z are, in words
};
// The four curve claims (judge_curves, judge_curve_collapse) and, per quantity, collapse, noise floor and the init
// noise floor (sanity), in this order.
void add_curve_claims(CaseOutput& out, const GroupText& t, const Results& res, const std::vector<int>& widths,
                      const std::string& label, const Curves& c);
void add_distribution_claims(CaseOutput& out, const GroupText& t, const std::vector<int>& widths, const NeuronGrid& g);
// Per neighbour pair and quantity: W1 and KS after training, W1 at init, the trained noise ratio (the table), and
// CSV rows (label, quantity, phase, width, next_width, w1, ks, noise_ratio).
ReportTable distance_table(const std::string& title, const std::string& label, const std::vector<int>& widths,
                           const NeuronGrid& g, std::vector<std::vector<std::string>>& csv);

// Histogram rows (label, quantity, phase, width, bin_lo, bin_hi, density) of every width's pooled sample on common
// bins: `bins` equal bins between the 0.5 % and 99.5 % quantiles of all widths' values together.
void add_histograms(std::vector<std::vector<std::string>>& rows, const NeuronGrid& g, const std::string& label,
                    const std::vector<int>& widths, int bins = 40);

}  // namespace widthlab::repro::nguyen
