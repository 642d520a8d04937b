// Splitting a V2 bundle's data into files of bounded size
// (target.max_shard_bytes). Private to the format layer (BundleWriter).
#ifndef SURGEON_FORMAT_DATA_SHARDS_H_
#define SURGEON_FORMAT_DATA_SHARDS_H_

#include <cstdint>
#include <span>
#include <vector>

namespace surgeon {

// The data shard of each tensor, given the tensors' byte sizes in write
// order, when no data file may exceed `max_bytes` (0: no limit, every
// tensor in shard 0). A tensor goes into the current shard unless that
// shard already holds bytes and the tensor would take it past max_bytes; a
// tensor larger than max_bytes fills a shard of its own. Shards come out
// numbered 0, 1, ... in write order, none empty (unless sizes is).
std::vector<int> AssignDataShards(std::span<const uint64_t> sizes, uint64_t max_bytes);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_DATA_SHARDS_H_
