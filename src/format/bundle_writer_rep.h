// BundleWriter's state, shared by bundle_writer.cc and bundle_slices.cc.
#ifndef SURGEON_FORMAT_BUNDLE_WRITER_REP_H_
#define SURGEON_FORMAT_BUNDLE_WRITER_REP_H_

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "proto/tensor_bundle.pb.h"
#include "surgeon/format/bundle.h"

namespace surgeon {

struct BundleWriter::Rep {
  StagedOutput* out = nullptr;  // Not owned.
  std::string prefix;
  WritableFile* data = nullptr;  // Owned by `out`: the data file being written.
  uint64_t offset = 0;           // In `data`.
  uint64_t written = 0;          // In all of this writer's data files.
  int32_t shared_shards = 0;     // Data files below it are the caller's.
  int32_t current_shard = 0;     // The data file `data` is (>= shared_shards).
  int32_t num_shards = 1;
  // Key -> the data files of its adds, in order (one, or one per slice of a
  // partitioned tensor), for the keys a size-bounded layout placed; others
  // go into the current file.
  std::map<std::string, std::deque<int32_t>, std::less<>> shard_of;
  // Sorted by key: the index is written in key order whatever the data order.
  std::map<std::string, tensorflow::BundleEntryProto> entries;
  bool finished = false;

  // InvalidArgument for an empty or repeated key, Internal after Finish.
  Status CheckNewKey(const std::string& key) const;
  // Makes `data` the data file of `key`'s next add: the current one, or a
  // later one (staging those up to it). Internal when the layout put it in
  // an earlier file (tensors added out of the specs' order).
  Status MoveToShardOf(std::string_view key);
  // Whether `key`'s next add was laid out in another data file.
  bool LeavesCurrentShard(std::string_view key) const {
    const auto it = shard_of.find(key);
    return it != shard_of.end() && !it->second.empty() && it->second.front() != current_shard;
  }
  // Closes `data` and stages data files current_shard + 1 .. shard; `data`
  // is the last.
  Status StageThrough(int32_t shard);
  // Records the entry for `size` bytes just appended at `offset` of the
  // current data file.
  void Record(const std::string& key, DataType dtype, const Shape& shape, uint64_t size, uint32_t masked_crc32c);
  // Records the entry of a tensor stored at `at` in shard `shard_id`
  // (a shared source shard's, or one of this writer's own).
  void Record(const std::string& key, DataType dtype, const Shape& shape, int shard_id, uint64_t at, uint64_t size,
              uint32_t masked_crc32c);
  // Appends bytes to the data file and records the entry.
  Status Append(const std::string& key, DataType dtype, const Shape& shape, ByteSpan bytes, uint32_t masked_crc32c);
};

}  // namespace surgeon

#endif  // SURGEON_FORMAT_BUNDLE_WRITER_REP_H_
