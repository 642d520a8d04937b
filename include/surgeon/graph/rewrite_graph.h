// Rewrite mode (`target.meta_graph: {from: source}`): the source checkpoint's
// own MetaGraphDef, edited to describe the output checkpoint, for users who
// continue training with their original graph.
//
//  1. Every old saver scope (nodes under "<s>/" for each scope holding
//     SaveV2/RestoreV2/SaveSlices/RestoreSlice/...) and the "savers"
//     collection are deleted; a new V2 saver is built (graph/saver_builder.h)
//     for exactly `checkpoint`'s keys.
//  2. Dropped variables are removed with what only they used: consumers
//     through data edges are removed too (each non-companion one reported in
//     the warnings, e.g. an ApplyAdam that consumed a dropped slot); then
//     producers left with no consumers (initializer chains, their Consts)
//     are removed; control inputs to removed nodes are dropped.
//  3. Renames: a variable V -> W renames V and every node in its scope
//     "V/..." (Assign, read, Initializer, slots not renamed themselves),
//     and every reference: inputs, ^control inputs, _class loc:@, node_list
//     collections, VariableDef names.
//     Ref variables (VariableV2) are restored by Assign; resource variables
//     (VarHandleOp, TF 1.x graphs with use_resource and Keras in TF 2 graph
//     mode) are saved from their ReadVariableOp snapshot and restored by
//     Identity + AssignVariableOp, as TF's ResourceVariableSaveable does.
//  4. Changed shapes: written into the variable's `shape` and into the
//     V/Initializer constants (broadcast Consts and shape vectors).
//     `_output_shapes` is stripped from every node downstream of a reshaped
//     variable. Shape constants TF folded from the variable's old shape into
//     the gradient of a node reading it ("gradients/<op>_grad/Shape_1" of
//     logits = x + b) become Shape ops (graph/shape_constants.h); other int
//     Consts feeding downstream nodes that still hold an old dimension (a
//     Reshape to 1000 classes) are reported by name.
//     A new variable that takes a dropped variable's place (same role,
//     `renames` + `new_shapes`) keeps that node's initializer, reshaped; the
//     checkpoint holds the configured initializer's values.
//  5. `added` variables are built as in a fresh graph, with their
//     initializer's chain; `non_trainable` target variables leave
//     "trainable_variables". A frozen variable (trainable in the source,
//     `non_trainable` here) also loses its optimizer update op (ApplyMomentum,
//     ResourceApplyAdam, ...; graph/optimizer_updates.h), so the source's
//     own train op stops changing it; this is reported. A frozen batch-norm
//     statistic (`frozen_statistics`) loses the ops that assign to it
//     (AssignMovingAvg's AssignSub / AssignSubVariableOp), and so its
//     UPDATE_OPS entries: running the train op under
//     control_dependencies(UPDATE_OPS) no longer changes it; reported once.
//  Partitioned variables are named by their checkpoint key (the parts'
//  SaveSliceInfoDef.full_name) in renames, drops and non_trainable; each
//  part "<key>/part_<i>" follows. Their shape cannot change here.
#ifndef SURGEON_GRAPH_REWRITE_GRAPH_H_
#define SURGEON_GRAPH_REWRITE_GRAPH_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "proto/meta_graph.pb.h"
#include "surgeon/base/status.h"
#include "surgeon/graph/fresh_graph.h"
#include "surgeon/graph/graph_checker.h"

namespace surgeon {

struct RewriteSpec {
  std::map<std::string, std::string> renames;  // source variable -> target variable
  std::set<std::string> dropped;               // source variables to remove
  std::map<std::string, Shape> new_shapes;     // target variable -> its new shape
  std::set<std::string> non_trainable;         // target variables to leave out of trainable_variables
  std::set<std::string> frozen_statistics;     // target variables whose assign (update) ops are removed
  std::vector<FreshVariable> added;            // target variables with no source node
  // The output checkpoint's entries: the saver restores exactly these. Each
  // key is a variable node of the rewritten graph, or the full_name of its
  // partitioned parts (SaveSliceInfoDef).
  std::vector<CheckpointTensorInfo> checkpoint;
};

struct RewriteResult {
  tensorflow::MetaGraphDef meta_graph;
  std::vector<std::string> warnings;  // each names the node(s) concerned
  // Routine consequences of the plan, e.g. "removed 3 node(s) that used
  // dropped 'x' (...)": worth a line, not a warning.
  std::vector<std::string> notes;
};

// InvalidArgument / NotFound (naming the variable or node) for: a rename or
// drop of a name that is not a variable node, a variable both renamed and
// dropped, two nodes renamed to one name, a checkpoint key with no variable,
// a dtype that differs from the checkpoint's.
Result<RewriteResult> RewriteMetaGraph(const tensorflow::MetaGraphDef& source, const RewriteSpec& spec);

}  // namespace surgeon

#endif  // SURGEON_GRAPH_REWRITE_GRAPH_H_
