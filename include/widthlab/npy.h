// .npy files (numpy format 1.0 / 2.0, C order). Readers accept <f4, <f8, <i8, |u1 and convert to the requested
// element type; Fortran order, other dtypes, truncated files and header garbage are InputErrors naming the file.
// Writers write to "<path>.tmp" and rename when complete, so a partial file never looks complete.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "widthlab/tensor.h"

namespace widthlab {

struct NpyHeader {
  std::string dtype;                 // "<f4", "<f8", "<i8", "|u1"
  std::vector<std::int64_t> shape;
  std::size_t data_offset = 0;       // bytes from file start to the first element
  std::size_t element_size() const;
  std::int64_t count() const;
};

NpyHeader npy_read_header(const std::string& path);

// Reads a 1-D or 2-D array as a matrix (1-D → n × 1). Errors name the file.
template <class T>
Matrix<T> npy_read_matrix(const std::string& path);
// Reads any array as a flat vector of doubles (labels etc.), with its shape.
std::vector<double> npy_read_flat(const std::string& path, std::vector<std::int64_t>* shape = nullptr);

template <class T>
void npy_write(const std::string& path, const Matrix<T>& m);
template <class T>
void npy_write(const std::string& path, const Vector<T>& v);

// A memory-mapped 2-D .npy output of shape rows × cols, for results larger than RAM. Writes to "<path>.tmp";
// commit() flushes and renames to `path`; the destructor without commit() removes the temporary file.
template <class T>
class NpyMappedWriter {
 public:
  NpyMappedWriter(const std::string& path, std::int64_t rows, std::int64_t cols);
  ~NpyMappedWriter();
  NpyMappedWriter(const NpyMappedWriter&) = delete;
  NpyMappedWriter& operator=(const NpyMappedWriter&) = delete;
  T* row(std::int64_t r) { return data_ + r * cols_; }
  T* data() { return data_; }
  std::int64_t rows() const { return rows_; }
  std::int64_t cols() const { return cols_; }
  void commit();

 private:
  std::string path_, tmp_;
  std::int64_t rows_, cols_;
  void* map_ = nullptr;
  std::size_t map_size_ = 0;
  T* data_ = nullptr;
  bool committed_ = false;
};

}  // namespace widthlab
