// Writers for small dataset files with known content (IDX, CIFAR-10 binary, CSV, .npy), used by the data tests.
#pragma once
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data/test_util.h"
#include "widthlab/npy.h"

namespace widthlab::test {

inline std::string be32(std::uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

// IDX bytes: magic 0x0000 08 ndim, big-endian dims, data.
inline std::string idx_bytes(const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data,
                             std::uint8_t type = 0x08) {
  std::string s = {0, 0, char(type), char(dims.size())};
  for (auto d : dims) s += be32(d);
  s.append(reinterpret_cast<const char*>(data.data()), data.size());
  return s;
}

inline void write_gz(const std::filesystem::path& p, const std::string& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  ASSERT_NE(f, nullptr) << p;
  ASSERT_EQ(gzwrite(f, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
  gzclose(f);
}

// Pixel j of sample i of the synthetic image sets.
inline std::uint8_t pixel(std::int64_t i, std::int64_t j) {
  return std::uint8_t((i * 37 + j * 11 + (i * j) % 7) % 256);
}

// An MNIST-layout directory: `n_train` / `n_test` images of rows × cols with labels (i % 10), gzipped or plain.
inline void write_mnist_dir(const std::filesystem::path& dir, int n_train, int n_test, int rows, int cols, bool gz,
                            int label_offset = 0) {
  std::filesystem::create_directories(dir);
  auto put = [&](const std::string& stem, const std::string& bytes) {
    if (gz)
      write_gz(dir / (stem + ".gz"), bytes);
    else
      write_bytes(dir / stem, bytes);
  };
  for (auto [prefix, n] : {std::pair<std::string, int>{"train", n_train}, {"t10k", n_test}}) {
    std::vector<std::uint8_t> px, lab;
    for (int i = 0; i < n; ++i) {
      lab.push_back(std::uint8_t((i + label_offset) % 10));
      for (int j = 0; j < rows * cols; ++j) px.push_back(pixel(i + (prefix == "t10k" ? 1000 : 0), j));
    }
    put(prefix + "-images-idx3-ubyte", idx_bytes({std::uint32_t(n), std::uint32_t(rows), std::uint32_t(cols)}, px));
    put(prefix + "-labels-idx1-ubyte", idx_bytes({std::uint32_t(n)}, lab));
  }
}

// CIFAR-10 binary records: label (i + offset) % 10, then 3072 pixels pixel(i + offset, j).
inline std::string cifar_bytes(int n, int offset) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    s.push_back(char((i + offset) % 10));
    for (int j = 0; j < 3072; ++j) s.push_back(char(pixel(i + offset, j)));
  }
  return s;
}

}  // namespace widthlab::test
