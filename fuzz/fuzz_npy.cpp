// libFuzzer target: the .npy reader (npy.h), header and data, and the .npy pair loader built on it (loaders.h).
// Each reader gets the input as a file; all must return or throw InputError. A header the reader accepts must
// describe no more data than the file holds.
#include <cstdint>

#include "fuzz_util.h"
#include "widthlab/loaders.h"
#include "widthlab/npy.h"

using namespace widthlab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::ScratchFile file("npy");
  const std::string& path = file.write(data, size);
  NpyHeader h;
  if (fuzz::accepts([&] { h = npy_read_header(path); })) {
    const std::size_t bytes = std::size_t(h.count()) * h.element_size();
    if (h.data_offset > size || bytes > size - h.data_offset) fuzz::violated("header accepted beyond the file");
  }
  fuzz::accepts([&] { (void)npy_read_matrix<double>(path); });
  fuzz::accepts([&] { (void)npy_read_matrix<float>(path); });
  fuzz::accepts([&] { (void)npy_read_flat(path); });
  fuzz::accepts([&] { (void)read_npy_pair(path, path); });
  return 0;
}
