// Legacy V1 checkpoints (TensorSliceWriter single-file tables,
// tensorflow/core/util/tensor_slice_writer.cc / tensor_slice_reader.cc).
//
// A V1 checkpoint is one SSTable: key "" holds SavedTensorSlices.meta (name,
// shape, dtype and stored slices of every tensor); each slice is stored under
// EncodeTensorNameSlice(name, slice) as SavedTensorSlices.data, whose
// TensorProto holds the values in the typed field for the dtype (float_val,
// int_val, ...). The reader lists tensors from the meta alone and, on Read,
// looks each slice up by re-encoding its key (as TF does), decodes the typed
// field and assembles the full tensor in V2 data layout. V1 has no per-tensor
// checksum: Read verifies the element count of every slice (the SSTable
// block CRCs were verified at open) and returns the masked crc32c a V2
// writer would store.
#ifndef SURGEON_FORMAT_V1_READER_H_
#define SURGEON_FORMAT_V1_READER_H_

#include <memory>
#include <string>

#include "surgeon/format/checkpoint.h"

namespace surgeon {

// Opens the V1 checkpoint file at `path`: maps it, reads every table block
// (CRC-checked) and validates the meta. Errors name the file.
Result<std::unique_ptr<CheckpointReader>> OpenV1Checkpoint(const std::string& path);

// True when the first table record of an opened table file is a V1 meta
// (SavedTensorSlices starts with field 1, byte 0x0a), per tf-formats.md §4.5.
bool LooksLikeV1Header(std::string_view header_value);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_V1_READER_H_
