// Private to the format layer: one V1 slice record (SavedTensorSlices.data)
// decoded straight from the mapped table, without building a TensorProto.
#ifndef SURGEON_FORMAT_V1_SLICE_RECORD_H_
#define SURGEON_FORMAT_V1_SLICE_RECORD_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "surgeon/base/status.h"
#include "surgeon/format/dtype.h"

namespace surgeon {

// Which TensorProto field holds a dtype's values
// (saved_tensor_slice_util.h TENSOR_PROTO_EXTRACT_TYPE).
struct V1Codec {
  int field = 0;            // TensorProto field number
  int value_wire_type = 0;  // kFixed32, kFixed64, kVarint or kLengthDelimited (string_val)
  int values_per_element = 1;
  int out_bytes = 0;  // Bytes per element in V2 layout (0 for strings)
  bool is_bool = false;
};
// False for dtypes V1 checkpoints cannot hold.
bool CodecFor(DataType dt, V1Codec* c);

// The values of one slice record: spans that, concatenated, form the packed
// encoding of the values (numeric), or one span per element (strings).
struct SliceValues {
  std::vector<std::string_view> chunks;
  uint64_t count = 0;  // Values (complex: 2 per element).
};

// Parses SavedTensorSlices{data: SavedSlice{name, slice, data: TensorProto}}
// and collects the typed field's values. Messages are without context.
Status ParseSliceRecord(std::string_view record, const V1Codec& codec, std::string_view* name,
                        std::string_view* slice_proto, SliceValues* out);

// Writes the values of `v` as V2-layout elements at dst.
void DecodeNumeric(const SliceValues& v, const V1Codec& codec, uint8_t* dst);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_V1_SLICE_RECORD_H_
