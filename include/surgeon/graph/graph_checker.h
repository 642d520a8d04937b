// Structural checks on a MetaGraphDef: the kinds of checks TF's importer
// (core/graph/graph_constructor.cc, framework/node_def_util.cc
// ValidateNodeDef, framework/op_def_util.cc ValidateAttrValue) and
// Saver.restore make, so that a graph that passes here imports and restores
// in TF 1.x. Used by the tests and by `surgeon verify`.
//
// Checked:
//  - unique, valid node names; every op has an OpDef: in the graph's
//    stripped_op_list or the function library (and in surgeon's registry
//    when `require_registered_ops`);
//  - every input names an existing node and a valid output index (outputs
//    counted from the OpDef, incl. number_attr / type_list_attr); control
//    inputs after data inputs; data input count matches the OpDef;
//  - edge types: TypesCompatible(expected, actual) (a Ref input needs a ref
//    output; a ref output may feed a value input);
//  - attrs: declared by the OpDef or starting with '_'; required (no
//    default) attrs present; value of the declared kind; allowed_values and
//    minimum respected;
//  - `_class` loc:@ targets exist; VariableDef names in the variable
//    collections resolve; node_list entries resolve; saver_def names resolve;
//  - with a checkpoint list: the saver's RestoreV2/RestoreSlice nodes restore
//    exactly the checkpoint's keys, with the checkpoint's dtypes, and each
//    restoring Assign's variable has the checkpoint's shape (or the slice's
//    shape for partitioned parts); every VariableV2 in the "variables"
//    collection is restored.
//  - Assign(validate_shape) of a variable from a Const / random chain of
//    statically known shape: shapes equal.
#ifndef SURGEON_GRAPH_GRAPH_CHECKER_H_
#define SURGEON_GRAPH_GRAPH_CHECKER_H_

#include <optional>
#include <string>
#include <vector>

#include "proto/meta_graph.pb.h"
#include "surgeon/format/dtype.h"
#include "surgeon/format/tensor_entry.h"

namespace surgeon {

struct CheckpointTensorInfo {
  std::string key;
  DataType dtype = DataType::kInvalid;
  Shape shape;
};

struct GraphCheckOptions {
  // Also require every op to be in surgeon's op registry (for graphs surgeon
  // built, whose OpDefs must be real TF ones).
  bool require_registered_ops = false;
};

// One human-readable problem per element, each naming the node; empty when
// the graph is fine.
std::vector<std::string> CheckGraph(const tensorflow::MetaGraphDef& meta_graph,
                                    const std::optional<std::vector<CheckpointTensorInfo>>& checkpoint = std::nullopt,
                                    const GraphCheckOptions& options = {});

}  // namespace surgeon

#endif  // SURGEON_GRAPH_GRAPH_CHECKER_H_
