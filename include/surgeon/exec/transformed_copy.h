// Writing a copy whose plan action carries value transforms (reshape, class
// rows, channel maps; surgeon/plan/transform.h). Unlike the streaming copy
// loop (copy.h), such a tensor is read whole into memory, transformed and
// written with a fresh checksum; only the actions that carry transforms take
// this path.
#ifndef SURGEON_EXEC_TRANSFORMED_COPY_H_
#define SURGEON_EXEC_TRANSFORMED_COPY_H_

#include <cstdint>

#include "surgeon/base/status.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/tensor_writer.h"
#include "surgeon/plan/plan.h"

namespace surgeon {

// Reads `a.source` (checksum-verified), applies a.transforms in order in the
// source dtype (initialized entries get GenerateInitialValue of the step's
// out_shape with a.seed and a.target, as a new variable of that shape would),
// casts to a.dtype when it differs, and writes it as a.target. Returns the
// bytes written.
// REQUIRES: a.kind == kCopy and !a.transforms.empty() (a plan from BuildPlan).
Result<uint64_t> WriteTransformedCopy(const CheckpointReader& reader, const PlanAction& a, TensorWriter* writer);

}  // namespace surgeon

#endif  // SURGEON_EXEC_TRANSFORMED_COPY_H_
