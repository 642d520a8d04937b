// The optimizer update ops of a training graph (private to graph/).
//
// tf.train optimizers update each variable with one op from
// core/ops/training_ops.cc: ApplyMomentum, ResourceApplyAdam,
// SparseApplyAdagrad, ResourceSparseApplyFtrl, ... whose first input is the
// variable (a ref, or a resource handle). The train op reaches them only
// through control edges (optimizer.py apply_gradients: group(update ops),
// then global_step's AssignAdd under control_dependencies).
#ifndef SURGEON_GRAPH_OPTIMIZER_UPDATES_H_
#define SURGEON_GRAPH_OPTIMIZER_UPDATES_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "proto/graph.pb.h"

namespace surgeon::graph_internal {

// [Resource][Sparse]Apply<Name>, e.g. "ApplyMomentum", "ResourceSparseApplyAdagradV2".
bool IsOptimizerUpdateOp(std::string_view op);

// The update nodes of `graph` whose variable input is one of `variables`
// (node names), in graph order.
std::vector<std::string> OptimizerUpdatesOf(const tensorflow::GraphDef& graph, const std::set<std::string>& variables);

// The nodes of `graph` that assign to one of `variables` (node names):
// Assign, AssignAdd, AssignSub and their resource forms (AssignVariableOp,
// AssignAddVariableOp, AssignSubVariableOp), whose first input is the
// variable, read through Identity/Switch/Enter. This is how a batch norm's
// moving statistics are updated (moving_averages.assign_moving_average,
// Keras' "AssignMovingAvg"). Nodes in the variable's own scope ("V/Assign",
// its initializer) are not included. In graph order.
std::vector<std::string> VariableAssignsOf(const tensorflow::GraphDef& graph, const std::set<std::string>& variables);

}  // namespace surgeon::graph_internal

#endif  // SURGEON_GRAPH_OPTIMIZER_UPDATES_H_
