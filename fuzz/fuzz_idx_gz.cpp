// libFuzzer target: the IDX reader (loaders.h) through zlib's gzip path. The input is the uncompressed IDX bytes
// (so mutations reach the IDX parser); the harness gzips them, and when the first byte is odd cuts the compressed
// stream short, as a truncated download would.
#include <zlib.h>

#include <cstdint>
#include <vector>

#include "fuzz_util.h"
#include "widthlab/loaders.h"

using namespace widthlab;

namespace {

// gzip (not raw deflate, not zlib) framing of `size` bytes.
std::vector<std::uint8_t> gzip(const std::uint8_t* data, std::size_t size) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    fuzz::violated("deflateInit2");
  std::vector<std::uint8_t> out(deflateBound(&z, uLong(size)));
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = uInt(size);
  z.next_out = out.data();
  z.avail_out = uInt(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) fuzz::violated("deflate did not finish");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::ScratchFile file("idx_gz");
  if (size == 0) return 0;
  const bool cut = data[0] & 1;
  std::vector<std::uint8_t> gz = gzip(data + 1, size - 1);
  if (cut) gz.resize(gz.size() - 1 - (data[0] >> 1) % gz.size());  // drop 1 … all bytes of the stream
  const std::string& path = file.write(gz.data(), gz.size());
  fuzz::accepts([&] { (void)read_idx(path); });
  fuzz::accepts([&] { (void)read_idx_labels(path); });
  fuzz::accepts([&] { (void)read_idx_images(path); });
  return 0;
}
