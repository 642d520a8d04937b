#include "surgeon/format/tensor_entry.h"

namespace surgeon {

std::string ShapeToString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Result<int64_t> NumElements(const Shape& shape) {
  if (shape.size() > static_cast<size_t>(kMaxRank)) {
    return Status::InvalidArgument("shape has " + std::to_string(shape.size()) +
                                   " dimensions; TensorFlow allows at most " + std::to_string(kMaxRank));
  }
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return Status::InvalidArgument("shape " + ShapeToString(shape) + " has a negative dimension");
    if (d != 0 && n > INT64_MAX / d) {
      return Status::InvalidArgument("shape " + ShapeToString(shape) + " has more than 2^63 elements");
    }
    n *= d;
  }
  return n;
}

Result<uint64_t> FixedTensorBytes(DataType dtype, const Shape& shape) {
  int size = DataTypeSize(dtype);
  if (size == 0) return Status::InvalidArgument(DataTypeName(dtype) + " has no fixed element size");
  SURGEON_ASSIGN_OR_RETURN(int64_t n, NumElements(shape));
  if (n > INT64_MAX / size) {
    return Status::InvalidArgument("tensor of shape " + ShapeToString(shape) + " and dtype " + DataTypeName(dtype) +
                                   " would exceed 2^63 bytes");
  }
  return static_cast<uint64_t>(n) * size;
}

std::string SliceToString(const TensorSlice& slice) {
  std::string s;
  for (size_t i = 0; i < slice.size(); ++i) {
    if (i) s += ":";
    if (slice[i].length < 0) {
      s += "-";
    } else {
      s += std::to_string(slice[i].start) + "," + std::to_string(slice[i].length);
    }
  }
  return s;
}

}  // namespace surgeon
