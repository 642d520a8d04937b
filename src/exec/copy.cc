#include "surgeon/exec/copy.h"

#include <algorithm>

namespace surgeon {

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

Status CopyTensors(const CheckpointReader& reader, const std::vector<CopyItem>& items, BundleWriter* writer,
                   const ProgressFn& progress) {
  Progress p;
  p.tensors_total = items.size();
  for (const auto& item : items) p.bytes_total += item.source->size;
  for (const auto& item : items) {
    const TensorEntry& e = *item.source;
    SURGEON_ASSIGN_OR_RETURN(TensorData data, reader.Read(e));
    SURGEON_RETURN_IF_ERROR(writer->AddVerified(item.target_key, e.dtype, e.shape, data.bytes(), data.masked_crc32c));
    p.tensors_done++;
    p.bytes_done += e.size;
    if (progress) progress(p);
  }
  return Status::OK();
}

}  // namespace surgeon
