// golikov2021-limits, stage 2 (theory.md §6.2 R13; §3; §8.7): the finite MF, NTK, IC-MF and sym-default nets against
// their simulated d = ∞ limit models over a width sweep. Internal to the reproduce module.
#pragma once
#include "reproduce/common.h"

namespace widthlab::repro {

// Runs the limit-model study in ctx.out / "limits_study" and adds one claim per limit model (does the logit distance to
// the simulated limit shrink with width, with the study's convergence evidence), a table and notes to `out`.
void limit_model_claims(const ReproduceContext& ctx, CaseOutput& out);

}  // namespace widthlab::repro
