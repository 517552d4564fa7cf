// The scalings a config names, in order: [scaling] presets, then each q point, then [scaling.custom] — the one
// Config → Scaling mapping, used by train, study, limit and classify alike.
#pragma once
#include <vector>

#include "widthlab/config.h"
#include "widthlab/scaling.h"

namespace widthlab {

// Depth from [model], optimizer family from [train], reference width from [scaling]. InputError naming
// scaling.presets on a bad name or a name that appears twice after resolving aliases, scaling.q on a bad point.
std::vector<Scaling> config_scalings(const Config& config);

}  // namespace widthlab
