#include "surgeon/plan/initial_value_stream.h"

#include <algorithm>
#include <cstring>

#include "plan/encode_constant.h"
#include "plan/orthogonal.h"
#include "plan/philox.h"
#include "plan/random_fill.h"
#include "surgeon/base/numeric_cast.h"
#include "surgeon/plan/cast.h"

namespace surgeon {
namespace {

using D = ResolvedInitializer::Distribution;

// Copies of `element` at `out`, which starts on an element boundary.
void RepeatInto(const std::vector<uint8_t>& element, std::span<uint8_t> out) {
  if (std::all_of(element.begin(), element.end(), [](uint8_t b) { return b == 0; })) {
    std::memset(out.data(), 0, out.size());
    return;
  }
  for (size_t off = 0; off < out.size(); off += element.size()) {
    std::memcpy(out.data() + off, element.data(), element.size());
  }
}

}  // namespace

Result<InitialValueStream> InitialValueStream::Create(const InitializerSpec& spec, DataType dtype, const Shape& shape,
                                                      uint64_t seed, std::string_view variable_name) {
  InitialValueStream s;
  SURGEON_ASSIGN_OR_RETURN(s.resolved_, ResolveInitializer(spec, dtype, shape));
  SURGEON_ASSIGN_OR_RETURN(s.total_bytes_, FixedTensorBytes(dtype, shape));
  s.spec_ = spec;
  s.dtype_ = dtype;
  s.shape_ = shape;
  s.name_ = std::string(variable_name);
  s.key_ = random::StreamKey(seed, variable_name);
  s.element_bytes_ = static_cast<uint64_t>(DataTypeSize(dtype));
  if (s.resolved_.distribution == D::kConstant) {
    SURGEON_ASSIGN_OR_RETURN(s.constant_, EncodeConstant(spec.kind, s.resolved_.a, dtype));
  }
  return s;
}

Status InitialValueStream::NotFinite(int64_t element, double value) const {
  return Status::DataLoss(name_ + ": initializer '" + std::string(InitializerKindName(spec_.kind)) +
                          "' produced a value that is not finite in " + DataTypeShortName(dtype_) + " at element " +
                          std::to_string(element) + " (" + FormatDouble(value) + " before rounding); reduce the " +
                          "initializer's scale");
}

Result<size_t> InitialValueStream::Next(std::span<uint8_t> out) {
  const uint64_t left = total_bytes_ - next_byte_;
  const uint64_t size = left <= out.size() ? left : out.size() / kPieceAlignment * kPieceAlignment;
  if (size == 0) return size_t{0};
  const std::span<uint8_t> piece = out.first(static_cast<size_t>(size));
  const FloatFormat format = FloatFormatOf(dtype_).value_or(FloatFormat::kF32);  // random kinds: Resolve checked
  BadValue bad;
  if (resolved_.distribution == D::kConstant) {
    RepeatInto(constant_, piece);
  } else if (resolved_.distribution == D::kOrthogonal) {
    if (whole_.empty()) {
      whole_.resize(static_cast<size_t>(total_bytes_));
      int64_t rows = 1;
      for (size_t i = 0; i + 1 < shape_.size(); ++i) rows *= shape_[i];
      bad = FillOrthogonal(format, resolved_.a, key_, rows, shape_.back(), whole_.data());
    }
    std::memcpy(piece.data(), whole_.data() + next_byte_, piece.size());
  } else {
    const auto first = static_cast<int64_t>(next_byte_ / element_bytes_);
    const auto end = static_cast<int64_t>((next_byte_ + size) / element_bytes_);
    bad = FillRandomRange(format, resolved_, key_, first, end, piece.data());
  }
  if (bad.index >= 0) return NotFinite(bad.index, bad.value);
  next_byte_ += size;
  return static_cast<size_t>(size);
}

}  // namespace surgeon
