// Legacy V1 checkpoints (TensorSliceWriter tables,
// tensorflow/core/util/tensor_slice_writer.cc / tensor_slice_reader.cc).
//
// A V1 checkpoint file is one SSTable: key "" holds SavedTensorSlices.meta (name,
// shape, dtype and stored slices of every tensor); each slice is stored under
// EncodeTensorNameSlice(name, slice) as SavedTensorSlices.data, whose
// TensorProto holds the values in the typed field for the dtype (float_val,
// int_val, ...). The reader lists tensors from the meta alone and, on Read,
// looks each slice up by re-encoding its key (as TF does), decodes the typed
// field and assembles the full tensor in V2 data layout. V1 has no per-tensor
// checksum: Read verifies the element count of every slice (the SSTable
// block CRCs were verified at open) and returns the masked crc32c a V2
// writer would store.
//
// Sharded V1: tf.train.Saver(sharded=True, write_version=V1) writes one such
// file per device, "<base>-00000-of-00002", "<base>-00001-of-00002"
// (io_ops ShardedFilename), and names them together by the pattern
// "<base>-?????-of-00002" (ShardedFilespec). TF's TensorSliceReader loads
// every file's meta and registers each tensor's slices with the file that
// stores them (RegisterTensorSlice): a tensor may appear in several files (a
// partitioned variable whose parts lived on different devices) as long as
// its dtype and shape agree; its slices together must tile it.
#ifndef SURGEON_FORMAT_V1_READER_H_
#define SURGEON_FORMAT_V1_READER_H_

#include <memory>
#include <string>
#include <vector>

#include "surgeon/format/checkpoint.h"

namespace surgeon {

// Opens the V1 checkpoint at `path`: a single file, the shard pattern
// "<base>-?????-of-<NNNNN>", or any one shard file "<base>-<ddddd>-of-<NNNNN>"
// (which stands for all N shards). Maps every file, reads every table block
// (CRC-checked), validates each file's meta and merges the tensors across
// files. Errors name the file at fault (both files when two disagree);
// path() is `path` as given.
Result<std::unique_ptr<CheckpointReader>> OpenV1Checkpoint(const std::string& path);

// The pattern "<base>-?????-of-<NNNNN>" when `path` is spelled as the pattern
// or as a shard file "<base>-<ddddd>-of-<NNNNN>" with ddddd < NNNNN (N kept as
// written); "" for any other name. Looks at the name only, not the disk.
std::string V1ShardPattern(const std::string& path);

// The files of the V1 checkpoint at `path`: for a pattern or shard file name
// (see V1ShardPattern) every shard 0..N-1 in order, each of which must exist
// (NotFound naming the first missing one); any other path is one file and is
// returned as is, unchecked.
Result<std::vector<std::string>> V1CheckpointFiles(const std::string& path);

// True when the first table record of an opened table file is a V1 meta
// (SavedTensorSlices starts with field 1, byte 0x0a), per tf-formats.md §4.5.
bool LooksLikeV1Header(std::string_view header_value);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_V1_READER_H_
