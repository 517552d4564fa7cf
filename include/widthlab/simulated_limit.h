// Which d = ∞ model widthlab simulates for a scaling, and with which options: one rule for `widthlab limit` (a
// config's scalings), `widthlab study` (each scaling against its limit) and Python.
#pragma once
#include <string>
#include <vector>

#include "widthlab/classification.h"
#include "widthlab/config.h"
#include "widthlab/dataset.h"
#include "widthlab/limit_models.h"
#include "widthlab/limit_run.h"
#include "widthlab/scaling.h"

namespace widthlab {

// The simulated limit of a scaling classified as `c`:
//  * depth 1: the model of the classifier's region (theory.md §2.2; a boundary point such as random features is its
//    region's model with the lr weights below), or ic-mf for an initialization-corrected scaling (§3.5);
//  * depth ≥ 2: the multilayer MF particle system (theory.md §3.6) for the mf preset while its limit learns
//    features; the other deep limits (deep kernel, the degenerate one of §5, muP) have no simulator.
// `options`: limit_options(config) with that model and the lr weights of the layers with the dominant lr exponent
// (theory.md §1.3: B uses max(q̃_a, q̃_w)). Where nothing is simulated, `info` is null and `model` is the
// classifier's model name, for messages.
struct SimulatedLimit {
  const LimitModelInfo* info = nullptr;  // the simulated model (limit_models.h)
  std::string model;
  LimitOptions options;
  // The units of the limit's logits: a finite net is compared with it as f / ω^{logit_exponent} (ω = d/d*):
  // max(A, B) for a depth-1 model (normalised logits, theory.md §2.2, §8.7), 0 for the multilayer MF particle system,
  // which is the mf net itself in raw logits (§3.6; its first-step exponents need not give the trained logits' size).
  double logit_exponent = 0.0;
  bool simulated() const { return info != nullptr; }
};
SimulatedLimit simulated_limit(const Config& config, const Scaling& scaling, const Classification& c);

// The simulations `widthlab limit` (and Python's widthlab.limit) run for a config: `model` (a name of
// limit_models.h) or `region` (1..13) picks that one model; otherwise the simulated limit of each of the config's
// scalings whose model limits.compute lists (as `study` does: an empty list simulates none). A scaling with no
// simulated limit is left out with a line in `skipped`; none left, an unknown model, a layered model.arch or a
// config the model cannot run (LimitOptions::validate) is an InputError naming it.
struct LimitJob {
  LimitOptions options;
  std::string why;  // what selected it: "--model", "--region", "scaling 'mf' → region 1 (mf): model 'mf'"
};
// How the caller's user picks a model or a region, for the advice in messages: the CLI's flags by default; Python
// passes its keywords.
struct LimitChoiceNames {
  std::string model = "--model NAME", region = "--region N", mf = "--model mf";
};
std::vector<LimitJob> limit_jobs(const Config& config, const std::string& model, int region,
                                 std::vector<std::string>& skipped, const LimitChoiceNames& names = {});
// "" when `limit` reads every override ("key=value", as --set), else "OVERRIDE: why" for the first it would ignore: a
// key of [sweep] (the finite sweep's, which limit does not run), or limits.compute beside a chosen model or region
// (`chosen`: how the caller's user chose it, "--model" or "model="; "" when neither), which replaces it. The CLI and
// Python refuse the same overrides with it.
std::string unread_limit_override(const std::vector<std::string>& overrides, const std::string& chosen);
// The config's data for `jobs`, as `widthlab limit` and widthlab.limit validate it before anything runs or is written:
// labels in the form train.loss takes (load_dataset_for_loss) and every job's particle system within this machine's
// memory (check_limit_fits_in_memory); InputError otherwise.
Dataset load_limit_data(const Config& config, const std::vector<LimitJob>& jobs);

}  // namespace widthlab
