// The one list of the config's sections and keys, in file order. A visitor V gets
//   v.section("name", [&] { … })            a top-level [name] table
//   v.subtable("name", std::optional<T>&, [&](T&) { … })   an optional nested [section.name] table
//   v.field("key", value)                   a key of the current table
// The TOML reader, the TOML/JSON writers and the key lists all walk this, so they cannot disagree.
#pragma once
#include "widthlab/config.h"

namespace widthlab::config_detail {

template <class V>
void visit_config(V& v, Config& c) {
  v.section("data", [&] {
    auto& d = c.data;
    v.field("dataset", d.dataset);
    v.field("classes", d.classes);
    v.field("train_size", d.train_size);
    v.field("test_size", d.test_size);
    v.field("standardize", d.standardize);
    v.field("path", d.path);
    v.field("seed", d.seed);
    v.field("gaussians_delta", d.gaussians_delta);
    v.field("gaussians_dim", d.gaussians_dim);
  });
  v.section("model", [&] {
    auto& m = c.model;
    v.field("depth", m.depth);
    v.field("activation", m.activation);
    v.field("bias", m.bias);
    v.field("init", m.init);
    v.field("arch", m.arch);                // optional: written only when present
    v.field("input_shape", m.input_shape);  // optional
  });
  v.section("scaling", [&] {
    auto& s = c.scaling;
    v.field("presets", s.presets);
    v.field("reference_width", s.reference_width);
    v.field("q", s.q);
    v.subtable("custom", s.custom, [&](CustomExponentsConfig& e) {
      v.field("init", e.init);
      v.field("multiplier", e.multiplier);
      v.field("lr", e.lr);
    });
  });
  v.section("train", [&] {
    auto& t = c.train;
    v.field("optimizer", t.optimizer);
    v.field("lr", t.lr);
    v.field("steps", t.steps);
    v.field("batch", t.batch);
    v.field("loss", t.loss);
    v.field("precision", t.precision);
    v.field("track_kernel_steps", t.track_kernel_steps);
    v.field("log_every", t.log_every);
  });
  v.section("sweep", [&] {
    v.field("widths", c.sweep.widths);
    v.field("seeds", c.sweep.seeds);
    v.field("lrs", c.sweep.lrs);  // optional: written only when present
    v.field("few_seeds_from", c.sweep.few_seeds_from);
    v.field("few_seeds", c.sweep.few_seeds);
  });
  v.section("limits", [&] {
    auto& l = c.limits;
    v.field("compute", l.compute);
    v.field("mf_particles", l.mf_particles);
    v.field("coupled_particles_per_width", l.coupled_particles_per_width);
    v.field("seeds", l.seeds);
    v.field("gp_jitter", l.gp_jitter);
  });
  v.section("study", [&] {
    auto& s = c.study;
    v.field("max_seconds", s.max_seconds);
    v.field("plots", s.plots);
    v.field("threads", s.threads);
    v.field("device", s.device);  // optional: written only when present
  });
  v.section("reproduce", [&] { v.field("name", c.reproduce.name); });
}

}  // namespace widthlab::config_detail
