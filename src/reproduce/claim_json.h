// One claim of claims.json (architecture.md §4, **reproduce**): its words, the verdict and, for a claim judged on one
// estimate, the numbers it was judged on.
#pragma once
#include <nlohmann/json.hpp>

#include "widthlab/reproduce.h"

namespace widthlab {

// {id, claim, published, measured, estimate, region, verdict, sanity, uninformative, source_kind}
nlohmann::json claim_json(const ClaimCheck& c);

}  // namespace widthlab
