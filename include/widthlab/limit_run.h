// Simulating a d = ∞ limit model on a dataset (theory.md §3.2–§3.7; architecture.md §3 MeanFieldSim, §4 `widthlab
// limit`).
//
// Every model is driven by the same batch stream as the finite nets (run_training): full batch, or mini-batches of
// a fresh permutation of the train set every epoch drawn from make_rng(seed, rng_stream::batches), last batch short.
// Per step k the model's rule (limit_models.h) gives the loss derivative L on the batch, evaluated at the GP sample g
// or at the current normalised logits, and
//   * feature-learning models (regions 1, 3, 6, 7, 8; IC-MF): the MF particle system (mean_field.h) steps with L;
//     logits m⁽ᵏ⁾ (IC-MF: m⁽ᵏ⁾ + g);
//   * kernel models (regions 2, 4, 5, 9–13): h⁽ᵏ⁺¹⁾(x) = h⁽ᵏ⁾(x) − ⟨Θ̄(x, x_j) L_j⟩_batch on train ∪ test, h⁽⁰⁾ = 0;
//     logits u = g + h (C = −1/2: regions 2, 9, 10) or h.
// Logits are in normalised units: the finite net's f / ω^{max(A,B)} (ω = d/d*) converges to them (theory.md §2.2,
// §3.1); predicted class = sign (argmax for cross-entropy). Loss/accuracy curves are of these normalised logits.
//
// Reference kernels of the 1-hidden-layer SP reference net (PyTorch-uniform init: input weight variance
// v_in/n0 with v_in = 1/3, output variance v_out/d with v_out = 1/3; gaussian init: v = 1), code units (theory.md
// §1.5):
//   K1(x,x') = v_in·x·x'/n0
//   NNGP  K(x,x')  = v_out·T(K1)                                         (law of the init logits g)
//   NTK   Θ̄(x,x') = η·(w_out·d*·T(K1) + w_in·v_out·Ṫ(K1)·x·x')          (the normalised limiting tangent kernel)
// with T, Ṫ the Gaussian duals (kernels/dual.h) and w_out, w_in ∈ {0, 1} selecting the layers whose lr exponent
// is the largest (both for symmetric rates). Θ̄ is what every kernel region's kernel becomes after dividing by ω^B.
//
// Cost: particles — steps × one width-N forward+backward on the batch, plus an evaluation of train and test per
// curve point; kernel models — building Θ̄ ((n+m)·n dual evaluations) then steps × (n+m)·B·k flops; g — one
// Cholesky of the (n+m)² NNGP matrix.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "widthlab/activation.h"
#include "widthlab/dataset.h"
#include "widthlab/limit_models.h"
#include "widthlab/mlp.h"
#include "widthlab/tensor.h"
#include "widthlab/train_run.h"

namespace widthlab {

struct LimitOptions {
  std::string model = "mf";  // a name of limit_model_table() ("mf", "ntk", "ic-mf", "post-mf", "region:7", …)
  // Architecture / data handling of the finite nets it is the limit of.
  int depth = 1;  // H; ≥ 2 only for "mf" (multilayer MF particle system, theory.md §3.6)
  Activation activation = activation_from_name("leaky_relu:0.1");  // φ; limit.jsonl names it by its canonical spec
  std::string init = "uniform";  // uniform (PyTorch) | gaussian: the init law of particles and of K
  double reference_width = 128;  // d*
  // Training.
  std::string optimizer = "gd";  // gd | sgd | rmsprop | adam (adaptive only for particle models)
  double lr = 0.02;              // base lr η at the reference width
  int steps = 50;
  int batch = 0;                             // 0 = full batch
  std::string loss = "logistic";             // logistic | mse | cross-entropy
  Precision precision = Precision::float32;  // of the particle system (kernel models run in float64)
  // Where the particle system runs (study.device): "cpu", "cuda" (float32 gd/sgd only; InputError otherwise or
  // without a GPU) or "auto" = cuda when a GPU is present and the particle model has a CUDA path.
  std::string device = "auto";
  // Limit-specific.
  long long particles = 65536;  // MF particles N
  bool paired = true;           // ± pairing of the particles (theory.md §3.3)
  // true: particles of seed s are an independent draw (Mlp::init with a seed taken from make_rng(s,
  // rng_stream::particles)), so they share nothing with the finite nets of that seed. false: exactly the finite
  // MF net of width N's init for seed s (paired comparison; used by the identity test).
  bool independent_particles = true;
  double gp_jitter = 1e-10;    // first diagonal jitter for the GP sample, relative to mean diag K (≥ 0)
  double lr_weight_out = 1.0;  // w_out: 1 if the output layer's lr exponent is the largest, else 0
  double lr_weight_in = 1.0;   // w_in: same for the input layer
  std::vector<uint64_t> seeds = {0};
  // Metrics.
  int curve_every = 1;         // curve point before every k-th step and at the end; 0 = only the end
  bool curve_logits = false;   // keep the test logits at each curve point
  int kernel_points = 10;      // Θ(x,x) on the first N test inputs
  int kernel_track_steps = 0;  // and before each of the first N steps (particle models)
  int eval_chunk = 256;

  // "" when valid, else one sentence naming the key, its value and what is expected.
  std::string validate() const;
};

// Optional fixed inputs of one seed (paired comparisons with a finite net): the init-logit sample g on the train and
// test inputs (n × k, m × k) instead of a GP draw.
struct LimitFixedInputs {
  std::optional<MatrixD> g_train, g_test;
};

struct LimitSeedResult {
  uint64_t seed = 0;
  RunStatus status = RunStatus::ok;
  std::optional<int> diverged_at_step;
  int steps_done = 0;
  std::optional<double> train_loss, train_acc, test_loss, test_acc;  // final (normalised logits); empty if diverged
  std::optional<double> test_mean_abs_logit;                         // final mean |test logit|; empty if diverged
  std::vector<CurvePoint> curve;                                     // before steps 0, k, 2k, … and after the last
  std::vector<MatrixD> curve_test_logits;                            // with curve_logits
  MatrixD test_logits;                                               // final normalised test logits (m × k)
  std::vector<int> test_classes;                                     // predicted classes: +1/−1 (one logit) or argmax
  std::vector<double> kernel_diag_init, kernel_diag_final;           // Θ(x,x) on the first kernel_points test inputs
  std::vector<std::vector<double>> kernel_track;  // before each of the first kernel_track_steps steps
  double gp_jitter = 0;                           // absolute diagonal jitter used for g (0 when no g)
  std::string gp_method;                          // "cholesky" | "eigen" | "fixed" | "" (no g)
  std::string device = "cpu";                     // where the particles ran: "cpu" | "cuda" (kernel models: cpu)
  double seconds = 0;
};

struct LimitResult {
  LimitModelInfo model;
  LimitOptions options;
  std::vector<LimitSeedResult> runs;  // one per seed, in order
  double seconds = 0;
  // One limit_seed_record per seed (test logits inline): the lines of `widthlab limit`'s limit.jsonl.
  std::vector<nlohmann::json> to_json_lines() const;
};

// Where a limit record belongs: the study's scaling ("" for `widthlab limit --model`), the finite net's width for a
// coupled run (its own init logits were g; 0 = an independent run), and the file holding the test logits ("" =
// inline in the record; a diverged seed's record has test_logits = [] and names no file).
struct LimitRecordContext {
  std::string scaling;
  int width = 0;
  std::string logits_file;
};

// The one schema of a limit run's record, shared by limit.jsonl (`widthlab limit`) and limits.jsonl (`widthlab
// study`); architecture.md §4: scaling (study), model, region (null for ic-mf), kind ("independent" | "coupled"),
// width (coupled, else null), state, rules, seed, the options, status, steps_done, final train/test loss and
// accuracy (normalised logits), test_mean_abs_logit, curve, K(x,x) at init and end, test_logits or
// test_logits_file, test_classes, gp_method / gp_jitter, seconds.
nlohmann::json limit_seed_record(const LimitModelInfo& model, const LimitOptions& options, const LimitSeedResult& r,
                                 const LimitRecordContext& where);

// InputError when the limit of `options` on `train_rows` + `test_rows` inputs cannot fit in this machine's memory: a
// particle model holds a width-N net (N = options.particles, so (H − 1)·N² + N·(input_dim + outputs) weights: N² per
// hidden layer beyond the first, theory.md §3.6) and its activations on a batch (N·H per input); a kernel model its
// (train + test) × train NTK Θ̄; a model with the init-logit sample g the (train + test)² NNGP and its Cholesky factor
// (float64). Called before anything is written (limit verb, study plan).
void check_limit_fits_in_memory(const LimitOptions& options, int input_dim, int outputs, long long train_rows,
                                long long test_rows);

// Simulates the model for every seed in options.seeds. InputError for invalid options / data; numerical failure
// (non-finite logits) is status diverged.
LimitResult simulate_limit(const LimitOptions& options, const Dataset& data);
// One seed, optionally with a fixed g.
LimitSeedResult simulate_limit_seed(const LimitOptions& options, const Dataset& data, uint64_t seed,
                                    const LimitFixedInputs& fixed = {});

// ---- pieces (exposed for tests and other tools) ---------------------------------------------------------------

// Variances (v_in, v_out) of the init law: uniform 1/3, gaussian 1 (see the header comment).
double limit_init_variance(InitKind init);
// NNGP K(x1_i, x2_j) of the SP reference net (rows of x1, x2 are inputs).
MatrixD limit_nngp(const Activation& act, InitKind init, const MatrixD& x1, const MatrixD& x2);
// Normalised limiting tangent kernel Θ̄(x1_i, x2_j) (includes the lr η).
MatrixD limit_ntk(const Activation& act, InitKind init, double lr, double reference_width, const MatrixD& x1,
                  const MatrixD& x2, double weight_out = 1.0, double weight_in = 1.0);

// A sample of GP(0, K) with `columns` independent columns: L·Z with K + jitter·I = LLᵀ (Cholesky, jitter starting at
// rel_jitter·mean(diag K) and ×10 until it succeeds, up to 1e-4 relative), else the symmetric eigen factor with
// negative eigenvalues clipped (method "eigen"). Z from rng.
struct GpSample {
  MatrixD values;      // n × columns
  double jitter = 0;   // absolute jitter added
  std::string method;  // "cholesky" | "eigen"
};
GpSample sample_gp(const MatrixD& K, int columns, double rel_jitter, Rng& rng);

// The normaliser ω^{max(A,B)} of a 1-hidden-layer Golikov point (theory.md §1.3, §2.2): the finite net's logits divided
// by it converge to the limit model's logits. A = q_σ + 1/2, B = 1 + 2q_σ + max(q̃_a, q̃_w).
double limit_logit_normaliser(double q_sigma, double q_lr_out, double q_lr_in, double width, double reference_width);

}  // namespace widthlab
