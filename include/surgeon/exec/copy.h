// Streaming tensors from a checkpoint into a TensorWriter (any output
// format): the hot path of `convert` and `run`, one loop for both. Tensors
// are visited in source (shard, offset) order so reads are sequential; each
// is checksum-verified once while being read and its stored crc goes
// straight into the new index (no second CRC pass).
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

// Counts tensors and bytes as they are written and reports each step to
// `fn` (which may be empty).
class ProgressMeter {
 public:
  ProgressMeter(size_t tensors_total, uint64_t bytes_total, ProgressFn fn);
  void Advance(uint64_t bytes);

 private:
  Progress progress_;
  ProgressFn fn_;
};

// One tensor to copy: the source entry and what to write it as. A dtype
// other than the source's is a cast between float types (the plan has
// checked that it is one); the shape has the source's element count.
// For one slice of a partitioned V2 tensor, `source` is the slice's data
// entry (BundleReader::SliceParts), `partitioned` the full tensor's entry and
// `slice` the slice: it is written as that slice (BundleWriter::AddSlice;
// only a V2 output keeps slices, other formats are given whole tensors).
struct CopyItem {
  const TensorEntry* source = nullptr;
  std::string target_key;
  DataType dtype = DataType::kInvalid;
  Shape shape;
  const TensorEntry* partitioned = nullptr;
  TensorSlice slice;
};
// A copy under the source's own key, dtype and shape.
CopyItem SameCopy(const TensorEntry& source);

// The order for sequential reading: whole V2 tensors by (shard, offset),
// then everything else (V1, partitioned) by key.
bool ReadsBefore(const TensorEntry& a, const TensorEntry& b);
// Sorts `items` by their source entries in that order.
void SortForSequentialReads(std::vector<CopyItem>* items);

// Copies one tensor's bytes from `reader` into `writer` under `key`, checking
// the source checksum once; the stored checksum goes into the new index.
// Large whole tensors of a V2 bundle are copied file to file and verified
// piece by piece as they are written (one pass over memory; the output is
// staged, so a checksum mismatch still fails before anything is committed),
// and no tensor's pages stay mapped afterwards (memory stays bounded whatever
// the checkpoint size). Errors are the ones CheckpointReader::Read gives.
Status CopyTensor(const CheckpointReader& reader, const TensorEntry& entry, const std::string& key, DataType dtype,
                  const Shape& shape, TensorWriter* writer);

// Whether copies go in runs (CopyOptions::runs) by default: when this
// process may use two or more CPUs, so that the checking thread has a core
// of its own.
bool CopyRunsByDefault();

// How CopyTensors moves copied bytes into a V2 output. Explicit at each
// call; only the default of `runs` looks at the machine.
struct CopyOptions {
  // With `runs`: whole tensors that lie back to back in one V2 source shard
  // form a run (up to 1 GiB; a run under 4 MB goes tensor by tensor). A run
  // is moved with one WritableFile::AppendCopy in this way (kKernel:
  // copy_file_range, falling back to pread+write where refused; kUserSpace
  // forces that) while a second thread checks each tensor's CRC32C from the
  // source's page cache (BackgroundChecksums). A mismatch fails the call,
  // naming the tensor; the output is staged, so nothing is committed.
  CopyPath path = CopyPath::kKernel;
  // false: no runs, `path` unused; every tensor goes through CopyTensor (one
  // pass: CRC of each piece, then write() of it from the mapping, one
  // thread). On the idle 2-core bench machine runs took 0.99x cp and this
  // 1.24x; with every core busy with other work, 1.31x and 1.05x
  // (bench/README.md): the CRC thread found no free core.
  bool runs = CopyRunsByDefault();
};

struct CopyTotals {
  size_t copied = 0;   // Tensors written, cast ones included.
  size_t cast = 0;     // Of those, converted to another float type.
  uint64_t bytes = 0;  // Bytes written.
};

// Copies (or casts) `items`, in the order given, from `reader` to `writer`,
// advancing `progress` (may be null) after each (after each run for runs).
// Errors name the source file and tensor.
Result<CopyTotals> CopyTensors(const CheckpointReader& reader, const std::vector<CopyItem>& items, TensorWriter* writer,
                               ProgressMeter* progress = nullptr, const CopyOptions& options = CopyOptions{});

}  // namespace surgeon

#endif  // SURGEON_EXEC_COPY_H_
