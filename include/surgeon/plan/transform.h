// TransformStep: a value transform of a copied tensor as plan data, and the
// pure array math that applies it (no files; unit-tested on byte arrays).
//
// The planner resolves the config's `reshape`, `classes` and
// `input_channels` rules (config.h) into steps on a PlanAction; the executor
// reads the source tensor, applies the steps in order and writes the result.
// Two kinds cover the three operations:
//
//   kReshape:   view the input as `view` (same element count), transpose it
//               (output axis i = view axis permutation[i]), view the result
//               as out_shape. Moves bytes only: exact for every fixed-size
//               dtype. Dense [25088, 4096] -> conv [7, 7, 512, 4096] with a
//               channels_first flatten is view [512, 7, 7, 4096],
//               permutation [1, 2, 0, 3].
//   kAlongAxis: along `axis`, each output index is a weighted sum of input
//               indices, zero (no terms), or taken from the initializer's
//               value for the whole out_shape. Class rows are single terms of
//               weight 1 (a byte gather: exact for every dtype); channel
//               sums and means are computed in float64 and rounded once to
//               the tensor's float dtype.
//
// Tensors are row-major in V2 data layout (TF's order).
#ifndef SURGEON_PLAN_TRANSFORM_H_
#define SURGEON_PLAN_TRANSFORM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "surgeon/base/bytes.h"
#include "surgeon/base/status.h"
#include "surgeon/format/dtype.h"
#include "surgeon/format/tensor_entry.h"
#include "surgeon/plan/initializer.h"

namespace surgeon {

struct AxisTerm {
  int64_t index = 0;  // along the axis, in the input
  double weight = 1.0;
};
// One output index along the axis.
struct AxisSource {
  std::vector<AxisTerm> terms;  // empty and !initialize: zero
  bool initialize = false;
};

struct TransformStep {
  enum class Kind { kReshape, kAlongAxis };
  Kind kind = Kind::kReshape;
  Shape in_shape, out_shape;

  // kReshape.
  Shape view;                    // element count of in_shape
  std::vector<int> permutation;  // empty: none

  // kAlongAxis. in_shape and out_shape differ only at `axis`.
  int axis = 0;
  std::vector<AxisSource> sources;  // out_shape[axis] entries
  std::vector<std::string> labels;  // classes: each output row's label ("" for offset rows)
  InitializerSpec initializer;      // the values of `initialize` entries

  std::string operation;  // "reshape", "classes", "input_channels"
  std::string rule;       // "reshape[0] (cfg.yaml:7:5)"
  std::string summary;    // "[25088, 4096] -> [7, 7, 512, 4096] (flatten hwc)"

  bool NeedsInitializer() const;
  // Only single weight-1 terms, zeros and initialized entries: bytes move unchanged.
  bool IsGather() const;
};

// Bytes of `in` (shape `shape`, elements of `element_size` bytes) transposed:
// output axis i is input axis permutation[i].
// REQUIRES: permutation is a permutation of 0..rank-1; in.size() matches.
std::vector<uint8_t> TransposeBytes(ByteSpan in, const Shape& shape, const std::vector<int>& permutation,
                                    size_t element_size);

// Applies one step to a tensor of `dtype` (a fixed-size dtype; a non-gather
// kAlongAxis step needs a float dtype). `init` holds the initializer's value
// for out_shape when step.NeedsInitializer(), else it is ignored.
// InvalidArgument when the input size or dtype does not fit the step (the
// planner has checked this; the check keeps a bad plan from reading out of
// bounds).
Result<std::vector<uint8_t>> ApplyTransformStep(const TransformStep& step, ByteSpan in, DataType dtype, ByteSpan init);

}  // namespace surgeon

#endif  // SURGEON_PLAN_TRANSFORM_H_
