// The real Fashion-MNIST files of the Debian package dataset-fashion-mnist (skipped when not installed).
#include <gtest/gtest.h>
#include <time.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

#include "widthlab/dataset.h"
#include "widthlab/error.h"
#include "widthlab/loaders.h"

using namespace widthlab;

namespace {
const std::string kDir = "/usr/share/datasets/fashion-mnist";
bool have_fashion() { return std::filesystem::exists(kDir + "/train-images-idx3-ubyte.gz"); }
}  // namespace

TEST(FashionMnist, KnownSizes) {
  if (!have_fashion()) GTEST_SKIP() << kDir << " not installed";
  // Speed is measured in bench/, not asserted here (shared machine).
  ImageSet train = read_idx_pair(kDir + "/train-images-idx3-ubyte.gz", kDir + "/train-labels-idx1-ubyte.gz");
  ImageSet test = read_idx_pair(kDir + "/t10k-images-idx3-ubyte.gz", kDir + "/t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(train.count, 60000);
  EXPECT_EQ(test.count, 10000);
  EXPECT_EQ(train.features, 28 * 28);
  IdxArray dims = read_idx(kDir + "/t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(dims.dims, (std::vector<std::int64_t>{10000, 28, 28}));
  std::map<int, int> per;
  for (int l : train.labels) ++per[l];
  ASSERT_EQ(per.size(), 10u);
  for (auto [c, n] : per) EXPECT_EQ(n, 6000) << "class " << c;
}

TEST(FashionMnist, TwoClassTaskSizesAndStandardisation) {
  if (!have_fashion()) GTEST_SKIP() << kDir << " not installed";
  DataOptions o;  // fashion-mnist-2, classes {0, 6}, scalar
  o.train_size = 12000;
  o.test_size = 2000;
  Dataset full = load_dataset(o);
  EXPECT_EQ(full.x_train.rows(), 12000);
  EXPECT_EQ(full.x_test.rows(), 2000);
  EXPECT_EQ(full.x_train.cols(), 784);
  EXPECT_EQ(full.name, "fashion-mnist-2 (0 vs 6)");
  // statistics come from exactly this split: mean 0 and std 1 up to rounding
  const double m = full.x_train.mean();
  EXPECT_NEAR(m, 0.0, 1e-9);
  EXPECT_NEAR(std::sqrt((full.x_train.array() - m).square().mean()), 1.0, 1e-9);
  EXPECT_GT(full.scalar_mean, 0.2);  // raw pixel mean of T-shirts and shirts in [0, 1]
  EXPECT_LT(full.scalar_mean, 0.5);
  EXPECT_EQ((full.y_train.array() == 1.0).count(), 6000);

  o.train_size = 1000;
  Dataset sub = load_dataset(o);
  ASSERT_EQ(sub.x_train.rows(), 1000);
  EXPECT_EQ((sub.y_train.array() == 1.0).count(), 500);
  EXPECT_EQ((sub.y_train.array() == -1.0).count(), 500);
  EXPECT_EQ(sub.x_test, full.x_test);  // same statistics, whole test split
  // 1000 random images: the per-image mean varies by about 0.4 standardised units, so the subset's mean is within
  // a few 0.4/√1000 ≈ 0.013 of 0; its std within a few percent of 1.
  const double ms = sub.x_train.mean();
  EXPECT_NEAR(ms, 0.0, 0.06);
  EXPECT_NEAR(std::sqrt((sub.x_train.array() - ms).square().mean()), 1.0, 0.05);

  o.train_size = 12001;
  EXPECT_THROW(load_dataset(o), InputError);
}

// fashion-mnist: the same files as a 10-class task (labels are class positions 0..9, stratified subsets), or any
// subset of classes through data.classes.
TEST(FashionMnist, TenClassTaskAndClassSubsets) {
  if (!have_fashion()) GTEST_SKIP() << kDir << " not installed";
  DataOptions o;
  o.dataset = "fashion-mnist";
  o.train_size = 1000;
  o.test_size = 10000;
  ASSERT_EQ(o.validate(), "");
  Dataset d = load_dataset(o);
  EXPECT_EQ(d.classes, 10);
  EXPECT_EQ(d.name, "fashion-mnist (10 classes)");
  EXPECT_EQ(d.x_test.rows(), 10000);  // the whole test split
  std::map<int, int> per;
  for (Eigen::Index i = 0; i < d.y_train.size(); ++i) ++per[int(d.y_train[i])];
  ASSERT_EQ(per.size(), 10u);
  for (auto [c, n] : per) EXPECT_EQ(n, 100) << "class " << c;
  o.classes = {9, 3, 5};  // positions follow the list: ankle boot 0, dress 1, sandal 2
  Dataset three = load_dataset(o);
  EXPECT_EQ(three.classes, 3);
  EXPECT_EQ(three.x_test.rows(), 3000);
}
