// `surgeon convert`: rewrite any readable source (V2 sharded, V1,
// partitioned, SavedModel variables, Keras HDF5, safetensors, npz) in one
// output format, keeping every tensor and the source's data order.
//   tf_checkpoint: a fresh V2 checkpoint with its `checkpoint` state file,
//                  one data file, or files of at most `max_shard_bytes`
//                  (BundleLayout); partitioned tensors of a V2 source stay
//                  partitioned (same slices), those of a V1 source are
//                  assembled. For a single-shard V2 source the output is
//                  byte-identical to the source's .index and .data files.
//   safetensors, npz, keras_h5: one file (see format/safetensors.h, npz.h,
//                  keras_h5.h); partitioned tensors are assembled.
#ifndef SURGEON_EXEC_CONVERT_H_
#define SURGEON_EXEC_CONVERT_H_

#include <string>

#include "surgeon/exec/copy.h"
#include "surgeon/exec/output.h"
#include "surgeon/format/tensor_writer.h"

namespace surgeon {

struct ConvertResult {
  size_t tensors = 0;
  uint64_t bytes = 0;
  std::string target_prefix;
  OutputFormat format = OutputFormat::kTfCheckpoint;
  std::vector<std::string> files;  // Files renamed into place, in order.
  std::vector<std::string> warnings;
};

// `max_shard_bytes` > 0 only for kTfCheckpoint (InvalidArgument otherwise).
Result<ConvertResult> ConvertCheckpoint(const std::string& source, const std::string& target_prefix,
                                        OutputFormat format, uint64_t max_shard_bytes, const OutputOptions& options,
                                        const ProgressFn& progress = nullptr);

}  // namespace surgeon

#endif  // SURGEON_EXEC_CONVERT_H_
