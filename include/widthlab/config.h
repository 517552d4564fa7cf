// The study configuration (architecture.md §5; section and key names are a contract): one options struct per TOML
// section, defaults in place (they equal configs/default.toml, which is also embedded in the binary), and `validate()`
// returning a one-sentence problem "key.path = value: expected …" or "" (STYLE 1).
//
// Loading is strict: unknown sections/keys, wrong types, out-of-range values, empty grids, duplicate widths/seeds
// and unknown names (activation, loss, optimizer, preset, limit model) are InputErrors whose single line starts with
// the file path and position ("cfg.toml:7:6: train.lr = \"fast\": expected a number") or with "--set" when the
// value came from an override.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "widthlab/dataset.h"         // DataOptions: the [data] section
#include "widthlab/worker_threads.h"  // kMaxThreads

namespace widthlab {

// [model] — the finite net (theory.md §6.0 FCNet). The number of outputs is inferred from the loss and the classes.
struct ModelConfig {
  int depth = 1;                              // H hidden layers (≥ 1)
  std::string activation = "leaky_relu:0.1";  // a name from activation_registry(), optional ":param"
  bool bias = false;
  std::string init = "uniform";  // uniform (PyTorch default) | gaussian (same variance)
  // A convolutional (or any layered) net instead of the dense one: the layers before the readout, in architecture.h's
  // text form with the width word d (theory.md §3.9), e.g. "conv(3x3,same,d)-relu-conv(3x3,same,d)-relu-gap"; the
  // readout dense(k) is appended. Every dense / conv layer has width d (the scalings' exponents apply to channel
  // counts), `depth` equals their number and every activation layer is `activation` (the classifier reads those).
  // Absent (the default): the dense net of `depth` hidden layers, and config.toml does not mention it.
  std::optional<std::string> arch;
  // "H,W,C" of one input row (C fastest) for model.arch; absent: the dataset's own (28,28,1 for fashion-mnist and
  // mnist, the image shape of npy stacks (n, H, W, C) / (n, H, W), else 1,1,features). With npy image stacks it
  // must equal their shape.
  std::optional<std::string> input_shape;

  std::string validate() const;
  std::string validate_arch() const;
  bool operator==(const ModelConfig&) const = default;
};

// [scaling.custom] — per-layer exponents of ω = d/d* (scaling.h LayerExponents), depth + 1 entries each (input,
// hidden…, output); an empty array means all zeros.
struct CustomExponentsConfig {
  std::vector<double> init, multiplier, lr;
  bool operator==(const CustomExponentsConfig&) const = default;
};

// [scaling] — the scalings compared by a study (architecture.md §3 Scaling, theory.md §1.4–1.5).
struct ScalingConfig {
  std::vector<std::string> presets = {"sp", "ntk", "mf", "ic-mf", "sym-default", "intermediate:0.75"};
  double reference_width = 128;                 // d* (> 0)
  std::optional<CustomExponentsConfig> custom;  // [scaling.custom]: one more scaling named "custom"
  // Golikov points (theory.md §1.3, 1 hidden layer): [q_sigma, q_lr] (symmetric) or [q_sigma, q_lr_out, q_lr_in].
  std::vector<std::vector<double>> q;

  std::string validate() const;
  bool operator==(const ScalingConfig&) const = default;
};

// train.batch: "full" (the whole train set every step) or a mini-batch size.
struct BatchConfig {
  bool full = true;
  std::int64_t size = 0;  // used when !full (≥ 1)
  bool operator==(const BatchConfig&) const = default;
};

// [train] — optimisation of the finite nets (theory.md §6.0 Optimization).
struct TrainConfig {
  std::string optimizer = "gd";       // gd (full batch) | sgd | rmsprop | adam
  double lr = 0.02;                   // base lr η at the reference width (finite, > 0)
  int steps = 50;                     // optimizer steps (≥ 0)
  BatchConfig batch;                  // "full" | integer
  std::string loss = "logistic";      // logistic | mse | cross-entropy (loss.h)
  std::string precision = "float32";  // float32 | float64
  int track_kernel_steps = 0;         // record the tangent-kernel diagonal every N steps (0 = never)
  int log_every = 1;                  // record train/test metrics every N steps (0 = only at the end)

  std::string validate() const;
  bool operator==(const TrainConfig&) const = default;
};

// [sweep] — the width × seed grid, and optionally a learning-rate axis (theory.md §10).
struct SweepConfig {
  std::vector<int> widths = {128, 256, 512, 1024, 2048, 4096, 8192};  // each ≥ 1, no duplicates
  std::vector<std::uint64_t> seeds = {0, 1, 2, 3, 4};                 // no duplicates
  // Base learning rates (at the reference width, replacing train.lr run by run): the grid becomes widths × lrs ×
  // seeds × scalings. Absent (the default): no lr axis, and nothing about the sweep changes (not even config.toml).
  std::optional<std::vector<double>> lrs;  // each finite > 0, no duplicates, at least one
  // Fewer seeds where the widest nets cannot afford all of them: widths ≥ few_seeds_from run only the first few_seeds
  // of `seeds` (the verdicts' SeedGrid takes unequal seed counts). Both absent (the default): every width runs every
  // seed. Both or neither; few_seeds ≥ 1 (≥ seeds.size(): no width has fewer).
  std::optional<int> few_seeds_from;
  std::optional<int> few_seeds;

  std::string validate() const;
  std::string validate_few_seeds() const;
  bool operator==(const SweepConfig&) const = default;
};

// [limits] — which d = ∞ models to compute next to the finite nets (theory.md §3).
struct LimitsConfig {
  std::vector<std::string> compute = {"ntk", "mf", "ic-mf"};  // names from limit_model_names(); may be empty
  int mf_particles = 65536;                                   // MF particle count (≥ 2, even: ± pairs)
  // Particles of a coupled run (a particle limit whose g is one finite net's own init logits, at width d):
  // min(mf_particles, this · d), rounded up to even; 0 = mf_particles for every run. A constant ratio makes the
  // limit's own Monte Carlo error a fixed fraction of the net's at every width (both ∝ d^{-1/2}, theory.md §3.3), so
  // the fitted exponent is not flattened by a floor at the widest nets; 4 adds at most √(1 + 1/4) ≈ 1.12 to the
  // distance.
  int coupled_particles_per_width = 0;
  std::vector<std::uint64_t> seeds = {0, 1, 2, 3, 4};  // seeds of the random limits (GP sample, particles)
  double gp_jitter = 1e-10;                            // diagonal jitter for GP samples (≥ 0, finite)

  std::string validate() const;
  bool operator==(const LimitsConfig&) const = default;
};

// [study] — how the study runs and reports.
struct StudyConfig {
  double max_seconds = 0;  // wall-clock budget; runs not started before it is spent are skipped (0 = none)
  bool plots = true;       // draw PNG plots (needs python3 + matplotlib)
  int threads = 0;         // worker threads (0 = all cores, at most kMaxThreads)
  // Where the finite nets and the MF particle systems train: "auto" (cuda when a GPU is present and the run has a
  // CUDA path), "cpu" or "cuda" (TrainOptions::device, LimitOptions::device). Absent: "auto", and config.toml is
  // written without it.
  std::optional<std::string> device;

  std::string validate() const;
  bool operator==(const StudyConfig&) const = default;
};

// [reproduce] — set by the paper-experiment configs (configs/*.toml) read by `widthlab reproduce`.
struct ReproduceConfig {
  std::string name;  // a case of `widthlab reproduce --list` ("" = not a reproduction); reproduction_names()

  std::string validate() const;
  bool operator==(const ReproduceConfig&) const = default;
};

struct Config {
  DataOptions data;  // [data] (dataset.h): dataset, classes ([] = the dataset's default), train_size, test_size,
                     // standardize, path, seed, gaussians_delta, gaussians_dim
  ModelConfig model;
  ScalingConfig scaling;
  TrainConfig train;
  SweepConfig sweep;
  LimitsConfig limits;
  StudyConfig study;
  ReproduceConfig reproduce;

  // Every section's validate() then the cross-section rules (custom exponents vs depth, q points need depth 1,
  // preset names built by scaling_from_name at this depth/optimizer, gd is full-batch, mini-batch ≤ train_size,
  // one-logit losses need 2 classes). "" when valid.
  std::string validate() const;
  bool operator==(const Config& other) const;  // every key of every section
};

// The built-in default (configs/default.toml, embedded in the binary; a test keeps the two equal).
Config default_config();
const std::string& default_config_toml();

// Reads `path` (no file: path = "" → the built-in default), applies `overrides` ("key.path=value", value parsed as
// TOML, a bare word as a string) and validates. Throws InputError (one line) on any problem.
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});
// Parses TOML text; `source_name` prefixes error messages (a path, or "<default config>").
Config parse_config(const std::string& toml_text, const std::string& source_name,
                    const std::vector<std::string>& overrides = {});
// Applies overrides to an already resolved config (revalidates).
Config apply_overrides(const Config& base, const std::vector<std::string>& overrides);

// A CLI flag that stands for config keys and is applied as overrides before the --set ones: --arch (model.arch,
// model.depth, model.activation), --device (study.device), --threads (study.threads).
struct FlagOverrides {
  std::string flag;               // as the message names it: "--device cuda"
  std::vector<std::string> sets;  // "key=value", as --set takes them
};
// InputError (one line naming the flag and the --set) when a --set of `sets` gives a key that one of `flags` sets
// another value: applied in order, the later would win silently. The same value in both is fine.
void refuse_flag_set_conflicts(const std::vector<FlagOverrides>& flags, const std::vector<std::string>& sets);

// The resolved config as TOML (parses back to the same Config) and as a JSON object with the same sections/keys.
std::string to_toml(const Config& config);
std::string to_json(const Config& config, int indent = 2);

// Names accepted by the config's enumerated keys (for errors, --help and docs).
const std::vector<std::string>& config_sections();                 // data, model, scaling, …
std::vector<std::string> config_keys(const std::string& section);  // keys of one section ("scaling.custom" too)
const std::vector<std::string>& optimizer_names();                 // gd, sgd, rmsprop, adam
const std::vector<std::string>& limit_model_names();               // theory.md §2.2 model names + ic-mf
// The reproduction cases' names (reproduce.h's registry, which lives above this module; names.cpp keeps the copy and
// tests/cli/ignored_input_cli_test.cpp keeps it equal to `widthlab reproduce --list`).
const std::vector<std::string>& reproduction_names();

}  // namespace widthlab
