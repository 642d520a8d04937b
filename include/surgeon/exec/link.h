// Sharing a V2 source's data shards with the target instead of copying them
// (`surgeon run --link`): each source shard becomes a target shard under the
// name TF expects, as a reflink where the filesystem supports one, else a
// hard link; tensors copied unchanged keep their shard and offset, and only
// new, transformed or cast tensors (and slices of partitioned ones) are
// written, into one more shard (or more, with target.max_shard_bytes):
//
//   source: s.index, s.data-00000-of-00001
//   target: t.index                (num_shards 2)
//           t.data-00000-of-00002  = s.data-00000-of-00001 (same bytes)
//           t.data-00001-of-00002  new tensors
//
// Source bytes the target does not use (dropped tensors, tensors rewritten
// into the last shard) stay in the shared shards as dead bytes. A hard link
// is the source's inode: whoever writes into either file changes both (TF
// and surgeon never write into an existing data file; they replace it).
#ifndef SURGEON_EXEC_LINK_H_
#define SURGEON_EXEC_LINK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "surgeon/base/shared_file.h"
#include "surgeon/base/staged_output.h"
#include "surgeon/exec/copy.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/tensor_writer.h"

namespace surgeon {

// Why a run from `reader` into `target_format` cannot share data shards,
// phrased to follow "cannot link: "; "" when it can (a V2 bundle source and
// a V2 checkpoint target).
std::string LinkRefusal(const CheckpointReader& reader, OutputFormat target_format);

// Why the target at `target_prefix` cannot share `reader`'s shards because
// it would be on another filesystem (compares devices with the nearest
// existing directory of the target); "" otherwise. A preview: the run finds
// out for sure by trying (a filesystem may also refuse links altogether).
std::string FilesystemRefusal(const BundleReader& reader, const std::string& target_prefix);

// Whether `item` can stay where it is in a shared shard: a whole stored
// tensor of `reader` written with its own dtype (a reshape keeps the bytes),
// not DT_VARIANT / DT_RESOURCE.
bool Shareable(const CheckpointReader& reader, const CopyItem& item);

// Source bytes the target would not reference if `shared` (Shareable items)
// were shared: every byte of the shards minus the tensors kept.
uint64_t DeadBytes(const BundleReader& reader, const std::vector<CopyItem>& shared);

// Stages each of `reader`'s data shards as DataFilename(target_prefix, i,
// num_shards) (StagedOutput::AddShared), the target's first data files of
// `num_shards` (NumDataShards). FailedPrecondition naming why when the first
// cannot be shared (then nothing is staged); a later failure is an error
// like any other (the run fails, nothing is committed).
Result<ShareKind> StageSharedShards(const BundleReader& reader, const std::string& target_prefix, int num_shards,
                                    StagedOutput* out);

struct ShareTotals {
  size_t tensors = 0;
  uint64_t bytes = 0;
};

// Records `items` (all Shareable) in `writer` (created after the shared
// shards) at their source shard and offset. With `verify`, each tensor's
// checksum is checked first by reading the source (DataLoss naming the file
// and tensor, as CheckpointReader::Read gives). Advances `progress` (may be
// null) per tensor.
Result<ShareTotals> AddSharedTensors(const BundleReader& reader, const std::vector<CopyItem>& items,
                                     BundleWriter* writer, bool verify, ProgressMeter* progress);

}  // namespace surgeon

#endif  // SURGEON_EXEC_LINK_H_
