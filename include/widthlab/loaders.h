// File-format readers for the data module (architecture.md §6): IDX (MNIST / Fashion-MNIST, gzipped or plain), CIFAR-10
// binary batches, numeric CSV and .npy pairs. They return the file's samples unchanged (no class selection, no
// scaling); dataset.h builds tasks from them. Every malformed input is an InputError naming the file and the problem.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "widthlab/tensor.h"

namespace widthlab {

// Samples of 8-bit pixels with integer labels: pixels[i * features + j] is feature j of sample i.
struct ImageSet {
  std::int64_t count = 0;
  std::int64_t features = 0;  // 28·28 for IDX images, 3·32·32 for CIFAR (plane order R, G, B, each row-major)
  std::vector<std::uint8_t> pixels;
  std::vector<int> labels;
};

// One IDX file, read through zlib (gzip-compressed or plain files alike): a big-endian magic 0x00 0x00 type ndim,
// ndim big-endian uint32 dimensions, then the data. Only unsigned-byte data (type 0x08) is supported.
struct IdxArray {
  std::vector<std::int64_t> dims;
  std::vector<std::uint8_t> data;
};
IdxArray read_idx(const std::string& path);
// Magic 0x00000801 (1-D labels) and 0x00000803 (3-D images) respectively; anything else is an error.
std::vector<int> read_idx_labels(const std::string& path);
ImageSet read_idx_images(const std::string& path);  // labels left empty
// Images and labels from two IDX files; the counts must agree.
ImageSet read_idx_pair(const std::string& images_path, const std::string& labels_path);
// In `dir`, the first of `stem` and `stem`.gz that exists (e.g. "train-images-idx3-ubyte"); error when neither does.
std::string find_idx_file(const std::string& dir, const std::string& stem);

// A CIFAR-10 binary batch (data_batch_1.bin … test_batch.bin): records of 1 label byte (0–9) + 3072 pixel bytes.
// The file size must be a positive multiple of 3073.
ImageSet read_cifar_batch(const std::string& path);

// Real-valued samples and their (not yet interpreted) labels.
struct LabeledTable {
  Matrix<double> x;  // n × d
  std::vector<double> y;
  std::vector<std::int64_t> image;  // (H, W, C) when x was read from a stack of images (d = H·W·C), else empty
};

// Numeric CSV: one sample per line, comma-separated, the LAST column is the label; blank lines and lines starting
// with '#' are skipped; the first line is a header (and skipped) when none of its cells is a number. Every other
// cell must be a finite number: "path:line:column: …" errors otherwise, as for ragged rows and empty files.
LabeledTable read_csv_table(const std::string& path);

// X (n × d, or n for d = 1) and y (n, or n × 1) from two .npy files (<f4, <f8, <i8, |u1; npy.h). Non-finite values
// and mismatched sample counts are errors naming the file.
LabeledTable read_npy_pair(const std::string& x_path, const std::string& y_path);

}  // namespace widthlab
