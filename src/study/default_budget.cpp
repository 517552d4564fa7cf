// The reductions of the built-in default study (study.h default_study_budget).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "widthlab/study.h"

namespace widthlab {

// Measured on the 2-core development machine (see the study report's notes): the full default grid (widths up to
// 8192, 65536 particles, curves every step) needs far more than 10 minutes there.
const std::vector<std::string>& default_study_budget() {
  static const std::vector<std::string> budget = {
      "sweep.widths=[128, 256, 512, 1024, 2048]",
      "limits.mf_particles=8192",
      // coupled IC-MF / sym-default runs (50 of them) with 4·d particles: 515 s → ≈ 200 s (README)
      "limits.coupled_particles_per_width=4",
      "limits.seeds=[0, 1, 2]",
      "train.log_every=5",
      // every default scaling's limit model (configs/default.toml computes only ntk, mf, ic-mf)
      "limits.compute=[\"ntk\", \"mf\", \"ic-mf\", \"sym-default\", \"intermediate\"]",
  };
  return budget;
}

std::string default_study_budget_note() {
  return fmt::format(
      "Built-in default study, reduced to fit ~10 minutes on 2 cores: {} (any --set overrides these; "
      "--config configs/default.toml runs the full grid: widths to 8192, 65536 MF particles, 5 limit seeds, "
      "curves every step).",
      fmt::join(default_study_budget(), ", "));
}

}  // namespace widthlab
