// The .npy writers (npy.h): whole arrays through "<path>.tmp" and a rename, and NpyPieceWriter's pieces with pwrite.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "npy_format.h"
#include "widthlab/error.h"
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"

namespace widthlab {

namespace npy_format {

void fail(const std::string& path, const std::string& what) {
  throw InputError(fmt::format("{}: {}", printable_path(path), what));
}

std::string make_header(const char* dtype, const std::vector<std::int64_t>& shape) {
  std::string sh = "(";
  for (std::size_t i = 0; i < shape.size(); ++i)
    sh += fmt::format("{}{}", shape[i], shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
  sh += ")";
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", dtype, sh);
  // Version 1.0: 10-byte preamble; pad so the data starts on a 64-byte boundary, header ends with '\n'.
  std::size_t total = 10 + dict.size() + 1;
  std::size_t padded = (total + 63) / 64 * 64;
  bool v2 = padded - 10 > 65535;
  std::size_t pre = v2 ? 12 : 10;
  total = pre + dict.size() + 1;
  padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict.push_back('\n');
  std::string out(kMagic, 6);
  out.push_back(v2 ? 2 : 1);
  out.push_back(0);
  std::size_t hl = dict.size();
  if (v2) {
    for (int i = 0; i < 4; ++i) out.push_back(char((hl >> (8 * i)) & 0xff));
  } else {
    out.push_back(char(hl & 0xff));
    out.push_back(char((hl >> 8) & 0xff));
  }
  return out + dict;
}

void check_dir_writable(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  if (!std::filesystem::is_directory(parent)) fail(path, "output directory does not exist");
}

}  // namespace npy_format

using npy_format::check_dir_writable;
using npy_format::dtype_of;
using npy_format::fail;
using npy_format::make_header;

template <class T>
static void write_raw(const std::string& path, const T* data, const std::vector<std::int64_t>& shape) {
  check_dir_writable(path);
  std::string tmp = path + ".tmp";
  claim_output(path);
  claim_output(tmp);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(path, "cannot open for writing (is the directory writable?)");
    std::string header = make_header(dtype_of<T>(), shape);
    out.write(header.data(), std::streamsize(header.size()));
    std::int64_t n = 1;
    for (auto s : shape) n *= s;
    out.write(reinterpret_cast<const char*>(data), std::streamsize(n * sizeof(T)));
    if (!out) {
      std::remove(tmp.c_str());
      fail(path, "write failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    fail(path, fmt::format("cannot replace file: {}", ec.message()));
  }
  release_output(tmp);
}

template <class T>
void npy_write(const std::string& path, const Matrix<T>& m) {
  write_raw(path, m.data(), {m.rows(), m.cols()});
}
template <class T>
void npy_write(const std::string& path, const Vector<T>& v) {
  write_raw(path, v.data(), {v.size()});
}

template <class T>
NpyPieceWriter<T>::NpyPieceWriter(const std::string& path, std::int64_t rows, std::int64_t cols, bool owner)
    : path_(path), tmp_(path + ".tmp"), rows_(rows), cols_(cols), owner_(owner) {
  if (rows < 0 || cols < 0) fail(path, fmt::format("negative output shape ({}, {})", rows, cols));
  const std::string header = make_header(dtype_of<T>(), {rows, cols});
  data_offset_ = header.size();
  const std::size_t file_size = data_offset_ + std::size_t(rows * cols) * sizeof(T);
  if (owner) {
    check_dir_writable(path);
    claim_output(path);
    claim_output(tmp_);
    fd_ = ::open(tmp_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) fail(path, fmt::format("cannot open for writing: {}", std::strerror(errno)));
    auto abandon = [&](const std::string& what) {  // errno → message; the half-made .tmp file goes
      const int e = errno;
      ::close(fd_);
      ::unlink(tmp_.c_str());
      fail(path, fmt::format("{}: {}", what, std::strerror(e)));
    };
    // Allocate the blocks up front (as unwritten extents: no data is written). Row pieces then land in one extent
    // instead of one delayed-allocation extent each (N = 20000 kernel: -n 1 0.6–1.2 s faster at d = 16), and a
    // disk too small fails here, before any work. Filesystems without fallocate (tmpfs on old kernels, NFS) skip it.
    if (::fallocate(fd_, 0, 0, off_t(file_size)) != 0 && (errno == ENOSPC || errno == EFBIG))
      abandon(fmt::format("cannot allocate {} bytes for the output", file_size));
    if (::ftruncate(fd_, off_t(file_size)) != 0) abandon(fmt::format("cannot size output to {} bytes", file_size));
    if (::pwrite(fd_, header.data(), header.size(), 0) != ssize_t(header.size())) abandon("cannot write the header");
  } else {
    fd_ = ::open(tmp_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) fail(tmp_, fmt::format("cannot open the shared output: {}", std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || std::size_t(st.st_size) != file_size) {
      ::close(fd_);
      fail(tmp_, fmt::format("expected a {}-byte ({}, {}) output, found {} bytes", file_size, rows, cols,
                             std::size_t(st.st_size)));
    }
  }
}

template <class T>
NpyPieceWriter<T> NpyPieceWriter<T>::create(const std::string& path, std::int64_t rows, std::int64_t cols) {
  return NpyPieceWriter(path, rows, cols, true);
}
template <class T>
NpyPieceWriter<T> NpyPieceWriter<T>::attach(const std::string& path, std::int64_t rows, std::int64_t cols) {
  return NpyPieceWriter(path, rows, cols, false);
}

template <class T>
NpyPieceWriter<T>::NpyPieceWriter(NpyPieceWriter&& o) noexcept
    : path_(std::move(o.path_)),
      tmp_(std::move(o.tmp_)),
      rows_(o.rows_),
      cols_(o.cols_),
      fd_(o.fd_),
      data_offset_(o.data_offset_),
      view_(o.view_),
      owner_(o.owner_),
      committed_(o.committed_) {
  o.fd_ = -1;
  o.view_ = nullptr;
  o.owner_ = false;
}

template <class T>
std::size_t NpyPieceWriter<T>::offset(std::int64_t row, std::int64_t col, std::int64_t count) const {
  if (fd_ < 0 || committed_) fail(path_, "write after commit");
  if (row < 0 || row >= rows_ || col < 0 || count < 0 || col + count > cols_)
    fail(path_,
         fmt::format("piece (row {}, cols {}..{}) outside the ({}, {}) array", row, col, col + count, rows_, cols_));
  return data_offset_ + (std::size_t(row) * std::size_t(cols_) + std::size_t(col)) * sizeof(T);
}

template <class T>
void NpyPieceWriter<T>::write(std::int64_t row, std::int64_t col, const T* values, std::int64_t count) {
  std::size_t at = offset(row, col, count), left = std::size_t(count) * sizeof(T);
  const char* p = reinterpret_cast<const char*>(values);
  while (left > 0) {
    const ssize_t n = ::pwrite(fd_, p, left, off_t(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(path_, fmt::format("write failed: {}", n < 0 ? std::strerror(errno) : "no progress (disk full?)"));
    p += n, at += std::size_t(n), left -= std::size_t(n);
  }
}

template <class T>
const T* NpyPieceWriter<T>::view() {
  if (fd_ < 0 || committed_) fail(path_, "read after commit");
  if (!view_) {
    void* map = ::mmap(nullptr, file_size(), PROT_READ, MAP_SHARED, fd_, 0);
    if (map == MAP_FAILED) fail(path_, fmt::format("cannot map the output for reading: {}", std::strerror(errno)));
    view_ = map;
  }
  return reinterpret_cast<const T*>(static_cast<const char*>(view_) + data_offset_);
}

template <class T>
void NpyPieceWriter<T>::unmap() {
  if (view_) ::munmap(view_, file_size());
  view_ = nullptr;
}

template <class T>
void NpyPieceWriter<T>::commit() {
  if (committed_) return;
  if (!owner_) fail(path_, "only the writer that created the file commits it");
  unmap();
  const int closed = ::close(fd_);
  fd_ = -1;
  if (closed != 0) fail(path_, fmt::format("cannot write output: {}", std::strerror(errno)));
  std::error_code ec;
  std::filesystem::rename(tmp_, path_, ec);
  if (ec) fail(path_, fmt::format("cannot replace file: {}", ec.message()));
  committed_ = true;
  release_output(tmp_);
}

template <class T>
NpyPieceWriter<T>::~NpyPieceWriter() {
  unmap();
  if (fd_ >= 0) ::close(fd_);
  if (owner_ && !committed_) ::unlink(tmp_.c_str());
}

template void npy_write<float>(const std::string&, const Matrix<float>&);
template void npy_write<double>(const std::string&, const Matrix<double>&);
template void npy_write<float>(const std::string&, const Vector<float>&);
template void npy_write<double>(const std::string&, const Vector<double>&);
template class NpyPieceWriter<float>;
template class NpyPieceWriter<double>;

}  // namespace widthlab
