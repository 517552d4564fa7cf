// The registry of `widthlab reproduce` (reproduce.h): every case's name, paper, theory.md section, description, code,
// seed rule, the names it writes in DIR (ReproductionInfo::outputs, checked before the case runs), what it needs of
// sweep.widths and whether --resume can reuse its runs (both checked before anything is written).
#include <fmt/format.h>

#include <algorithm>

#include "reproduce/cases.h"
#include "widthlab/error.h"
#include "widthlab/reproduce.h"

namespace widthlab {

const std::vector<ReproductionInfo>& reproduction_registry() {
  static const std::vector<ReproductionInfo> reg = {
      {"golikov2020-width",
       "Golikov 2020 [G1], main Fig. 1 left/center, supp. Figs 1–2",
       "theory.md §6.1 R1, R2",
       "1 hidden layer, GD lr 0.02, 50 steps: MF flat in width, NTK/intermediate drift, SP blows up; R2 exponents",
       repro::run_golikov2020_width,
       /*every_seed_at_every_width=*/false,
       {"width_sweep.csv", "width_sweep.png", "decomposition.png"},
       /*widths=*/ReproductionInfo::Widths::any,
       /*resumable=*/true},
      {"golikov2020-curves",
       "Golikov 2020 [G1], main Fig. 1 right, supp. Fig. 4 rows 2–3",
       "theory.md §6.1 R3, R5, R6",
       "lr 0.02: MF tracks the reference's training curves more closely than NTK (full batch, SGD batch 100, 10 000 "
       "examples with batch 1000)",
       repro::run_golikov2020_curves,
       /*every_seed_at_every_width=*/false,
       {"curve_distances.csv", "curve_distances.png"},
       /*widths=*/ReproductionInfo::Widths::above_reference,
       /*resumable=*/false},
      {"golikov2020-small-lr",
       "Golikov 2020 [G1], supp. Fig. 3 bottom",
       "theory.md §6.1 R4",
       "lr 0.0002: NTK tracks the reference net, MF does not (MF lacks the random init logits)",
       repro::run_golikov2020_small_lr,
       /*every_seed_at_every_width=*/false,
       {"curves.csv", "small_lr_curves.png"},
       /*widths=*/ReproductionInfo::Widths::above_reference,
       /*resumable=*/false},
      {"golikov2020-long",
       "Golikov 2020 [G1], supp. Fig. 4 row 4",
       "theory.md §6.1 R7",
       "500 full-batch steps: MF reproduces the reference's train loss, NTK/intermediate fit slower",
       repro::run_golikov2020_long,
       /*every_seed_at_every_width=*/false,
       {"width_sweep.csv", "width_sweep.png"},
       /*widths=*/ReproductionInfo::Widths::any,
       /*resumable=*/true},
      {"golikov2020-fmnist10",
       "Golikov 2020 [G1], supp. Fig. 5 rows 2–3",
       "theory.md §6.1 R8, R9",
       "10-class cross-entropy on fashion-mnist (the paper: MNIST): MF flat in width, NTK drifting, full batch and SGD",
       repro::run_golikov2020_fmnist10,
       /*every_seed_at_every_width=*/false,
       {"r8_width_sweep.csv", "r9_width_sweep.csv", "r8_width_sweep.png", "r9_width_sweep.png"},
       /*widths=*/ReproductionInfo::Widths::any,
       /*resumable=*/true},
      {"golikov2020-deep",
       "Golikov 2020 [G1], main Fig. 2",
       "theory.md §6.1 R10–R12, §5",
       "2 and 3 hidden layers: MF with GD collapses to f ≡ 0 at 3 hidden layers, not at 2, not with RMSProp",
       repro::run_golikov2020_deep,
       /*every_seed_at_every_width=*/false,
       {"deep.csv", "deep.png"},
       /*widths=*/ReproductionInfo::Widths::any,
       /*resumable=*/true},
      {"golikov2021-limits",
       "Golikov 2021 [G2], main Figs 1 right, 2",
       "theory.md §6.2 R13, R14",
       "MF, NTK, sym-default, IC-MF, SP at a large width vs the reference: logit KL over seeds and kernels",
       repro::run_golikov2021_limits,
       /*every_seed_at_every_width=*/false,
       {"limits_curves.csv", "kernels.csv", "limits_study/", "limits_study_summary.json", "limits_curves.png",
        "kernels.png"},
       /*widths=*/ReproductionInfo::Widths::above_reference,
       /*resumable=*/false},
      {"golikov2021-regions",
       "theory target (no paper figure), from Golikov 2021 [G2]",
       "theory.md §6.5 R29, §2.2, §3.4",
       "one point in each of the 13 regions: finite nets vs the simulated limit model, fitted distance exponent vs "
       "theory",
       repro::run_golikov2021_regions,
       /*every_seed_at_every_width=*/true,
       {"study/", "study_summary.json", "regions_cost.csv", "regions.csv", "regions_distances.csv",
        "regions_distance.png", "regions_exponents.png"},
       /*widths=*/ReproductionInfo::Widths::any,
       /*resumable=*/true},
      {"sohl-dickstein2020-sp",
       "Sohl-Dickstein et al. 2020 [SP], introduction",
       "theory.md §6.3 R21, R24",
       "empirical NTK of improved-SP nets → analytic kernel; naive SP kernel ∝ width; largest stable lr",
       repro::run_sohl_dickstein2020_sp,
       /*every_seed_at_every_width=*/true,
       {"ntk_convergence_seeds.csv", "ntk_convergence.csv", "max_lr.csv", "sp_kernels.png"},
       /*widths=*/ReproductionInfo::Widths::any,
       /*resumable=*/true},
      {"sohl-dickstein2020-properties",
       "Sohl-Dickstein et al. 2020 [SP], abstract and introduction",
       "theory.md §6.3 properties, R24",
       "what improved SP keeps and the NTK parameterization loses: relative layer widths, weight vs bias speed, lr "
       "scale",
       repro::run_sohl_dickstein2020_properties,
       /*every_seed_at_every_width=*/true,
       {"bias_speed.csv", "max_lr.csv", "width_splits.csv", "split_shift.csv", "sp_properties.png"},
       /*widths=*/ReproductionInfo::Widths::any,
       /*resumable=*/true},
      {"sohl-dickstein2020-kernels",
       "Sohl-Dickstein et al. 2020 [SP], abstract and kernel experiments",
       "theory.md §6.3 R22",
       "NTK and NNGP regression accuracy of NTK-parameterization vs improved-SP kernels (FC, CNN-flatten, CNN-GAP) "
       "on fashion-mnist, with improved SP's base widths swept and chosen on a validation split",
       repro::run_sohl_dickstein2020_kernels,
       /*every_seed_at_every_width=*/false,
       {"accuracy.csv", "test_correct.csv", "kernel_times.csv", "sp_kernel_accuracy.png"},
       /*widths=*/ReproductionInfo::Widths::any,
       /*resumable=*/true},
      {"sohl-dickstein2020-cnn",
       "Sohl-Dickstein et al. 2020 [SP], introduction and Fig. 3",
       "theory.md §6.3 R23",
       "finite CNNs, NTK parameterization vs SP, each at its validation-selected lr: no consistent winner",
       repro::run_sohl_dickstein2020_cnn,
       /*every_seed_at_every_width=*/false,
       {"selection.csv", "accuracy.csv"},
       /*widths=*/ReproductionInfo::Widths::include_reference,
       /*resumable=*/false},
      {"nguyen2019-gaussians",
       "Nguyen 2019 [N], isotropic-Gaussian experiment",
       "theory.md §6.4 R25",
       "multilayer MF nets on two isotropic Gaussians: loss curves collapse as the width grows",
       repro::run_nguyen2019_gaussians,
       /*every_seed_at_every_width=*/false,
       {"gaussian_curves.csv", "gaussian_curves.png"},
       /*widths=*/ReproductionInfo::Widths::any,
       /*resumable=*/false},
      {"nguyen2019-fmnist",
       "Nguyen 2019 [N], real-data experiment (fashion-mnist-2 for MNIST/CIFAR-10)",
       "theory.md §6.4 R26",
       "2- and 3-hidden-layer MF nets with SGD: loss/accuracy curves and neuron-level distributions collapse as the "
       "width grows",
       repro::run_nguyen2019_fmnist,
       /*every_seed_at_every_width=*/true,
       {"nfm_curves.csv", "neuron_distances.csv", "neuron_hist.csv", "nfm_curves.png", "neuron_hist.png",
        "neuron_distances.png"},
       /*widths=*/ReproductionInfo::Widths::any,
       /*resumable=*/false},
      {"nguyen2019-cnn",
       "Nguyen 2019 [N], \"CNN-like\" nets (channels as width; fashion-mnist-2)",
       "theory.md §6.4 R27",
       "MF conv nets (2 conv layers, gap) with SGD: loss/accuracy curves and per-channel distributions collapse as the "
       "channel count grows",
       repro::run_nguyen2019_cnn,
       /*every_seed_at_every_width=*/true,
       {"nfm_curves.csv", "neuron_distances.csv", "neuron_hist.csv", "nfm_curves.png", "neuron_hist.png",
        "neuron_distances.png"},
       /*widths=*/ReproductionInfo::Widths::any,
       /*resumable=*/false},
      {"classify-grid",
       "theory target (no paper figure)",
       "theory.md §6.5 R28, §2.2",
       "grid over (q_σ, q̃): measured exponents of init logits, kernel and weight steps vs A, B, C; 13 regions",
       repro::run_classify_grid,
       /*every_seed_at_every_width=*/true,
       {"grid.csv", "phase_diagram.png"},
       /*widths=*/ReproductionInfo::Widths::any,
       /*resumable=*/true},
  };
  return reg;
}

const ReproductionInfo& reproduction_info(const std::string& name) {
  for (const auto& r : reproduction_registry())
    if (r.name == name) return r;
  std::string names;
  for (const auto& r : reproduction_registry()) names += (names.empty() ? "" : ", ") + r.name;
  throw InputError(fmt::format("reproduce '{}': unknown reproduction; expected one of: {}", name, names));
}

std::string reproduction_requirements(const ReproductionInfo& info, const Config& config, bool resume) {
  if (resume && !info.resumable)
    return fmt::format(
        "reproduce {} --resume: this case needs per-step curves that runs.jsonl does not keep; use "
        "--force",
        info.name);
  const auto& w = config.sweep.widths;
  const int ref = int(config.scaling.reference_width);
  using W = ReproductionInfo::Widths;
  if (info.widths == W::above_reference && (w.empty() || *std::max_element(w.begin(), w.end()) <= ref))
    return fmt::format("reproduce {}: sweep.widths needs a width above the reference", info.name);
  if (info.widths == W::include_reference && std::find(w.begin(), w.end(), ref) == w.end())
    return fmt::format("sweep.widths: expected d* = scaling.reference_width = {} among them", ref);
  return "";
}

}  // namespace widthlab
