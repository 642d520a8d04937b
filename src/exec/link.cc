#include "surgeon/exec/link.h"

#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <utility>

#include "surgeon/base/path.h"
#include "surgeon/format/checkpoint_path.h"

namespace surgeon {

std::string LinkRefusal(const CheckpointReader& reader, OutputFormat target_format) {
  if (target_format != OutputFormat::kTfCheckpoint) {
    return "the target is a " + std::string(OutputFormatName(target_format)) +
           " file; only a V2 checkpoint target can share the source's data shards";
  }
  if (dynamic_cast<const BundleReader*>(&reader) == nullptr) {
    return reader.path() + " is a " + std::string(CheckpointFormatName(reader.format())) +
           " checkpoint; only a V2 checkpoint's data shards hold tensors as a V2 target stores them";
  }
  return "";
}

std::string FilesystemRefusal(const BundleReader& reader, const std::string& target_prefix) {
  if (reader.num_shards() == 0) return "";
  struct stat source = {};
  struct stat target = {};
  if (::stat(reader.shard(0).path().c_str(), &source) != 0) return "";
  std::filesystem::path dir = std::filesystem::absolute(Dirname(target_prefix)).lexically_normal();
  while (::stat(dir.c_str(), &target) != 0) {
    if (dir == dir.parent_path()) return "";
    dir = dir.parent_path();
  }
  if (source.st_dev == target.st_dev) return "";
  return "the target directory is on another filesystem than " + reader.shard(0).path();
}

bool Shareable(const CheckpointReader& reader, const CopyItem& item) {
  // Variant and resource tensors go through the copy, which refuses them
  // (naming the tensor) whether or not checksums are verified.
  const DataType dtype = item.source->dtype;
  if (dtype == DataType::kVariant || dtype == DataType::kResource) return false;
  return item.partitioned == nullptr && item.source->stored_whole() && item.dtype == item.source->dtype &&
         reader.StoredRange(*item.source).has_value();
}

uint64_t DeadBytes(const BundleReader& reader, const std::vector<CopyItem>& shared) {
  uint64_t total = 0;
  for (int i = 0; i < reader.num_shards(); ++i) total += reader.shard(i).size();
  // The reader refuses overlapping tensors, so distinct (shard, offset) are
  // disjoint ranges; a tensor shared under two names counts once.
  std::set<std::pair<int32_t, uint64_t>> kept;
  for (const CopyItem& item : shared) {
    if (kept.insert({item.source->shard_id, item.source->offset}).second) total -= item.source->size;
  }
  return total;
}

Result<ShareKind> StageSharedShards(const BundleReader& reader, const std::string& target_prefix, int num_shards,
                                    StagedOutput* out) {
  const int n = reader.num_shards();
  ShareKind kind = ShareKind::kHardLink;
  for (int i = 0; i < n; ++i) {
    const std::string& source = reader.shard(i).path();
    auto shared = out->AddShared(DataFilename(target_prefix, i, num_shards), source);
    if (!shared.ok()) {
      if (i == 0) return shared.status();
      return Status::IoError(shared.status().message() + " (after sharing the source's first " + std::to_string(i) +
                             " shard(s))");
    }
    kind = *shared;
  }
  return kind;
}

Result<ShareTotals> AddSharedTensors(const BundleReader& reader, const std::vector<CopyItem>& items,
                                     BundleWriter* writer, bool verify, ProgressMeter* progress) {
  ShareTotals totals;
  for (const CopyItem& item : items) {
    const TensorEntry& e = *item.source;
    // Read() checks the stored checksum chunk by chunk and unmaps behind it.
    if (verify) SURGEON_RETURN_IF_ERROR(reader.Read(e).status());
    SURGEON_RETURN_IF_ERROR(
        writer->AddStored(item.target_key, item.dtype, item.shape, e.shard_id, e.offset, e.size, e.masked_crc32c));
    totals.tensors++;
    totals.bytes += e.size;
    if (progress) progress->Advance(e.size);
  }
  return totals;
}

}  // namespace surgeon
