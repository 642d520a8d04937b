// Shape constants that TensorFlow folded from a variable's static shape
// (private to graph/).
//
// In graph mode `array_ops.shape(t)` returns a Const, not a Shape op, when
// t's static shape is fully defined (python/ops/array_ops.py shape_internal,
// optimize=True). The gradients of broadcasting binary ops measure both
// inputs that way (math_grad.py SmartBroadcastGradientArgs; _AddGrad,
// _MulGrad, ... in TF 1.x), so for logits = x + b with a [1000] bias the
// training graph holds Const "gradients/logits_grad/Shape_1" = [1000], read
// by the Reshape that sums the bias gradient. Once the rewriter gives b a new
// shape, that Const is stale and TF's importer rejects the graph ("Cannot
// reshape a tensor with 10 elements to shape [1000]").
#ifndef SURGEON_GRAPH_SHAPE_CONSTANTS_H_
#define SURGEON_GRAPH_SHAPE_CONSTANTS_H_

#include <string>
#include <unordered_map>

#include "proto/graph.pb.h"
#include "surgeon/format/tensor_entry.h"

namespace surgeon::graph_internal {

// A graph's nodes by name. Not owned; valid while no node is added or removed.
using NodeIndex = std::unordered_map<std::string, tensorflow::NodeDef*>;

// When `c` is an int32/int64 Const in the gradient scope of a node
// ("[<scope>/]gradients[_<n>]/<node>_grad/<name>") that takes `var`'s value
// (`var` itself, or an Identity / ReadVariableOp of it) as a data input,
// and `c` holds exactly `old_shape`: turns `c` into Shape(that input), the
// op TF builds when the shape is not static, so it follows any new shape.
// Keeps the name, control inputs and colocation. Returns whether it did.
bool MakeVariableShapeDynamic(tensorflow::NodeDef* c, const std::string& var, const Shape& old_shape,
                              const NodeIndex& nodes);

}  // namespace surgeon::graph_internal

#endif  // SURGEON_GRAPH_SHAPE_CONSTANTS_H_
