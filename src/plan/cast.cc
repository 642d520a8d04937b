#include "surgeon/plan/cast.h"

#include <string>

namespace surgeon {

std::optional<FloatFormat> FloatFormatOf(DataType dtype) {
  switch (dtype) {
    case DataType::kHalf: return FloatFormat::kF16;
    case DataType::kBfloat16: return FloatFormat::kBF16;
    case DataType::kFloat: return FloatFormat::kF32;
    case DataType::kDouble: return FloatFormat::kF64;
    default: return std::nullopt;
  }
}

Result<std::vector<uint8_t>> CastTensorBytes(ByteSpan src, DataType from, DataType to, std::string_view tensor_name) {
  const auto f = FloatFormatOf(from);
  const auto t = FloatFormatOf(to);
  if (!f || !t) {
    return Status::InvalidArgument(std::string(tensor_name) + ": cannot cast " + DataTypeShortName(from) + " to " +
                                   DataTypeShortName(to) +
                                   "; casts are supported between float16, bfloat16, float32 and float64");
  }
  return CastTensorBytes(src, *f, *t, tensor_name);
}

}  // namespace surgeon
