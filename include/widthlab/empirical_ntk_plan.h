// A config's empirical-NTK job (empirical_ntk_run.h) resolved from the Config and the caller's choices: the config
// layer's half of `widthlab ntk-empirical` and `widthlab.empirical_ntk`.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "widthlab/config.h"
#include "widthlab/empirical_ntk_run.h"

namespace widthlab {

struct EmpiricalNtkRunOptions {
  std::string scaling;       // "" = the config's first scaling
  std::optional<int> width;  // none = the first of sweep.widths; else ≥ 1
  std::int64_t seed = -1;    // −1 = the first of sweep.seeds; else ≥ 0
  bool trained = false;      // kernel after the config's [train] run instead of at init
  // "lr": λ_l = per-layer lr (Golikov, theory.md §3.2) | "plain": λ_l = 1 (gradient in the stored parameters) |
  // "nt": neural-tangents' NTK parameterization of the same function (empirical_ntk.h nt_parameterization)
  std::string weighting = "lr";
  int output = -1;             // −1: mean over the outputs; 0..k−1: that logit's kernel
  const MatrixD* x = nullptr;  // inputs (N × input_dim); nullptr = the config's test inputs (borrowed)

  // How error messages spell each option: a message reads "<name> <value>: expected …" ("<x>: expected …"). The CLI
  // passes its flags ("--width", "--x FILE"); the defaults read "width = 0: expected …".
  struct Names {
    std::string scaling = "scaling =", width = "width =", seed = "seed =", weighting = "weighting =",
                output = "output =", x = "x";
  } names;
};

// Loads the config's data and validates the options. InputError on a bad option, scaling, x shape or value.
EmpiricalNtkPlan empirical_ntk_plan(const Config& config, const EmpiricalNtkRunOptions& opts);

}  // namespace widthlab
