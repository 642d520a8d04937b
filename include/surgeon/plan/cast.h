// DataType-level wrappers over surgeon/base/numeric_cast.h: the plan layer
// knows TF's DataType, the base layer only its own FloatFormat.
#ifndef SURGEON_PLAN_CAST_H_
#define SURGEON_PLAN_CAST_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "surgeon/base/file.h"
#include "surgeon/base/numeric_cast.h"
#include "surgeon/base/status.h"
#include "surgeon/format/dtype.h"

namespace surgeon {

// DT_HALF, DT_BFLOAT16, DT_FLOAT, DT_DOUBLE -> their FloatFormat; nullopt
// for every other dtype.
std::optional<FloatFormat> FloatFormatOf(DataType dtype);

// Converts a tensor's bytes (V2 layout) between two of the four floating
// dtypes. InvalidArgument if either dtype is not one of them, or (naming the
// tensor, the first offending element and its value) when a finite value
// would overflow to inf in `to`. NaN/inf are carried over.
Result<std::vector<uint8_t>> CastTensorBytes(ByteSpan src, DataType from, DataType to, std::string_view tensor_name);

}  // namespace surgeon

#endif  // SURGEON_PLAN_CAST_H_
