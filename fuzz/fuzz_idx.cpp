// libFuzzer target: the IDX reader (loaders.h) on the input as it is: plain IDX files, and gzip files whose
// compressed bytes are mutated (zlib reads both). See fuzz_idx_gz.cpp for valid gzip streams of mutated IDX data.
#include <cstdint>

#include "fuzz_util.h"
#include "widthlab/loaders.h"

using namespace widthlab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::ScratchFile file("idx");
  const std::string& path = file.write(data, size);
  IdxArray a;
  if (fuzz::accepts([&] { a = read_idx(path); })) {
    std::uint64_t count = 1;
    for (auto d : a.dims) count *= std::uint64_t(d);
    if (count != a.data.size()) fuzz::violated("IDX data size differs from the product of its dimensions");
  }
  fuzz::accepts([&] { (void)read_idx_labels(path); });
  fuzz::accepts([&] { (void)read_idx_images(path); });
  return 0;
}
