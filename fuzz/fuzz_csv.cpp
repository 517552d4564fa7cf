// libFuzzer target: the numeric CSV reader (loaders.h). An accepted table has one label per row and only finite
// values.
#include <cmath>
#include <cstdint>

#include "fuzz_util.h"
#include "widthlab/loaders.h"

using namespace widthlab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::ScratchFile file("csv");
  const std::string& path = file.write(data, size);
  LabeledTable t;
  if (fuzz::accepts([&] { t = read_csv_table(path); })) {
    if (std::size_t(t.x.rows()) != t.y.size() || t.y.empty()) fuzz::violated("CSV rows and labels disagree");
    if (!t.x.allFinite()) fuzz::violated("CSV table holds a non-finite value");
  }
  return 0;
}
