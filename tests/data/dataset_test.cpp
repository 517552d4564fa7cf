// load_dataset and its pieces (dataset.h): class selection and labels, theory.md §6.0 standardisation, stratified
// subsets, the gaussians task, option validation and bad inputs — on files written here with known content.
#include "widthlab/dataset.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "data/fixtures.h"

using namespace widthlab;
using namespace widthlab::test;
namespace fs = std::filesystem;

namespace {

std::map<double, int> counts(const Vector<double>& y) {
  std::map<double, int> c;
  for (int i = 0; i < y.size(); ++i) ++c[y(i)];
  return c;
}

DataOptions mnist_options(const fs::path& dir) {
  DataOptions o;
  o.dataset = "mnist";
  o.path = dir.string();
  return o;
}

}  // namespace

TEST(DataOptions, DefaultsAreValid) {
  EXPECT_EQ(DataOptions().validate(), "");
  DataOptions g;
  g.dataset = "gaussians";
  EXPECT_EQ(g.validate(), "");
}

TEST(DataOptions, EachRuleNamesItsKey) {
  auto check = [](auto mutate, const std::string& expected) {
    DataOptions o;
    mutate(o);
    EXPECT_EQ(o.validate(), expected);
    EXPECT_INPUT_ERROR(load_dataset(o), expected);
  };
  check([](DataOptions& o) { o.train_size = 0; }, "data.train_size = 0: expected an integer ≥ 2");
  check([](DataOptions& o) { o.test_size = -3; }, "data.test_size = -3: expected an integer ≥ 1");
  check([](DataOptions& o) { o.dataset = "imagenet"; },
        "data.dataset = \"imagenet\": expected one of fashion-mnist-2, fashion-mnist, mnist, cifar-2, gaussians, npy, "
        "csv");
  check([](DataOptions& o) { o.standardize = "minmax"; },
        "data.standardize = \"minmax\": expected one of scalar, feature, none");
  check(
      [](DataOptions& o) {
        o.classes = {0, 6, 7};
      },
      "data.classes = [0, 6, 7]: fashion-mnist-2 is a binary task; expected two class ids 0–9");
  check([](DataOptions& o) { o.classes = {3, 3}; }, "data.classes = [3, 3]: expected distinct class ids");
  check([](DataOptions& o) { o.classes = {0, 10}; }, "data.classes = [0, 10]: expected class ids 0–9");
  check([](DataOptions& o) { o.dataset = "mnist"; },
        "data.path = \"\": expected the directory holding the mnist files");
  check(
      [](DataOptions& o) {
        o.dataset = "gaussians";
        o.classes = {0, 1};
      },
      "data.classes = [0, 1]: the gaussians task has fixed labels ±1; expected no data.classes");
  check([](DataOptions& o) { o.gaussians_delta = 1.0; }, "data.gaussians_delta = 1: expected a number in [0, 1)");
  check([](DataOptions& o) { o.gaussians_dim = 0; }, "data.gaussians_dim = 0: expected an integer ≥ 1");
  check(
      [](DataOptions& o) {
        o.dataset = "gaussians";
        o.path = "/d";
      },
      "data.path = \"/d\": the gaussians task is drawn, not read from files; expected no data.path");
  check([](DataOptions& o) { o.gaussians_dim = 8; },
        "data.gaussians_dim = 8: read by the gaussians task only (data.dataset = \"fashion-mnist-2\"); expected it "
        "left out");
}

TEST(LoadDataset, MnistClassPairLabelsAndScalarConstants) {
  auto dir = scratch("mnist") / "m";
  write_mnist_dir(dir, 40, 20, 3, 2, true);  // 4 of each digit in train, 2 in test
  DataOptions o = mnist_options(dir);
  o.classes = {5, 3};
  o.train_size = 8;   // the whole selected split: file order kept
  o.test_size = 100;  // larger than the split: the whole test split
  Dataset ds = load_dataset(o);
  ASSERT_EQ(ds.x_train.rows(), 8);
  ASSERT_EQ(ds.x_train.cols(), 6);
  ASSERT_EQ(ds.x_test.rows(), 4);
  EXPECT_EQ(ds.classes, 2);
  EXPECT_EQ(ds.class_ids, (std::vector<int>{5, 3}));
  EXPECT_EQ(ds.name, "mnist (5 vs 3)");
  // train samples with digit 3 or 5 are i = 3, 5, 13, 15, 23, 25, 33, 35: the first listed class (5) is +1.
  const int idx[] = {3, 5, 13, 15, 23, 25, 33, 35};
  for (int r = 0; r < 8; ++r) {
    EXPECT_EQ(ds.y_train(r), idx[r] % 10 == 5 ? 1.0 : -1.0);
    for (int j = 0; j < 6; ++j)
      EXPECT_NEAR(ds.x_train(r, j), (pixel(idx[r], j) / 255.0 - 0.1307) / 0.3081, 1e-12) << r << "," << j;
  }
  EXPECT_NEAR(ds.x_test(0, 0), (pixel(1000 + 3, 0) / 255.0 - 0.1307) / 0.3081, 1e-12);
  EXPECT_EQ(ds.scalar_mean, kMnistMean);
  EXPECT_EQ(ds.scalar_std, kMnistStd);
}

TEST(LoadDataset, MnistAllTenClassesKeepDigits) {
  auto dir = scratch("mnist10") / "m";
  write_mnist_dir(dir, 50, 30, 2, 2, false);
  DataOptions o = mnist_options(dir);
  o.train_size = 20;
  o.standardize = "none";
  Dataset ds = load_dataset(o);
  EXPECT_EQ(ds.classes, 10);
  auto c = counts(ds.y_train);
  ASSERT_EQ(c.size(), 10u);
  for (auto [label, n] : c) EXPECT_EQ(n, 2) << label;
  // "none": pixels scaled to [0, 1] only; each row is one of the file's rows with its digit
  for (int r = 0; r < ds.x_train.rows(); ++r) {
    bool found = false;
    for (int i = 0; i < 50 && !found; ++i)
      found = i % 10 == int(ds.y_train(r)) && ds.x_train(r, 3) == pixel(i, 3) / 255.0 &&
              ds.x_train(r, 0) == pixel(i, 0) / 255.0;
    EXPECT_TRUE(found) << "row " << r;
  }
  EXPECT_EQ(ds.x_test.rows(), 30);
}

TEST(LoadDataset, StratifiedSubsetIsSeededAndBalanced) {
  auto dir = scratch("subset") / "m";
  write_mnist_dir(dir, 200, 40, 2, 2, true);
  DataOptions o = mnist_options(dir);
  o.classes = {1, 2};
  o.train_size = 11;
  o.test_size = 6;
  o.seed = 7;
  Dataset a = load_dataset(o), b = load_dataset(o);
  EXPECT_EQ(a.x_train, b.x_train);
  EXPECT_EQ(a.y_train, b.y_train);
  auto c = counts(a.y_train);
  EXPECT_EQ(c[-1.0], 6);  // odd size: the lower label (−1) gets the extra sample
  EXPECT_EQ(c[1.0], 5);
  auto ct = counts(a.y_test);
  EXPECT_EQ(ct[-1.0], 3);
  EXPECT_EQ(ct[1.0], 3);
  o.seed = 8;
  Dataset d = load_dataset(o);
  EXPECT_NE(a.x_train, d.x_train) << "a different seed should draw a different subset (20 choose 5 ways)";
}

TEST(StratifiedSubset, EqualCountsAndUniformInclusion) {
  std::vector<double> labels;
  for (int i = 0; i < 30; ++i) labels.push_back(i < 10 ? 0.0 : (i < 25 ? 1.0 : 2.0));  // sizes 10, 15, 5
  Rng rng = make_rng(3, rng_stream::data_subset);
  std::vector<int> hits(30, 0);
  const int draws = 4000;
  for (int t = 0; t < draws; ++t) {
    auto s = stratified_subset(labels, 10, rng, "test");
    ASSERT_EQ(s.size(), 10u);
    ASSERT_TRUE(std::is_sorted(s.begin(), s.end()));
    ASSERT_EQ(std::set<std::int64_t>(s.begin(), s.end()).size(), 10u);
    int per[3] = {0, 0, 0};
    for (auto i : s) ++per[int(labels[i])], ++hits[i];
    ASSERT_EQ(per[0], 4);  // 10 = 3·3 + 1: the first class gets the extra one
    ASSERT_EQ(per[1], 3);
    ASSERT_EQ(per[2], 3);
  }
  // Each member of a class of size m with k picks is included with probability k/m; 5 binomial standard errors.
  for (int i = 0; i < 30; ++i) {
    const double p = i < 10 ? 0.4 : (i < 25 ? 0.2 : 0.6);
    EXPECT_NEAR(hits[i] / double(draws), p, 5 * std::sqrt(p * (1 - p) / draws)) << i;
  }
  EXPECT_INPUT_ERROR(stratified_subset(labels, 20, rng, "data.train_size = 20"),
                     "data.train_size = 20: class with label 2 has 5 samples, 6 needed");
  EXPECT_INPUT_ERROR(stratified_subset(labels, 2, rng, "data.train_size = 2"), "cannot cover the 3 classes");
}

TEST(LoadDataset, FeatureStandardisationUsesTrainStatistics) {
  auto dir = scratch("feature") / "m";
  write_mnist_dir(dir, 60, 20, 3, 3, true);
  DataOptions o = mnist_options(dir);
  o.classes = {0, 1};
  o.train_size = 12;
  o.standardize = "feature";
  Dataset ds = load_dataset(o);
  for (int j = 0; j < ds.x_train.cols(); ++j) {
    const double m = ds.x_train.col(j).mean();
    const double v = (ds.x_train.col(j).array() - m).square().mean();
    EXPECT_NEAR(m, 0.0, 1e-12) << j;
    EXPECT_NEAR(v, 1.0, 1e-12) << j;
  }
  // test rows use the train statistics: recompute one entry by hand
  Vector<double> col(12);
  const int idx[] = {0, 1, 10, 11, 20, 21, 30, 31, 40, 41, 50, 51};
  for (int r = 0; r < 12; ++r) col(r) = pixel(idx[r], 4) / 255.0;
  const double m = col.mean(), s = std::sqrt((col.array() - m).square().mean());
  EXPECT_NEAR(ds.x_test(0, 4), (pixel(1000, 4) / 255.0 - m) / s, 1e-12);
}

TEST(LoadDataset, FeatureStandardisationLeavesConstantColumns) {
  auto dir = scratch("const");
  Matrix<double> x(4, 2);
  x << 1, 5, 2, 5, 3, 5, 4, 5;
  Vector<double> y(4);
  y << 0, 1, 0, 1;
  npy_write((dir / "X_train.npy").string(), x);
  npy_write((dir / "y_train.npy").string(), y);
  npy_write((dir / "X_test.npy").string(), x);
  npy_write((dir / "y_test.npy").string(), y);
  DataOptions o;
  o.dataset = "npy";
  o.path = dir.string();
  o.train_size = 4;
  o.standardize = "feature";
  Dataset ds = load_dataset(o);
  for (int r = 0; r < 4; ++r) EXPECT_EQ(ds.x_train(r, 1), 0.0);  // (5 − 5) / 1
  EXPECT_NEAR(ds.x_train(0, 0), (1 - 2.5) / std::sqrt(1.25), 1e-12);
  // labels {0, 1}: a binary task with 1 → +1
  EXPECT_EQ(ds.class_ids, (std::vector<int>{1, 0}));
  EXPECT_EQ(ds.y_train(0), -1.0);
  EXPECT_EQ(ds.y_train(1), 1.0);
}

TEST(LoadDataset, CifarTwoClassesWithFixedConstants) {
  auto dir = scratch("cifar");
  write_bytes(dir / "data_batch_1.bin", cifar_bytes(10, 0));
  write_bytes(dir / "data_batch_2.bin", cifar_bytes(10, 10));
  write_bytes(dir / "test_batch.bin", cifar_bytes(10, 100));
  DataOptions o;
  o.dataset = "cifar-2";
  o.path = dir.string();
  o.train_size = 4;
  Dataset ds = load_dataset(o);
  ASSERT_EQ(ds.x_train.rows(), 4);  // samples 0, 1, 10, 11 (labels 0, 1, 0, 1)
  ASSERT_EQ(ds.x_train.cols(), 3072);
  ASSERT_EQ(ds.x_test.rows(), 2);
  EXPECT_EQ(ds.name, "cifar-2 (0 vs 1)");
  const int idx[] = {0, 1, 10, 11};
  for (int r = 0; r < 4; ++r) {
    EXPECT_EQ(ds.y_train(r), idx[r] % 2 == 0 ? 1.0 : -1.0);  // airplane (0) = +1
    for (int j : {0, 1500, 3071}) EXPECT_NEAR(ds.x_train(r, j), (pixel(idx[r], j) / 255.0 - 0.4734) / 0.2516, 1e-12);
  }
  fs::remove(dir / "test_batch.bin");
  EXPECT_INPUT_ERROR(load_dataset(o), "test_batch.bin: no such file");
  fs::remove(dir / "data_batch_1.bin");
  fs::remove(dir / "data_batch_2.bin");
  EXPECT_INPUT_ERROR(load_dataset(o), "no data_batch_*.bin files");
}

TEST(LoadDataset, CsvAndNpyTasks) {
  auto dir = scratch("tables");
  write_bytes(dir / "train.csv", "a,b,label\n0,1,7\n1,0,9\n2,2,7\n3,1,9\n");
  write_bytes(dir / "test.csv", "5,5,9\n");
  DataOptions o;
  o.dataset = "csv";
  o.path = dir.string();
  o.train_size = 2;
  o.standardize = "none";
  Dataset ds = load_dataset(o);
  EXPECT_EQ(ds.class_ids, (std::vector<int>{9, 7}));
  ASSERT_EQ(ds.x_train.rows(), 2);
  EXPECT_EQ(counts(ds.y_train).size(), 2u);
  EXPECT_EQ(ds.x_test(0, 0), 5.0);
  EXPECT_EQ(ds.y_test(0), 1.0);
  // three classes → indices 0..2 in ascending label order
  write_bytes(dir / "train.csv", "0,1,4\n1,0,2\n2,2,8\n");
  write_bytes(dir / "test.csv", "5,5,8\n");
  o.train_size = 3;
  ds = load_dataset(o);
  EXPECT_EQ(ds.classes, 3);
  EXPECT_EQ(ds.y_train, (Vector<double>(3) << 1, 0, 2).finished());
  EXPECT_EQ(ds.y_test(0), 2.0);
  // ±1 labels are kept as they are
  Matrix<double> x(4, 1);
  x << 0.5, -0.5, 1.5, -1.5;
  Vector<double> y(4);
  y << 1, -1, 1, -1;
  npy_write((dir / "x_train.npy").string(), x);
  npy_write((dir / "y_train.npy").string(), y);
  npy_write((dir / "x_test.npy").string(), x);
  npy_write((dir / "y_test.npy").string(), y);
  o.dataset = "npy";
  o.train_size = 4;
  ds = load_dataset(o);
  EXPECT_EQ(ds.y_train, y);
  EXPECT_EQ(ds.x_train, x);
  // Audit: inputs of order 1e200 overflowed the standard deviation to inf, and dividing by it zeroed every input.
  npy_write((dir / "x_train.npy").string(), Matrix<double>(x * 1e200));
  for (const std::string standardize : {"scalar", "feature"}) {
    o.standardize = standardize;
    EXPECT_INPUT_ERROR(load_dataset(o), "mean or standard deviation overflows float64");
  }
  o.standardize = "none";  // raw inputs are the user's choice: they load as they are
  EXPECT_EQ(load_dataset(o).x_train(0, 0), 0.5e200);
}

TEST(LoadDataset, BadTableInputs) {
  auto dir = scratch("badtables");
  DataOptions o;
  o.dataset = "npy";
  o.path = dir.string();
  o.train_size = 2;
  Matrix<double> x = Matrix<double>::Ones(4, 3);
  Vector<double> y(4);
  y << 0, 1, 0, 1;
  EXPECT_INPUT_ERROR(load_dataset(o), "X_train.npy / x_train.npy not found");
  npy_write((dir / "X_train.npy").string(), x);
  npy_write((dir / "y_train.npy").string(), y);
  npy_write((dir / "X_test.npy").string(), Matrix<double>(Matrix<double>::Ones(2, 4)));
  npy_write((dir / "y_test.npy").string(), Vector<double>(Vector<double>::Zero(2)));
  EXPECT_INPUT_ERROR(load_dataset(o), "X_test.npy: 4 features per sample, but");
  npy_write((dir / "X_test.npy").string(), Matrix<double>(Matrix<double>::Ones(2, 3)));
  Vector<double> yt(2);
  yt << 0, 5;
  npy_write((dir / "y_test.npy").string(), yt);
  EXPECT_INPUT_ERROR(load_dataset(o), "y_test.npy: label 5 of sample 1 does not occur in the training labels");
  npy_write((dir / "y_test.npy").string(), Vector<double>(Vector<double>::Zero(2)));
  Vector<double> half = y;
  half(2) = 0.5;
  npy_write((dir / "y_train.npy").string(), half);
  EXPECT_INPUT_ERROR(load_dataset(o), "y_train.npy: label 0.5 of sample 2 is not an integer class id");
  npy_write((dir / "y_train.npy").string(), Vector<double>(Vector<double>::Zero(4)));
  EXPECT_INPUT_ERROR(load_dataset(o), "y_train.npy: the labels hold 1 distinct class(es)");
  npy_write((dir / "y_train.npy").string(), y);
  o.train_size = 6;
  EXPECT_INPUT_ERROR(load_dataset(o), "data.train_size = 6: the training split of data.classes = [1, 0] has only 4");
  o.classes = {3, 4};
  o.train_size = 2;
  EXPECT_INPUT_ERROR(load_dataset(o), "y_train.npy: no training samples of data.classes = [3, 4]");
  o.path = (dir / "X_train.npy").string();
  EXPECT_INPUT_ERROR(load_dataset(o), "X_train.npy: is not a directory");
}

TEST(LoadDataset, MnistDirectoryProblems) {
  auto base = scratch("mnistbad");
  DataOptions o = mnist_options(base / "absent");
  EXPECT_INPUT_ERROR(load_dataset(o), "absent: no such directory");
  write_mnist_dir(base / "m", 20, 10, 2, 2, true);
  o.path = (base / "m").string();
  o.train_size = 2;
  o.classes = {1, 2};
  o.train_size = 5;  // digits 1 and 2 have 2 samples each
  EXPECT_INPUT_ERROR(load_dataset(o), "data.train_size = 5: the training split of data.classes = [1, 2] has only 4");
  // labels and images of different counts in the directory
  write_bytes(base / "m" / "t10k-labels-idx1-ubyte", idx_bytes({3}, {1, 2, 3}));
  fs::remove(base / "m" / "t10k-labels-idx1-ubyte.gz");
  o.train_size = 4;
  EXPECT_INPUT_ERROR(load_dataset(o), "t10k-labels-idx1-ubyte: label/image count mismatch");
}

// The task renumbers a table's classes (here −5, 3, 7 → 0, 1, 2): a class short of samples is named by the data's own
// id, not by the task's label ("class with label 0", a label the file does not hold).
TEST(LoadDataset, AClassShortOfSamplesIsNamedByItsOwnId) {
  auto dir = scratch("renumbered");
  DataOptions o;
  o.dataset = "npy";
  o.path = dir.string();
  o.classes = {};
  o.standardize = "none";
  Vector<double> y(7);
  y << -5, 3, 3, 3, 7, 7, 7;
  npy_write((dir / "X_train.npy").string(), Matrix<double>(Matrix<double>::Ones(7, 2)));
  npy_write((dir / "y_train.npy").string(), y);
  npy_write((dir / "X_test.npy").string(), Matrix<double>(Matrix<double>::Ones(7, 2)));
  npy_write((dir / "y_test.npy").string(), y);
  o.train_size = 6;
  EXPECT_INPUT_ERROR(load_dataset(o), "data.train_size = 6: class -5 has 1 samples, 2 needed");
}

// IDX files carry their own image sizes: a test split of other images (or images of no pixels) is refused when the data
// load, not by every run that trains on them.
TEST(LoadDataset, IdxSplitsOfOtherImageSizesAreRefused) {
  auto base = scratch("mnistsizes");
  write_mnist_dir(base / "train", 40, 20, 4, 4, false);
  write_mnist_dir(base / "test", 40, 20, 5, 5, false);
  for (std::string f : {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    fs::copy_file(base / "test" / f, base / "train" / f, fs::copy_options::overwrite_existing);
  DataOptions o = mnist_options(base / "train");
  o.classes = {0, 1};
  o.train_size = 4;
  EXPECT_INPUT_ERROR(load_dataset(o), "t10k-images-idx3-ubyte: 25 features per sample, but");
  write_mnist_dir(base / "empty", 40, 20, 0, 4, false);
  o.path = (base / "empty").string();
  EXPECT_INPUT_ERROR(load_dataset(o), "0 features per sample, expected ≥ 1");
}

// The gaussians task is drawn at the size the config asks: one no machine holds was drawn until it died of
// std::bad_alloc (or filled memory), even for --dry-run. Refused before drawing, naming the keys.
TEST(LoadDataset, GaussiansNoMachineHoldsAreRefusedBeforeDrawing) {
  DataOptions o;
  o.dataset = "gaussians";
  o.classes = {};
  o.train_size = 2147483647;
  o.test_size = 10;
  o.gaussians_dim = 100000;  // 2 · 8 bytes · 2.1e9 · 1e5 ≈ 3.4e15 bytes
  EXPECT_INPUT_ERROR(load_dataset(o),
                     "data.train_size = 2147483647 and data.test_size = 10 at data.gaussians_dim = 100000: the "
                     "gaussians task's inputs and their copy (float64) need at least");
}

// Every selected class must occur in the training split: mnist's default 0–9 on files of two digits was "10 classes".
TEST(LoadDataset, ASelectedClassWithoutTrainingSamplesIsRefused) {
  auto base = scratch("mnistclasses");
  write_mnist_dir(base / "m", 40, 20, 3, 2, false);
  for (std::string split : {"train", "t10k"}) {  // labels 0 and 1 only
    const int n = split == "train" ? 40 : 20;
    std::vector<std::uint8_t> lab;
    for (int i = 0; i < n; ++i) lab.push_back(std::uint8_t(i % 2));
    write_bytes(base / "m" / (split + "-labels-idx1-ubyte"), idx_bytes({std::uint32_t(n)}, lab));
  }
  DataOptions o = mnist_options(base / "m");
  o.train_size = 4;
  o.classes = {0, 1, 5};
  EXPECT_INPUT_ERROR(load_dataset(o), "data.classes = [0, 1, 5]: class 5 has no training samples");
  o.classes = {};
  EXPECT_INPUT_ERROR(load_dataset(o), "data.classes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] (the default for mnist): class 2");
  o.classes = {1, 0};
  EXPECT_EQ(load_dataset(o).classes, 2);
}

TEST(LoadDataset, NonUtf8DirectoryNames) {
  auto base = scratch("utf");
  fs::path dir = base / "donn\xe9\x65s\xff";
  write_mnist_dir(dir, 20, 10, 2, 2, true);
  DataOptions o = mnist_options(dir);
  o.train_size = 10;
  EXPECT_EQ(load_dataset(o).x_train.rows(), 10);
  fs::remove(dir / "train-images-idx3-ubyte.gz");
  EXPECT_INPUT_ERROR(load_dataset(o), "donn\\xe9\x65s\\xff: neither train-images-idx3-ubyte");
}

TEST(Gaussians, ClassVariancesMatchOnePlusMinusDelta) {
  const int dim = 20, n = 2000;
  const double delta = 0.5;
  Dataset ds = make_gaussians(dim, delta, n, 101, 42);
  ASSERT_EQ(ds.x_train.rows(), n);
  ASSERT_EQ(ds.x_train.cols(), dim);
  ASSERT_EQ(ds.x_test.rows(), 101);
  auto c = counts(ds.y_train);
  EXPECT_EQ(c[1.0], n / 2);
  EXPECT_EQ(c[-1.0], n / 2);
  EXPECT_EQ(counts(ds.y_test)[1.0], 51);  // the odd sample is +1
  for (double label : {1.0, -1.0}) {
    double s1 = 0, s2 = 0;
    int m = 0;
    for (int i = 0; i < n; ++i) {
      if (ds.y_train(i) != label) continue;
      s1 += ds.x_train.row(i).sum();
      s2 += ds.x_train.row(i).squaredNorm();
      m += dim;
    }
    const double sigma2 = (1 + label * delta) * (1 + label * delta);
    // E x = 0 with SE σ/√m; E x² = σ² with SE σ²·√(2/m); 5 standard errors.
    EXPECT_NEAR(s1 / m, 0.0, 5 * std::sqrt(sigma2 / m)) << label;
    EXPECT_NEAR(s2 / m, sigma2, 5 * sigma2 * std::sqrt(2.0 / m)) << label;
  }
  // labels are shuffled, not in blocks
  int switches = 0;
  for (int i = 1; i < n; ++i) switches += ds.y_train(i) != ds.y_train(i - 1);
  EXPECT_GT(switches, n / 4);
  // seeded
  EXPECT_EQ(make_gaussians(dim, delta, 10, 10, 42).x_train, make_gaussians(dim, delta, 10, 10, 42).x_train);
  EXPECT_NE(make_gaussians(dim, delta, 10, 10, 42).x_train, make_gaussians(dim, delta, 10, 10, 43).x_train);
}

TEST(Gaussians, ThroughLoadDataset) {
  DataOptions o;
  o.dataset = "gaussians";
  o.gaussians_dim = 5;
  o.gaussians_delta = 0.25;
  o.train_size = 300;
  o.test_size = 50;
  o.seed = 9;
  o.standardize = "none";
  Dataset ds = load_dataset(o);
  EXPECT_EQ(ds.x_train, make_gaussians(5, 0.25, 300, 50, 9).x_train);
  EXPECT_EQ(ds.x_test.rows(), 50);
  EXPECT_EQ(ds.classes, 2);
  o.standardize = "scalar";
  ds = load_dataset(o);
  const double m = ds.x_train.mean();
  EXPECT_NEAR(m, 0.0, 1e-12);
  EXPECT_NEAR((ds.x_train.array() - m).square().mean(), 1.0, 1e-12);
}
