// A fresh TF 1.x meta graph for an output checkpoint: the graph that
// `tf.get_variable(...)` for every variable plus `tf.train.Saver()` would
// build, then `export_meta_graph` would write (docs/formats.md §5).
//
// Per variable V (python/ops/variables.py RefVariable._init_from_args,
// ops/variable_scope.py, ops/init_ops.py, ops/random_ops.py):
//   V/Initializer/...   initializer subgraph, every node _class loc:@V
//   V                   VariableV2 {shape, dtype, container "", shared_name ""}, _class loc:@V
//   V/Assign            Assign(V, <initial value>) {T, use_locking, validate_shape}, _class loc:@V
//   V/read              Identity(V) {T}, _class loc:@V
// Initializer subgraphs (names relative to V/Initializer/):
//   constant 0 / 1 / c  zeros | ones | Const: one broadcast Const (valid on every TF 1.x)
//   uniform             random_uniform/{shape,min,max,RandomUniform,sub,mul}, random_uniform (Add)
//   normal              random_normal/{shape,mean,stddev,RandomStandardNormal,mul}, random_normal (Add)
//   truncated normal    truncated_normal/{shape,mean,stddev,TruncatedNormal,mul}, truncated_normal (Add)
//   orthogonal          init_ops.Orthogonal: random_normal/... of the flattened 2-D shape,
//                       Qr, DiagPart, Sign, mul, [matrix_transpose/transpose], Reshape,
//                       mul_1 (gain). Half/bfloat16 variables (Qr has only float and
//                       double kernels): the same chain in float, then Cast to the dtype.
// Then the V2 saver (graph/saver_builder.h), saver_def, the collections
// "variables", "trainable_variables" (VariableDef bytes_list) and
// "global_step" (node_list ["global_step:0"], as
// training_util.get_or_create_global_step does; corpus v2_estimator_partnames_hose),
// and meta_info_def with the stripped_op_list of the ops used. No
// _output_shapes (optional on import).
#ifndef SURGEON_GRAPH_FRESH_GRAPH_H_
#define SURGEON_GRAPH_FRESH_GRAPH_H_

#include <optional>
#include <string>
#include <vector>

#include "proto/meta_graph.pb.h"
#include "proto/variable.pb.h"
#include "surgeon/base/status.h"
#include "surgeon/format/dtype.h"
#include "surgeon/format/tensor_entry.h"
#include "surgeon/graph/saver_builder.h"
#include "surgeon/plan/initializer.h"

namespace surgeon {

struct FreshVariable {
  std::string name;  // node name == checkpoint key
  DataType dtype = DataType::kFloat;
  Shape shape;  // equals the checkpoint's shape
  bool trainable = true;
  std::optional<ResolvedInitializer> init;  // nullopt: zeros (one broadcast Const)
  // The key the saver reads and writes, when it cannot be the node name
  // (TF2 keys such as "layer-1/kernel/.ATTRIBUTES/VARIABLE_VALUE" are not
  // valid node names). Empty: the key is `name`.
  std::string checkpoint_key;
};

struct FreshGraphOptions {
  // meta_info_def's release (callers pass the source graph's when there is
  // one) and the GraphDef producer version. The defaults, 1.14.0 / 38, were
  // confirmed together in corpus v2_alzi_dnn, and the OpDefs we emit are
  // that release's; "unknown" is what TF writes when it has no git version.
  std::string tensorflow_version = "1.14.0";
  std::string tensorflow_git_version = "unknown";
  int producer = 38;
  SaverOptions saver;
};

// InvalidArgument (naming the variable) for: no variables, an empty or
// invalid node name, duplicate names, a name that is a scope prefix of
// another's companion nodes ("a" and "a/read"), a negative dimension, a
// random initializer on a non-floating dtype, a dtype with no Const encoding.
Result<tensorflow::MetaGraphDef> BuildFreshMetaGraph(const std::vector<FreshVariable>& vars,
                                                     const FreshGraphOptions& options);

// The per-variable part alone (Initializer subgraph, VariableV2, Assign,
// read), appended to `graph`; fills `def` with the VariableDef for the
// collections. Used by the rewriter to add new variables to a source graph.
Status AddRefVariable(const FreshVariable& var, tensorflow::GraphDef* graph, tensorflow::VariableDef* def);

// Sets meta_info_def.stripped_op_list to the OpDefs (sorted by name) of the
// ops used by `mg`'s nodes: from `mg`'s existing list when it has the op,
// else from surgeon's registry. NotFound naming the op and a node using it
// for an op found in neither.
Status FillStrippedOpList(tensorflow::MetaGraphDef* mg);

// Checks TF's node name rule [A-Za-z0-9.][A-Za-z0-9_./]* (graph_constructor.cc IsValidNodeName).
bool IsValidNodeName(const std::string& name);

}  // namespace surgeon

#endif  // SURGEON_GRAPH_FRESH_GRAPH_H_
