// Partitioned tensors in V2 bundles (tensor_bundle.cc BundleWriter::AddSlice
// and BundleReader::GetSliceValue).
//
// A partitioned variable `w` (graph nodes w/part_0, w/part_1, ...) is saved
// under its full name only:
//   "w"                                   -> {dtype, full shape, slices: [s0, s1, ...]}
//   EncodeTensorNameSlice("w", s0)        -> ordinary data entry, shape = s0's shape
//   EncodeTensorNameSlice("w", s1)        -> ...
// A slice that covers the whole tensor is written as a plain entry under the
// full name (IsFullSlice), which is why a 1-partition variable such as
// `linear/.../weights/part_0` appears as `linear/.../weights` while its
// optimizer slots, being separate variables, keep `.../weights/part_0/Ftrl`
// (corpus case v2_estimator_partnames_hose).
#include <algorithm>

#include "format/bundle_entry_codec.h"
#include "format/bundle_writer_rep.h"
#include "format/tensor_slices.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/ordered_code.h"
#include "surgeon/format/string_tensor.h"

namespace surgeon {

Result<std::vector<const TensorEntry*>> BundleReader::SliceParts(const TensorEntry& entry) const {
  const std::string ctx = prefix_ + ": " + TensorLabel(entry.key);
  for (const TensorSlice& s : entry.slices) {
    if (Status v = ValidateSlice(s, entry.shape); !v.ok()) return Status::DataLoss(ctx + ": " + v.message());
  }
  if (Status s = CheckExactCover(entry.slices, entry.shape); !s.ok()) return Status::DataLoss(ctx + ": " + s.message());

  // Locate every slice's data entry (by re-encoding its key, as TF does) and
  // check its metadata before allocating the full tensor.
  std::vector<const TensorEntry*> parts;
  for (const TensorSlice& slice : entry.slices) {
    const std::string key = EncodeTensorNameSlice(entry.key, slice);
    auto it = std::lower_bound(slice_entries_.begin(), slice_entries_.end(), key,
                               [](const TensorEntry& e, const std::string& k) { return e.key < k; });
    const std::string sctx = ctx + ", slice " + SliceToString(slice);
    if (it == slice_entries_.end() || it->key != key) {
      return Status::DataLoss(sctx + ": no data entry under its slice key " + PrintableKey(key) + " in the index");
    }
    const Shape want = SliceShape(slice, entry.shape);
    if (it->dtype != entry.dtype || it->shape != want || !it->slices.empty()) {
      return Status::DataLoss(sctx + ": its data entry is " + DataTypeName(it->dtype) + " " + ShapeToString(it->shape) +
                              ", expected " + DataTypeName(entry.dtype) + " " + ShapeToString(want));
    }
    parts.push_back(&*it);
  }
  return parts;
}

Result<TensorData> BundleReader::ReadPartitioned(const TensorEntry& entry) const {
  const std::string ctx = prefix_ + ": " + TensorLabel(entry.key);
  if (entry.dtype != DataType::kString && DataTypeSize(entry.dtype) == 0) {
    return Status::Unimplemented(ctx + " is partitioned with dtype " + DataTypeName(entry.dtype) +
                                 ", which surgeon cannot assemble");
  }
  SURGEON_ASSIGN_OR_RETURN(std::vector<const TensorEntry*> parts, SliceParts(entry));
  const uint64_t n = static_cast<uint64_t>(NumElements(entry.shape).value());
  if (entry.dtype == DataType::kString) {
    std::vector<TensorData> datas;  // Keep the slices' bytes alive for the views.
    std::vector<std::string_view> elements(n);
    for (size_t i = 0; i < parts.size(); ++i) {
      SURGEON_ASSIGN_OR_RETURN(TensorData d, ReadWhole(*parts[i]));  // Verifies the slice's crc.
      uint32_t unused;
      const uint64_t m = static_cast<uint64_t>(NumElements(parts[i]->shape).value());
      auto strings = DecodeStringTensor(d.bytes(), m, &unused);
      if (!strings.ok()) return strings.status().WithContext(ctx + ", slice " + SliceToString(entry.slices[i]));
      CopySliceInto<std::string_view>(entry.slices[i], entry.shape, 1, strings->data(), elements.data());
      datas.push_back(std::move(d));
    }
    EncodedStringTensor enc = EncodeStringTensor(elements);
    return TensorData::Owned(std::move(enc.bytes), enc.masked_crc32c);
  }

  const size_t elem = static_cast<size_t>(DataTypeSize(entry.dtype));
  std::vector<uint8_t> out(n * elem);  // n * elem fits: validated by DecodeBundleEntry.
  for (size_t i = 0; i < parts.size(); ++i) {
    SURGEON_ASSIGN_OR_RETURN(TensorData d, ReadWhole(*parts[i]));  // Verifies the slice's crc.
    if (d.bytes().empty()) continue;
    CopySliceInto<uint8_t>(entry.slices[i], entry.shape, elem, d.bytes().data(), out.data());
  }
  const uint32_t masked = crc32c::Mask(crc32c::Value(out.data(), out.size()));
  return TensorData::Owned(std::move(out), masked);
}

Status BundleWriter::AddSlice(const std::string& key, DataType dtype, const Shape& full_shape, const TensorSlice& slice,
                              ByteSpan bytes) {
  if (key.empty())
    return Status::InvalidArgument("tensor name must not be empty (the empty key holds the bundle header)");
  if (rep_->finished) return Status::Internal("BundleWriter: AddSlice after Finish");
  SURGEON_RETURN_IF_ERROR(NumElements(full_shape).status().WithContext("tensor '" + key + "'"));
  if (Status s = ValidateSlice(slice, full_shape); !s.ok()) {
    return Status::InvalidArgument("tensor '" + key + "': " + s.message());
  }
  // IsFullSlice (tensor_bundle.cc): a whole-tensor slice is a regular entry.
  if (SliceCoversAll(slice, full_shape)) return Add(key, dtype, full_shape, bytes);

  auto it = rep_->entries.find(key);
  if (it != rep_->entries.end()) {
    const tensorflow::BundleEntryProto& full = it->second;
    if (full.slices_size() == 0) {
      return Status::InvalidArgument("tensor '" + key + "' was already added whole; cannot add slices of it");
    }
    Shape have;
    for (const auto& d : full.shape().dim()) have.push_back(d.size());
    if (static_cast<DataType>(full.dtype()) != dtype || have != full_shape) {
      return Status::InvalidArgument("tensor '" + key + "': slice given as " + DataTypeName(dtype) + " " +
                                     ShapeToString(full_shape) + " but earlier slices said " +
                                     DataTypeName(static_cast<DataType>(full.dtype())) + " " + ShapeToString(have));
    }
    for (const auto& sp : full.slices()) {
      Result<TensorSlice> other = SliceFromProto(sp, full_shape);
      if (other.ok() && SlicesOverlap(*other, slice, full_shape)) {
        return Status::InvalidArgument("tensor '" + key + "': slice " + SliceToString(slice) + " overlaps slice " +
                                       SliceToString(*other) + " added before");
      }
    }
  }
  // The slice's data entry first (it validates the bytes), then the record
  // on the full entry, so a rejected slice leaves no trace. A size-bounded
  // layout places slices by the full key (their keys are made here).
  SURGEON_RETURN_IF_ERROR(rep_->MoveToShardOf(key));
  SURGEON_RETURN_IF_ERROR(Add(EncodeTensorNameSlice(key, slice), dtype, SliceShape(slice, full_shape), bytes)
                              .WithContext("tensor '" + key + "', slice " + SliceToString(slice)));
  tensorflow::BundleEntryProto& full = rep_->entries[key];
  // dtype, shape and slices only: shard_id, offset, size and crc32c mean
  // nothing for the full entry (tensor_bundle.cc leaves them unset).
  full.set_dtype(static_cast<tensorflow::DataType>(dtype));
  *full.mutable_shape() = ShapeToProto(full_shape);
  *full.add_slices() = SliceToProto(slice);
  return Status::OK();
}

}  // namespace surgeon
