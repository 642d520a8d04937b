// ComputeBatchNormVariables (batch_norm.h). FusedBatchNorm* inputs, from
// core/ops/nn_ops.cc: 0 x, 1 scale, 2 offset, 3 mean, 4 variance.
#include "surgeon/format/batch_norm.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <unordered_map>

#include "surgeon/format/meta_graph.h"

namespace surgeon {
namespace {

bool IsFusedBatchNorm(const std::string& op) {
  return op == "FusedBatchNorm" || op == "FusedBatchNormV2" || op == "FusedBatchNormV3";
}

// Ops that pass a variable's value (or handle) through unchanged: reads,
// and the Switch/Enter of a tf.cond or while loop around them.
bool IsPassThrough(const std::string& op) {
  return op == "Identity" || op == "RefIdentity" || op == "ReadVariableOp" || op == "Switch" || op == "RefSwitch" ||
         op == "Enter" || op == "RefEnter";
}

class VariableTracer {
 public:
  explicit VariableTracer(const tensorflow::GraphDef& graph) {
    for (const auto& n : graph.node()) by_name_[n.name()] = &n;
  }
  // The variable node a tensor reads, or "".
  std::string VariableOf(const std::string& input) const {
    std::string name = ParseTensorRef(input).node;
    for (int hops = 0; hops < 16; ++hops) {
      auto it = by_name_.find(name);
      if (it == by_name_.end()) return "";
      const tensorflow::NodeDef* n = it->second;
      if (IsVariableOp(n->op())) return n->name();
      if (!IsPassThrough(n->op()) || n->input_size() == 0) return "";
      name = ParseTensorRef(n->input(0)).node;
    }
    return "";
  }

 private:
  std::unordered_map<std::string, const tensorflow::NodeDef*> by_name_;
};

}  // namespace

std::vector<BatchNormVariables> ComputeBatchNormVariables(const tensorflow::GraphDef& graph) {
  const VariableTracer tracer(graph);
  std::vector<BatchNormVariables> out;
  std::set<std::tuple<std::string, std::string, std::string, std::string>> seen;
  for (const auto& n : graph.node()) {
    if (!IsFusedBatchNorm(n.op()) || n.input_size() < 5) continue;
    BatchNormVariables bn;
    bn.scale = tracer.VariableOf(n.input(1));
    bn.offset = tracer.VariableOf(n.input(2));
    bn.mean = tracer.VariableOf(n.input(3));
    bn.variance = tracer.VariableOf(n.input(4));
    bn.evidence = n.op() + " '" + n.name() + "'";
    if (bn.scale.empty() && bn.offset.empty() && bn.mean.empty() && bn.variance.empty()) continue;
    if (!seen.emplace(bn.scale, bn.offset, bn.mean, bn.variance).second) continue;
    // A branch that feeds no statistics (empty mean/variance in training)
    // completes the entry of the same gamma/beta rather than adding one.
    auto same_layer = [&](const BatchNormVariables& o) {
      return (!bn.scale.empty() || !bn.offset.empty()) && o.scale == bn.scale && o.offset == bn.offset;
    };
    auto it = std::find_if(out.begin(), out.end(), same_layer);
    if (it == out.end()) {
      out.push_back(std::move(bn));
      continue;
    }
    if (it->mean.empty()) it->mean = bn.mean;
    if (it->variance.empty()) it->variance = bn.variance;
  }
  return out;
}

}  // namespace surgeon
