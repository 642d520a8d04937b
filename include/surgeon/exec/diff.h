// `surgeon diff A B`: what differs between two checkpoints — names present
// in only one, dtype or shape changes, and values (bytes; for float tensors
// also the largest absolute difference).
#ifndef SURGEON_EXEC_DIFF_H_
#define SURGEON_EXEC_DIFF_H_

#include <string>
#include <vector>

#include "surgeon/base/status.h"
#include "surgeon/format/checkpoint.h"

namespace surgeon {

struct TensorDiff {
  enum class Kind { kOnlyInA, kOnlyInB, kDtype, kShape, kValues };
  Kind kind;
  std::string name;
  std::string detail;  // Human text, e.g. "[1, 1, 4096, 1000] vs [1, 1, 4096, 10]".
};

struct DiffResult {
  std::vector<TensorDiff> diffs;
  size_t compared = 0;   // Tensors present in both with equal dtype and shape.
  size_t identical = 0;  // Of those, byte-identical.
};

// Reads every common tensor of both (checksums verified). With
// `values == false` compares metadata only (index files only).
Result<DiffResult> DiffCheckpoints(const CheckpointReader& a, const CheckpointReader& b, bool values = true);

std::string_view TensorDiffKindName(TensorDiff::Kind kind);  // "only-in-a", ...

}  // namespace surgeon

#endif  // SURGEON_EXEC_DIFF_H_
