// Private to the plan layer: TF's orthogonal initializer
// (python/ops/init_ops.py Orthogonal).
#ifndef SURGEON_PLAN_ORTHOGONAL_H_
#define SURGEON_PLAN_ORTHOGONAL_H_

#include <cstdint>

#include "plan/random_fill.h"
#include "surgeon/base/numeric_cast.h"

namespace surgeon {

// Fills a rows x cols matrix (row-major, `format` elements at `out`) with an
// orthogonal matrix times `gain`, drawn from the stream `key`.
BadValue FillOrthogonal(FloatFormat format, double gain, uint64_t key, int64_t rows, int64_t cols, uint8_t* out);

}  // namespace surgeon

#endif  // SURGEON_PLAN_ORTHOGONAL_H_
