// The `mode` argument of the Python calls that write an output directory (train, study, transfer): the Python layer
// turns resume= / force= into "fresh", "resume" or "force" (output_dir.h's modes, the CLI's --resume / --force).
#pragma once
#include <string>

#include "widthlab/error.h"
#include "widthlab/output_dir.h"

namespace widthlab::python {

inline OutputMode output_mode(const std::string& mode) {
  if (mode == "fresh") return OutputMode::fresh;
  if (mode == "resume") return OutputMode::resume;
  if (mode == "force") return OutputMode::force;
  throw InputError("mode = '" + mode + "': expected fresh, resume or force");
}

}  // namespace widthlab::python
