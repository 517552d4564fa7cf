// One registration function per bound family (bind_<family>.cpp); module.cpp calls bind_all().
#pragma once
#include <pybind11/pybind11.h>

namespace widthlab::python {

void bind_kernel(pybind11::module_& m);         // kernel.h
void bind_classify(pybind11::module_& m);       // classification.h + the classify verb's argument rules
void bind_config(pybind11::module_& m);         // config.h
void bind_train(pybind11::module_& m);          // sweep.h (the train verb)
void bind_train_net(pybind11::module_& m);      // train_run.h (one run of a config, with its parameters)
void bind_study(pybind11::module_& m);          // study.h (the study verb)
void bind_predict(pybind11::module_& m);        // predict.h (the predict verb)
void bind_empirical_ntk(pybind11::module_& m);  // empirical_ntk_run.h (the ntk-empirical verb)
void bind_transfer(pybind11::module_& m);       // transfer.h (the transfer verb)
void bind_reproduce(pybind11::module_& m);      // reproduce.h (the reproduce verb)
void bind_limit(pybind11::module_& m);          // limit_run.h, simulated_limit.h (the limit verb)

inline void bind_all(pybind11::module_& m) {
  bind_kernel(m);
  bind_classify(m);
  bind_config(m);
  bind_train(m);
  bind_train_net(m);
  bind_study(m);
  bind_predict(m);
  bind_empirical_ntk(m);
  bind_transfer(m);
  bind_reproduce(m);
  bind_limit(m);
}

}  // namespace widthlab::python
