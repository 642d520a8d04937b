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
// Sharded V1: one such file per device, named as v1_shard_name.h describes.
// TF's TensorSliceReader loads
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
#include "surgeon/format/v1_shard_name.h"  // V1ShardPattern, V1CheckpointFiles

namespace surgeon {

// Opens the V1 checkpoint at `path`: a single file, the shard pattern
// "<base>-?????-of-<NNNNN>", or any one shard file "<base>-<ddddd>-of-<NNNNN>"
// (which stands for all N shards). Maps every file, reads every table block
// (CRC-checked), validates each file's meta and merges the tensors across
// files. Errors name the file at fault (both files when two disagree);
// path() is `path` as given.
Result<std::unique_ptr<CheckpointReader>> OpenV1Checkpoint(const std::string& path);

// True when the first table record of an opened table file is a V1 meta
// (SavedTensorSlices starts with field 1, byte 0x0a), per docs/formats.md §4.4.
bool LooksLikeV1Header(std::string_view header_value);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_V1_READER_H_
