// V1 checkpoints built in tests the way TF's TensorSliceWriter lays them out:
// key "" -> SavedTensorSlices{meta}, and for each slice the key
// EncodeTensorNameSlice(name, slice) -> SavedTensorSlices{data: SavedSlice}.
// The SavedSlice's TensorProto is appended as raw length-delimited bytes so
// a test can store a payload that is not a valid TensorProto.
#ifndef SURGEON_TESTS_FORMAT_V1_FIXTURE_H_
#define SURGEON_TESTS_FORMAT_V1_FIXTURE_H_

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "base/coding.h"
#include "format/tensor_slices.h"
#include "proto/saved_tensor_slice.pb.h"
#include "surgeon/format/ordered_code.h"
#include "surgeon/format/table.h"
#include "testing.h"

namespace surgeon::testing {

struct V1Slice {
  TensorSlice slice;
  tensorflow::TensorProto data;
  std::string raw_data;      // If non-empty: the serialized TensorProto, used verbatim.
  bool omit_record = false;  // Listed in the meta, but no data record.
};

struct V1Tensor {
  std::string name;
  DataType dtype;  // Out-of-range values (static_cast) test unknown dtypes.
  Shape shape;
  std::vector<V1Slice> slices;
};

// The host (little-endian) bytes of `v`: a V2 tensor's data layout.
template <typename T>
std::vector<uint8_t> LE(const std::vector<T>& v) {
  std::vector<uint8_t> out(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(out.data(), v.data(), out.size());
  return out;
}

// The slice covering a whole tensor of `rank` dimensions.
inline TensorSlice Full(size_t rank) { return TensorSlice(rank, SliceExtent{0, -1}); }

inline void AppendLengthDelimited(std::string* s, int field, const std::string& payload) {
  PutVarint64(s, (static_cast<uint64_t>(field) << 3) | 2);
  PutVarint64(s, payload.size());
  s->append(payload);
}

// The bytes of a V1 checkpoint file holding `tensors`.
inline std::string EncodeV1Checkpoint(const std::vector<V1Tensor>& tensors, int producer = 1, int min_consumer = 0) {
  tensorflow::SavedTensorSlices meta;
  meta.mutable_meta()->mutable_versions()->set_producer(producer);
  meta.mutable_meta()->mutable_versions()->set_min_consumer(min_consumer);
  std::map<std::string, std::string> records;
  for (const auto& t : tensors) {
    auto* m = meta.mutable_meta()->add_tensor();
    m->set_name(t.name);
    m->set_type(static_cast<tensorflow::DataType>(t.dtype));
    for (int64_t d : t.shape) m->mutable_shape()->add_dim()->set_size(d);
    for (const auto& s : t.slices) {
      *m->add_slice() = SliceToProto(s.slice);
      if (s.omit_record) continue;
      tensorflow::SavedSlice ss;
      ss.set_name(t.name);
      *ss.mutable_slice() = SliceToProto(s.slice);
      std::string saved_slice = ss.SerializeAsString();
      AppendLengthDelimited(&saved_slice, 3, s.raw_data.empty() ? s.data.SerializeAsString() : s.raw_data);
      std::string record;
      AppendLengthDelimited(&record, 2, saved_slice);
      records[EncodeTensorNameSlice(t.name, s.slice)] = record;
    }
  }
  TableBuilder table;
  REQUIRE(table.Add("", meta.SerializeAsString()).ok());
  for (const auto& [k, v] : records) REQUIRE(table.Add(k, v).ok());
  return table.Finish();
}

// Checks how a V1 reader lists tensor `key`: dtype, full shape, V2 size, and
// no data location (V1 tensors are assembled by Read). Returns the entry.
inline const TensorEntry* CheckV1Entry(const CheckpointReader& r, const std::string& key, DataType dtype,
                                       const Shape& shape, uint64_t size) {
  const TensorEntry* e = r.Find(key);
  REQUIRE(e != nullptr);
  CHECK(e->dtype == dtype);
  CHECK(e->shape == shape);
  CHECK(e->size == size);
  CHECK(e->shard_id == -1);
  return e;
}

// A TensorProto holding `v` in float_val (a V1 slice's values).
inline tensorflow::TensorProto Floats(const std::vector<float>& v) {
  tensorflow::TensorProto p;
  for (float f : v) p.add_float_val(f);
  return p;
}

}  // namespace surgeon::testing

#endif  // SURGEON_TESTS_FORMAT_V1_FIXTURE_H_
