// load_dataset: the named tasks of architecture.md §6 built from the file readers, class selection, standardisation and
// stratified subsets.
#include "widthlab/dataset.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "data/rows.h"
#include "widthlab/error.h"
#include "widthlab/loaders.h"
#include "widthlab/memory_guard.h"
#include "widthlab/output_dir.h"
#include "widthlab/tensor.h"

namespace fs = std::filesystem;

namespace widthlab {
using data_detail::RowSource;

namespace {

constexpr const char* kFashionDir = "/usr/share/datasets/fashion-mnist";

RowSource image_source(ImageSet set, std::string source) {
  auto s = std::make_shared<ImageSet>(std::move(set));
  RowSource r;
  r.count = s->count;
  r.features = s->features;
  r.labels.assign(s->labels.begin(), s->labels.end());
  r.row = [s](std::int64_t i, double* out) {
    const std::uint8_t* p = s->pixels.data() + i * s->features;
    for (std::int64_t j = 0; j < s->features; ++j) out[j] = p[j] / 255.0;
  };
  r.source = std::move(source);
  r.bytes = s->pixels.data();
  return r;
}

RowSource table_source(LabeledTable t, std::string source) {
  auto x = std::make_shared<Matrix<double>>(std::move(t.x));
  RowSource r;
  r.count = x->rows();
  r.features = x->cols();
  r.labels = std::move(t.y);
  r.row = [x](std::int64_t i, double* out) {
    for (std::int64_t j = 0; j < x->cols(); ++j) out[j] = (*x)(i, j);
  };
  r.source = std::move(source);
  return r;
}

void require_dir(const std::string& dir, const std::string& what) {
  std::error_code ec;
  if (!fs::exists(dir, ec))
    throw InputError(fmt::format("{}: no such directory (data.path; expected {})", printable_path(dir), what));
  if (!fs::is_directory(dir, ec))
    throw InputError(fmt::format("{}: is not a directory (data.path; expected {})", printable_path(dir), what));
}

// The one of `names` (spellings of one file) that `dir` holds. Two different files under two spellings are refused:
// reading one would ignore the other.
std::string first_existing(const std::string& dir, const std::vector<std::string>& names) {
  std::error_code ec;
  std::string found;
  for (const auto& n : names) {
    const fs::path p = fs::path(dir) / n;
    if (!fs::exists(p, ec)) continue;
    if (found.empty()) {
      found = p.string();
    } else if (!fs::equivalent(found, p, ec)) {  // a case-insensitive file system sees one file under both
      throw InputError(fmt::format("{}: holds both {} and {}; expected one of them", printable_path(dir),
                                   fs::path(found).filename().string(), n));
    }
  }
  if (found.empty()) throw InputError(fmt::format("{}: {} not found", printable_path(dir), fmt::join(names, " / ")));
  return found;
}

void load_idx_dir(const std::string& dir, RowSource* train, RowSource* test) {
  require_dir(dir, "the directory holding the four IDX files");
  auto ti = find_idx_file(dir, "train-images-idx3-ubyte"), tl = find_idx_file(dir, "train-labels-idx1-ubyte");
  auto vi = find_idx_file(dir, "t10k-images-idx3-ubyte"), vl = find_idx_file(dir, "t10k-labels-idx1-ubyte");
  *train = image_source(read_idx_pair(ti, tl), ti);
  *test = image_source(read_idx_pair(vi, vl), vi);
}

void load_cifar_dir(const std::string& dir, RowSource* train, RowSource* test) {
  require_dir(dir, "the directory holding data_batch_*.bin and test_batch.bin");
  std::vector<std::string> batches;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("data_batch_", 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".bin")
      batches.push_back(it->path().string());
  }
  if (batches.empty())
    throw InputError(fmt::format("{}: no data_batch_*.bin files (CIFAR-10 binary version)", printable_path(dir)));
  std::sort(batches.begin(), batches.end());
  ImageSet all;
  for (const auto& b : batches) {
    ImageSet s = read_cifar_batch(b);
    all.count += s.count;
    all.features = s.features;
    all.pixels.insert(all.pixels.end(), s.pixels.begin(), s.pixels.end());
    all.labels.insert(all.labels.end(), s.labels.begin(), s.labels.end());
  }
  *train = image_source(std::move(all), batches.front());
  const std::string test_path = (fs::path(dir) / "test_batch.bin").string();
  *test = image_source(read_cifar_batch(test_path), test_path);
}

void check_integer_labels(const RowSource& s) {
  for (std::size_t i = 0; i < s.labels.size(); ++i) {
    const double v = s.labels[i];
    if (v != std::floor(v) || std::abs(v) > 1e9)
      throw InputError(
          fmt::format("{}: label {} of sample {} is not an integer class id", printable_path(s.source), v, i));
  }
}

// Class ids of a table dataset when data.classes is empty: every train label; ±1 and {a < b} become binary tasks
// with +1 / b as the positive class; more labels keep ascending order.
std::vector<int> default_table_classes(const RowSource& train, const RowSource& test) {
  std::set<int> seen;
  for (double v : train.labels) seen.insert(int(v));
  if (seen.size() < 2)
    throw InputError(fmt::format("{}: the labels hold {} distinct class(es); expected at least two",
                                 printable_path(train.source), seen.size()));
  for (std::size_t i = 0; i < test.labels.size(); ++i)
    if (!seen.count(int(test.labels[i])))
      throw InputError(fmt::format("{}: label {} of sample {} does not occur in the training labels",
                                   printable_path(test.source), test.labels[i], i));
  std::vector<int> ids(seen.begin(), seen.end());
  if (ids.size() == 2) std::swap(ids[0], ids[1]);
  return ids;
}

// Rows whose original label is one of `ids`, and their task labels (±1 for two ids, else the position in `ids`).
void select_classes(const RowSource& s, const std::vector<int>& ids, std::vector<std::int64_t>* rows,
                    std::vector<double>* labels) {
  std::map<int, double> task;
  for (std::size_t k = 0; k < ids.size(); ++k) task[ids[k]] = ids.size() == 2 ? (k == 0 ? 1.0 : -1.0) : double(k);
  for (std::int64_t i = 0; i < s.count; ++i) {
    auto it = task.find(int(s.labels[std::size_t(i)]));
    if (it == task.end()) continue;
    rows->push_back(i);
    labels->push_back(it->second);
  }
}

// A selected class without training samples would be a logit no sample trains, and the task's class count would not
// be the data's.
void check_every_class_has_samples(const RowSource& train, const std::vector<int>& ids, const DataOptions& o) {
  for (int id : ids)
    if (std::find(train.labels.begin(), train.labels.end(), double(id)) == train.labels.end())
      throw InputError(
          fmt::format("{}: data.classes = [{}]{}: class {} has no training samples; list the classes the "
                      "data holds",
                      printable_path(train.source), fmt::join(ids, ", "),
                      o.classes.empty() ? fmt::format(" (the default for {})", o.dataset) : "", id));
}

void gather(const RowSource& s, const std::vector<std::int64_t>& rows, Matrix<double>* x) {
  x->resize(std::int64_t(rows.size()), s.features);
  for (std::size_t i = 0; i < rows.size(); ++i) s.row(rows[i], x->row(std::int64_t(i)).data());
}

}  // namespace

namespace {

// The task's rows before class selection: the two splits, the class ids to keep and, for datasets with published
// constants, the scalar standardisation to apply.
struct SourceTask {
  RowSource train, test;
  std::vector<std::int64_t> image;  // (H, W, C) of npy image stacks
  std::vector<int> ids;
  double fixed_mean = NAN, fixed_std = NAN;
};

// "images of shape (H, W, C)" or "rows of d features", for errors.
std::string array_kind(const LabeledTable& t) {
  if (t.image.empty()) return fmt::format("rows of {} features", t.x.cols());
  return fmt::format("images of shape ({}, {}, {})", t.image[0], t.image[1], t.image[2]);
}

// Every sample of both splits has the same positive number of features (IDX and CIFAR files carry their own image
// sizes, so a test split of other images is caught here, before any run).
void check_sample_lengths(const RowSource& train, const RowSource& test) {
  if (train.features < 1)
    throw InputError(
        fmt::format("{}: {} features per sample, expected ≥ 1", printable_path(train.source), train.features));
  if (test.features != train.features)
    throw InputError(fmt::format("{}: {} features per sample, but {} has {}", printable_path(test.source),
                                 test.features, printable_path(train.source), train.features));
}

SourceTask open_source(const DataOptions& o) {
  SourceTask t;
  RowSource& train = t.train;
  RowSource& test = t.test;
  std::vector<int>& ids = t.ids;
  double& fixed_mean = t.fixed_mean;
  double& fixed_std = t.fixed_std;
  ids = o.classes;
  if (o.dataset == "gaussians") {  // drawn here: its size is the config's alone, so it is checked first
    check_fits_in_memory(2.0 * 8.0 * (double(o.train_size) + double(o.test_size)) * double(o.gaussians_dim),
                         fmt::format("data.train_size = {} and data.test_size = {} at data.gaussians_dim = {}: the "
                                     "gaussians task's inputs and their copy (float64)",
                                     o.train_size, o.test_size, o.gaussians_dim));
    Dataset g = make_gaussians(o.gaussians_dim, o.gaussians_delta, o.train_size, o.test_size, o.seed);
    auto ys = [](const Vector<double>& y) { return std::vector<double>(y.data(), y.data() + y.size()); };
    train = table_source({std::move(g.x_train), ys(g.y_train), {}}, "gaussians");
    test = table_source({std::move(g.x_test), ys(g.y_test), {}}, "gaussians");
    ids = {1, -1};
  } else if (o.dataset == "fashion-mnist-2" || o.dataset == "fashion-mnist" || o.dataset == "mnist") {
    std::string dir = o.path;
    if (dir.empty()) {
      dir = kFashionDir;
      std::error_code ec;
      if (!fs::is_directory(dir, ec))
        throw InputError(
            fmt::format("{}: no such directory; install the Debian package dataset-fashion-mnist "
                        "(scripts/install-deps) or set data.path",
                        dir));
    }
    load_idx_dir(dir, &train, &test);
    if (ids.empty())
      ids = o.dataset == "fashion-mnist-2" ? std::vector<int>{0, 6} : std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    if (o.dataset == "mnist") fixed_mean = kMnistMean, fixed_std = kMnistStd;
  } else if (o.dataset == "cifar-2") {
    load_cifar_dir(o.path, &train, &test);
    if (ids.empty()) ids = {0, 1};
    fixed_mean = kCifarMean, fixed_std = kCifarStd;
  } else {  // npy, csv
    require_dir(o.path,
                o.dataset == "npy" ? "X_train.npy, y_train.npy, X_test.npy, y_test.npy" : "train.csv and test.csv");
    if (o.dataset == "npy") {
      auto xt = first_existing(o.path, {"X_train.npy", "x_train.npy"}), yt = first_existing(o.path, {"y_train.npy"});
      auto xv = first_existing(o.path, {"X_test.npy", "x_test.npy"}), yv = first_existing(o.path, {"y_test.npy"});
      LabeledTable a = read_npy_pair(xt, yt), b = read_npy_pair(xv, yv);
      if (a.image != b.image)
        throw InputError(fmt::format("{}: {}, but {} holds {}", printable_path(xv), array_kind(b), printable_path(xt),
                                     array_kind(a)));
      if (b.x.cols() != a.x.cols())  // named here: the sources below name the label files
        throw InputError(fmt::format("{}: {} features per sample, but {} has {}", printable_path(xv), b.x.cols(),
                                     printable_path(xt), a.x.cols()));
      t.image = a.image;
      train = table_source(std::move(a), yt);
      test = table_source(std::move(b), yv);
    } else {
      auto tt = first_existing(o.path, {"train.csv"}), tv = first_existing(o.path, {"test.csv"});
      train = table_source(read_csv_table(tt), tt);
      test = table_source(read_csv_table(tv), tv);
    }
    check_integer_labels(train);
    check_integer_labels(test);
    if (ids.empty()) ids = default_table_classes(train, test);
  }
  check_sample_lengths(train, test);
  return t;
}

// A subset of n of the selected rows (stratified by label; all rows when n covers them) and its labels.
void pick_rows(const std::vector<std::int64_t>& rows, const std::vector<double>& labels, std::int64_t n,
               const std::string& what, const std::vector<int>& ids, Rng& rng, std::vector<std::int64_t>* out_rows,
               Vector<double>* y) {
  std::vector<std::int64_t> sel;  // positions into rows/labels
  if (n >= std::int64_t(rows.size())) {
    sel = data_detail::all_rows(std::int64_t(rows.size()));
  } else {
    auto class_id = [&](double label) {  // the task's label back to the data's class (select_classes)
      const std::size_t k = ids.size() == 2 ? (label > 0 ? 0 : 1) : std::size_t(label);
      return k < ids.size() ? fmt::format("{}", ids[k]) : fmt::format("with label {}", label);
    };
    sel = stratified_subset(labels, n, rng, what, class_id);
  }
  out_rows->clear();
  y->resize(std::int64_t(sel.size()));
  for (std::size_t i = 0; i < sel.size(); ++i) {
    out_rows->push_back(rows[std::size_t(sel[i])]);
    (*y)(std::int64_t(i)) = labels[std::size_t(sel[i])];
  }
}

std::string task_name(const DataOptions& o, const std::vector<int>& ids) {
  if (o.dataset == "gaussians") return fmt::format("gaussians (d={}, Δ={})", o.gaussians_dim, o.gaussians_delta);
  if (ids.size() == 2) return fmt::format("{} ({} vs {})", o.dataset, ids[0], ids[1]);
  return fmt::format("{} ({} classes)", o.dataset, ids.size());
}

}  // namespace

Dataset load_dataset(const DataOptions& o) {
  if (std::string err = o.validate(); !err.empty()) throw InputError(err);
  Dataset ds;
  ds.standardize = o.standardize;

  SourceTask src = open_source(o);
  const RowSource& train = src.train;
  const RowSource& test = src.test;
  const std::vector<int>& ids = src.ids;
  const double fixed_mean = src.fixed_mean, fixed_std = src.fixed_std;
  std::vector<std::int64_t> train_rows, test_rows;
  std::vector<double> train_labels, test_labels;
  select_classes(train, ids, &train_rows, &train_labels);
  select_classes(test, ids, &test_rows, &test_labels);
  const std::string cls = fmt::format("[{}]", fmt::join(ids, ", "));
  if (train_rows.empty())
    throw InputError(fmt::format("{}: no training samples of data.classes = {}", printable_path(train.source), cls));
  check_every_class_has_samples(train, ids, o);
  if (test_rows.empty())
    throw InputError(fmt::format("{}: no test samples of data.classes = {}", printable_path(test.source), cls));

  // Statistics over the whole training split of the selected classes (independent of the subset's seed).
  double mean = 0, sd = 1;
  Vector<double> fmean, fstd;
  if (o.standardize == "scalar") {
    if (!std::isnan(fixed_mean))
      mean = fixed_mean, sd = fixed_std;
    else
      data_detail::scalar_stats_rows(train, train_rows, &mean, &sd);
  } else if (o.standardize == "feature") {
    data_detail::feature_stats_rows(train, train_rows, &fmean, &fstd);
  }
  // Inputs near float64's range overflow the statistics; dividing by an infinite std would zero them silently.
  if (!std::isfinite(mean) || !std::isfinite(sd) || !all_finite(fmean) || !all_finite(fstd))
    throw InputError(
        fmt::format("{}: data.standardize = \"{}\": the training inputs' mean or standard deviation "
                    "overflows float64; rescale the data (divide it by a constant)",
                    printable_path(train.source), o.standardize));

  Rng rng = make_rng(o.seed, rng_stream::data_subset);
  if (o.train_size > std::int64_t(train_rows.size()))
    throw InputError(fmt::format("data.train_size = {}: the training split of data.classes = {} has only {} samples",
                                 o.train_size, cls, train_rows.size()));
  std::vector<std::int64_t> tr, te;
  pick_rows(train_rows, train_labels, o.train_size, fmt::format("data.train_size = {}", o.train_size), ids, rng, &tr,
            &ds.y_train);
  pick_rows(test_rows, test_labels, o.test_size, fmt::format("data.test_size = {}", o.test_size), ids, rng, &te,
            &ds.y_test);
  gather(train, tr, &ds.x_train);
  gather(test, te, &ds.x_test);

  if (o.standardize == "scalar") {
    ds.x_train = (ds.x_train.array() - mean) / sd;
    ds.x_test = (ds.x_test.array() - mean) / sd;
    ds.scalar_mean = mean;
    ds.scalar_std = sd;
  } else if (o.standardize == "feature") {
    ds.x_train = (ds.x_train.rowwise() - fmean.transpose()).array().rowwise() / fstd.transpose().array();
    ds.x_test = (ds.x_test.rowwise() - fmean.transpose()).array().rowwise() / fstd.transpose().array();
  }

  ds.classes = int(ids.size());
  ds.class_ids = ids;
  ds.image_shape = src.image;
  ds.name = task_name(o, ids);
  return ds;
}

}  // namespace widthlab
