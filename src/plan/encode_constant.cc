#include "plan/encode_constant.h"

#include <cmath>
#include <optional>
#include <string>

#include "plan/float8.h"
#include "surgeon/base/numeric_cast.h"
#include "surgeon/plan/cast.h"

namespace surgeon {
namespace {

std::string Prefix(InitializerKind kind) { return "initializer '" + std::string(InitializerKindName(kind)) + "'"; }

template <typename U>
void AppendLE(std::vector<uint8_t>* out, U bits, size_t n) {
  for (size_t i = 0; i < n; ++i) out->push_back(static_cast<uint8_t>(static_cast<uint64_t>(bits) >> (8 * i)));
}

struct IntFormat {
  int bits;   // value bits (4 for int4/uint4, 2 for int2/uint2)
  int bytes;  // storage bytes
  bool is_signed;
};
// Integer dtypes by value bits and storage. ml_dtypes intN keep the value in
// the low N bits of a byte, upper bits zero.
struct IntDtype {
  DataType dtype;
  IntFormat format;
};
constexpr IntDtype kIntDtypes[] = {
    {DataType::kInt8, {8, 1, true}},     {DataType::kQint8, {8, 1, true}},     {DataType::kUint8, {8, 1, false}},
    {DataType::kQuint8, {8, 1, false}},  {DataType::kInt16, {16, 2, true}},    {DataType::kQint16, {16, 2, true}},
    {DataType::kUint16, {16, 2, false}}, {DataType::kQuint16, {16, 2, false}}, {DataType::kInt32, {32, 4, true}},
    {DataType::kQint32, {32, 4, true}},  {DataType::kUint32, {32, 4, false}},  {DataType::kInt64, {64, 8, true}},
    {DataType::kUint64, {64, 8, false}}, {DataType::kInt4, {4, 1, true}},      {DataType::kUint4, {4, 1, false}},
    {DataType::kInt2, {2, 1, true}},     {DataType::kUint2, {2, 1, false}},
};
std::optional<IntFormat> IntFormatOf(DataType dt) {
  for (const IntDtype& i : kIntDtypes) {
    if (i.dtype == dt) return i.format;
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<uint8_t>> EncodeConstant(InitializerKind kind, double value, DataType dtype) {
  std::vector<uint8_t> out;
  const std::string what =
      Prefix(kind) + ": value " + FormatDouble(value) + " is not representable in " + DataTypeShortName(dtype);
  if (auto ff = FloatFormatOf(dtype)) {
    out.resize(static_cast<size_t>(FloatFormatSize(*ff)));
    if (!StoreFloat(value, *ff, out.data())) {
      return Status::InvalidArgument(what + " (largest finite " + FormatDouble(FloatFormatMax(*ff)) + ")");
    }
    return out;
  }
  if (dtype == DataType::kComplex64 || dtype == DataType::kComplex128) {
    const FloatFormat part = dtype == DataType::kComplex64 ? FloatFormat::kF32 : FloatFormat::kF64;
    out.resize(2 * static_cast<size_t>(FloatFormatSize(part)));
    if (!StoreFloat(value, part, out.data())) {
      return Status::InvalidArgument(what + " (largest finite " + FormatDouble(FloatFormatMax(part)) + ")");
    }
    (void)StoreFloat(0.0, part, out.data() + FloatFormatSize(part));  // imaginary part
    return out;
  }
  if (auto f8 = Float8FormatOf(dtype)) {
    auto code = EncodeFloat8(value, *f8);
    if (!code) {
      return Status::InvalidArgument(what + " (largest finite " +
                                     FormatDouble(Float8Magnitude(*f8, Float8MaxCode(*f8))) + ")");
    }
    out.push_back(*code);
    return out;
  }
  if (dtype == DataType::kBool) {
    if (value != 0.0 && value != 1.0) return Status::InvalidArgument(what + " (use 0 or 1)");
    out.push_back(value == 1.0 ? 1 : 0);
    return out;
  }
  if (auto in = IntFormatOf(dtype)) {
    if (std::trunc(value) != value) return Status::InvalidArgument(what + " (not an integer)");
    const double lo = in->is_signed ? -std::ldexp(1.0, in->bits - 1) : 0.0;
    const double hi = std::ldexp(1.0, in->is_signed ? in->bits - 1 : in->bits);  // exclusive
    if (value < lo || value >= hi) {
      std::string lo_s, hi_s;
      if (in->is_signed) {
        lo_s = in->bits == 64 ? "-9223372036854775808" : std::to_string(-(int64_t{1} << (in->bits - 1)));
        hi_s = in->bits == 64 ? "9223372036854775807" : std::to_string((int64_t{1} << (in->bits - 1)) - 1);
      } else {
        lo_s = "0";
        hi_s = in->bits == 64 ? "18446744073709551615" : std::to_string((uint64_t{1} << in->bits) - 1);
      }
      return Status::InvalidArgument(what + " (range " + lo_s + " to " + hi_s + ")");
    }
    uint64_t bits = in->is_signed ? static_cast<uint64_t>(static_cast<int64_t>(value)) : static_cast<uint64_t>(value);
    if (in->bits < 8) bits &= (uint64_t{1} << in->bits) - 1;
    AppendLE(&out, bits, static_cast<size_t>(in->bytes));
    return out;
  }
  return Status::InvalidArgument(Prefix(kind) + " cannot fill dtype " + DataTypeShortName(dtype) +
                                 ": it needs a fixed-size numeric or bool dtype");
}

}  // namespace surgeon
