// The built-in default config: a byte-for-byte copy of configs/default.toml (tests/config checks they are equal).
// After editing configs/default.toml, paste the whole file between R"toml( and )toml" below.
#include "widthlab/config.h"

namespace widthlab {

const std::string& default_config_toml() {
  static const std::string text = R"toml(# widthlab's built-in default study (DESIGN §5): SP, NTK, MF, IC-MF, sym-default and intermediate(q = 3/4) nets of
# width 128…8192 on fashion-mnist-2 (T-shirt/top vs Shirt), next to their NTK / MF / IC-MF limits.
# This file is embedded in the binary (src/config/default_config.cpp; a test keeps the two byte-equal): a config
# file only needs the keys it changes. Every key is listed here with its default.

[data]
dataset = "fashion-mnist-2"     # "fashion-mnist-2" | "mnist" | "cifar-2" | "gaussians" | "npy" | "csv"
classes = []                    # class ids kept; [] = the dataset's default: [0, 6] for fashion-mnist-2
                                # (T-shirt/top vs Shirt), [0, 1] for cifar-2, 0..9 for mnist
train_size = 1000               # stratified train subset (>= 2)
test_size = 2000                # test examples (the whole test split of the classes when larger)
standardize = "scalar"          # SPEC §6.0: one mean/std over all pixels; or "feature" | "none"
path = ""                       # data directory; "" = the dataset's default (Debian dataset-fashion-mnist)
seed = 0                        # draws the train/test subsets (shared by all runs) and the gaussians task
gaussians_delta = 0.5           # gaussians task: x | y ~ N(0, (1 + yΔ)² I)
gaussians_dim = 40              # gaussians task: input dimension

[model]
depth = 1                       # hidden layers
activation = "leaky_relu:0.1"   # see `widthlab list`
bias = false
init = "uniform"                # PyTorch-style U(±1/√fan_in); or "gaussian" (same variance)

[scaling]
presets = ["sp", "ntk", "mf", "ic-mf", "sym-default", "intermediate:0.75"]
reference_width = 128           # d*: every scaling equals the reference net at this width (SPEC §1.5)
q = []                          # Golikov points (1 hidden layer): [[q_sigma, q_lr], …] or [q_sigma, q_lr_out, q_lr_in]
# [scaling.custom]              # one more scaling "custom": exponents of ω = d/d* per layer (input, hidden…, output)
# init = [0.0, -0.5]
# multiplier = [0.0, 0.0]
# lr = [1.0, -1.0]

[train]
optimizer = "gd"                # "gd" (full batch) | "sgd" | "rmsprop" | "adam"
lr = 0.02                       # base learning rate at the reference width
steps = 50
batch = "full"                  # or an integer (sgd, rmsprop, adam)
loss = "logistic"               # or "mse" | "cross-entropy"
precision = "float32"           # or "float64"
track_kernel_steps = 0          # record the tangent-kernel diagonal every N steps (0 = never)
log_every = 1                   # record train/test metrics every N steps (0 = only at the end)

[sweep]
widths = [128, 256, 512, 1024, 2048, 4096, 8192]
seeds = [0, 1, 2, 3, 4]

[limits]
compute = ["ntk", "mf", "ic-mf"]  # d = ∞ models to simulate (SPEC §2.2 names, ic-mf)
mf_particles = 65536            # MF particles (even: ± pairs)
seeds = [0, 1, 2, 3, 4]         # seeds of the random limits (GP init sample, particles)
gp_jitter = 1e-10               # diagonal jitter when sampling the GP init logits

[study]
max_seconds = 0.0               # wall-clock budget (0 = none); runs not started within it are skipped
plots = true                    # PNG plots (python3 + matplotlib)
threads = 0                     # worker threads (0 = all cores)

[reproduce]
name = ""                       # paper experiment id in configs/<name>.toml ("" = not a reproduction)
)toml";
  return text;
}

Config default_config() {
  static const Config config = parse_config(default_config_toml(), "<default config>");
  return config;
}

}  // namespace widthlab
