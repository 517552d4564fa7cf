// numpy <-> Eigen without copies where possible (STYLE 17; pybind11 documentation, advanced/pycpp/numpy.rst).
//  * In: py::array_t<T, c_style | forcecast> — a C-contiguous array of the right dtype is passed through untouched
//    (no copy); anything else (Fortran order, int, float32 for a float64 argument, lists) is converted once by numpy.
//    `as_matrix` maps it as a row-major Eigen matrix (a view; the array must outlive the map).
//  * Out: `to_numpy(Matrix&&)` moves the matrix into a heap object owned by a capsule that becomes the array's base,
//    so the result buffer is handed to numpy without a copy and freed when the array dies.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <utility>

#include "widthlab/error.h"
#include "widthlab/tensor.h"

namespace widthlab::py_bridge {

namespace py = pybind11;

template <class T>
using InArray = py::array_t<T, py::array::c_style | py::array::forcecast>;

template <class T>
using ConstMap = Eigen::Map<const Matrix<T>>;

// `obj` as InArray<T>, refusing what numpy would convert with a loss the caller does not see: complex numbers (the
// imaginary part dropped, a ComplexWarning at most), datetimes (read as counts of days or seconds), masked arrays
// (the mask ignored). `what` names the argument in errors.
template <class T>
InArray<T> real_array(const py::handle& obj, const char* what) {
  const py::module_ numpy = py::module_::import("numpy");
  if (py::isinstance(obj, numpy.attr("ma").attr("MaskedArray")))
    throw InputError(std::string(what) + ": a masked array; expected a plain array (fill or drop the masked entries)");
  // Lists are looked at as numpy would make them: strings (kinds U, S), objects and records would be parsed or cast
  // into numbers silently (the CLI's .npy reader refuses them), complex and time values lose their meaning.
  py::object as_array = py::reinterpret_borrow<py::object>(obj);
  if (!py::isinstance<py::array>(obj)) {
    try {
      as_array = numpy.attr("asarray")(obj);
    } catch (const py::error_already_set&) {
      as_array = py::none();  // not array-like: ensure() below says so
    }
  }
  if (py::isinstance<py::array>(as_array)) {
    const py::dtype dt = py::reinterpret_borrow<py::array>(as_array).dtype();
    const char kind = dt.kind();
    if (kind == 'c' || kind == 'M' || kind == 'm' || kind == 'U' || kind == 'S' || kind == 'O' || kind == 'V')
      throw InputError(std::string(what) + ": expected an array of real numbers, got dtype " +
                       py::str(static_cast<py::handle>(dt)).cast<std::string>());
  }
  auto arr = InArray<T>::ensure(obj);
  if (!arr) throw InputError(std::string(what) + ": expected an array of numbers");
  return arr;
}

// A 2-D (n × d) or 1-D (n, read as n × 1) array as a row-major matrix view. `what` names the argument in errors.
template <class T>
ConstMap<T> as_matrix(const InArray<T>& a, const char* what) {
  if (a.ndim() == 2) return ConstMap<T>(a.data(), a.shape(0), a.shape(1));
  if (a.ndim() == 1) return ConstMap<T>(a.data(), a.shape(0), 1);
  throw InputError(std::string(what) + ": expected a 1-D or 2-D array, got " + std::to_string(a.ndim()) +
                   " dimensions");
}

template <class T>
py::array_t<T> to_numpy(Matrix<T>&& m) {
  auto* owned = new Matrix<T>(std::move(m));
  py::capsule base(owned, [](void* p) { delete static_cast<Matrix<T>*>(p); });
  const py::ssize_t rows = owned->rows(), cols = owned->cols();
  return py::array_t<T>({rows, cols}, {static_cast<py::ssize_t>(sizeof(T)) * cols, py::ssize_t(sizeof(T))},
                        owned->data(), base);
}

template <class T>
py::array_t<T> to_numpy(Vector<T>&& v) {
  auto* owned = new Vector<T>(std::move(v));
  py::capsule base(owned, [](void* p) { delete static_cast<Vector<T>*>(p); });
  return py::array_t<T>({py::ssize_t(owned->size())}, {py::ssize_t(sizeof(T))}, owned->data(), base);
}

}  // namespace widthlab::py_bridge
