#include "widthlab/config_mapping.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "widthlab/error.h"
#include "widthlab/loss.h"
#include "widthlab/mlp_cuda.h"
#include "widthlab/optimizer.h"
#include "widthlab/train_run.h"

namespace widthlab {

DataOptions data_options(const Config& config) {
  // Every [data] key as given (architecture.md §5). data.seed draws the train subset (and the gaussians task) once; it
  // is shared by all widths, scalings and seeds (theory.md §6.0).
  return config.data;
}

TrainOptions train_options(const Config& config) {
  TrainOptions t;
  t.optimizer = config.train.optimizer;
  t.lr = config.train.lr;
  t.steps = config.train.steps;
  t.batch = config.train.batch.full ? 0 : int(config.train.batch.size);
  t.loss = config.train.loss;
  t.precision = config.train.precision == "float64" ? Precision::float64 : Precision::float32;
  t.device = config.study.device.value_or("auto");
  t.curve_every = config.train.log_every;
  t.kernel_track_steps = config.train.track_kernel_steps;
  return t;
}

LimitOptions limit_options(const Config& config) {
  const TrainOptions t = train_options(config);
  LimitOptions o;
  o.depth = config.model.depth;
  o.activation = activation_from_name(config.model.activation);
  o.init = config.model.init;
  o.reference_width = config.scaling.reference_width;
  o.optimizer = t.optimizer;
  o.lr = t.lr;
  o.steps = t.steps;
  o.batch = t.batch;
  o.loss = t.loss;
  o.precision = t.precision;
  o.device = t.device;
  o.curve_every = t.curve_every;
  o.kernel_track_steps = t.kernel_track_steps;
  o.particles = config.limits.mf_particles;
  o.seeds = config.limits.seeds;
  o.gp_jitter = config.limits.gp_jitter;
  return o;
}

namespace {

// model.input_shape, else the dataset's own image shape (config.h): that of npy image stacks, 28×28×1 for the
// MNIST-like sets. A model.input_shape that contradicts npy images is an InputError.
ImageShape model_input_shape(const Config& config, const Dataset& data) {
  const std::int64_t features = data.x_train.cols();
  std::optional<ImageShape> stack;
  if (data.image_shape.size() == 3) stack = ImageShape{data.image_shape[0], data.image_shape[1], data.image_shape[2]};
  if (config.model.input_shape) {
    const ImageShape s = parse_input_shape(*config.model.input_shape, "model.input_shape");
    if (stack && !(*stack == s))
      throw InputError(fmt::format("model.input_shape = \"{}\": the npy files hold images of shape ({}, {}, {})",
                                   *config.model.input_shape, stack->height, stack->width, stack->channels));
    return s;
  }
  if (stack) return *stack;
  const std::string& d = config.data.dataset;
  if (d == "fashion-mnist-2" || d == "fashion-mnist" || d == "mnist") return {28, 28, 1};
  if (d == "cifar-2")
    throw InputError(
        "model.arch with data.dataset = \"cifar-2\": its rows are channel-major (3·32·32) and not images in (H, W, C) "
        "order; convolutional nets take fashion-mnist, mnist or npy/csv data with model.input_shape");
  return {1, 1, features};
}

// model.arch with its readout dense(k) and the input shape; InputError naming the key before anything is written.
void resolve_arch(const Config& config, SweepSetup& s) {
  if (!config.model.arch) return;
  const int k = loss_from_name(config.train.loss).outputs(s.data.classes);
  s.arch = parse_architecture(*config.model.arch + fmt::format("-dense({})", k), true);
  s.input_shape = model_input_shape(config, s.data);
  if (s.input_shape.size() != s.data.x_train.cols())
    throw InputError(fmt::format("model.input_shape ({}, {}, {}): {} values per input, but the data have {} features",
                                 s.input_shape.height, s.input_shape.width, s.input_shape.channels,
                                 s.input_shape.size(), s.data.x_train.cols()));
  try {
    (void)architecture_shapes_to_vector(s.arch, s.input_shape, 1);
  } catch (const InputError& e) {
    throw InputError(fmt::format("model.arch = \"{}\": {}", *config.model.arch, e.what()));
  }
}

// The widest dense net's weights and its activations on one batch must fit in this machine's memory
// (MlpConfig::check_fits_in_memory): refused before any run starts rather than killed by the system mid-sweep.
// Layered nets (model.arch) are not estimated.
void check_widest_net_fits(const SweepSetup& s) {
  if (!s.arch.layers.empty() || s.widths.empty()) return;
  MlpConfig net = s.model;
  net.width = s.widths.back();
  net.outputs = loss_from_name(s.train.loss).outputs(s.data.classes);
  const long long rows = s.data.x_train.rows();
  net.check_fits_in_memory(
      s.train.precision,
      fmt::format("sweep.widths up to {} at model.depth = {}: the widest net's", net.width, net.depth),
      s.train.batch > 0 ? std::min<long long>(s.train.batch, rows) : rows);
}

// Every scaling's factors ω^e at every swept width are positive numbers of the training precision's normal range: an
// exponent or d* so extreme that a factor overflows or underflows would train a net that "diverged at step 0", or one
// with learning rate 0, and report it as the scaling's (theory.md §1.4).
void check_scaling_factors(const SweepSetup& s) {
  const bool f32 = s.train.precision == Precision::float32;
  const double lo = f32 ? double(std::numeric_limits<float>::min()) : std::numeric_limits<double>::min();
  const double hi = f32 ? double(std::numeric_limits<float>::max()) : std::numeric_limits<double>::max();
  for (const Scaling& sc : s.scalings)
    for (int w : s.widths) {
      const std::vector<LayerFactors> f = sc.factors_at(w);
      for (std::size_t l = 0; l < f.size(); ++l)
        for (const auto& [what, v] : {std::pair{"init", f[l].init}, {"multiplier", f[l].multiplier}, {"lr", f[l].lr}})
          if (!(v >= lo && v <= hi))
            throw InputError(fmt::format(
                "scaling '{}': layer {}'s {} factor ω^e at width {} (ω = {} / scaling.reference_width {:g}) is {:g}, "
                "outside {}'s positive range; expected exponents and a reference width whose factors every swept "
                "width can hold",
                sc.name, l, what, w, w, sc.reference_width, v, precision_name(s.train.precision)));
    }
}

}  // namespace

void check_study_device(const Config& config) {
  if (config.study.device.value_or("auto") != "cuda") return;
  TrainTask t;
  t.train = train_options(config);
  if (config.model.arch) t.arch = parse_architecture(*config.model.arch, true);
  task_on_gpu(t);  // InputError naming why: no CUDA path for these runs, or no GPU
}

namespace {
// The loaded labels in the form train.loss takes (its label rule, loss.h), checked once here, before any output is
// written, rather than by every run. A binary task's labels are ±1 (dataset.h); a class-id loss reads them as class
// ids, +1 → 0, −1 → 1 (class_ids' order); ±1 labels hold only two classes.
void fit_labels_to_the_loss(Dataset& data, const Loss& loss) {
  auto ids = [](VectorD& y) { y = (1.0 - y.array()) / 2.0; };
  if (loss.label_rule() == LabelRule::class_id && data.classes == 2 && (data.y_train.array().abs() == 1.0).all() &&
      (data.y_test.array().abs() == 1.0).all()) {
    ids(data.y_train);
    ids(data.y_test);
  }
  check_loss_labels(loss, data.y_train, data.classes, "train");
  check_loss_labels(loss, data.y_test, data.classes, "test");
}
}  // namespace

Dataset load_dataset_for_loss(const Config& config) {
  Dataset data = load_dataset(data_options(config));
  fit_labels_to_the_loss(data, loss_from_name(config.train.loss));
  return data;
}

SweepSetup make_sweep_setup(const Config& config) {
  if (auto err = config.validate(); !err.empty()) throw InputError(err);
  check_study_device(config);
  SweepSetup s;
  s.scalings = config_scalings(config);
  s.data = load_dataset_for_loss(config);
  s.model.input_dim = int(s.data.x_train.cols());
  s.model.depth = config.model.depth;
  s.model.outputs = 0;
  s.model.bias = config.model.bias;
  s.model.activation = activation_from_name(config.model.activation);
  s.model.init = init_kind_from_name(config.model.init);
  s.train = train_options(config);
  if (auto err = s.train.validate(); !err.empty()) throw InputError(err);
  s.widths = config.sweep.widths;  // ascending: sweeps, reports and judges read .back() as the widest width
  std::sort(s.widths.begin(), s.widths.end());
  s.seeds = config.sweep.seeds;
  if (config.sweep.lrs) s.lrs = *config.sweep.lrs;
  resolve_arch(config, s);
  check_scaling_factors(s);
  check_widest_net_fits(s);
  if (config.sweep.few_seeds) {
    s.few_seeds_from = *config.sweep.few_seeds_from;
    s.few_seeds = std::size_t(*config.sweep.few_seeds);
  }
  return s;
}

std::vector<std::uint64_t> SweepSetup::seeds_at(int width) const {
  if (few_seeds_from > 0 && width >= few_seeds_from && few_seeds < seeds.size())
    return {seeds.begin(), seeds.begin() + std::ptrdiff_t(few_seeds)};
  return seeds;
}

std::string SweepSetup::seeds_text() const {
  std::string s = fmt::format("{} seeds", seeds.size());
  if (few_seeds_from > 0 && few_seeds < seeds.size() &&
      std::any_of(widths.begin(), widths.end(), [&](int w) { return w >= few_seeds_from; }))
    s += fmt::format(" ({} at widths ≥ {})", few_seeds, few_seeds_from);
  return s;
}

TrainTask make_train_task(const SweepSetup& setup, const Scaling& scaling, int width, std::uint64_t seed) {
  TrainTask t;
  t.model = setup.model;
  t.model.width = width;
  t.factors = scaling.factors_at(width);
  t.scaling = scaling.name;
  t.init_corrected = scaling.init_corrected;
  t.seed = seed;
  t.train = setup.train;
  if (!setup.arch.layers.empty()) {
    t.arch = with_sweep_width(setup.arch, width);
    t.input_shape = setup.input_shape;
  }
  return t;
}

TrainTask pick_train_task(const SweepSetup& setup, const Config& config, const std::string& scaling,
                          std::optional<int> width, std::optional<std::uint64_t> seed) {
  auto it =
      std::find_if(setup.scalings.begin(), setup.scalings.end(), [&](const Scaling& s) { return s.name == scaling; });
  const Scaling picked = scaling.empty() ? setup.scalings.front()
                         : it != setup.scalings.end()
                             ? *it
                             : scaling_from_name(scaling, config.model.depth, config.scaling.reference_width,
                                                 optimizer_family(config.train.optimizer));
  // The default width is the config's first (setup.widths is sorted).
  return make_train_task(setup, picked, width.value_or(config.sweep.widths.front()),
                         seed.value_or(setup.seeds.front()));
}

}  // namespace widthlab
