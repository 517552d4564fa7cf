// IDX reader (loaders.h): gzipped and plain round trips, and malformed files.
#include <gtest/gtest.h>
#include <time.h>

#include "data/fixtures.h"
#include "widthlab/loaders.h"

using namespace widthlab;
using namespace widthlab::test;
namespace fs = std::filesystem;

TEST(Idx, PlainAndGzippedRoundTrip) {
  auto dir = scratch("rt");
  for (bool gz : {false, true}) {
    auto sub = dir / (gz ? "gz" : "plain");
    write_mnist_dir(sub, 13, 5, 4, 3, gz);
    auto ti = find_idx_file(sub.string(), "train-images-idx3-ubyte");
    auto tl = find_idx_file(sub.string(), "train-labels-idx1-ubyte");
    EXPECT_EQ(ti.size() > 3 && ti.substr(ti.size() - 3) == ".gz", gz);
    ImageSet s = read_idx_pair(ti, tl);
    ASSERT_EQ(s.count, 13);
    ASSERT_EQ(s.features, 12);
    for (int i = 0; i < 13; ++i) {
      EXPECT_EQ(s.labels[i], i % 10);
      for (int j = 0; j < 12; ++j) ASSERT_EQ(s.pixels[i * 12 + j], pixel(i, j)) << i << "," << j;
    }
    IdxArray a = read_idx(find_idx_file(sub.string(), "t10k-images-idx3-ubyte"));
    EXPECT_EQ(a.dims, (std::vector<std::int64_t>{5, 4, 3}));
  }
}

TEST(Idx, LargeGzDecodeIsFast) {
  // 20 000 images of 28 × 28 (a third of Fashion-MNIST's training file) must decode in well under a second.
  auto dir = scratch("fast");
  std::vector<std::uint8_t> px(std::size_t(20000) * 784);
  for (std::size_t k = 0; k < px.size(); ++k) px[k] = std::uint8_t((k * 2654435761u) >> 24);
  write_gz(dir / "big.gz", idx_bytes({20000, 28, 28}, px));
  // CPU time of this thread (the machine may be shared).
  auto cpu = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
  };
  const double t0 = cpu();
  ImageSet s = read_idx_images((dir / "big.gz").string());
  const double sec = cpu() - t0;
  EXPECT_EQ(s.pixels, px);
  if (!std::getenv("WIDTHLAB_SANITIZED")) {
    EXPECT_LT(sec, 1.0);
  }
  std::printf("decoded 20000 images of 784 bytes (gz) in %.3f s CPU\n", sec);
}

class IdxBad : public ::testing::Test {
 protected:
  void SetUp() override { dir = scratch("bad"); }
  std::string put(const std::string& name, const std::string& bytes) {
    write_bytes(dir / name, bytes);
    return (dir / name).string();
  }
  fs::path dir;
  std::vector<std::uint8_t> px = std::vector<std::uint8_t>(2 * 4, 9);
};

TEST_F(IdxBad, WrongMagic) {
  auto labels = put("labels.idx", idx_bytes({2}, {1, 2}));
  auto images = put("images.idx", idx_bytes({2, 2, 2}, px));
  EXPECT_INPUT_ERROR(read_idx_images(labels), "labels.idx: wrong magic number 0x00000801");
  EXPECT_INPUT_ERROR(read_idx_labels(images), "images.idx: wrong magic number 0x00000803");
  EXPECT_INPUT_ERROR(read_idx(put("float.idx", idx_bytes({2}, {0, 0, 0, 0, 0, 0, 0, 0}, 0x0d))), "float.idx");
  EXPECT_INPUT_ERROR(read_idx(put("text.idx", "hello, this is text")), "text.idx");
}
TEST_F(IdxBad, TruncatedPlainAndGzipped) {
  std::string full = idx_bytes({2, 2, 2}, px);
  EXPECT_INPUT_ERROR(read_idx_images(put("short.idx", full.substr(0, full.size() - 1))), "short.idx: truncated");
  EXPECT_INPUT_ERROR(read_idx_images(put("hdr.idx", full.substr(0, 6))), "hdr.idx: truncated");
  // a gzip stream cut in the middle
  std::vector<std::uint8_t> many(50000);
  for (std::size_t k = 0; k < many.size(); ++k) many[k] = std::uint8_t(k * 7919 % 251);
  write_gz(dir / "cut.gz", idx_bytes({50, 1000, 1}, many));
  std::string gz = read_bytes(dir / "cut.gz");
  auto cut = put("cut2.gz", gz.substr(0, gz.size() / 2));
  EXPECT_INPUT_ERROR(read_idx_images(cut), "cut2.gz");
}
TEST_F(IdxBad, EmptyTrailingMissingDirectory) {
  EXPECT_INPUT_ERROR(read_idx(put("empty.idx", "")), "empty.idx: empty file");
  EXPECT_INPUT_ERROR(read_idx(put("long.idx", idx_bytes({2}, {1, 2}) + "x")), "long.idx: trailing bytes");
  EXPECT_INPUT_ERROR(read_idx((dir / "absent.idx").string()), "absent.idx: no such file");
  fs::create_directories(dir / "folder.idx");
  EXPECT_INPUT_ERROR(read_idx((dir / "folder.idx").string()), "folder.idx: is a directory");
}
TEST_F(IdxBad, CountMismatch) {
  auto images = put("img.idx", idx_bytes({2, 2, 2}, px));
  auto labels = put("lab.idx", idx_bytes({3}, {1, 2, 3}));
  EXPECT_INPUT_ERROR(read_idx_pair(images, labels), "lab.idx: label/image count mismatch: 3 labels for the 2 images");
}
TEST_F(IdxBad, MissingFileInDirectory) {
  write_mnist_dir(dir / "mnist", 4, 2, 2, 2, true);
  fs::remove(dir / "mnist" / "t10k-labels-idx1-ubyte.gz");
  EXPECT_INPUT_ERROR(find_idx_file((dir / "mnist").string(), "t10k-labels-idx1-ubyte"), "t10k-labels-idx1-ubyte.gz");
  EXPECT_INPUT_ERROR(find_idx_file((dir / "none").string(), "x"), "none: no such directory");
}
