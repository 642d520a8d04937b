#include "surgeon/exec/copy.h"

#include <algorithm>

#include "surgeon/base/crc32c.h"
#include "surgeon/format/dtype.h"

namespace surgeon {
namespace {

// Tensors at least this large are verified while they are written (below,
// the writer buffers them and a separate CRC over hot bytes is as cheap).
constexpr uint64_t kStreamBytes = 4 << 20;

}  // namespace

Status CopyTensor(const CheckpointReader& reader, const TensorEntry& e, const std::string& key, DataType dtype,
                  const Shape& shape, TensorWriter* writer) {
  const auto* bundle = dynamic_cast<const BundleReader*>(&reader);
  const bool whole = bundle != nullptr && e.slices.empty() && e.shard_id >= 0 && e.shard_id < bundle->num_shards();
  // Only a bundle writer appends exactly the tensor's bytes inside AddVerified
  // (others add headers, or hand the bytes to a library), so only it can be
  // verified on the fly through ScopedAppendCrc.
  const bool streams = dynamic_cast<BundleWriter*>(writer) != nullptr;
  if (!whole || !streams || e.size < kStreamBytes || DataTypeSize(e.dtype) <= 0) {
    SURGEON_ASSIGN_OR_RETURN(TensorData data, reader.Read(e));
    SURGEON_RETURN_IF_ERROR(writer->AddVerified(key, dtype, shape, data.bytes(), data.masked_crc32c));
    if (whole) bundle->shard(e.shard_id).DontNeed(e.offset, e.size);
    return Status::OK();
  }
  // Fixed-size whole tensor of a V2 bundle: one pass. The writer checks each
  // piece's CRC just before writing it from the mapping (ScopedAppendCrc),
  // while it is in cache, and unmaps it behind. The output is only staged, so
  // a mismatch is still reported before anything is committed.
  const MappedFile& shard = bundle->shard(e.shard_id);
  uint32_t crc = 0;
  {
    ScopedAppendCrc check(&crc);
    SURGEON_RETURN_IF_ERROR(writer->AddVerified(key, dtype, shape, shard.bytes(e.offset, e.size), e.masked_crc32c));
  }
  if (crc32c::Mask(crc) != e.masked_crc32c) {
    // Let the reader describe the corruption exactly as a plain Read does.
    auto data = reader.Read(e);
    if (!data.ok()) return data.status();
    return Status::DataLoss(shard.path() + ": checksum mismatch in the bytes of the tensor copied to '" + key + "'");
  }
  return Status::OK();
}

std::vector<const TensorEntry*> SequentialOrder(const std::vector<const TensorEntry*>& entries) {
  std::vector<const TensorEntry*> out = entries;
  std::stable_sort(out.begin(), out.end(), [](const TensorEntry* a, const TensorEntry* b) {
    bool aw = a->stored_whole(), bw = b->stored_whole();
    if (aw != bw) return aw;
    if (aw) return std::tie(a->shard_id, a->offset) < std::tie(b->shard_id, b->offset);
    return a->key < b->key;
  });
  return out;
}

Status CopyTensors(const CheckpointReader& reader, const std::vector<CopyItem>& items, TensorWriter* writer,
                   const ProgressFn& progress) {
  Progress p;
  p.tensors_total = items.size();
  for (const auto& item : items) p.bytes_total += item.source->size;
  for (const auto& item : items) {
    const TensorEntry& e = *item.source;
    SURGEON_RETURN_IF_ERROR(CopyTensor(reader, e, item.target_key, e.dtype, e.shape, writer));
    p.tensors_done++;
    p.bytes_done += e.size;
    if (progress) progress(p);
  }
  return Status::OK();
}

}  // namespace surgeon
