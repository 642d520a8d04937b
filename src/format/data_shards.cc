#include "format/data_shards.h"

#include <algorithm>

namespace surgeon {

std::vector<int> AssignDataShards(std::span<const uint64_t> sizes, uint64_t max_bytes) {
  std::vector<int> shard_of(sizes.size(), 0);
  int shard = 0;
  uint64_t filled = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    // `filled` is past max_bytes after a tensor larger than max_bytes.
    if (max_bytes > 0 && filled > 0 && sizes[i] > max_bytes - std::min(filled, max_bytes)) {
      ++shard;
      filled = 0;
    }
    shard_of[i] = shard;
    filled += sizes[i];
  }
  return shard_of;
}

}  // namespace surgeon
