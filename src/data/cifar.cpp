// CIFAR-10 binary batches (https://www.cs.toronto.edu/~kriz/cifar.html, "binary version").
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "widthlab/error.h"
#include "widthlab/loaders.h"
#include "widthlab/output_dir.h"

namespace fs = std::filesystem;

namespace widthlab {

ImageSet read_cifar_batch(const std::string& path) {
  constexpr std::int64_t kFeatures = 3 * 32 * 32, kRecord = kFeatures + 1;
  auto fail = [&](const std::string& what) { throw InputError(fmt::format("{}: {}", printable_path(path), what)); };
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (!fs::exists(st)) fail("no such file");
  if (fs::is_directory(st)) fail("is a directory, expected a CIFAR-10 binary batch");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) fail("cannot read size: " + ec.message());
  if (size == 0) fail("empty file, expected CIFAR-10 records of 3073 bytes");
  if (size % kRecord != 0)
    fail(fmt::format("size {} is not a multiple of the 3073-byte CIFAR-10 record (truncated or not a CIFAR batch)",
                     size));
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open for reading");
  std::vector<std::uint8_t> raw(size);
  in.read(reinterpret_cast<char*>(raw.data()), std::streamsize(size));
  if (std::uintmax_t(in.gcount()) != size) fail("read failed");

  ImageSet s;
  s.count = std::int64_t(size / kRecord);
  s.features = kFeatures;
  s.pixels.resize(std::size_t(s.count * kFeatures));
  s.labels.resize(std::size_t(s.count));
  for (std::int64_t i = 0; i < s.count; ++i) {
    const std::uint8_t* rec = raw.data() + i * kRecord;
    if (rec[0] > 9)
      fail(fmt::format("record {}: label {} is not a CIFAR-10 class 0–9 (not a CIFAR batch?)", i, rec[0]));
    s.labels[std::size_t(i)] = rec[0];
    std::copy(rec + 1, rec + kRecord, s.pixels.begin() + i * kFeatures);
  }
  return s;
}

}  // namespace widthlab
