// IDX reader (LeCun's MNIST format, also Fashion-MNIST) through zlib, which reads gzip and plain files alike.
#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "widthlab/error.h"
#include "widthlab/loaders.h"
#include "widthlab/output_dir.h"

namespace fs = std::filesystem;

namespace widthlab {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw InputError(fmt::format("{}: {}", printable_path(path), what));
}

void check_readable_file(const std::string& path) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (!fs::exists(st))
    fail(path, ec && ec != std::errc::no_such_file_or_directory ? "cannot access: " + ec.message()
                                                                : std::string("no such file"));
  if (fs::is_directory(st)) fail(path, "is a directory, expected an IDX file");
}

class GzFile {
 public:
  explicit GzFile(const std::string& path) : path_(path), f_(gzopen(path.c_str(), "rb")) {
    if (!f_) fail(path, "cannot open for reading");
    gzbuffer(f_, 1 << 18);
  }
  ~GzFile() { gzclose(f_); }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;
  // Reads up to n bytes; returns how many were read (short at the end of the data); throws on a corrupt stream.
  std::size_t read(void* buf, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      unsigned chunk = unsigned(std::min<std::size_t>(n - got, 1u << 30));
      int r = gzread(f_, static_cast<char*>(buf) + got, chunk);
      if (r < 0) {
        int err;
        const char* msg = gzerror(f_, &err);
        fail(path_, fmt::format("corrupt gzip data ({})", msg ? msg : "zlib error"));
      }
      if (r == 0) break;
      got += std::size_t(r);
    }
    return got;
  }
  // True when the compressed stream ended early (a truncated .gz file).
  bool truncated_stream() {
    int err = Z_OK;
    gzerror(f_, &err);
    return err == Z_BUF_ERROR;
  }

 private:
  std::string path_;
  gzFile f_;
};

std::uint32_t big_endian_u32(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  check_readable_file(path);
  GzFile in(path);
  unsigned char magic[4];
  std::size_t got = in.read(magic, 4);
  if (got == 0) fail(path, "empty file, expected an IDX file");
  if (got < 4) fail(path, "truncated IDX header");
  const std::uint32_t m = big_endian_u32(magic);
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] < 1 || magic[3] > 4)
    fail(path, fmt::format("wrong magic number 0x{:08x}; expected an unsigned-byte IDX file (0x00000801 labels, "
                           "0x00000803 images)",
                           m));
  IdxArray a;
  const int ndim = magic[3];
  std::vector<unsigned char> dims(4 * std::size_t(ndim));
  if (in.read(dims.data(), dims.size()) != dims.size()) fail(path, "truncated IDX header");
  std::uint64_t count = 1, extent = 1;
  for (int i = 0; i < ndim; ++i) {
    a.dims.push_back(big_endian_u32(dims.data() + 4 * i));
    count *= std::uint64_t(a.dims.back());
    // Bound the product of the non-zero dimensions, not only the count: with a zero dimension the count stays 0,
    // and (0, 2^32-1, 2^32-1) would overflow the image size rows × cols (found by fuzz/fuzz_idx).
    extent *= std::max<std::uint64_t>(a.dims.back(), 1);
    if (extent > (std::uint64_t(1) << 36)) fail(path, "IDX dimensions are implausibly large (corrupt header?)");
  }
  // Grow while reading so that a corrupt header cannot make us allocate what the file does not hold; the step
  // doubles from 64 KiB to 16 MiB, so a tiny file claiming gigabytes costs 64 KiB, not 16 MiB.
  std::size_t step = std::size_t(1) << 16;
  while (a.data.size() < count) {
    std::size_t old = a.data.size();
    std::size_t want = std::min<std::size_t>(count - old, step);
    step = std::min(2 * step, std::size_t(1) << 24);
    a.data.resize(old + want);
    std::size_t r = in.read(a.data.data() + old, want);
    if (r < want)
      fail(path, fmt::format("truncated: header promises {} data bytes, file holds {}{}", count, old + r,
                             in.truncated_stream() ? " (the gzip stream ends early)" : ""));
  }
  unsigned char extra;
  if (in.read(&extra, 1) != 0)
    fail(path, fmt::format("trailing bytes after the {} data bytes the header promises", count));
  return a;
}

std::vector<int> read_idx_labels(const std::string& path) {
  IdxArray a = read_idx(path);
  if (a.dims.size() != 1)
    fail(path,
         fmt::format("wrong magic number 0x{:08x}; expected 0x00000801 (an IDX label file)", 0x800 + a.dims.size()));
  return std::vector<int>(a.data.begin(), a.data.end());
}

ImageSet read_idx_images(const std::string& path) {
  IdxArray a = read_idx(path);
  if (a.dims.size() != 3)
    fail(path,
         fmt::format("wrong magic number 0x{:08x}; expected 0x00000803 (an IDX image file)", 0x800 + a.dims.size()));
  ImageSet s;
  s.count = a.dims[0];
  s.features = a.dims[1] * a.dims[2];
  s.pixels = std::move(a.data);
  return s;
}

ImageSet read_idx_pair(const std::string& images_path, const std::string& labels_path) {
  ImageSet s = read_idx_images(images_path);
  s.labels = read_idx_labels(labels_path);
  if (std::int64_t(s.labels.size()) != s.count)
    fail(labels_path, fmt::format("label/image count mismatch: {} labels for the {} images of {}", s.labels.size(),
                                  s.count, printable_path(images_path)));
  return s;
}

std::string find_idx_file(const std::string& dir, const std::string& stem) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) fail(dir, "no such directory (expected the IDX files there)");
  if (!fs::is_directory(dir, ec)) fail(dir, "is not a directory (expected the directory holding the IDX files)");
  for (const std::string& name : {stem, stem + ".gz"}) {
    fs::path p = fs::path(dir) / name;
    if (fs::exists(p, ec)) return p.string();
  }
  fail(dir, fmt::format("neither {} nor {}.gz found", stem, stem));
}

}  // namespace widthlab
