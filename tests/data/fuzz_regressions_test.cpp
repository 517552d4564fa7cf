// Inputs that fuzz/fuzz_idx found to break the IDX reader (loaders.h), kept as regression tests: each must now be
// read or refused with an InputError naming the file. fuzz/README.md lists every finding.
#include <gtest/gtest.h>

#include <string>

#include "data/test_util.h"
#include "widthlab/loaders.h"

using namespace widthlab;
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
