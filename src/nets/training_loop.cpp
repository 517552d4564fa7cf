#include "widthlab/training_loop.h"

#include <cmath>
#include <cstring>

#include "widthlab/batch_order.h"
#include "widthlab/interrupt.h"
#include "widthlab/optimizer.h"

namespace widthlab {
namespace {

// The rows of one mini-batch, gathered in the run's precision (reused across steps of the same size).
template <class T>
struct BatchBuffers {
  Matrix<T> x, logits, dlogits, offset;
  VectorD y;
  BatchBuffers(int rows, int n0, int k, bool with_offset) : x(rows, n0), logits(rows, k), dlogits(rows, k), y(rows) {
    if (with_offset) offset.resize(rows, k);
  }
  void gather(std::span<const int> idx, const Matrix<T>& xs, const VectorD& ys, const Matrix<T>& off) {
    for (std::size_t t = 0; t < idx.size(); ++t) {
      x.row(Eigen::Index(t)) = xs.row(idx[t]);
      y[Eigen::Index(t)] = ys[idx[t]];
      if (off.size()) offset.row(Eigen::Index(t)) = off.row(idx[t]);
    }
  }
};

}  // namespace

template <template <class> class Net, class T>
Matrix<T> icmf_offset(const Net<T>& net, const TrainTask& task, const Matrix<T>& x, WorkspaceOf<Net<T>>& ws) {
  std::vector<LayerFactors> ref_factors = task.ic_reference;
  if (ref_factors.empty()) ref_factors.assign(std::size_t(net.num_layers()), LayerFactors{});
  Net<T> ref(net.config(), ref_factors);
  ref.init(task.seed);
  return ref.predict(x, ws) - net.predict(x, ws);
}

template <class Net, class T>
TrainingOutcome train_steps(Net& net, const TrainTask& task, const Loss& loss, const Matrix<T>& x, const VectorD& y,
                            const Matrix<T>& offset, const TrainingHooks<T>& hooks) {
  const TrainOptions& opt = task.train;
  const int n = int(x.rows()), k = net_outputs(net), n0 = int(x.cols());
  BatchOrder order(n, opt.batch, task.seed);
  const int B = order.batch();
  const bool full = order.full(), with_offset = offset.size() > 0;
  const std::vector<double> lrs = net.layer_lrs(opt.lr);
  std::unique_ptr<Optimizer<T>> optimizer;
  MlpGradients<T> grads;
  if constexpr (kPlainSgdOnly<Net>) {
    if (optimizer_from_name(opt.optimizer).kind != OptimizerKind::sgd)
      throw std::invalid_argument("train_steps: optimizer '" + opt.optimizer + "' on a net that runs gd/sgd only");
  } else {
    optimizer = make_optimizer<T>(optimizer_from_name(opt.optimizer), net);
    if (!optimizer->plain()) grads = net.make_gradients();
  }
  WorkspaceOf<Net> ws = net.make_workspace(std::max(B, 1));
  BatchBuffers<T> buf_full(full ? n : B, full ? 0 : n0, k, with_offset && !full);
  BatchBuffers<T> buf_last(full ? 0 : n % B, n0, k, with_offset);
  TrainingOutcome out;
  for (int step = 0; step < opt.steps; ++step, out.steps_done = step) {
    poll_interrupt();
    const std::span<const int> idx = order.next();
    const int rows = int(idx.size());
    BatchBuffers<T>& buf = full || rows == B ? buf_full : buf_last;
    if (!full) buf.gather(idx, x, y, offset);
    const T* xb = full ? x.data() : buf.x.data();
    const T* f = net.forward(xb, rows, ws);
    std::memcpy(buf.logits.data(), f, sizeof(T) * std::size_t(rows) * std::size_t(k));
    if (with_offset) buf.logits += full ? offset : buf.offset;
    const VectorD& yb = full ? y : buf.y;
    const double batch_loss = loss.gradient(buf.logits, yb, buf.dlogits);
    const bool finite = std::isfinite(batch_loss) && buf.logits.allFinite();
    const StepView<T> view{step, full, buf.logits, yb, batch_loss, finite};
    if ((hooks.after_forward && !hooks.after_forward(view)) || !finite) {
      out.diverged = true;
      return out;
    }
    if (hooks.before_update) hooks.before_update(step);
    if constexpr (kPlainSgdOnly<Net>) {
      net.backward_sgd(xb, buf.dlogits.data(), ws, lrs);
    } else if (optimizer->plain()) {
      net.backward_sgd(xb, buf.dlogits.data(), ws, lrs);
    } else {
      net.backward(xb, buf.dlogits.data(), ws, grads);
      optimizer->step(net, grads, lrs);
    }
  }
  out.steps_done = opt.steps;
  return out;
}

#define WIDTHLAB_INSTANTIATE(NET, T)                                                                             \
  template Matrix<T> icmf_offset(const NET<T>&, const TrainTask&, const Matrix<T>&, WorkspaceOf<NET<T>>&);       \
  template TrainingOutcome train_steps(NET<T>&, const TrainTask&, const Loss&, const Matrix<T>&, const VectorD&, \
                                       const Matrix<T>&, const TrainingHooks<T>&);
WIDTHLAB_INSTANTIATE(Mlp, float)
WIDTHLAB_INSTANTIATE(Mlp, double)
WIDTHLAB_INSTANTIATE(ConvNet, float)
WIDTHLAB_INSTANTIATE(ConvNet, double)
#undef WIDTHLAB_INSTANTIATE
template TrainingOutcome train_steps(CudaMlp&, const TrainTask&, const Loss&, const MatrixF&, const VectorD&,
                                     const MatrixF&, const TrainingHooks<float>&);

}  // namespace widthlab
