#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "format/bundle_entry_codec.h"
#include "format/versions.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/object_graph.h"
#include "surgeon/format/string_tensor.h"

namespace surgeon {
namespace {

// tensor_bundle.cc: kTensorBundleVersion / MinConsumer / MinProducer.
constexpr int kReaderVersion = 1;
constexpr int kMinProducer = 0;

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

BundleReader::~BundleReader() = default;

Result<std::unique_ptr<BundleReader>> BundleReader::Open(const std::string& prefix) {
  std::unique_ptr<BundleReader> r(new BundleReader());
  r->prefix_ = prefix;
  SURGEON_RETURN_IF_ERROR(r->Load());
  return r;
}

Status BundleReader::Load() {
  const std::string index_path = IndexFilename(prefix_);
  SURGEON_ASSIGN_OR_RETURN(index_file_, MappedFile::Open(index_path));
  SURGEON_ASSIGN_OR_RETURN(auto table, TableReader::Open(index_file_.get()));
  index_stats_ = table->stats();
  const auto& all = table->entries();
  if (all.empty() || !all.front().key.empty()) {
    return Status::DataLoss(index_path + ": no bundle header (\"\" entry): not a V2 checkpoint index");
  }
  SURGEON_RETURN_IF_ERROR(LoadHeader(index_path, all.front().value));
  SURGEON_RETURN_IF_ERROR(OpenShards(index_path));
  for (size_t i = 1; i < all.size(); ++i) {
    auto e = DecodeBundleEntry(all[i].key, all[i].value);
    if (!e.ok()) return e.status().WithContext(index_path);
    SURGEON_RETURN_IF_ERROR(CheckEntry(index_path, *e));
    SURGEON_RETURN_IF_ERROR(SizePartitioned(index_path, &*e));
    (!e->key.empty() && e->key[0] == '\0' ? slice_entries_ : entries_).push_back(std::move(e).value());
  }
  SURGEON_RETURN_IF_ERROR(CheckNoOverlap(index_path));
  // TF2 object-based checkpoints: show each key's variable name. The names
  // are an annotation only, so an unreadable object graph leaves them empty
  // (`verify` reports the tensor itself if it is corrupt).
  if (Find(kObjectGraphKey) != nullptr) (void)AnnotateObjectNames(*this, entries_);
  return Status::OK();
}

Status BundleReader::LoadHeader(const std::string& index_path, std::string_view value) {
  auto header = DecodeBundleHeader(value);
  if (!header.ok()) return header.status().WithContext(index_path);
  header_ = *header;
  if (header_.big_endian) {
    return Status::Unimplemented(
        index_path + ": checkpoint was written on a big-endian machine; surgeon reads little-endian bundles only");
  }
  // As TF's BundleReader calls CheckVersions.
  SURGEON_RETURN_IF_ERROR(CheckVersions(
      index_path, "bundle", {header_.version_producer, header_.version_min_consumer, header_.version_bad_consumers},
      kReaderVersion, kMinProducer));
  if (header_.num_shards < 1 || header_.num_shards > kMaxBundleShards) {
    return Status::DataLoss(index_path + ": header says num_shards = " + std::to_string(header_.num_shards));
  }
  return Status::OK();
}

Status BundleReader::OpenShards(const std::string& index_path) {
  for (int i = 0; i < header_.num_shards; ++i) {
    const std::string data_path = DataFilename(prefix_, i, header_.num_shards);
    auto shard = MappedFile::Open(data_path);
    if (!shard.ok()) {
      if (shard.status().code() == StatusCode::kNotFound) {
        return Status::NotFound(data_path + ": data shard " + std::to_string(i) + " of " +
                                std::to_string(header_.num_shards) + " is missing (named by " + index_path + ")");
      }
      return shard.status();
    }
    shards_.push_back(std::move(shard).value());
  }
  return Status::OK();
}

// An entry's bytes must lie inside its shard and have the size its dtype and
// shape give.
Status BundleReader::CheckEntry(const std::string& index_path, const TensorEntry& entry) const {
  if (entry.shard_id < 0) return Status::OK();
  const std::string label = TensorLabel(entry.key);
  if (entry.shard_id >= header_.num_shards) {
    return Status::DataLoss(index_path + ": " + label + ": shard_id " + std::to_string(entry.shard_id) +
                            " but the header says there are " + std::to_string(header_.num_shards) + " shards");
  }
  uint64_t shard_size = shards_[entry.shard_id]->size();
  if (entry.offset > shard_size || entry.size > shard_size - entry.offset) {
    return Status::DataLoss(index_path + ": " + label + ": bytes [" + std::to_string(entry.offset) + ", " +
                            std::to_string(entry.offset + entry.size) + ") lie outside " +
                            shards_[entry.shard_id]->path() + " (" + std::to_string(shard_size) +
                            " bytes): truncated data file or corrupt index");
  }
  if (int elem = DataTypeSize(entry.dtype); elem > 0) {
    Result<uint64_t> bytes = FixedTensorBytes(entry.dtype, entry.shape);
    if (!bytes.ok()) return Status::DataLoss(index_path + ": " + label + ": " + bytes.status().message());
    uint64_t expected = *bytes;
    if (entry.size != expected) {
      return Status::DataLoss(index_path + ": " + label + ": size " + std::to_string(entry.size) +
                              " bytes does not match " + DataTypeName(entry.dtype) + " " + ShapeToString(entry.shape) +
                              " (" + std::to_string(expected) + " bytes)");
    }
  } else if (entry.dtype == DataType::kString) {
    uint64_t n = static_cast<uint64_t>(NumElements(entry.shape).value());
    if (entry.size < n + 4 && n > 0) {
      return Status::DataLoss(index_path + ": " + label + ": size " + std::to_string(entry.size) +
                              " bytes is too small for " + std::to_string(n) + " strings");
    }
  }
  return Status::OK();
}

// A partitioned tensor's size is that of the whole tensor it assembles to
// (its index entry records none), as for a V1 tensor.
Status BundleReader::SizePartitioned(const std::string& index_path, TensorEntry* entry) const {
  if (entry->slices.empty() || DataTypeSize(entry->dtype) <= 0) return Status::OK();
  Result<uint64_t> bytes = FixedTensorBytes(entry->dtype, entry->shape);
  if (!bytes.ok())
    return Status::DataLoss(index_path + ": " + TensorLabel(entry->key) + ": " + bytes.status().message());
  entry->size = *bytes;
  return Status::OK();
}

// TF's writer lays tensors out back to back: two entries sharing bytes mean
// a corrupt (or crafted) index.
Status BundleReader::CheckNoOverlap(const std::string& index_path) const {
  struct Extent {
    int shard;
    uint64_t begin, end;
    const TensorEntry* entry;
  };
  std::vector<Extent> extents;
  for (const auto* list : {&entries_, &slice_entries_}) {
    for (const TensorEntry& e : *list) {
      if (e.shard_id >= 0 && e.size > 0) extents.push_back({e.shard_id, e.offset, e.offset + e.size, &e});
    }
  }
  std::sort(extents.begin(), extents.end(), [](const Extent& a, const Extent& b) {
    return a.shard != b.shard ? a.shard < b.shard : a.begin < b.begin;
  });
  for (size_t i = 1; i < extents.size(); ++i) {
    const Extent& a = extents[i - 1];
    const Extent& b = extents[i];
    if (a.shard == b.shard && b.begin < a.end) {
      return Status::DataLoss(index_path + ": " + TensorLabel(a.entry->key) + " and " + TensorLabel(b.entry->key) +
                              " overlap in " + shards_[a.shard]->path() + " (bytes [" + std::to_string(a.begin) + ", " +
                              std::to_string(a.end) + ") and [" + std::to_string(b.begin) + ", " +
                              std::to_string(b.end) + ")): corrupt index");
    }
  }
  return Status::OK();
}

Result<TensorData> BundleReader::Read(const TensorEntry& entry) const {
  if (!entry.slices.empty()) return ReadPartitioned(entry);
  return ReadWhole(entry);
}

Result<TensorData> BundleReader::ReadWhole(const TensorEntry& entry) const {
  const std::string label = TensorLabel(entry.key);
  if (entry.shard_id < 0 || entry.shard_id >= num_shards()) {
    return Status::Internal(label + " has no data location");
  }
  if (entry.dtype == DataType::kVariant || entry.dtype == DataType::kResource) {
    return Status::Unimplemented(prefix_ + ": " + label + " has dtype " + DataTypeName(entry.dtype) +
                                 ", which surgeon cannot copy or verify; drop it in the config (drop: [\"" +
                                 PrintableKey(entry.key) + "\"])");
  }
  const MappedFile& shard = *shards_[entry.shard_id];
  ByteSpan bytes = shard.bytes(entry.offset, entry.size);
  uint32_t masked;
  if (entry.dtype == DataType::kString) {
    uint64_t n = static_cast<uint64_t>(NumElements(entry.shape).value());
    auto decoded = DecodeStringTensor(bytes, n, &masked);
    if (!decoded.ok()) return decoded.status().WithContext(shard.path() + ": " + label);
  } else {
    // Chunk by chunk, unmapping each chunk once checked: `verify` of a large
    // checkpoint keeps one chunk mapped instead of the whole file. The view
    // returned stays valid (read-only private mapping: a later access maps
    // the same bytes again).
    // Two chunks are asked for ahead of the one being checked, so that a
    // cold file is read at the disk's speed instead of fault by fault.
    constexpr uint64_t kChunk = 4 << 20;
    uint32_t crc = 0;
    if (entry.size > kChunk) shard.WillNeed(entry.offset, std::min<uint64_t>(2 * kChunk, entry.size));
    for (uint64_t done = 0; done < entry.size;) {
      uint64_t len = std::min<uint64_t>(kChunk, entry.size - done);
      if (done + 2 * kChunk < entry.size) {
        shard.WillNeed(entry.offset + done + 2 * kChunk, std::min<uint64_t>(kChunk, entry.size - done - 2 * kChunk));
      }
      crc = crc32c::Extend(crc, bytes.data() + done, len);
      shard.DontNeed(entry.offset + done, len);
      done += len;
    }
    masked = crc32c::Mask(crc);
  }
  if (masked != entry.masked_crc32c) {
    return Status::DataLoss(shard.path() + ": " + label + ": checksum mismatch (index says " +
                            Hex32(entry.masked_crc32c) + ", data gives " + Hex32(masked) +
                            "): the data file is corrupt");
  }
  return TensorData::View(bytes, masked);
}

std::optional<MappedRange> BundleReader::StoredRange(const TensorEntry& entry) const {
  if (!entry.stored_whole() || entry.shard_id >= num_shards()) return std::nullopt;
  return MappedRange{shards_[entry.shard_id].get(), entry.offset, entry.size};
}

std::vector<std::pair<std::string, std::string>> BundleReader::Describe() const {
  std::string bad;
  for (int32_t b : header_.version_bad_consumers) bad += (bad.empty() ? "" : ",") + std::to_string(b);
  return {
      {"num_shards", std::to_string(header_.num_shards)},
      {"endianness", header_.big_endian ? "BIG" : "LITTLE"},
      {"version", "producer " + std::to_string(header_.version_producer) + ", min_consumer " +
                      std::to_string(header_.version_min_consumer) + (bad.empty() ? "" : ", bad_consumers " + bad)},
      {"index_blocks", std::to_string(index_stats_.blocks)},
      {"index_compressed_blocks", std::to_string(index_stats_.compressed_blocks)},
      {"index_entries", std::to_string(index_stats_.entries)},
  };
}

}  // namespace surgeon
