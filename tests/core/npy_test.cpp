// .npy reading and writing (npy.h): round trips, hand-made headers of both versions, other dtypes, the mapped
// writer, numpy itself as an independent reader/writer when available, and malformed files.
#include "widthlab/npy.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "data/test_util.h"

using namespace widthlab;
using widthlab::test::read_bytes;
using widthlab::test::scratch;
using widthlab::test::write_bytes;
namespace fs = std::filesystem;

namespace {

// A .npy file built by hand: magic, version, little-endian header length, dict padded to 64 bytes, payload.
std::string npy_bytes(int major, const std::string& dict_body, const std::string& payload) {
  std::string dict = dict_body;
  const std::size_t pre = major == 1 ? 10 : 12;
  std::size_t total = pre + dict.size() + 1;
  dict.append((total + 63) / 64 * 64 - total, ' ');
  dict.push_back('\n');
  std::string out("\x93NUMPY", 6);
  out.push_back(char(major));
  out.push_back(0);
  for (std::size_t i = 0; i < pre - 8; ++i) out.push_back(char((dict.size() >> (8 * i)) & 0xff));
  return out + dict + payload;
}

template <class T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

std::string dict(const std::string& descr, const std::string& shape, bool fortran = false) {
  return fmt::format("{{'descr': '{}', 'fortran_order': {}, 'shape': {}, }}", descr, fortran ? "True" : "False", shape);
}

bool have_numpy() { return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0; }

}  // namespace

TEST(Npy, RoundTripFloat64MatrixAndVector) {
  auto dir = scratch("rt64");
  Matrix<double> m(3, 4);
  for (int i = 0; i < 12; ++i) m.data()[i] = std::ldexp(1.0 + i / 7.0, i - 6) * (i % 2 ? -1 : 1);
  npy_write((dir / "m.npy").string(), m);
  auto h = npy_read_header((dir / "m.npy").string());
  EXPECT_EQ(h.dtype, "<f8");
  EXPECT_EQ(h.shape, (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(h.data_offset % 64, 0u);
  EXPECT_EQ(npy_read_matrix<double>((dir / "m.npy").string()), m);  // bit-exact
  Vector<double> v = m.row(1).transpose();
  npy_write((dir / "v.npy").string(), v);
  std::vector<std::int64_t> shape;
  auto flat = npy_read_flat((dir / "v.npy").string(), &shape);
  EXPECT_EQ(shape, (std::vector<std::int64_t>{4}));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(flat[i], v(i));
  EXPECT_FALSE(fs::exists(dir / "m.npy.tmp"));
}

TEST(Npy, RoundTripFloat32) {
  auto dir = scratch("rt32");
  Matrix<float> m(2, 5);
  for (int i = 0; i < 10; ++i) m.data()[i] = float(i) / 3.0f - 1.0f;
  npy_write((dir / "m.npy").string(), m);
  EXPECT_EQ(npy_read_header((dir / "m.npy").string()).dtype, "<f4");
  EXPECT_EQ(npy_read_matrix<float>((dir / "m.npy").string()), m);
  // float32 file read as double: exact widening.
  Matrix<double> d = npy_read_matrix<double>((dir / "m.npy").string());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(d.data()[i], double(m.data()[i]));
}

TEST(Npy, HandMadeVersion1And2Headers) {
  auto dir = scratch("v2");
  std::vector<double> vals = {1.5, -2.25, 3.0, 1e-300, -0.0, 7.0};
  for (int major : {1, 2}) {
    auto p = dir / fmt::format("v{}.npy", major);
    const std::string bytes = npy_bytes(major, dict("<f8", "(2, 3)"), raw(vals));
    write_bytes(p, bytes);
    auto h = npy_read_header(p.string());
    EXPECT_EQ(h.data_offset, bytes.size() - 6 * sizeof(double));
    Matrix<double> m = npy_read_matrix<double>(p.string());
    ASSERT_EQ(m.rows(), 2);
    ASSERT_EQ(m.cols(), 3);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(m.data()[i], vals[i]) << "v" << major;
  }
  std::vector<float> f = {0.5f, 0.25f, -8.0f};
  write_bytes(dir / "f.npy", npy_bytes(2, dict("<f4", "(3,)"), raw(f)));
  Matrix<float> mf = npy_read_matrix<float>((dir / "f.npy").string());
  ASSERT_EQ(mf.rows(), 3);
  ASSERT_EQ(mf.cols(), 1);
  EXPECT_EQ(mf(2, 0), -8.0f);
}

TEST(Npy, ReadsInt64AndUint8) {
  auto dir = scratch("ints");
  std::vector<std::int64_t> i8 = {-3, 0, 1, 1ll << 40};
  write_bytes(dir / "i8.npy", npy_bytes(1, dict("<i8", "(4,)"), raw(i8)));
  auto v = npy_read_flat((dir / "i8.npy").string());
  ASSERT_EQ(v.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(v[i], double(i8[i]));
  std::vector<std::uint8_t> u1 = {0, 7, 255, 128, 1, 2};
  write_bytes(dir / "u1.npy", npy_bytes(1, dict("|u1", "(3, 2)"), raw(u1)));
  Matrix<double> m = npy_read_matrix<double>((dir / "u1.npy").string());
  ASSERT_EQ(m.rows(), 3);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(m.data()[i], double(u1[i]));
  // zero-size arrays are valid
  write_bytes(dir / "empty.npy", npy_bytes(1, dict("<f8", "(0, 5)"), ""));
  EXPECT_EQ(npy_read_matrix<double>((dir / "empty.npy").string()).rows(), 0);
}

// Every stored dtype read as each element type: straight into the matrix when they agree, converted otherwise; the
// reference is the C++ conversion of each value on its own.
TEST(Npy, ReadsEveryDtypeAsFloatAndDouble) {
  auto dir = scratch("convert");
  const std::vector<double> f8 = {0.1, -2.5e-30, 1e-300, 3.0, -0.0, 7.25};
  const std::vector<float> f4 = {0.1f, -2.5e-30f, 3.4e38f, 3.0f, -0.0f, 7.25f};
  const std::vector<std::int64_t> i8 = {-3, 0, 1, 1ll << 40, 16777217, -7};
  const std::vector<std::uint8_t> u1 = {0, 7, 255, 128, 1, 2};
  write_bytes(dir / "f8.npy", npy_bytes(1, dict("<f8", "(2, 3)"), raw(f8)));
  write_bytes(dir / "f4.npy", npy_bytes(1, dict("<f4", "(2, 3)"), raw(f4)));
  write_bytes(dir / "i8.npy", npy_bytes(1, dict("<i8", "(2, 3)"), raw(i8)));
  write_bytes(dir / "u1.npy", npy_bytes(1, dict("|u1", "(2, 3)"), raw(u1)));
  auto check = [&](const char* name, auto values) {
    const Matrix<float> f = npy_read_matrix<float>((dir / name).string());
    const Matrix<double> d = npy_read_matrix<double>((dir / name).string());
    ASSERT_EQ(f.rows(), 2);
    ASSERT_EQ(d.cols(), 3);
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(f.data()[i], float(values[std::size_t(i)])) << name << " value " << i;
      EXPECT_EQ(d.data()[i], double(values[std::size_t(i)])) << name << " value " << i;
      EXPECT_EQ(std::signbit(d.data()[i]), std::signbit(double(values[std::size_t(i)]))) << name << " value " << i;
    }
  };
  check("f8.npy", f8);
  check("f4.npy", f4);
  check("i8.npy", i8);
  check("u1.npy", u1);
  // Issue: int32 labels (what torch and scikit-learn write) were refused; int16, int8 and bool likewise.
  const std::vector<std::int32_t> i4 = {-3, 0, 1, 2147483647, 16777217, -7};
  const std::vector<std::int16_t> i2 = {-3, 0, 1, 32767, -32768, -7};
  const std::vector<std::int8_t> i1 = {-3, 0, 1, 127, -128, -7};
  const std::vector<std::uint8_t> b1 = {0, 1, 1, 0, 1, 0};
  write_bytes(dir / "i4.npy", npy_bytes(1, dict("<i4", "(2, 3)"), raw(i4)));
  write_bytes(dir / "i2.npy", npy_bytes(1, dict("<i2", "(2, 3)"), raw(i2)));
  write_bytes(dir / "i1.npy", npy_bytes(1, dict("|i1", "(2, 3)"), raw(i1)));
  write_bytes(dir / "b1.npy", npy_bytes(1, dict("|b1", "(2, 3)"), raw(b1)));
  check("i4.npy", i4);
  check("i2.npy", i2);
  check("i1.npy", i1);
  check("b1.npy", b1);
  write_bytes(dir / "u4.npy", npy_bytes(1, dict("<u4", "(1,)"), std::string(4, '\0')));
  EXPECT_INPUT_ERROR(npy_read_flat((dir / "u4.npy").string()), "unsupported dtype '<u4'");
}

TEST(Npy, PieceWriterCommitAndAbort) {
  auto dir = scratch("pieces");
  const std::string p = (dir / "big.npy").string();
  {
    auto w = NpyPieceWriter<double>::create(p, 3, 4);
    // pieces in any order and of any length within a row; an attached writer (another MPI rank) adds its own
    const double row0[4] = {0, 1, 2, 3}, tail[2] = {22, 23}, head[2] = {20, 21};
    w.write(0, 0, row0, 4);
    w.write(2, 2, tail, 2);
    {
      auto other = NpyPieceWriter<double>::attach(p, 3, 4);
      const double row1[4] = {10, 11, 12, 13};
      other.write(1, 0, row1, 4);
      const double* back = other.view();  // sees what the creator wrote
      EXPECT_EQ(back[1], 1);
      EXPECT_EQ(back[2], 2);
      EXPECT_EQ(back[4 + 3], 13);
    }  // an attached writer never removes the file
    EXPECT_TRUE(fs::exists(p + ".tmp"));
    w.write(2, 0, head, 2);
    EXPECT_EQ(w.view()[2 * 4 + 1], 21);  // a view made after writing sees the write
    EXPECT_FALSE(fs::exists(p)) << "visible before commit";
    w.commit();
    EXPECT_INPUT_ERROR(w.write(0, 0, row0, 1), "after commit");
    EXPECT_INPUT_ERROR(w.view(), "after commit");
  }
  Matrix<double> m = npy_read_matrix<double>(p);
  ASSERT_EQ(m.rows(), 3);
  ASSERT_EQ(m.cols(), 4);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) EXPECT_EQ(m(r, c), 10 * r + c);
  EXPECT_FALSE(fs::exists(p + ".tmp"));

  const std::string q = (dir / "aborted.npy").string();
  {
    auto w = NpyPieceWriter<float>::create(q, 4, 4);
    const float one = 1.0f;
    w.write(0, 0, &one, 1);
    EXPECT_INPUT_ERROR(w.write(1, 3, &one, 2), "outside the (4, 4) array");
    EXPECT_INPUT_ERROR(w.write(4, 0, &one, 1), "outside the (4, 4) array");
    EXPECT_INPUT_ERROR(NpyPieceWriter<float>::attach(q, 4, 5), "expected a");  // shape differs from the file
  }
  EXPECT_FALSE(fs::exists(q));
  EXPECT_FALSE(fs::exists(q + ".tmp"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  EXPECT_INPUT_ERROR(NpyPieceWriter<float>::attach((dir / "none.npy").string(), 1, 1), "none.npy.tmp");
}

// An output the file system cannot hold (4 EiB here; ext4 stops at 16 TiB) fails at create, before any work, with
// one error naming the file, and leaves no .tmp behind.
TEST(Npy, PieceWriterTooLargeFailsAtCreate) {
  auto dir = scratch("too_large");
  const std::string p = (dir / "huge.npy").string();
  EXPECT_INPUT_ERROR(NpyPieceWriter<float>::create(p, std::int64_t(1) << 30, std::int64_t(1) << 30), "huge.npy");
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(Npy, NonUtf8PathRoundTrips) {
  auto dir = scratch("utf");
  const std::string p = (dir / "caf\xe9\xff.npy").string();
  Matrix<double> m = Matrix<double>::Constant(2, 2, 0.125);
  npy_write(p, m);
  EXPECT_EQ(npy_read_matrix<double>(p), m);
  // and an error about such a file is printable: invalid bytes shown as \xNN
  write_bytes(dir / "bad\xff.npy", "garbage");
  EXPECT_INPUT_ERROR(npy_read_header((dir / "bad\xff.npy").string()), "bad\\xff.npy");
}

// numpy as an independent implementation of the format, both directions (skipped without numpy).
TEST(Npy, AgreesWithNumpy) {
  if (!have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  auto dir = scratch("numpy");
  Matrix<double> m(3, 2);
  m << 1.5, -2, 3.25, 1e-10, 0, 42;
  npy_write((dir / "ours.npy").string(), m);
  std::string script = fmt::format(
      "import numpy as np; a = np.load('{0}/ours.npy'); assert a.dtype == np.float64 and a.shape == (3, 2); "
      "assert (a == np.array([[1.5, -2], [3.25, 1e-10], [0, 42]])).all(); "
      "np.lib.format.write_array(open('{0}/np2.npy', 'wb'), np.arange(6, dtype='<f4').reshape(2, 3), version=(2, 0)); "
      "np.save('{0}/npi.npy', np.array([5, -6], dtype='<i8'))",
      dir.string());
  ASSERT_EQ(std::system(("/usr/bin/python3 -c \"" + script + "\"").c_str()), 0);
  Matrix<float> f = npy_read_matrix<float>((dir / "np2.npy").string());
  ASSERT_EQ(f.rows(), 2);
  ASSERT_EQ(f.cols(), 3);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(f.data()[i], float(i));
  EXPECT_EQ(npy_read_flat((dir / "npi.npy").string()), (std::vector<double>{5, -6}));
}

// ---- malformed files: each an InputError naming the file ----

class NpyBad : public ::testing::Test {
 protected:
  void SetUp() override { dir = scratch("bad"); }
  std::string put(const std::string& name, const std::string& bytes) {
    write_bytes(dir / name, bytes);
    return (dir / name).string();
  }
  fs::path dir;
  std::string six = raw(std::vector<double>(6, 1.0));
};

TEST_F(NpyBad, FortranOrder) {
  EXPECT_INPUT_ERROR(npy_read_matrix<double>(put("fortran.npy", npy_bytes(1, dict("<f8", "(2, 3)", true), six))),
                     "fortran.npy");
}
TEST_F(NpyBad, ComplexDtype) {
  EXPECT_INPUT_ERROR(npy_read_matrix<double>(put("c16.npy", npy_bytes(1, dict("<c16", "(3,)"), six))), "c16.npy");
}
TEST_F(NpyBad, BigEndianDtype) {
  EXPECT_INPUT_ERROR(npy_read_matrix<double>(put("be.npy", npy_bytes(1, dict(">f8", "(6,)"), six))), "be.npy");
}
TEST_F(NpyBad, HeaderGarbage) {
  EXPECT_INPUT_ERROR(npy_read_header(put("garbage.npy", npy_bytes(1, "{hello world}", six))), "garbage.npy");
  EXPECT_INPUT_ERROR(npy_read_header(put("shape.npy", npy_bytes(1, dict("<f8", "(two, 3)"), six))), "shape.npy");
  EXPECT_INPUT_ERROR(npy_read_header(put("neg.npy", npy_bytes(1, dict("<f8", "(-2, 3)"), six))), "neg.npy");
}
TEST_F(NpyBad, BadMagicAndVersion) {
  EXPECT_INPUT_ERROR(npy_read_header(put("magic.npy", "PK\x03\x04 this is a zip file")), "magic.npy");
  std::string v9 = npy_bytes(1, dict("<f8", "(6,)"), six);
  v9[6] = 9;
  EXPECT_INPUT_ERROR(npy_read_header(put("v9.npy", v9)), "v9.npy");
}
TEST_F(NpyBad, EmptyAndTruncatedFiles) {
  EXPECT_INPUT_ERROR(npy_read_header(put("empty.npy", "")), "empty.npy");
  std::string full = npy_bytes(1, dict("<f8", "(2, 3)"), six);
  EXPECT_INPUT_ERROR(npy_read_matrix<double>(put("short.npy", full.substr(0, full.size() - 1))), "short.npy");
  EXPECT_INPUT_ERROR(npy_read_header(put("hdr.npy", full.substr(0, 30))), "hdr.npy");
  // a shape whose byte count overflows 64 bits is "truncated", not a crash
  EXPECT_INPUT_ERROR(npy_read_header(put("huge.npy", npy_bytes(1, dict("<f8", "(4294967296, 4294967296)"), six))),
                     "huge.npy");
}
TEST_F(NpyBad, MissingFileAndDirectory) {
  EXPECT_INPUT_ERROR(npy_read_matrix<double>((dir / "nope.npy").string()), "nope.npy");
  fs::create_directories(dir / "adir.npy");
  EXPECT_INPUT_ERROR(npy_read_matrix<double>((dir / "adir.npy").string()), "adir.npy");
}
TEST_F(NpyBad, ThreeDimensionalForMatrix) {
  auto p = put("cube.npy", npy_bytes(1, dict("<f8", "(1, 2, 3)"), six));
  EXPECT_INPUT_ERROR(npy_read_matrix<double>(p), "cube.npy");
  EXPECT_EQ(npy_read_flat(p).size(), 6u);  // but fine as a flat array
}
TEST_F(NpyBad, WriteIntoMissingDirectory) {
  Matrix<double> m = Matrix<double>::Zero(1, 1);
  EXPECT_INPUT_ERROR(npy_write((dir / "no_such_dir" / "m.npy").string(), m), "m.npy");
  EXPECT_INPUT_ERROR(NpyPieceWriter<double>::create((dir / "no_such_dir" / "w.npy").string(), 2, 2), "w.npy");
}
