// Which variables form a batch-norm layer, read off the graph: the
// FusedBatchNorm / FusedBatchNormV2 / FusedBatchNormV3 node's inputs are
// (x, scale, offset, mean, variance), i.e. gamma, beta, moving_mean and
// moving_variance for tf.layers.batch_normalization, slim's batch_norm and
// Keras BatchNormalization (core/ops/nn_ops.cc). The planner uses this to
// freeze a layer's moving statistics with its gamma/beta.
//
//   for (const BatchNormVariables& bn : ComputeBatchNormVariables(meta_graph.graph_def())) ...
//
// Best effort: a non-fused batch norm (moments + batchnorm/mul, ...) is not
// found here; the planner then relates the variables by name.
#ifndef SURGEON_FORMAT_BATCH_NORM_H_
#define SURGEON_FORMAT_BATCH_NORM_H_

#include <string>
#include <vector>

#include "proto/graph.pb.h"

namespace surgeon {

struct BatchNormVariables {
  // Variable node names; "" when that input is not read from a variable
  // (scale=False gives a constant gamma; training graphs may feed empty
  // mean/variance).
  std::string scale, offset, mean, variance;
  std::string evidence;  // "FusedBatchNormV3 'bn1/FusedBatchNormV3'"
};

// One entry per layer (the two branches of a `training` tf.cond read the
// same gamma/beta and are merged), in graph order.
std::vector<BatchNormVariables> ComputeBatchNormVariables(const tensorflow::GraphDef& graph);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_BATCH_NORM_H_
