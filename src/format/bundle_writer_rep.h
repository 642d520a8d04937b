// BundleWriter's state, shared by bundle_writer.cc and bundle_slices.cc.
#ifndef SURGEON_FORMAT_BUNDLE_WRITER_REP_H_
#define SURGEON_FORMAT_BUNDLE_WRITER_REP_H_

#include <map>
#include <string>

#include "proto/tensor_bundle.pb.h"
#include "surgeon/format/bundle.h"

namespace surgeon {

struct BundleWriter::Rep {
  StagedOutput* out = nullptr;  // Not owned.
  std::string prefix;
  WritableFile* data = nullptr;  // Owned by `out`.
  uint64_t offset = 0;           // In the own shard.
  int32_t own_shard = 0;         // The shard `data` is; shards below it are shared.
  int32_t num_shards = 1;        // own_shard + 1.
  // Sorted by key: the index is written in key order whatever the data order.
  std::map<std::string, tensorflow::BundleEntryProto> entries;
  bool finished = false;

  // InvalidArgument for an empty or repeated key, Internal after Finish.
  Status CheckNewKey(const std::string& key) const;
  // Records the entry for `size` bytes just appended at `offset` of the
  // own shard.
  void Record(const std::string& key, DataType dtype, const Shape& shape, uint64_t size, uint32_t masked_crc32c);
  // Records the entry of a tensor stored at `at` in shard `shard_id`
  // (a shared source shard's, or this writer's own).
  void Record(const std::string& key, DataType dtype, const Shape& shape, int shard_id, uint64_t at, uint64_t size,
              uint32_t masked_crc32c);
  // Appends bytes to the data file and records the entry.
  Status Append(const std::string& key, DataType dtype, const Shape& shape, ByteSpan bytes, uint32_t masked_crc32c);
};

}  // namespace surgeon

#endif  // SURGEON_FORMAT_BUNDLE_WRITER_REP_H_
