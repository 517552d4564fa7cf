// The one mapping from a validated Config to the options of each engine (data loader, training runs, limit
// simulators) and to the resolved pieces of a sweep. Every verb and the Python module build their engines' options
// here, so that a config key means the same everywhere.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "widthlab/architecture.h"
#include "widthlab/config.h"
#include "widthlab/config_scalings.h"
#include "widthlab/dataset.h"
#include "widthlab/limit_run.h"
#include "widthlab/mlp.h"
#include "widthlab/scaling.h"
#include "widthlab/train_run.h"

namespace widthlab {

// The resolved pieces of a Config a sweep needs (data loaded once, scalings built once).
struct SweepSetup {
  Dataset data;
  std::vector<Scaling> scalings;  // config.scaling.presets, then the q points, then "custom"
  MlpConfig model;                // width set per run
  TrainOptions train;
  std::vector<int> widths;
  std::vector<std::uint64_t> seeds;
  std::vector<double> lrs;  // sweep.lrs; empty = no lr axis (every run uses train.lr)
  int few_seeds_from = 0;   // sweep.few_seeds_from (0: every width runs every seed)
  std::size_t few_seeds = 0;
  // model.arch with its readout dense(k) appended (width word d: with_sweep_width per run), and the input shape;
  // empty: the dense net of `model`.
  Architecture arch;
  ImageShape input_shape;

  // The seeds run at `width`: the first few_seeds of `seeds` at widths ≥ few_seeds_from, else all of them.
  std::vector<std::uint64_t> seeds_at(int width) const;
  // "10 seeds" or "10 seeds (5 at widths ≥ 16384)", for reports.
  std::string seeds_text() const;
};

DataOptions data_options(const Config& config);    // [data], every key (data.seed: shared by all runs)
TrainOptions train_options(const Config& config);  // [train] → TrainOptions
// [model], scaling.reference_width, [train] (as train_options) and [limits] (mf_particles, seeds, gp_jitter) →
// LimitOptions; the choices of one simulation (model, lr_weight_out / lr_weight_in) keep their defaults.
LimitOptions limit_options(const Config& config);
// study.device = "cuda" checked before anything runs: InputError "study.device = \"cuda\": …" when the config's
// runs have no CUDA path (mlp_cuda.h cuda_training_unsupported) or there is no GPU. Nothing for "auto" / "cpu".
void check_study_device(const Config& config);
// The config's data (load_dataset) with its labels in the form train.loss takes: binary ±1 labels become class ids
// 0/1 for cross-entropy; labels that do not suit the loss (check_loss_labels) are an InputError. Every verb that
// loads data from a config goes through here, before it writes anything.
Dataset load_dataset_for_loss(const Config& config);
// Loads the data as load_dataset_for_loss (InputError on bad data options/files or labels).
SweepSetup make_sweep_setup(const Config& config);
TrainTask make_train_task(const SweepSetup& setup, const Scaling& scaling, int width, std::uint64_t seed);
// One run of the config's grid, as `ntk-empirical` and `widthlab.train_net` pick it: the scaling named `scaling`
// ("" = the config's first; a name not in the config's list is built like a preset, scaling_from_name), `width`
// (none = sweep.widths' first) and `seed` (none = sweep.seeds' first).
TrainTask pick_train_task(const SweepSetup& setup, const Config& config, const std::string& scaling,
                          std::optional<int> width, std::optional<std::uint64_t> seed);

}  // namespace widthlab
