// Streaming tensors from a checkpoint into a TensorWriter (any output format): the hot path of
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
#include "surgeon/format/tensor_writer.h"

namespace surgeon {

// Progress after each tensor: tensors done / total, bytes done / total.
struct Progress {
  size_t tensors_done = 0, tensors_total = 0;
  uint64_t bytes_done = 0, bytes_total = 0;
};
using ProgressFn = std::function<void(const Progress&)>;

// Sorts entries for sequential reading: whole V2 tensors by (shard, offset),
// then everything else (V1, partitioned) by key.
std::vector<const TensorEntry*> SequentialOrder(const std::vector<const TensorEntry*>& entries);

// One tensor to copy: the source entry and the key to write it under.
struct CopyItem {
  const TensorEntry* source = nullptr;
  std::string target_key;
};

// Copies one tensor's bytes from `reader` into `writer` under `key`, checking
// the source checksum once; the stored checksum goes into the new index.
// Large whole tensors of a V2 bundle are verified piece by piece as they are
// written (one pass over memory; the output is staged, so a checksum
// mismatch still fails before anything is committed), and no tensor's pages
// stay mapped afterwards (memory stays bounded whatever the checkpoint size). Errors are
// the ones CheckpointReader::Read gives.
Status CopyTensor(const CheckpointReader& reader, const TensorEntry& entry, const std::string& key, DataType dtype,
                  const Shape& shape, TensorWriter* writer);

// Copies `items` (already in the desired data order) from `reader` to
// `writer`. Errors name the source file and tensor.
Status CopyTensors(const CheckpointReader& reader, const std::vector<CopyItem>& items, TensorWriter* writer,
                   const ProgressFn& progress = nullptr);

}  // namespace surgeon

#endif  // SURGEON_EXEC_COPY_H_
