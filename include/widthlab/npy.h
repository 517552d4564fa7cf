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
  std::string dtype;  // "<f4", "<f8", "<i8", "|u1"
  std::vector<std::int64_t> shape;
  std::size_t data_offset = 0;  // bytes from file start to the first element
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

// A 2-D .npy output of shape rows × cols written in pieces (results larger than RAM; several MPI ranks writing
// their own rows of one file). Pieces go in with pwrite, not through a shared memory map: on ext4 every first write
// to a mapped page costs a page_mkwrite fault, measured 3–4× the system time of pwrite for the same bytes
// (bench/RESULTS.md, issue 9). Writes to "<path>.tmp" (sized to the whole array up front); commit() renames it to
// `path`, so a partial file never looks complete. Like numpy.save, commit() does not fsync: the data is in the
// page cache and reaches the disk with the kernel's write-back. The destructor of an uncommitted creator removes
// the temporary file. Errors (open, size, short write) are InputErrors naming the file.
template <class T>
class NpyPieceWriter {
 public:
  // Creates "<path>.tmp" with its header.
  static NpyPieceWriter create(const std::string& path, std::int64_t rows, std::int64_t cols);
  // Opens the "<path>.tmp" that another process created with the same shape (MPI ranks > 0); it never commits
  // nor removes the file.
  static NpyPieceWriter attach(const std::string& path, std::int64_t rows, std::int64_t cols);
  ~NpyPieceWriter();
  NpyPieceWriter(NpyPieceWriter&& other) noexcept;
  NpyPieceWriter& operator=(NpyPieceWriter&&) = delete;
  NpyPieceWriter(const NpyPieceWriter&) = delete;
  NpyPieceWriter& operator=(const NpyPieceWriter&) = delete;

  // values[0 .. count) → element (row, col .. col + count), all within one row.
  void write(std::int64_t row, std::int64_t col, const T* values, std::int64_t count);
  // The whole array, read-only, as this and every other writer of the file have written it so far (a shared
  // read-only memory map: reading back costs no copy and no system call per piece). Valid until commit() or
  // destruction.
  const T* view();
  std::int64_t rows() const { return rows_; }
  std::int64_t cols() const { return cols_; }
  void commit();

 private:
  NpyPieceWriter(const std::string& path, std::int64_t rows, std::int64_t cols, bool owner);
  std::size_t offset(std::int64_t row, std::int64_t col, std::int64_t count) const;
  std::size_t file_size() const { return data_offset_ + std::size_t(rows_ * cols_) * sizeof(T); }
  void unmap();
  std::string path_, tmp_;
  std::int64_t rows_ = 0, cols_ = 0;
  int fd_ = -1;
  std::size_t data_offset_ = 0;
  void* view_ = nullptr;
  bool owner_ = false, committed_ = false;
};

}  // namespace widthlab
