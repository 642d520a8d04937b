// Private to the plan layer: Philox4x32-10 (philox.h) over many counters at
// once, the generator step of the vectorized random fill (random_fill.cc).
#ifndef SURGEON_PLAN_PHILOX_LANES_H_
#define SURGEON_PLAN_PHILOX_LANES_H_

#include <array>
#include <cstdint>

namespace surgeon::random {

// For i in [0, n): word k of Philox4x32(counter[i], 0, key) to words[k][i].
// Integer arithmetic only: every code path gives philox.h's bits.
void PhiloxLanes(const uint64_t* counter, int n, uint64_t key, const std::array<uint32_t*, 4>& words);

}  // namespace surgeon::random

#endif  // SURGEON_PLAN_PHILOX_LANES_H_
