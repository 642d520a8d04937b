// Writing a new variable (a plan's kInit action): its initial value goes to
// the writer in pieces, so memory stays a few pieces whatever the size of the
// new head (a 21,843-class fc8 on a 4,096-wide fc7 is 358 MB of float32).
#ifndef SURGEON_EXEC_NEW_VARIABLE_H_
#define SURGEON_EXEC_NEW_VARIABLE_H_

#include <cstddef>
#include <cstdint>

#include "surgeon/base/status.h"
#include "surgeon/format/tensor_writer.h"
#include "surgeon/plan/plan.h"

namespace surgeon {

// Bytes per piece: large enough that starting the sampling threads is
// negligible, small enough to stay in the last-level cache between being
// generated and being checksummed and written.
inline constexpr size_t kNewVariablePieceBytes = size_t{4} << 20;

// Generates a.target's initial value (InitialValueStream of a.initializer,
// a.seed) and writes it. The next piece is generated while the current one
// is written, so sampling and writing overlap. Returns the bytes written.
// REQUIRES: a.kind == kInit (a plan from BuildPlan).
Result<uint64_t> WriteNewVariable(const PlanAction& a, TensorWriter* writer);

}  // namespace surgeon

#endif  // SURGEON_EXEC_NEW_VARIABLE_H_
