// Inputs that fuzz/fuzz_idx and fuzz/fuzz_npy found to break the IDX and .npy pair readers (loaders.h), kept as
// regression tests: each must now be read or refused with an InputError naming the file. fuzz/README.md lists every
// finding.
#include <gtest/gtest.h>

#include <string>

#include "data/test_util.h"
#include "widthlab/loaders.h"

using namespace widthlab;
using widthlab::test::npy_v2_bytes;
using widthlab::test::scratch;
using widthlab::test::write_bytes;

// fuzz_idx's finding (UBSan: signed overflow in read_idx_images): 0 images of (2^32-1) × (2^32-1) pixels passed the
// size check (the count is 0), and rows × cols overflowed. The crash input, 16 bytes:
TEST(FuzzRegressions, IdxZeroImagesOfHugeSizeIsAnInputError) {
  const std::string path = (scratch("idx_zero") / "images.idx").string();
  write_bytes(path, std::string("\x00\x00\x08\x03\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff", 16));
  EXPECT_INPUT_ERROR(read_idx_images(path), "implausibly large");
  EXPECT_INPUT_ERROR(read_idx(path), "images.idx");
}

// A zero dimension next to plausible ones is still an empty file, not an error.
TEST(FuzzRegressions, IdxZeroImagesOfPlausibleSizeIsEmpty) {
  const std::string path = (scratch("idx_empty") / "images.idx").string();
  write_bytes(path, std::string("\x00\x00\x08\x03\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x1c", 16));
  const ImageSet s = read_idx_images(path);
  EXPECT_EQ(s.count, 0);
  EXPECT_EQ(s.features, 28 * 28);
}

// fuzz_npy's fourth finding (UBSan: signed overflow in read_npy_pair, CI of 2026-12-03): an empty image stack of shape
// (922337203685775, 4078, 2^63-1, 0) passed the size check, and the loader multiplied H·W·C. The CI's crash input:
TEST(FuzzRegressions, NpyPairEmptyStackOfHugeImagesIsAnInputError) {
  const std::string path = (scratch("npy_huge_image") / "x.npy").string();
  write_bytes(path, npy_v2_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (922337203685775,4078 "
                                 "9223372036854775807, 0), }",
                                 ""));
  EXPECT_INPUT_ERROR(read_npy_pair(path, path), "x.npy");
}
