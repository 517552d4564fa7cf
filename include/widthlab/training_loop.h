// The one training loop (theory.md §1.1, §3.5, §6.0): `steps` optimizer updates of a net on its training set, in
// BatchOrder's batches, with IC-MF's frozen offsets added to the logits. run_training (train_run.h) drives it with
// hooks that record its metrics; the empirical NTK after training (empirical_ntk_run.h) drives it bare. Divergence —
// a non-finite loss or logit — ends the loop as a status, never an exception.
#pragma once
#include <functional>
#include <utility>
#include <vector>

#include "widthlab/conv_net.h"
#include "widthlab/loss.h"
#include "widthlab/mlp.h"
#include "widthlab/mlp_cuda.h"
#include "widthlab/tensor.h"
#include "widthlab/train_run.h"

namespace widthlab {

// The loop and IC-MF's offsets take any net with Mlp's training interface (mlp.h): Mlp<T> and ConvNet<T>
// (conv_net.h), instantiated for float and double; the loop also takes CudaMlp (mlp_cuda.h, float), whose only
// update is backward_sgd (kPlainSgdOnly).
template <class Net>
using WorkspaceOf = decltype(std::declval<const Net&>().make_workspace(1));
template <class Net>
inline constexpr bool kPlainSgdOnly = false;
template <>
inline constexpr bool kPlainSgdOnly<CudaMlp> = true;

inline int net_outputs(const CudaMlp& net) { return net.config().outputs; }
template <class T>
int net_outputs(const Mlp<T>& net) {
  return net.config().outputs;
}
template <class T>
int net_outputs(const ConvNet<T>& net) {
  return net.config().outputs();
}

// IC-MF (theory.md §3.5): f(θ₀^SP; x) − f(θ₀; x), the frozen part of f_IC, for a net just initialised with the
// task's seed; θ₀^SP is the same seed's raw init under task.ic_reference (default: all factors 1).
template <template <class> class Net, class T>
Matrix<T> icmf_offset(const Net<T>& net, const TrainTask& task, const Matrix<T>& x, WorkspaceOf<Net<T>>& ws);

// One step's batch after the forward pass, before the update.
template <class T>
struct StepView {
  int step = 0;
  bool full_batch = false;
  const Matrix<T>& logits;  // rows × k, offsets included
  const VectorD& y;         // the batch's labels
  double loss = 0;          // mean loss on the batch
  bool finite = true;       // loss and logits finite
};

template <class T>
struct TrainingHooks {
  // After each step's forward pass; false stops the run as diverged (e.g. a non-finite curve point).
  std::function<bool(const StepView<T>&)> after_forward;
  // Before each step's update, once the batch was finite.
  std::function<void(int step)> before_update;
};

struct TrainingOutcome {
  int steps_done = 0;
  bool diverged = false;
};

// Trains `net` (initialised) for task.train.steps updates on (x, y) with per-row offsets `offset` (empty: none).
// std::invalid_argument for a kPlainSgdOnly net under an optimizer other than gd/sgd (run_training checks first).
template <class Net, class T>
TrainingOutcome train_steps(Net& net, const TrainTask& task, const Loss& loss, const Matrix<T>& x, const VectorD& y,
                            const Matrix<T>& offset, const TrainingHooks<T>& hooks = {});

}  // namespace widthlab
