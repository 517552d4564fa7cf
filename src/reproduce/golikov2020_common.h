// Helpers shared by the Golikov 2020 [G1] cases (golikov2020*.cpp; theory.md §6.1). Internal to src/reproduce.
#pragma once
#include <numbers>
#include <string>
#include <vector>

#include "widthlab/config.h"
#include "widthlab/sweep.h"

namespace widthlab::repro::g1 {

inline constexpr double kLog2 = std::numbers::ln2;

std::vector<double> widths_d(const SweepSetup& s);
// The config's scaling of that name (InputError naming the missing preset).
const Scaling& scaling_named(const SweepSetup& s, const std::string& name);
// "depth …, lr …, widths 2^a…2^b (n widths), seeds …": a case's sizes as run.
std::string sizes_line(const SweepSetup& s, const Config& c);

}  // namespace widthlab::repro::g1
