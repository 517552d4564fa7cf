// Neuron-level samples and their distances across widths (nguyen_neurons.h; theory.md §6.4 R26).
#include "reproduce/nguyen_neurons.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "widthlab/two_sample.h"

namespace widthlab::repro::nguyen {
namespace {

MlpConfig net_config(const TrainTask& task, int input_dim, int outputs) {
  MlpConfig c = task.model;
  c.input_dim = input_dim;
  c.outputs = outputs;
  return c;
}

std::vector<std::size_t> all_seeds(const NeuronGrid& g) {
  std::vector<std::size_t> idx(g[0].empty() ? 0 : g[0].front().size());
  std::iota(idx.begin(), idx.end(), std::size_t(0));
  return idx;
}

}  // namespace

NeuronSample neuron_sample(const Mlp<double>& net, const MatrixD& x0) {
  NeuronSample s;
  const int H = net.config().depth, d = net.config().width;
  const MatrixD& out = net.weight(H);
  for (int i = 0; i < d; ++i) s[0].push_back(double(d) * double(net.multiplier(H)) * out(0, i));
  MlpWorkspace<double> ws = net.make_workspace(1, false);
  net.forward(x0.topRows(1), ws);
  for (int i = 0; i < d; ++i) s[1].push_back(ws.z[0](0, i));
  return s;
}

NeuronSample init_sample(const TrainTask& task, const MatrixD& x0) {
  Mlp<double> net(net_config(task, int(x0.cols()), task.model.outputs > 0 ? task.model.outputs : 1), task.factors);
  net.init(task.seed);
  return neuron_sample(net, x0);
}

NeuronSample trained_sample(const TrainTask& task, const TrainResult& r, const MatrixD& x0) {
  if (r.status != RunStatus::ok || r.final_weights.empty()) return {};
  Mlp<double> net(net_config(task, int(x0.cols()), int(r.final_weights.back().rows())), task.factors);
  net.set_parameters(r.final_weights, r.final_biases);
  return neuron_sample(net, x0);
}

std::vector<std::vector<double>> groups_of(const NeuronGrid& g, int p, std::size_t i, int q) {
  std::vector<std::vector<double>> v;
  for (const auto& s : g[p][i]) v.push_back(s[q]);
  return v;
}

std::vector<double> neighbour_w1(const NeuronGrid& g, int p, int q, const std::vector<std::size_t>& idx) {
  std::vector<double> d;
  for (std::size_t i = 0; i + 1 < g[p].size(); ++i) {
    const auto a = pool_groups(groups_of(g, p, i, q), idx), b = pool_groups(groups_of(g, p, i + 1, q), idx);
    d.push_back(a.empty() || b.empty() ? NAN : wasserstein1(a, b));
  }
  return d;
}

std::vector<double> neighbour_ks(const NeuronGrid& g, int p, int q) {
  const std::vector<std::size_t> idx = all_seeds(g);
  std::vector<double> d;
  for (std::size_t i = 0; i + 1 < g[p].size(); ++i) {
    const auto a = pool_groups(groups_of(g, p, i, q), idx), b = pool_groups(groups_of(g, p, i + 1, q), idx);
    d.push_back(a.empty() || b.empty() ? NAN : ks_statistic(a, b));
  }
  return d;
}

void add_histograms(std::vector<std::vector<std::string>>& rows, const NeuronGrid& g, const std::string& label,
                    const std::vector<int>& widths, int bins) {
  const std::vector<std::size_t> idx = all_seeds(g);
  for (int p = 0; p < 2; ++p)
    for (int q = 0; q < kQuantities; ++q) {
      std::vector<std::vector<double>> pools;
      std::vector<double> all;
      for (std::size_t i = 0; i < widths.size(); ++i) {
        pools.push_back(pool_groups(groups_of(g, p, i, q), idx));
        all.insert(all.end(), pools.back().begin(), pools.back().end());
      }
      if (all.empty()) continue;
      std::sort(all.begin(), all.end());
      const double lo = all[std::size_t(0.005 * double(all.size() - 1))];
      const double hi = all[std::size_t(0.995 * double(all.size() - 1))], step = (hi - lo) / bins;
      if (!(step > 0)) continue;
      for (std::size_t i = 0; i < widths.size(); ++i) {
        std::vector<double> count(std::size_t(bins), 0.0);
        for (double x : pools[i])
          if (x >= lo && x < hi) count[std::min(std::size_t((x - lo) / step), std::size_t(bins - 1))] += 1;
        for (int b = 0; b < bins; ++b)
          rows.push_back({label, kQuantityIds[q], p ? "trained" : "init", std::to_string(widths[i]),
                          fmt_num(lo + b * step, 8), fmt_num(lo + (b + 1) * step, 8),
                          fmt_num(count[b] / (double(pools[i].size()) * step), 8)});
      }
    }
}

}  // namespace widthlab::repro::nguyen
