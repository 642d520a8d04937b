// TensorFlow's DataType enum (types.proto) and what surgeon knows about each
// value: its DT_* name, its element size in a bundle's data file, and the
// short names users write in configs ("float32", "bfloat16", ...).
#ifndef SURGEON_FORMAT_DTYPE_H_
#define SURGEON_FORMAT_DTYPE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace surgeon {

// Values are TF's wire values; never renumber.
enum class DataType : int32_t {
  kInvalid = 0,
  kFloat = 1,
  kDouble = 2,
  kInt32 = 3,
  kUint8 = 4,
  kInt16 = 5,
  kInt8 = 6,
  kString = 7,
  kComplex64 = 8,
  kInt64 = 9,
  kBool = 10,
  kQint8 = 11,
  kQuint8 = 12,
  kQint32 = 13,
  kBfloat16 = 14,
  kQint16 = 15,
  kQuint16 = 16,
  kUint16 = 17,
  kComplex128 = 18,
  kHalf = 19,
  kResource = 20,
  kVariant = 21,
  kUint32 = 22,
  kUint64 = 23,
  kFloat8E5m2 = 24,
  kFloat8E4m3fn = 25,
  kFloat8E4m3fnuz = 26,
  kFloat8E4m3b11fnuz = 27,
  kFloat8E5m2fnuz = 28,
  kInt4 = 29,
  kUint4 = 30,
  kInt2 = 31,
  kUint2 = 32,
  kFloat4E2m1fn = 33,
};

// "DT_FLOAT"; "DT_<number>" for values surgeon does not know.
std::string DataTypeName(DataType dt);
// Accepts "DT_FLOAT", "float32"/"float", "float16"/"half", "bfloat16", "int64", ...
std::optional<DataType> ParseDataType(std::string_view name);
// The config spelling: "float32", "int64", ...; DataTypeName() for others.
std::string DataTypeShortName(DataType dt);
// Every known dtype's short name, in DataType order (for "did you mean").
const std::vector<std::string>& DataTypeShortNames();

// Bytes per element in a bundle's data file for fixed-size types
// (memcpy-able: numbers, bool, half, bfloat16, complex, quantized, float8,
// and int4/uint4/int2/uint2/float4_e2m1fn stored one element per byte); 0 for DT_STRING, DT_VARIANT, DT_RESOURCE and
// unknown values.
int DataTypeSize(DataType dt);
bool IsKnownDataType(int32_t value);
bool IsFloatingPoint(DataType dt);  // half, bfloat16, float, double
bool IsInteger(DataType dt);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_DTYPE_H_
