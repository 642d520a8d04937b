// Streaming tensors from a checkpoint into a BundleWriter: the hot path of
// `convert` and `run`. Tensors are visited in source (shard, offset) order so
// reads are sequential; each is checksum-verified once while being read and
// its stored crc goes straight into the new index (no second CRC pass).
#ifndef SURGEON_EXEC_COPY_H_
#define SURGEON_EXEC_COPY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "surgeon/base/status.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint.h"

namespace surgeon {

// Progress after each tensor: tensors done / total, bytes done / total.
struct Progress {
  size_t tensors_done = 0, tensors_total = 0;
  uint64_t bytes_done = 0, bytes_total = 0;
};
using ProgressFn = std::function<void(const Progress&)>;

// The order for sequential reading: whole V2 tensors (and V2 slice entries)
// by (shard, offset), then everything else (V1, partitioned) by key.
bool ReadsBefore(const TensorEntry& a, const TensorEntry& b);

// One tensor to copy: the source entry and the key to write it under. For
// one slice of a partitioned V2 tensor, `source` is the slice's data entry
// (BundleReader::SliceParts), `partitioned` the full tensor's entry and
// `slice` the slice: it is written as that slice (BundleWriter::AddSlice).
struct CopyItem {
  const TensorEntry* source = nullptr;
  std::string target_key;
  const TensorEntry* partitioned = nullptr;
  TensorSlice slice;
};

// Copies one tensor's bytes from `reader` into `writer` under `key`, checking
// the source checksum once; the stored checksum goes into the new index.
// Large whole tensors of a V2 bundle are verified piece by piece as they are
// written (one pass over memory; the output is staged, so a checksum
// mismatch still fails before anything is committed), and no tensor's pages
// stay mapped afterwards (memory stays bounded whatever the checkpoint size). Errors are
// the ones CheckpointReader::Read gives.
Status CopyTensor(const CheckpointReader& reader, const TensorEntry& entry, const std::string& key, DataType dtype,
                  const Shape& shape, BundleWriter* writer);

// Copies `items` (already in the desired data order) from `reader` to
// `writer`. Errors name the source file and tensor.
Status CopyTensors(const CheckpointReader& reader, const std::vector<CopyItem>& items, BundleWriter* writer,
                   const ProgressFn& progress = nullptr);

}  // namespace surgeon

#endif  // SURGEON_EXEC_COPY_H_
