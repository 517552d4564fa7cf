// The .npy readers (npy.h): the header, then the payload converted to the requested type; the writers are in
// npy_write.cpp.
#include "widthlab/npy.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "npy_format.h"
#include "widthlab/error.h"
#include "widthlab/output_dir.h"

namespace widthlab {
namespace {

using npy_format::dtype_of;
using npy_format::fail;
using npy_format::kMagic;

// A `'key': value` entry of the header dict, like std::smatch: m[0] the whole entry, m[1] the value.
using EntryMatch = std::array<std::string, 2>;
enum class EntryValue { quoted, boolean, tuple };  // '…', True | False, (…)

// The first `'key'\s*:\s*<value>` in `dict`, as std::regex_search would find it. A hand-written scan because
// std::regex matches recursively, a stack frame per character: a long 'descr' string or shape overflowed the stack
// (found by fuzz/fuzz_npy). Linear in the header: no later entry can close when one finds no closing delimiter.
bool search_entry(const std::string& dict, const std::string& key, EntryValue kind, EntryMatch& m) {
  const std::string quoted_key = "'" + key + "'";
  auto skip_space = [&](std::size_t p) {
    while (p < dict.size() && std::isspace(static_cast<unsigned char>(dict[p]))) ++p;
    return p;
  };
  for (std::size_t at = dict.find(quoted_key); at != std::string::npos; at = dict.find(quoted_key, at + 1)) {
    std::size_t p = skip_space(at + quoted_key.size());
    if (p == dict.size() || dict[p] != ':') continue;
    p = skip_space(p + 1);
    std::size_t value = p, end = std::string::npos;  // the value is [value, end - (delimited ? 1 : 0))
    if (kind == EntryValue::boolean) {
      if (dict.compare(p, 4, "True") == 0)
        end = p + 4;
      else if (dict.compare(p, 5, "False") == 0)
        end = p + 5;
      if (end == std::string::npos) continue;
    } else {
      if (p == dict.size() || dict[p] != (kind == EntryValue::quoted ? '\'' : '(')) continue;
      const std::size_t close = dict.find(kind == EntryValue::quoted ? '\'' : ')', p + 1);
      if (close == std::string::npos) return false;
      value = p + 1;
      end = close + 1;
    }
    m[0] = dict.substr(at, end - at);
    m[1] = dict.substr(value, end - value - (kind == EntryValue::boolean ? 0 : 1));
    return true;
  }
  return false;
}

// Reads the payload's `bytes` into `dst` (a truncated file is an error naming it).
void read_payload_into(const std::string& path, const NpyHeader& h, void* dst, std::size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(std::streamoff(h.data_offset));
  in.read(static_cast<char*>(dst), std::streamsize(bytes));
  if (std::size_t(in.gcount()) != bytes)
    fail(path, fmt::format("truncated: header promises {} bytes of data, file holds {}", bytes, in.gcount()));
}

// The payload as `n` values of T: read straight into `out` when the file holds T, else read and converted (one
// typed loop per dtype: the dtype is looked at once, not per element).
template <class T>
void read_values(const std::string& path, const NpyHeader& h, T* out, std::size_t n) {
  if (h.dtype == dtype_of<T>()) return read_payload_into(path, h, out, n * sizeof(T));
  auto convert = [&](auto tag) {
    using S = decltype(tag);
    std::vector<S> buf(n);
    read_payload_into(path, h, buf.data(), n * sizeof(S));
    for (std::size_t i = 0; i < n; ++i) out[i] = T(buf[i]);
  };
  if (h.dtype == "<f4")
    convert(float{});
  else if (h.dtype == "<f8")
    convert(double{});
  else if (h.dtype == "<i8")
    convert(std::int64_t{});
  else if (h.dtype == "<i4")
    convert(std::int32_t{});
  else if (h.dtype == "<i2")
    convert(std::int16_t{});
  else if (h.dtype == "|i1")
    convert(std::int8_t{});
  else
    convert(std::uint8_t{});  // |u1, |b1 (numpy bools are one byte, 0 or 1)
}

// The header dictionary of an existing .npy file (format 1.0–3.0) and the offset of the payload.
std::string read_header_dict(const std::string& path, std::size_t& data_offset) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    fail(path, ec ? "cannot access: " + ec.message() : std::string("no such file"));
  if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, expected a .npy file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open for reading");
  char pre[10];
  in.read(pre, 10);
  if (in.gcount() < 10 || std::memcmp(pre, kMagic, 6) != 0) fail(path, "not a .npy file (bad magic number)");
  int major = static_cast<unsigned char>(pre[6]);
  std::size_t hl, pre_len;
  if (major == 1) {
    hl = static_cast<unsigned char>(pre[8]) | (std::size_t(static_cast<unsigned char>(pre[9])) << 8);
    pre_len = 10;
  } else if (major == 2 || major == 3) {
    char extra[2];
    in.read(extra, 2);
    if (in.gcount() < 2) fail(path, "truncated .npy header");
    hl = 0;
    unsigned char b[4] = {static_cast<unsigned char>(pre[8]), static_cast<unsigned char>(pre[9]),
                          static_cast<unsigned char>(extra[0]), static_cast<unsigned char>(extra[1])};
    for (int i = 0; i < 4; ++i) hl |= std::size_t(b[i]) << (8 * i);
    pre_len = 12;
  } else {
    fail(path, fmt::format("unsupported .npy format version {} (expected 1.0 or 2.0)", major));
  }
  if (hl > (1u << 24)) fail(path, "header length is implausible (corrupt .npy header)");
  std::string dict(hl, '\0');
  in.read(dict.data(), std::streamsize(hl));
  if (std::size_t(in.gcount()) != hl) fail(path, "truncated .npy header");
  data_offset = pre_len + hl;
  return dict;
}

// The dictionary's entries into `h`: 'descr' (normalised to NpyHeader's names; one of the readable dtypes),
// 'fortran_order' (must be False) and 'shape'.
void parse_header_dict(const std::string& path, const std::string& dict, NpyHeader& h) {
  EntryMatch m;
  if (!search_entry(dict, "descr", EntryValue::quoted, m)) fail(path, "header garbage: no 'descr' entry");
  h.dtype = m[1];
  if (h.dtype == "<u1" || h.dtype == "u1") h.dtype = "|u1";
  if (h.dtype == "<i1" || h.dtype == "i1") h.dtype = "|i1";
  if (h.dtype == "<b1" || h.dtype == "b1" || h.dtype == "|?" || h.dtype == "?") h.dtype = "|b1";
  static const std::set<std::string> kReadable = {"<f4", "<f8", "<i8", "<i4", "<i2", "|i1", "|u1", "|b1"};
  if (!kReadable.count(h.dtype))
    fail(path, fmt::format("unsupported dtype '{}' (expected little-endian float32/64, int8/16/32/64, uint8 or "
                           "bool: <f4, <f8, <i8, <i4, <i2, |i1, |u1, |b1)",
                           std::string(m[1])));
  if (!search_entry(dict, "fortran_order", EntryValue::boolean, m))
    fail(path, "header garbage: no 'fortran_order' entry");
  if (m[1] == "True") fail(path, "Fortran-ordered array; expected C order (np.ascontiguousarray)");
  if (!search_entry(dict, "shape", EntryValue::tuple, m)) fail(path, "header garbage: no 'shape' entry");
  std::string dims = m[1];
  std::size_t pos = 0;
  while (pos < dims.size()) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ',')) ++pos;
    if (pos >= dims.size()) break;
    // Parsed in place: a substr copy of the rest per dimension made long shapes quadratic (fuzz/fuzz_npy).
    const char* begin = dims.c_str() + pos;
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(begin, &end, 10);
    if (end == begin || errno == ERANGE) fail(path, "header garbage: bad shape");
    if (v < 0) fail(path, "header garbage: negative dimension");
    h.shape.push_back(v);
    pos += std::size_t(end - begin);
  }
}

}  // namespace

std::size_t NpyHeader::element_size() const {
  if (dtype == "|u1" || dtype == "|i1" || dtype == "|b1") return 1;
  if (dtype == "<i2") return 2;
  return dtype == "<f4" || dtype == "<i4" ? 4 : 8;
}
std::int64_t NpyHeader::count() const {
  // A zero dimension empties the array whatever the others are; the header check accepts e.g. (2^63-1, 2^63-1, 0),
  // whose other dimensions would overflow the product (found by fuzz/fuzz_npy), so answer 0 before multiplying.
  for (auto s : shape)
    if (s == 0) return 0;
  std::int64_t c = 1;
  for (auto s : shape) c *= s;
  return c;
}

NpyHeader npy_read_header(const std::string& path) {
  NpyHeader h;
  const std::string dict = read_header_dict(path, h.data_offset);
  parse_header_dict(path, dict, h);
  // Bound the product of the non-zero dimensions, not only the element count: with a zero dimension the count is 0,
  // and a reader multiplying the others (an image's H·W·C, found by fuzz/fuzz_npy in read_npy_pair) would overflow.
  constexpr std::uint64_t kMaxExtent = std::uint64_t(1) << 48;
  std::uint64_t extent = 1;
  for (auto s : h.shape) {
    const std::uint64_t dim = std::max<std::uint64_t>(std::uint64_t(s), 1);
    if (dim > kMaxExtent / extent) fail(path, "header garbage: implausibly large dimensions (corrupt header?)");
    extent *= dim;
  }
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  // Compare element counts rather than byte counts so that an absurd shape cannot overflow.
  const std::uintmax_t room = (size - h.data_offset) / h.element_size();
  std::uintmax_t count = 1;
  bool too_big = false;
  for (auto s : h.shape) {
    if (s != 0 && count > room / std::uintmax_t(s)) too_big = true;
    count *= std::uintmax_t(s);
    if (s == 0) {
      too_big = false;
      break;
    }
  }
  if (too_big || count > room) {
    std::string sh;
    for (auto s : h.shape) sh += fmt::format("{}{}", sh.empty() ? "" : ", ", s);
    fail(path, fmt::format("truncated: shape ({}) of {} needs more data than the file's {} bytes", sh, h.dtype, size));
  }
  return h;
}

template <class T>
Matrix<T> npy_read_matrix(const std::string& path) {
  NpyHeader h = npy_read_header(path);
  if (h.shape.empty() || h.shape.size() > 2)
    fail(path, fmt::format("expected a 1-D or 2-D array, got {} dimensions", h.shape.size()));
  std::int64_t rows = h.shape[0], cols = h.shape.size() == 2 ? h.shape[1] : 1;
  Matrix<T> m(rows, cols);
  read_values(path, h, m.data(), std::size_t(rows * cols));
  return m;
}

std::vector<double> npy_read_flat(const std::string& path, std::vector<std::int64_t>* shape) {
  NpyHeader h = npy_read_header(path);
  std::vector<double> v(std::size_t(h.count()));
  read_values(path, h, v.data(), v.size());
  if (shape) *shape = h.shape;
  return v;
}

template Matrix<float> npy_read_matrix<float>(const std::string&);
template Matrix<double> npy_read_matrix<double>(const std::string&);

}  // namespace widthlab
