// One element of an initializer's constant in any fixed-size numeric dtype
// or bool, as V2 data layout bytes.
#ifndef SURGEON_PLAN_ENCODE_CONSTANT_H_
#define SURGEON_PLAN_ENCODE_CONSTANT_H_

#include <cstdint>
#include <vector>

#include "surgeon/base/status.h"
#include "surgeon/format/dtype.h"
#include "surgeon/plan/initializer.h"

namespace surgeon {

// One element of `value` in `dtype`, or InvalidArgument naming the
// initializer `kind` if it is not representable (integers: exact and in
// range; bool: 0 or 1; floats: finite after rounding to nearest).
Result<std::vector<uint8_t>> EncodeConstant(InitializerKind kind, double value, DataType dtype);

}  // namespace surgeon

#endif  // SURGEON_PLAN_ENCODE_CONSTANT_H_
