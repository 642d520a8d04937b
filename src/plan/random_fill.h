// Private to the plan layer: filling a tensor with samples of a uniform,
// normal or truncated normal distribution, split over threads, rounded once
// from double to the output float type.
#ifndef SURGEON_PLAN_RANDOM_FILL_H_
#define SURGEON_PLAN_RANDOM_FILL_H_

#include <cstdint>

#include "surgeon/base/numeric_cast.h"
#include "surgeon/plan/initializer.h"

namespace surgeon {

// FillRandom gives each thread at least this many output groups (of 4
// samples, 2 for float64).
inline constexpr uint64_t kMinGroupsPerThread = uint64_t{1} << 15;

struct BadValue {
  int64_t index = -1;  // first element that is not finite in the output dtype
  double value = 0;    // its value before rounding
};

// Fills the n elements at `out` (n * FloatFormatSize(format) bytes) from the
// stream `key`, on up to `max_threads` threads (0: one per usable CPU, UsableCpus();
// small tensors use fewer). The bytes do not depend on the thread count.
// REQUIRES: r.distribution is kUniform, kNormal or kTruncatedNormal.
BadValue FillRandom(FloatFormat format, const ResolvedInitializer& r, uint64_t key, int64_t n, uint8_t* out,
                    int max_threads = 0);

// Samples of one stream come in groups of this many elements (4, or 2 for
// float64): a range fill starts at a multiple of it.
int64_t RandomGroupSize(FloatFormat format);

// Fills elements [first, end) of the tensor FillRandom would fill, element
// `first` at `out`: the same bytes as that part of the whole fill, so a
// tensor can be produced piece by piece. BadValue.index counts from the
// tensor's start.
// REQUIRES: first % RandomGroupSize(format) == 0, first <= end.
BadValue FillRandomRange(FloatFormat format, const ResolvedInitializer& r, uint64_t key, int64_t first, int64_t end,
                         uint8_t* out, int max_threads = 0);

}  // namespace surgeon

#endif  // SURGEON_PLAN_RANDOM_FILL_H_
