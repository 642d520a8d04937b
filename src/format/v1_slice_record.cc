#include "format/v1_slice_record.h"

#include <cstring>
#include <string>

#include "base/coding.h"
#include "format/wire_scanner.h"

namespace surgeon {

namespace {

struct DtypeCodec {
  DataType dtype;
  V1Codec codec;
};
// saved_tensor_slice_util.h TENSOR_PROTO_EXTRACT_TYPE: {field, wire type,
// values per element, V2 bytes per element, bool}. half_val holds the raw
// 16 bits in an int32 varint; uint16 goes in int_val
// (TENSOR_PROTO_EXTRACT_TYPE(uint16, int, int32)).
constexpr DtypeCodec kCodecs[] = {
    {DataType::kFloat, {5, kFixed32, 1, 4}},          {DataType::kDouble, {6, kFixed64, 1, 8}},
    {DataType::kComplex64, {9, kFixed32, 2, 8}},      {DataType::kComplex128, {12, kFixed64, 2, 16}},
    {DataType::kInt32, {7, kVarint, 1, 4}},           {DataType::kQint32, {7, kVarint, 1, 4}},
    {DataType::kInt16, {7, kVarint, 1, 2}},           {DataType::kInt8, {7, kVarint, 1, 1}},
    {DataType::kUint8, {7, kVarint, 1, 1}},           {DataType::kQint8, {7, kVarint, 1, 1}},
    {DataType::kQuint8, {7, kVarint, 1, 1}},          {DataType::kInt64, {10, kVarint, 1, 8}},
    {DataType::kBool, {11, kVarint, 1, 1, true}},     {DataType::kHalf, {13, kVarint, 1, 2}},
    {DataType::kString, {8, kLengthDelimited, 1, 0}}, {DataType::kUint16, {7, kVarint, 1, 2}},
};

}  // namespace

bool CodecFor(DataType dt, V1Codec* c) {
  for (const DtypeCodec& d : kCodecs) {
    if (d.dtype == dt) {
      *c = d.codec;
      return true;
    }
  }
  return false;
}

Status ParseSliceRecord(std::string_view record, const V1Codec& codec, std::string_view* name,
                        std::string_view* slice_proto, SliceValues* out) {
  WireScanner top(record);
  WireField f;
  std::string_view saved_slice;
  bool have_data = false;
  while (top.Next(&f)) {
    if (f.number == 2) {
      if (f.wire_type != kLengthDelimited || have_data) return Status::DataLoss("malformed SavedTensorSlices.data");
      saved_slice = f.data;
      have_data = true;
    }
  }
  if (top.error()) return Status::DataLoss("unparsable SavedTensorSlices record");
  if (!have_data) return Status::DataLoss("record has no SavedSlice data");

  WireScanner ss(saved_slice);
  std::string_view tensor_proto;
  while (ss.Next(&f)) {
    if (f.wire_type != kLengthDelimited) continue;
    if (f.number == 1) *name = f.data;
    if (f.number == 2) *slice_proto = f.data;
    if (f.number == 3) tensor_proto = f.data;  // Absent when the slice holds no values.
  }
  if (ss.error()) return Status::DataLoss("unparsable SavedSlice");

  WireScanner tp(tensor_proto);
  while (tp.Next(&f)) {
    if (static_cast<int>(f.number) != codec.field) continue;
    if (codec.value_wire_type == kLengthDelimited) {  // string_val: one element each.
      if (f.wire_type != kLengthDelimited) return Status::DataLoss("malformed string_val");
      out->chunks.push_back(f.data);
      ++out->count;
    } else if (f.wire_type == kLengthDelimited) {  // Packed (what TF writes).
      if (codec.value_wire_type == kVarint) {
        if (!CountVarints(f.data, &out->count)) return Status::DataLoss("malformed packed varint values");
      } else {
        size_t w = codec.value_wire_type == kFixed32 ? 4 : 8;
        if (f.data.size() % w != 0)
          return Status::DataLoss("packed value field length is not a multiple of " + std::to_string(w));
        out->count += f.data.size() / w;
      }
      if (!f.data.empty()) out->chunks.push_back(f.data);
    } else if (f.wire_type == codec.value_wire_type) {  // Unpacked, one value.
      out->chunks.push_back(f.wire_type == kVarint ? f.raw : f.data);
      ++out->count;
    } else {
      return Status::DataLoss("value field " + std::to_string(codec.field) + " has wire type " +
                              std::to_string(f.wire_type));
    }
  }
  if (tp.error()) return Status::DataLoss("unparsable TensorProto");
  return Status::OK();
}

void DecodeNumeric(const SliceValues& v, const V1Codec& codec, uint8_t* dst) {
  if (codec.value_wire_type != kVarint) {
    for (std::string_view c : v.chunks) {
      std::memcpy(dst, c.data(), c.size());
      dst += c.size();
    }
    return;
  }
  for (std::string_view c : v.chunks) {
    const char* p = c.data();
    const char* limit = p + c.size();
    uint64_t x;
    while (p < limit) {
      p = GetVarint64Ptr(p, limit, &x);  // Validated by CountVarints.
      if (codec.is_bool) x = x != 0;
      std::memcpy(dst, &x, codec.out_bytes);  // Low bytes: little-endian host (see coding.h).
      dst += codec.out_bytes;
    }
  }
}

}  // namespace surgeon
