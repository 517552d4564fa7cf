// Datasets for the experiments (architecture.md §6, theory.md §6.0): named tasks, class selection, stratified subsets
// and standardisation. One entry point, load_dataset(DataOptions); the pieces are exposed for tests and other tools.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "widthlab/rng.h"
#include "widthlab/tensor.h"

namespace widthlab {

// The [data] section of a config (architecture.md §5; field names = TOML keys).
struct DataOptions {
  // "fashion-mnist-2" | "fashion-mnist" (10 classes) | "mnist" | "cifar-2" | "gaussians" | "npy" | "csv".
  std::string dataset = "fashion-mnist-2";
  // Original class ids to keep. Empty = the dataset's default: {0, 6} for fashion-mnist-2 (T-shirt/top vs Shirt),
  // {0, 1} for cifar-2 (airplane vs automobile), all ten for fashion-mnist and mnist, every label present for npy/csv.
  // With two classes the task is binary: the FIRST listed class gets label +1, the second −1 (a cross-entropy sweep
  // reads them as class ids 0 and 1: make_sweep_setup, config_mapping.h). With K > 2 classes
  // the label is the class's position 0..K−1 in this list (mnist's default list is 0..9, so digits stay digits).
  std::vector<int> classes;
  int train_size = 1000;  // stratified subset of the training split (equal counts per class); ≤ the split's size
  int test_size = 2000;   // the whole test split of the selected classes when it is not larger than this
  std::string standardize = "scalar";  // "scalar" | "feature" | "none" (see standardize_* below)
  // Where the files are. fashion-mnist-2, fashion-mnist: directory with the four IDX files (default
  // /usr/share/datasets/ fashion-mnist); mnist: directory with train-/t10k-{images-idx3,labels-idx1}-ubyte[.gz];
  // cifar-2: directory with data_batch_*.bin and test_batch.bin; npy: directory with X_train.npy, y_train.npy,
  // X_test.npy, y_test.npy (x_… also accepted); csv: directory with train.csv and test.csv. Unused by gaussians.
  std::string path;
  std::uint64_t seed = 0;        // draws the subsets (rng_stream::data_subset) and the gaussians
  double gaussians_delta = 0.5;  // Δ of the gaussians task, in [0, 1)
  int gaussians_dim = 40;        // d of the gaussians task

  // Empty when valid, else one sentence naming the key, its value and the rule, e.g.
  // "data.train_size = 0: expected an integer ≥ 2". Does not touch the file system.
  std::string validate() const;
};

// A supervised task, samples in rows. Binary tasks: y ∈ {+1, −1}; multi-class: y = class index 0..classes−1.
struct Dataset {
  Matrix<double> x_train, x_test;  // n × d, row-major
  Vector<double> y_train, y_test;
  int classes = 2;
  std::string name;            // e.g. "fashion-mnist-2 (0 vs 6)"
  std::vector<int> class_ids;  // original class id of each label: +1 → class_ids[0], −1 → class_ids[1] (binary)
  std::string standardize;     // what was applied
  double scalar_mean = 0.0, scalar_std = 1.0;  // the constants of "scalar" standardisation (0, 1 otherwise)
  // (H, W, C) of every row when the files were stacks of images (npy of shape (n, H, W, C) or (n, H, W)), else empty.
  std::vector<std::int64_t> image_shape;
};

// Loads, selects classes, standardises (statistics from the whole training split of the selected classes, before
// subsetting, so they do not depend on `seed`), then draws the stratified train subset and the test subset, both
// kept in file order. Image pixels are always scaled to [0, 1] first. InputError on any bad option or input.
// Cost: Fashion-MNIST ≈ 0.3 s (zlib inflate of 47 MB dominates).
Dataset load_dataset(const DataOptions& options);

// Nguyen's / Mei–Montanari–Nguyen's isotropic task (theory.md R25): y = ±1 with equal counts (+1 gets the odd one),
// in random order, and x | y ~ N(0, (1 + yΔ)² I_dim). Drawn from make_rng(seed, rng_stream::synthetic_data):
// train samples first, then test.
Dataset make_gaussians(int dim, double delta, int n_train, int n_test, std::uint64_t seed);

// Indices (ascending) of a stratified random subset of `n` samples: labels are grouped by value, each group
// contributes floor(n/K) samples and the first (n mod K) groups in ascending label order one more. InputError
// naming `what` and the class (`class_name(label)`: by default the label itself; the loaders name the data's own class
// id, which the task's ±1 or 0..K−1 labels renumber) when a group has too few samples.
std::vector<std::int64_t> stratified_subset(const std::vector<double>& labels, std::int64_t n, Rng& rng,
                                            const std::string& what,
                                            const std::function<std::string(double)>& class_name = {});

// theory.md §6.0 constants for "scalar" standardisation of [0, 1] pixels.
inline constexpr double kMnistMean = 0.1307, kMnistStd = 0.3081;
inline constexpr double kCifarMean = 0.4734, kCifarStd = 0.2516;

// Mean and (population) std over all entries of x. std 0 is returned as 1 (nothing to scale).
void scalar_stats(const Matrix<double>& x, double* mean, double* std);
// Per-column mean and std of x; columns with std 0 get std 1.
void feature_stats(const Matrix<double>& x, Vector<double>* mean, Vector<double>* std);

}  // namespace widthlab
