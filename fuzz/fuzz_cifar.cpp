// libFuzzer target: the CIFAR-10 binary batch reader (loaders.h). Records are 3073 bytes, so run it with
// -max_len above that (run.sh passes 16384: up to five records).
#include <cstdint>

#include "fuzz_util.h"
#include "widthlab/loaders.h"

using namespace widthlab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::ScratchFile file("cifar");
  const std::string& path = file.write(data, size);
  ImageSet s;
  if (fuzz::accepts([&] { s = read_cifar_batch(path); })) {
    if (s.pixels.size() != std::size_t(s.count * s.features) || s.labels.size() != std::size_t(s.count))
      fuzz::violated("CIFAR image set sizes disagree");
  }
  return 0;
}
