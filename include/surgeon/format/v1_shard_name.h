// How sharded V1 checkpoints name their files. tf.train.Saver(sharded=True,
// write_version=V1) writes one file per device, "<base>-00000-of-00002",
// "<base>-00001-of-00002" (io_ops ShardedFilename: %05d, wider past 99999),
// and names them together by the pattern "<base>-?????-of-00002"
// (ShardedFilespec). Looks at names only, except V1CheckpointFiles.
#ifndef SURGEON_FORMAT_V1_SHARD_NAME_H_
#define SURGEON_FORMAT_V1_SHARD_NAME_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/status.h"

namespace surgeon {

struct V1ShardedName {
  std::string base;
  std::string num_shards_text;  // As written, so generated names match the files'.
  int64_t num_shards = 0;

  std::string Pattern() const;                 // "<base>-?????-of-<N>"
  std::string ShardFilename(int64_t k) const;  // "<base>-<kkkkk>-of-<N>"
};

// `path` spelled as the pattern or as a shard file "<base>-<ddddd>-of-<NNNNN>"
// with ddddd < NNNNN; nullopt for any other name.
std::optional<V1ShardedName> ParseV1ShardedName(std::string_view path);

// The name of shard `k` of a sharded checkpoint at `base` whose shard count
// is still unknown: "<base>-<kkkkk>-of-" (a prefix to search a directory by).
std::string V1ShardFilenamePrefix(std::string_view base, int64_t k);

// The pattern "<base>-?????-of-<NNNNN>" when `path` is spelled as the pattern
// or as a shard file (see ParseV1ShardedName); "" for any other name.
std::string V1ShardPattern(const std::string& path);

// The files of the V1 checkpoint at `path`: for a pattern or shard file name
// (see V1ShardPattern) every shard 0..N-1 in order, each of which must exist
// (NotFound naming the first missing one); any other path is one file and is
// returned as is, unchecked.
Result<std::vector<std::string>> V1CheckpointFiles(const std::string& path);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_V1_SHARD_NAME_H_
