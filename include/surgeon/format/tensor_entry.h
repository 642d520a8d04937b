// TensorEntry: what a checkpoint says about one tensor, independent of the
// on-disk format (V2 bundle or legacy V1), plus shape and slice helpers.
#ifndef SURGEON_FORMAT_TENSOR_ENTRY_H_
#define SURGEON_FORMAT_TENSOR_ENTRY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "surgeon/base/status.h"
#include "surgeon/format/dtype.h"

namespace surgeon {

using Shape = std::vector<int64_t>;

// "[3, 3, 3, 64]"; "[]" for a scalar.
std::string ShapeToString(const Shape& shape);
// TensorFlow's TensorShape::MaxDimensions() (core/framework/tensor_shape.h;
// 255 is kUnknownRank): a tensor of higher rank cannot be restored.
inline constexpr int kMaxRank = 254;

// Element count; InvalidArgument for more than kMaxRank dimensions, a
// negative dimension or a product that overflows int64.
Result<int64_t> NumElements(const Shape& shape);
// Bytes the tensor occupies in a V2 data file for fixed-size dtypes
// (NumElements * DataTypeSize), with the same overflow checks; InvalidArgument
// for DT_STRING and other variable-size dtypes.
Result<uint64_t> FixedTensorBytes(DataType dtype, const Shape& shape);

// One dimension of a slice: [start, start+length). length == -1: whole dim.
struct SliceExtent {
  int64_t start = 0;
  int64_t length = -1;
  bool operator==(const SliceExtent&) const = default;
};
// One extent per dimension of the full tensor.
using TensorSlice = std::vector<SliceExtent>;
// TF's text form: "0,20:-" (start,length per dim; "-" for full).
std::string SliceToString(const TensorSlice& slice);

struct TensorEntry {
  std::string key;  // The checkpoint key (TF: the tensor name).
  DataType dtype = DataType::kInvalid;
  Shape shape;  // The full tensor's shape.

  // Where the bytes live, for a V2 tensor stored in one piece. For a V1
  // tensor or a partitioned one, these describe nothing (shard_id == -1) and
  // the reader assembles the bytes. Single-file formats (HDF5, safetensors,
  // npz) set shard_id 0 and an offset that orders tensors as the file does
  // (the byte offset in safetensors, the position in the file's own order
  // for HDF5 and npz), so SortForSequentialReads keeps that order.
  int32_t shard_id = 0;
  uint64_t offset = 0;
  uint64_t size = 0;  // Bytes in V2 data layout (for V1: as a V2 writer would store them, when known).
  uint32_t masked_crc32c = 0;

  // Non-empty when the tensor is stored as several slices (partitioned
  // variables; TF's BundleEntryProto.slices or several V1 slices).
  std::vector<TensorSlice> slices;

  // TF2 object-based checkpoints: the variable's name from the object graph
  // (e.g. "dense/kernel"), empty otherwise.
  std::string object_full_name;

  bool stored_whole() const { return shard_id >= 0 && slices.empty(); }
};

}  // namespace surgeon

#endif  // SURGEON_FORMAT_TENSOR_ENTRY_H_
