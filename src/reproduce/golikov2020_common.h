// Helpers shared by the Golikov 2020 [G1] cases (golikov2020*.cpp; theory.md §6.1). Internal to src/reproduce.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "widthlab/config.h"
#include "widthlab/reproduce.h"
#include "widthlab/sweep.h"
#include "widthlab/train_run.h"
#include "widthlab/verdicts.h"

namespace widthlab::repro::g1 {

inline constexpr double kLog2 = std::numbers::ln2;

std::vector<double> widths_d(const SweepSetup& s);
// The config's scaling of that name (InputError naming the missing preset).
const Scaling& scaling_named(const SweepSetup& s, const std::string& name);
// "depth …, lr …, widths 2^a…2^b (n widths), seeds …": a case's sizes as run.
std::string sizes_line(const SweepSetup& s, const Config& c);

// A claim whose expected outcome is derived from the theory because the paper's figure for it was not seen (theory.md
// §0, §6.1: R3, R5, R6, R8–R12): ClaimCheck::source_kind = derived.
inline ClaimCheck derived(ClaimCheck c) {
  c.source_kind = SourceKind::derived;
  return c;
}

// ---- Verdicts of the [G1] cases beyond verdicts.h's kinds (golikov2020_judges.cpp; theory.md §6.1) ---------------

// Per-seed values paired across widths: values[i][k] is seed seeds[k] at widths[i]. Only the seeds every width has
// (and, when `only` is not empty, only those of `only`), in ascending order.
struct AlignedSeeds {
  std::vector<double> widths;
  std::vector<std::vector<double>> values;
  std::vector<std::uint64_t> seeds;
};
// fn(result) of label's runs at `widths` (a NaN value leaves its seed out, as a missing run does).
AlignedSeeds aligned_seeds(const std::map<SweepRunKey, TrainResult>& results, const std::string& label,
                           const std::vector<int>& widths, const std::function<double(const TrainResult&)>& fn,
                           const std::vector<std::uint64_t>& only = {});

// R10/R11's depth contrast (theory.md §6.1 R11, §5): each depth's collapse ratio r = |mean(last width) − target| /
// |mean(first width) − target| (R11's statistic) over the same seeds, and the exponent log(r_deep / r_shallow) /
// log(w_last / w_first), judged in (−∞, max_exponent]; jackknife interval over the paired seeds. Inconclusive when the
// depths differ in their end widths or seeds.
VerdictResult judge_collapse_contrast(const AlignedSeeds& deep, const AlignedSeeds& shallow, double target,
                                      double max_exponent, const std::string& source);

// Non-trivial in the limit (theory.md §6.1 R10–R12): fails when judge_below(g, bound) fails (a width's interval wholly
// above the bound, or a diverged width); holds when judge_below holds and the limit extrapolated from the last
// doubling (`last_two`: the last two widths, paired seeds), L(w2) + (L(w2) − L(w1)) / ((w2/w1)^rate − 1) — the
// remaining change of L(d) = L∞ − A·d^−rate —, has its interval below the bound too; inconclusive otherwise (a loss
// still climbing toward the bound is not shown to stay below it).
VerdictResult judge_nontrivial_limit(const SeedGrid& g, const AlignedSeeds& last_two, double bound, double rate,
                                     const std::string& source);

// Power-law exponents of several quantities over the same ≥ 3 widths and seeds (theory.md §6.1 R2): quantity q's OLS
// slope of log(mean over seeds) on log width, × scale[q] + offset[q]. judge_exponents: the largest |exponent −
// target| over the quantities whose target is not NaN, in [0, tol], with the jackknife interval over seeds (t(n−1),
// cut at 0, below which the statistic cannot lie); inconclusive with fewer than 3 widths.
std::vector<double> fitted_exponents(const std::vector<AlignedSeeds>& quantities, const std::vector<double>& scale,
                                     const std::vector<double>& offset, const std::vector<std::size_t>& idx);
VerdictResult judge_exponents(const std::vector<AlignedSeeds>& quantities, const std::vector<double>& scale,
                              const std::vector<double>& offset, const std::vector<double>& target, double tol,
                              const std::string& what, const std::string& source);

}  // namespace widthlab::repro::g1
