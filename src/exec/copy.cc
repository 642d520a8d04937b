#include "surgeon/exec/copy.h"

#include <algorithm>
#include <tuple>

#include "surgeon/base/crc32c.h"
#include "surgeon/format/dtype.h"
#include "surgeon/plan/cast.h"

namespace surgeon {
namespace {

// Tensors at least this large are verified while they are written (below,
// the writer buffers them and a separate CRC over hot bytes is as cheap).
constexpr uint64_t kStreamBytes = 4 << 20;

// A fixed-size whole tensor of a V2 bundle: one pass. The writer checks each
// piece's CRC just before writing it from the mapping, while it is in cache,
// and unmaps it behind. The output is only staged, so a mismatch is still
// reported before anything is committed.
Status CopyMapped(const CheckpointReader& reader, const TensorEntry& e, const MappedRange& range,
                  const std::string& key, DataType dtype, const Shape& shape, BundleWriter* writer) {
  uint32_t crc = 0;
  SURGEON_RETURN_IF_ERROR(writer->AddMapped(key, dtype, shape, range, e.masked_crc32c, &crc));
  if (crc32c::Mask(crc) == e.masked_crc32c) return Status::OK();
  // Let the reader describe the corruption exactly as a plain Read does.
  auto data = reader.Read(e);
  if (!data.ok()) return data.status();
  return Status::DataLoss(range.file->path() + ": checksum mismatch in the bytes of the tensor copied to '" + key +
                          "'");
}

// A tensor whose float type changes: read (verified), convert, write with a
// fresh checksum. Returns the bytes written.
Result<uint64_t> CastTensor(const CheckpointReader& reader, const CopyItem& item, TensorWriter* writer) {
  const TensorEntry& e = *item.source;
  SURGEON_ASSIGN_OR_RETURN(TensorData data, reader.Read(e));
  SURGEON_ASSIGN_OR_RETURN(auto cast, CastTensorBytes(data.bytes(), e.dtype, item.dtype, e.key));
  SURGEON_RETURN_IF_ERROR(writer->Add(item.target_key, item.dtype, item.shape, ByteSpan(cast.data(), cast.size())));
  return static_cast<uint64_t>(cast.size());
}

// One slice of a partitioned tensor, copied as a slice: its data entry is
// read (crc-checked) and added under the full tensor's key. Only a V2
// bundle stores slices; the callers give other formats whole tensors.
Status CopySlice(const CheckpointReader& reader, const CopyItem& item, TensorWriter* out) {
  auto* writer = dynamic_cast<BundleWriter*>(out);
  if (writer == nullptr) {
    return Status::Internal("slice of '" + item.target_key + "' given to a writer that cannot store slices");
  }
  SURGEON_ASSIGN_OR_RETURN(TensorData data, reader.Read(*item.source));
  const TensorEntry& full = *item.partitioned;
  return writer->AddSlice(item.target_key, full.dtype, full.shape, item.slice, data.bytes());
}

}  // namespace

ProgressMeter::ProgressMeter(size_t tensors_total, uint64_t bytes_total, ProgressFn fn) : fn_(std::move(fn)) {
  progress_.tensors_total = tensors_total;
  progress_.bytes_total = bytes_total;
}

void ProgressMeter::Advance(uint64_t bytes) {
  progress_.tensors_done++;
  progress_.bytes_done += bytes;
  if (fn_) fn_(progress_);
}

CopyItem SameCopy(const TensorEntry& source) { return CopyItem{&source, source.key, source.dtype, source.shape}; }

Status CopyTensor(const CheckpointReader& reader, const TensorEntry& e, const std::string& key, DataType dtype,
                  const Shape& shape, TensorWriter* writer) {
  const std::optional<MappedRange> range = reader.StoredRange(e);
  // Only a V2 bundle writer appends exactly the tensor's bytes (other
  // formats add headers or hand the bytes to a library), so only it can copy
  // file to file and verify on the way.
  auto* bundle = dynamic_cast<BundleWriter*>(writer);
  if (bundle != nullptr && range && e.size >= kStreamBytes && DataTypeSize(e.dtype) > 0) {
    return CopyMapped(reader, e, *range, key, dtype, shape, bundle);
  }
  SURGEON_ASSIGN_OR_RETURN(TensorData data, reader.Read(e));
  SURGEON_RETURN_IF_ERROR(writer->AddVerified(key, dtype, shape, data.bytes(), data.masked_crc32c));
  if (range) range->file->DontNeed(range->offset, range->size);
  return Status::OK();
}

bool ReadsBefore(const TensorEntry& a, const TensorEntry& b) {
  bool aw = a.stored_whole(), bw = b.stored_whole();
  if (aw != bw) return aw;
  if (aw) return std::tie(a.shard_id, a.offset) < std::tie(b.shard_id, b.offset);
  return a.key < b.key;
}

void SortForSequentialReads(std::vector<CopyItem>* items) {
  std::stable_sort(items->begin(), items->end(),
                   [](const CopyItem& a, const CopyItem& b) { return ReadsBefore(*a.source, *b.source); });
}

Result<CopyTotals> CopyTensors(const CheckpointReader& reader, const std::vector<CopyItem>& items, TensorWriter* writer,
                               ProgressMeter* progress) {
  CopyTotals totals;
  for (const CopyItem& item : items) {
    const TensorEntry& e = *item.source;
    uint64_t written = e.size;
    if (item.partitioned != nullptr) {
      SURGEON_RETURN_IF_ERROR(CopySlice(reader, item, writer));
    } else if (item.dtype != e.dtype) {
      SURGEON_ASSIGN_OR_RETURN(written, CastTensor(reader, item, writer));
      totals.cast++;
    } else {
      SURGEON_RETURN_IF_ERROR(CopyTensor(reader, e, item.target_key, item.dtype, item.shape, writer));
    }
    totals.copied++;
    totals.bytes += written;
    if (progress) progress->Advance(written);
  }
  return totals;
}

}  // namespace surgeon
