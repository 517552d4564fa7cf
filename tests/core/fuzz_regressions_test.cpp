// Inputs that fuzz/fuzz_npy found to break the .npy reader (npy.h), kept as regression tests: each must now be read
// or refused with an InputError naming the file. fuzz/README.md lists every finding.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "data/test_util.h"
#include "widthlab/npy.h"

using namespace widthlab;
using widthlab::test::npy_v2_bytes;
using widthlab::test::scratch;
using widthlab::test::write_bytes;

namespace {

std::string write_file(const std::string& name, const std::string& bytes) {
  const std::string path = (scratch(name) / (name + ".npy")).string();
  write_bytes(path, bytes);
  return path;
}

}  // namespace

// fuzz_npy's first finding (UBSan: signed overflow in NpyHeader::count): a zero dimension made the header check pass
// whatever the other dimensions were, and count() then multiplied (2^63-1)·(2^63-1). count() now answers 0 before
// multiplying, and since the fourth finding (tests/data/fuzz_regressions_test.cpp: an empty image stack whose H·W·C
// overflowed in read_npy_pair) the reader refuses non-zero dimensions whose product passes 2^48.
TEST(FuzzRegressions, NpyZeroDimensionBesideHugeOnesIsRefused) {
  const std::string path =
      write_file("zero_dim", npy_v2_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775807, "
                                          "9223372036854775807, 0), }",
                                          ""));
  EXPECT_INPUT_ERROR(npy_read_header(path), "implausibly large dimensions");
  EXPECT_INPUT_ERROR(npy_read_flat(path), "zero_dim.npy");
}

// An empty array with ordinary dimensions is still read as empty.
TEST(FuzzRegressions, NpyZeroDimensionBesideOrdinaryOnesIsEmpty) {
  const std::string path =
      write_file("zero_rows", npy_v2_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 28, 28, 1), }", ""));
  EXPECT_EQ(npy_read_header(path).count(), 0);
  EXPECT_TRUE(npy_read_flat(path).empty());
}

// The header dict was matched with std::regex, which recurses once per character: a long 'descr' string or a long
// shape overflowed the stack (ASan: stack-overflow in std::function, 100 kB descr; 10 kB shape under ASan).
TEST(FuzzRegressions, NpyMegabyteDescrIsAnInputError) {
  const std::string path = write_file("long_descr", npy_v2_bytes("{'descr': '" + std::string(1 << 20, 'x') +
                                                                     "', 'fortran_order': False, 'shape': (1,), }",
                                                                 std::string(8, '\0')));
  EXPECT_INPUT_ERROR(npy_read_header(path), "unsupported dtype");
}

TEST(FuzzRegressions, NpyShapeOfManyDimensionsIsRead) {
  std::string shape;
  for (int i = 0; i < 300000; ++i) shape += "1, ";
  const std::string path = write_file(
      "long_shape",
      npy_v2_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (" + shape + "), }", std::string(8, '\0')));
  EXPECT_EQ(npy_read_header(path).shape.size(), 300000u);
  EXPECT_EQ(npy_read_flat(path), std::vector<double>{0.0});
  EXPECT_INPUT_ERROR(npy_read_matrix<double>(path), "long_shape.npy");  // not 1-D or 2-D
}

// An unclosed 'shape' value after many keys: the scan must stay linear (a regex search restarted at every key).
TEST(FuzzRegressions, NpyManyUnclosedEntriesAreAnInputError) {
  std::string dict = "{'descr': '<f8', 'fortran_order': False, ";
  for (int i = 0; i < 200000; ++i) dict += "'shape': (";
  const std::string path = write_file("unclosed", npy_v2_bytes(dict, ""));
  EXPECT_INPUT_ERROR(npy_read_header(path), "no 'shape' entry");
}
