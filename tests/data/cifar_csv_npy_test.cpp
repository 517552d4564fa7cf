// CIFAR-10 binary, CSV and .npy-pair readers (loaders.h): round trips and malformed files.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "data/fixtures.h"
#include "widthlab/loaders.h"

using namespace widthlab;
using namespace widthlab::test;
namespace fs = std::filesystem;

TEST(Cifar, RoundTrip) {
  auto dir = scratch("rt");
  write_bytes(dir / "data_batch_1.bin", cifar_bytes(7, 3));
  ImageSet s = read_cifar_batch((dir / "data_batch_1.bin").string());
  ASSERT_EQ(s.count, 7);
  ASSERT_EQ(s.features, 3072);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(s.labels[i], (i + 3) % 10);
    for (int j : {0, 1023, 1024, 2047, 3071}) EXPECT_EQ(s.pixels[i * 3072 + j], pixel(i + 3, j));
  }
}

TEST(Cifar, BadFiles) {
  auto dir = scratch("bad");
  std::string rec = cifar_bytes(2, 0);
  write_bytes(dir / "short.bin", rec.substr(0, rec.size() - 10));
  EXPECT_INPUT_ERROR(read_cifar_batch((dir / "short.bin").string()),
                     "short.bin: size 6136 is not a multiple of the 3073");
  write_bytes(dir / "empty.bin", "");
  EXPECT_INPUT_ERROR(read_cifar_batch((dir / "empty.bin").string()), "empty.bin: empty file");
  rec[3073] = char(200);
  write_bytes(dir / "label.bin", rec);
  EXPECT_INPUT_ERROR(read_cifar_batch((dir / "label.bin").string()), "label.bin: record 1: label 200");
  EXPECT_INPUT_ERROR(read_cifar_batch((dir / "nope.bin").string()), "nope.bin: no such file");
  fs::create_directories(dir / "d.bin");
  EXPECT_INPUT_ERROR(read_cifar_batch((dir / "d.bin").string()), "d.bin: is a directory");
}

TEST(Csv, RoundTripWithHeaderCommentsAndSpaces) {
  auto dir = scratch("rt");
  write_bytes(dir / "t.csv", "# a comment\nx1, x2 ,label\n\n1.5,-2,1\n+3e2, 0.25 ,0\r\n-0.0,7,1\n");
  LabeledTable t = read_csv_table((dir / "t.csv").string());
  ASSERT_EQ(t.x.rows(), 3);
  ASSERT_EQ(t.x.cols(), 2);
  EXPECT_EQ(t.x(0, 0), 1.5);
  EXPECT_EQ(t.x(0, 1), -2.0);
  EXPECT_EQ(t.x(1, 0), 300.0);
  EXPECT_EQ(t.x(1, 1), 0.25);
  EXPECT_EQ(t.x(2, 1), 7.0);
  EXPECT_EQ(t.y, (std::vector<double>{1, 0, 1}));
  // no header: the first line is data
  write_bytes(dir / "nohdr.csv", "1,2,3\n4,5,6");
  LabeledTable u = read_csv_table((dir / "nohdr.csv").string());
  EXPECT_EQ(u.x.rows(), 2);
  EXPECT_EQ(u.y, (std::vector<double>{3, 6}));
}

TEST(Csv, BadFiles) {
  auto dir = scratch("bad");
  auto put = [&](const std::string& name, const std::string& text) {
    write_bytes(dir / name, text);
    return (dir / name).string();
  };
  EXPECT_INPUT_ERROR(read_csv_table(put("word.csv", "a,b,y\n1,2,0\n3,abc,1\n")), "word.csv:3:2: 'abc' is not a number");
  EXPECT_INPUT_ERROR(read_csv_table(put("gap.csv", "1,,0\n")), "gap.csv:1:2");
  EXPECT_INPUT_ERROR(read_csv_table(put("ragged.csv", "1,2,0\n1,2,3,0\n")), "ragged.csv:2: 4 columns, expected 3");
  EXPECT_INPUT_ERROR(read_csv_table(put("nan.csv", "1,2,0\nnan,2,1\n")), "nan.csv:2:1: non-finite");
  EXPECT_INPUT_ERROR(read_csv_table(put("inf.csv", "1,-inf,0\n")), "inf.csv:1:2: non-finite");
  EXPECT_INPUT_ERROR(read_csv_table(put("empty.csv", "")), "empty.csv: no data rows");
  EXPECT_INPUT_ERROR(read_csv_table(put("header.csv", "x,y\n")), "header.csv: no data rows");
  EXPECT_INPUT_ERROR(read_csv_table(put("one.csv", "1\n2\n")), "one.csv:1: one column");
  EXPECT_INPUT_ERROR(read_csv_table((dir / "missing.csv").string()), "missing.csv: no such file");
  fs::create_directories(dir / "dir.csv");
  EXPECT_INPUT_ERROR(read_csv_table((dir / "dir.csv").string()), "dir.csv: is a directory");
}

TEST(NpyPair, RoundTripAndShapes) {
  auto dir = scratch("rt");
  Matrix<double> x(3, 2);
  x << 1, 2, 3, 4, 5, 6;
  Vector<double> y(3);
  y << 1, -1, 1;
  npy_write((dir / "X.npy").string(), x);
  npy_write((dir / "y.npy").string(), y);
  LabeledTable t = read_npy_pair((dir / "X.npy").string(), (dir / "y.npy").string());
  EXPECT_EQ(t.x, x);
  EXPECT_EQ(t.y, (std::vector<double>{1, -1, 1}));
  Matrix<double> y2 = y;  // (n, 1) labels are fine too
  npy_write((dir / "y2.npy").string(), y2);
  EXPECT_EQ(read_npy_pair((dir / "X.npy").string(), (dir / "y2.npy").string()).y.size(), 3u);
}

TEST(NpyPair, BadFiles) {
  auto dir = scratch("bad");
  Matrix<double> x = Matrix<double>::Ones(3, 2);
  npy_write((dir / "X.npy").string(), x);
  npy_write((dir / "y4.npy").string(), Vector<double>(Vector<double>::Ones(4)));
  EXPECT_INPUT_ERROR(read_npy_pair((dir / "X.npy").string(), (dir / "y4.npy").string()), "y4.npy: 4 labels, but");
  npy_write((dir / "y32.npy").string(), Matrix<double>(Matrix<double>::Ones(3, 2)));
  EXPECT_INPUT_ERROR(read_npy_pair((dir / "X.npy").string(), (dir / "y32.npy").string()),
                     "y32.npy: labels of shape (3, 2)");
  Matrix<double> bad = x;
  bad(2, 1) = std::numeric_limits<double>::quiet_NaN();
  npy_write((dir / "Xnan.npy").string(), bad);
  npy_write((dir / "y3.npy").string(), Vector<double>(Vector<double>::Ones(3)));
  EXPECT_INPUT_ERROR(read_npy_pair((dir / "Xnan.npy").string(), (dir / "y3.npy").string()),
                     "Xnan.npy: non-finite value nan at [2, 1]");
  Vector<double> yinf = Vector<double>::Ones(3);
  yinf(0) = std::numeric_limits<double>::infinity();
  npy_write((dir / "yinf.npy").string(), yinf);
  EXPECT_INPUT_ERROR(read_npy_pair((dir / "X.npy").string(), (dir / "yinf.npy").string()),
                     "yinf.npy: non-finite label");
  EXPECT_INPUT_ERROR(read_npy_pair((dir / "X.npy").string(), (dir / "absent.npy").string()), "absent.npy");
}

// A stack of images (n, H, W) is read as rows of H·W·1 values in C order, with its image shape.
TEST(NpyPair, ImageStacksAreFlattenedWithTheirShape) {
  auto dir = scratch("images");
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 3), }";
  const std::size_t total = 10 + dict.size() + 1, padded = (total + 63) / 64 * 64;
  dict += std::string(padded - total, ' ') + "\n";
  std::string bytes = std::string("\x93NUMPY\x01", 7) + '\0' + char(dict.size() & 0xff) + char(dict.size() >> 8) + dict;
  const double values[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  bytes.append(reinterpret_cast<const char*>(values), sizeof(values));
  std::ofstream((dir / "X.npy").string(), std::ios::binary) << bytes;
  npy_write((dir / "y.npy").string(), Vector<double>(Vector<double>::Ones(2)));
  const LabeledTable t = read_npy_pair((dir / "X.npy").string(), (dir / "y.npy").string());
  EXPECT_EQ(t.image, (std::vector<std::int64_t>{2, 3, 1}));
  ASSERT_EQ(t.x.rows(), 2);
  ASSERT_EQ(t.x.cols(), 6);
  EXPECT_EQ(t.x(1, 0), 6);
  EXPECT_EQ(t.x(1, 5), 11);
}
