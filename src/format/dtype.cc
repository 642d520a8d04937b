#include "surgeon/format/dtype.h"

#include <array>

namespace surgeon {
namespace {

struct DtypeInfo {
  DataType dt;
  const char* name;
  const char* short_name;
  int size;
};

constexpr std::array<DtypeInfo, 33> kInfo = {{
    {DataType::kFloat, "DT_FLOAT", "float32", 4},
    {DataType::kDouble, "DT_DOUBLE", "float64", 8},
    {DataType::kInt32, "DT_INT32", "int32", 4},
    {DataType::kUint8, "DT_UINT8", "uint8", 1},
    {DataType::kInt16, "DT_INT16", "int16", 2},
    {DataType::kInt8, "DT_INT8", "int8", 1},
    {DataType::kString, "DT_STRING", "string", 0},
    {DataType::kComplex64, "DT_COMPLEX64", "complex64", 8},
    {DataType::kInt64, "DT_INT64", "int64", 8},
    {DataType::kBool, "DT_BOOL", "bool", 1},
    {DataType::kQint8, "DT_QINT8", "qint8", 1},
    {DataType::kQuint8, "DT_QUINT8", "quint8", 1},
    {DataType::kQint32, "DT_QINT32", "qint32", 4},
    {DataType::kBfloat16, "DT_BFLOAT16", "bfloat16", 2},
    {DataType::kQint16, "DT_QINT16", "qint16", 2},
    {DataType::kQuint16, "DT_QUINT16", "quint16", 2},
    {DataType::kUint16, "DT_UINT16", "uint16", 2},
    {DataType::kComplex128, "DT_COMPLEX128", "complex128", 16},
    {DataType::kHalf, "DT_HALF", "float16", 2},
    {DataType::kResource, "DT_RESOURCE", "resource", 0},
    {DataType::kVariant, "DT_VARIANT", "variant", 0},
    {DataType::kUint32, "DT_UINT32", "uint32", 4},
    {DataType::kUint64, "DT_UINT64", "uint64", 8},
    {DataType::kFloat8E5m2, "DT_FLOAT8_E5M2", "float8_e5m2", 1},
    {DataType::kFloat8E4m3fn, "DT_FLOAT8_E4M3FN", "float8_e4m3fn", 1},
    {DataType::kFloat8E4m3fnuz, "DT_FLOAT8_E4M3FNUZ", "float8_e4m3fnuz", 1},
    {DataType::kFloat8E4m3b11fnuz, "DT_FLOAT8_E4M3B11FNUZ", "float8_e4m3b11fnuz", 1},
    {DataType::kFloat8E5m2fnuz, "DT_FLOAT8_E5M2FNUZ", "float8_e5m2fnuz", 1},
    {DataType::kInt4, "DT_INT4", "int4", 1},
    {DataType::kUint4, "DT_UINT4", "uint4", 1},
    // TF 2.21 writes these one element per byte (value in the low bits), as
    // ml_dtypes stores them in memory.
    {DataType::kInt2, "DT_INT2", "int2", 1},
    {DataType::kUint2, "DT_UINT2", "uint2", 1},
    {DataType::kFloat4E2m1fn, "DT_FLOAT4_E2M1FN", "float4_e2m1fn", 1},
}};

const DtypeInfo* Find(DataType dt) {
  for (const auto& i : kInfo)
    if (i.dt == dt) return &i;
  return nullptr;
}

}  // namespace

std::string DataTypeName(DataType dt) {
  if (const auto* i = Find(dt)) return i->name;
  return "DT_" + std::to_string(static_cast<int32_t>(dt));
}

std::string DataTypeShortName(DataType dt) {
  if (const auto* i = Find(dt)) return i->short_name;
  return DataTypeName(dt);
}

const std::vector<std::string>& DataTypeShortNames() {
  static const auto* names = [] {
    auto* v = new std::vector<std::string>;
    for (const auto& i : kInfo) v->push_back(i.short_name);
    return v;
  }();
  return *names;
}

std::optional<DataType> ParseDataType(std::string_view name) {
  for (const auto& i : kInfo) {
    if (name == i.name || name == i.short_name) return i.dt;
  }
  if (name == "float") return DataType::kFloat;
  if (name == "double") return DataType::kDouble;
  if (name == "half") return DataType::kHalf;
  return std::nullopt;
}

int DataTypeSize(DataType dt) {
  const auto* i = Find(dt);
  return i ? i->size : 0;
}

bool IsKnownDataType(int32_t value) { return Find(static_cast<DataType>(value)) != nullptr; }

bool IsFloatingPoint(DataType dt) {
  return dt == DataType::kFloat || dt == DataType::kDouble || dt == DataType::kHalf || dt == DataType::kBfloat16;
}

bool IsInteger(DataType dt) {
  switch (dt) {
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kInt64:
    case DataType::kUint8:
    case DataType::kUint16:
    case DataType::kUint32:
    case DataType::kUint64: return true;
    default: return false;
  }
}

}  // namespace surgeon
