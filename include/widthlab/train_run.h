// One finite-width training run: (width, seed, per-layer factors) on a dataset (theory.md §1.1, §3.5, §6.0;
// architecture.md §3, §4 runs.jsonl). Full-batch GD or mini-batch SGD/RMSProp/Adam; a "step" is one update,
// mini-batches are reshuffled every epoch from make_rng(seed, rng_stream::batches) (torch DataLoader order: the last
// batch of an epoch may be short). The data are converted to the run's precision once.
//
// IC-MF (theory.md §3.5): with init_corrected, f_IC(x) = f(θ;x) − f(θ₀;x) + f(θ₀^SP;x) where θ₀ is θ at step 0 and
// θ₀^SP the same seed's raw init under `ic_reference` factors (default all 1 = plain PyTorch init at width d). The last
// two terms are frozen, so they are computed once per input as an offset; only θ trains and f_IC = f_SP at step 0.
//
// Divergence: a non-finite loss or logit ends the run with status diverged (a status, never an exception).
// Metrics (theory.md §6.0) are described on TrainResult. Cost: steps × (forward + backward on a batch) plus one
// evaluation of train and test set per curve point (curve_every).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "widthlab/architecture.h"
#include "widthlab/loss.h"
#include "widthlab/loss_tolerance.h"
#include "widthlab/mlp.h"
#include "widthlab/scaling.h"
#include "widthlab/tensor.h"

namespace widthlab {

struct TrainOptions {
  std::string optimizer = "gd";   // optimizer registry name (optimizer.h)
  double lr = 0.02;               // base lr; layer l uses lr · factors[l].lr
  int steps = 50;                 // number of updates
  int batch = 0;                  // 0 = full batch; "gd" requires full batch (or batch ≥ train size)
  std::string loss = "logistic";  // loss registry name (loss.h)
  Precision precision = Precision::float32;
  // Where the net trains (mlp_cuda.h): "cpu", "cuda", or "auto" = cuda when a GPU is present and the task has a
  // CUDA path (cuda_training_unsupported), else cpu. "cuda" on a task without one, or without a GPU: InputError.
  std::string device = "auto";
  // Metrics.
  int curve_every = 1;         // train/test loss+acc before every k-th update (and the final state); 0 = off.
                               // Per epoch (theory.md §6.0) is ceil(train size / batch).
  bool curve_logits = false;   // also keep the test logits at each curve point
  int kernel_points = 10;      // K(x,x) on the first N test points at init and end
  int kernel_track_steps = 0;  // also K(x,x) before each of the first N updates
  bool decomposition = true;  // f∅, f_a, f_w, f_aw when depth 1 and φ is an ABReLU (relu, leaky_relu, abs, identity)
  int coord_points = 128;     // test points for the coordinate check (activation / update RMS per layer)
  int coord_track_steps = 0;  // also the per-layer RMS of h(θ_t) − h(θ₀) after t = 1..N updates (0 = off)
  int eval_chunk = 512;       // rows per evaluation forward (bounds memory at large width)
  bool keep_parameters = false;  // TrainResult::initial_/final_weights and _biases (in memory, not in runs.jsonl)

  // "" when valid, else one sentence "train.<key> = <value>: expected …".
  std::string validate() const;
};

// One run: the architecture, the scaling's factors at this width, and the seed.
struct TrainTask {
  MlpConfig model;                         // model.outputs = 0 means "from the loss and the number of classes"
  std::vector<LayerFactors> factors;       // one per layer 0..H (Scaling::factors_at(width))
  std::string scaling = "custom";          // name recorded in the result
  bool init_corrected = false;             // IC-MF
  std::vector<LayerFactors> ic_reference;  // factors of θ₀^SP (empty: all ones)
  uint64_t seed = 0;
  TrainOptions train;
  // A layered (convolutional) net instead of `model`'s dense one: concrete widths, readout included, on inputs of
  // input_shape (model.width, depth and outputs then only describe it; factors: one per dense / conv layer).
  Architecture arch;
  ImageShape input_shape;
};

// Borrowed data (must outlive the call). Labels: ±1 for logistic/mse on one output; class ids 0..classes−1 for
// cross-entropy (mse with several outputs is not supported).
struct TrainData {
  const MatrixD& x_train;  // n × n0
  const VectorD& y_train;  // n
  const MatrixD& x_test;   // m × n0
  const VectorD& y_test;   // m
  int classes = 2;
};

enum class RunStatus { ok, diverged };
std::string run_status_name(RunStatus s);  // "ok" | "diverged"

// A run that finished with a finite train loss above its loss at init, by more than kLossTolerance · max(1, |init|)
// (loss_tolerance.h, the flatness tolerance of lr_optimum.h), did not train: its lr is past the edge of stability as
// surely as a run that overflowed (theory.md §10.1). Transfer counts it as diverged; a study keeps its distances (an
// unstable scaling is a finding) and counts it in the report (theory.md §8.7). False when either loss is not finite (a
// non-finite final loss is diverged already; an init loss that is not finite gives nothing to compare with).
bool trained_above_initial_loss(double final_loss, double initial_loss);

// The same test on a runs.jsonl record (TrainResult::to_json): its status is "ok" and trained_above_initial_loss
// holds for its train_loss and train_loss_init (false when either is null or missing).
bool record_trained_above_initial_loss(const nlohmann::json& run);

struct CurvePoint {
  int step = 0;  // number of updates done before this evaluation
  double train_loss = 0, train_acc = 0, test_loss = 0, test_acc = 0;
  double test_mean_abs_logit = 0;
};

// theory.md §6.0 logit decomposition with the masks m_r(x) = φ'(z_r(x)) of the trained net (depth 1, ABReLU φ, so that
// φ(z) = φ'(z)·z exactly): with u_r = α₀(w_r·x + b_r) split as u⁰ + δu and a = θ₁ split as a⁰ + δa,
//   f∅ = α₁(Σ a⁰ m u⁰ + b₁⁰), f_a = α₁(Σ δa m u⁰ + δb₁), f_w = α₁ Σ a⁰ m δu, f_aw = α₁ Σ δa m δu;
// the four sum to f(θ; x) exactly (without the IC offset). Variances over the test inputs (averaged over outputs).
struct LogitDecomposition {
  double var_f0 = 0, var_fa = 0, var_fw = 0, var_faw = 0;
  double max_abs_residual = 0;  // max |f − (f∅+f_a+f_w+f_aw)| over test inputs (a self-check, ~ rounding)
};

// muP-style coordinate check on the first coord_points test inputs, per layer l = 0..H (l = H: the logits f(θ)):
// RMS over samples and units of h^l at init and at the end, and of h^l(θ_end) − h^l(θ₀).
// With coord_track_steps = N: delta_track[t−1][l] = RMS of h^l(θ_t) − h^l(θ₀) after t = 1..min(N, steps) updates
// (theory.md §10.4 coordinate check over the first steps).
struct CoordCheck {
  std::vector<double> act_rms_init, act_rms_final, act_delta_rms;
  std::vector<std::vector<double>> delta_track;
};

struct TrainResult {
  // architecture.md §4 runs.jsonl keys.
  std::string scaling;
  int width = 0;
  uint64_t seed = 0;
  int depth = 1;
  std::string optimizer;
  double lr = 0;
  int steps = 0;
  RunStatus status = RunStatus::ok;
  std::optional<double> train_loss, train_acc, test_loss, test_acc;  // final; empty when diverged
  // The loss on the training inputs at init, before any update (f_IC for IC-MF); empty when not finite. `widthlab
  // transfer` compares the final train loss with it (theory.md §10.1).
  std::optional<double> train_loss_init;
  double seconds = 0;

  // Extras.
  std::string activation, loss, init, precision;
  std::string arch;            // a layered net's architecture (readout included, widths resolved); "" for the dense net
  std::string device = "cpu";  // where it trained: "cpu" | "cuda" (runs.jsonl: the key only for cuda)
  int batch = 0;               // samples per step actually used (train size for full batch)
  bool bias = false, init_corrected = false;
  int steps_done = 0;                   // updates applied
  std::optional<int> diverged_at_step;  // the update at whose loss/logits non-finite values appeared
  std::vector<double> layer_lrs;        // lr · factors[l].lr
  double mean_abs_logit_init = 0;       // mean |f| over test inputs (f_IC for IC-MF)
  double mean_abs_logit_final = 0;
  // K(x,x) = Σ_l lr_l (‖∂f/∂θ_l‖² + ‖∂f/∂b_l‖²) on the first kernel_points test inputs (mean over outputs k of
  // K_kk(x,x)), at init and end; kernel_track[s] before update s for s < kernel_track_steps.
  std::vector<double> kernel_diag_init, kernel_diag_final;
  std::vector<std::vector<double>> kernel_track;
  // Effective-weight (α_l θ_l) increments end − init: layer 0 mean_r ‖δw_r‖₂ over hidden units r; hidden layers
  // and output mean |δ| over entries.
  std::vector<double> weight_increments;
  std::optional<LogitDecomposition> decomposition;
  CoordCheck coord;
  std::vector<CurvePoint> curve;           // before updates 0, k, 2k, … and after the last update
  std::vector<MatrixD> curve_test_logits;  // with curve_logits: test logits at each curve point
  MatrixD test_logits;                     // final test logits (m × k), f_IC for IC-MF; empty when diverged
  // With keep_parameters: the raw parameters θ_l, b_l (Mlp::weight / bias, l = 0..H) in float64 at init and after
  // training, so that neuron-level quantities of the net can be read off (set them on an Mlp<double> of the task's
  // model and factors: input_dim = the data's features, outputs = final_weights.back().rows()). The final ones are
  // empty when diverged; the initial ones are kept either way.
  std::vector<MatrixD> initial_weights, final_weights;
  std::vector<VectorD> initial_biases, final_biases;

  // The runs.jsonl record: the architecture.md §4 keys plus the scalar/vector extras (not the curve or the logits).
  nlohmann::json to_json() const;
};
void to_json(nlohmann::json& j, const TrainResult& r);

// InputError "<which> label <i> = <v>: loss '<name>' expects …" on the first label `loss` cannot take (its label rule,
// Loss::label_error: logistic ±1, cross-entropy class ids 0..classes−1, mse any finite target); first, a one-output
// loss on a task of more than 2 classes (class ids, which mse would regress as numbers). Also used by the limit
// simulators (limit_run.h) and the config mapping.
void check_loss_labels(const Loss& loss, const VectorD& y, int classes, const char* which);

// Runs one task. Throws InputError for invalid options/shapes/labels; numerical failure is status diverged.
TrainResult run_training(const TrainTask& task, const TrainData& data);

}  // namespace widthlab
