// `surgeon convert`: rewrite any readable checkpoint (V2 sharded, V1,
// partitioned, SavedModel variables) as a fresh single-shard V2 checkpoint
// with its `checkpoint` state file, keeping every tensor and the source's
// data order; partitioned tensors of a V2 source stay partitioned (same
// slices), those of a V1 source are assembled. For a single-shard V2 source
// the output is byte-identical to the source's .index and .data files.
#ifndef SURGEON_EXEC_CONVERT_H_
#define SURGEON_EXEC_CONVERT_H_

#include <string>

#include "surgeon/exec/copy.h"
#include "surgeon/exec/output.h"

namespace surgeon {

struct ConvertResult {
  size_t tensors = 0;
  uint64_t bytes = 0;
  std::string target_prefix;
  std::vector<std::string> files;  // Files renamed into place, in order.
  std::vector<std::string> warnings;
};

Result<ConvertResult> ConvertCheckpoint(const std::string& source, const std::string& target_prefix,
                                        const OutputOptions& options, const ProgressFn& progress = nullptr);

}  // namespace surgeon

#endif  // SURGEON_EXEC_CONVERT_H_
