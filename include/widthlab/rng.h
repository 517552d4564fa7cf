// Seeded random streams. Every random draw in widthlab comes from make_rng(seed, stream) so that the same config
// and seed give the same numbers on every run (std::mt19937_64 and libstdc++'s distributions are deterministic).
#pragma once
#include <cstdint>
#include <random>

namespace widthlab {

using Rng = std::mt19937_64;

// Independent stream `stream` of seed `seed` (e.g. stream 0 = init weights, 1 = batch order, 2 = GP sample).
inline Rng make_rng(uint64_t seed, uint64_t stream = 0) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(stream),
                    static_cast<uint32_t>(stream >> 32), 0x77696474u /* "widt" */};
  return Rng(seq);
}

// Well-known stream ids so modules do not collide.
namespace rng_stream {
inline constexpr uint64_t init = 0;
inline constexpr uint64_t batches = 1;
inline constexpr uint64_t gp_sample = 2;
inline constexpr uint64_t data_subset = 3;
inline constexpr uint64_t synthetic_data = 4;
inline constexpr uint64_t particles = 5;
}  // namespace rng_stream

}  // namespace widthlab
