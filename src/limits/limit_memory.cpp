// What a limit needs in memory, checked before anything runs or is written (limit_run.h check_limit_fits_in_memory).
#include <fmt/format.h>

#include "widthlab/limit_models.h"
#include "widthlab/limit_run.h"
#include "widthlab/memory_guard.h"
#include "widthlab/mlp.h"

namespace widthlab {

void check_limit_fits_in_memory(const LimitOptions& o, int input_dim, int outputs, long long train_rows,
                                long long test_rows) {
  const LimitModelInfo& model = limit_model_from_name(o.model);
  const double n = double(train_rows), all = double(train_rows + test_rows);
  const double entries = (model.needs_g() ? 2 * all * all : 0.0) + (model.feature_learning() ? 0.0 : all * n);
  if (entries > 0)
    check_fits_in_memory(
        entries * sizeof(double),
        fmt::format("data.train_size = {} and data.test_size = {}: limit model {}: its {} ({:.3g} float64 "
                    "entries)",
                    train_rows, test_rows, model.name,
                    model.feature_learning() ? "NNGP and its Cholesky factor (the GP sample g)"
                    : model.needs_g()        ? "NTK and NNGP with its Cholesky factor"
                                             : "NTK",
                    entries));
  if (!model.feature_learning()) return;
  MlpConfig net;
  net.input_dim = input_dim;
  net.width = int(o.particles);
  net.depth = o.depth;
  net.outputs = outputs;
  // A step runs the particle net forward and back on one batch (all the training inputs with full-batch GD).
  const long long batch_rows = (o.batch == 0 || o.batch >= train_rows) ? train_rows : o.batch;
  net.check_fits_in_memory(
      o.precision,
      fmt::format("limits.mf_particles = {} at model.depth = {}: the particle system's", o.particles, o.depth),
      batch_rows);
}

}  // namespace widthlab
