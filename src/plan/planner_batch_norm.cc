// ApplyBatchNormFreeze: a frozen batch-norm layer keeps its statistics too.
//
// A layer is gamma, beta, moving_mean and moving_variance (any may be
// missing: scale=False has no gamma). They are related by the source graph
// when it has a FusedBatchNorm* node reading them (Inventory::batch_norms),
// otherwise by name: the variables of one scope whose last components are
// gamma/beta/moving_mean/moving_variance (TF1 slim, tf.layers, Keras; for a
// TF2 checkpoint the object path is used). When a layer's gamma or beta is
// frozen, its carried statistics are frozen too; every layer with frozen
// statistics is listed in Plan::frozen_batch_norms with the relation used.
#include <algorithm>

#include "plan/planner_impl.h"

namespace surgeon::plan_internal {
namespace {

enum Role { kGamma, kBeta, kMean, kVariance, kRoles };
constexpr const char* kRoleNames[kRoles] = {"gamma", "beta", "moving_mean", "moving_variance"};

struct Layer {
  std::string scope;
  std::string relation;
  std::string keys[kRoles];  // Source checkpoint keys, "" when absent.
};

// The name a source tensor is related by: its TF2 object path when it has
// one (keys there are "layer_with_weights-1/gamma/.ATTRIBUTES/..."), else its key.
const std::string& RelationName(const TensorEntry& e) {
  return e.object_full_name.empty() ? e.key : e.object_full_name;
}

std::vector<Layer> LayersOf(const Inventory& inv) {
  std::vector<Layer> layers;
  std::set<std::string> by_graph;
  for (const BatchNormVariables& bn : inv.batch_norms) {
    Layer l;
    l.keys[kGamma] = bn.scale;
    l.keys[kBeta] = bn.offset;
    l.keys[kMean] = bn.mean;
    l.keys[kVariance] = bn.variance;
    for (const std::string& k : l.keys) {
      if (k.empty()) continue;
      by_graph.insert(k);
      if (l.scope.empty()) l.scope = Scope(k);
    }
    l.relation = "graph: " + bn.evidence;
    layers.push_back(std::move(l));
  }
  std::map<std::string, Layer> by_name;  // scope -> layer
  for (const TensorEntry& e : inv.tensors) {
    if (by_graph.count(e.key)) continue;
    const std::string& name = RelationName(e);
    const auto role = std::find(std::begin(kRoleNames), std::end(kRoleNames), LastComponent(name));
    if (role == std::end(kRoleNames)) continue;
    Layer& l = by_name[Scope(name)];
    l.scope = Scope(name);
    l.relation = "name: scope '" + l.scope + "'";
    l.keys[role - std::begin(kRoleNames)] = e.key;
  }
  for (auto& [scope, l] : by_name) {
    if (!l.keys[kMean].empty() || !l.keys[kVariance].empty()) layers.push_back(std::move(l));
  }
  return layers;
}

}  // namespace

void Planner::ApplyBatchNormFreeze() {
  auto action_of = [&](const std::string& key) -> PlanAction* {
    auto it = source_index_.find(key);
    if (key.empty() || it == source_index_.end() || source_action_[it->second] < 0) return nullptr;
    return &plan_.actions[source_action_[it->second]];
  };
  for (const Layer& l : LayersOf(inv_)) {
    FrozenBatchNorm f;
    f.layer = l.scope;
    f.relation = l.relation;
    const PlanAction* frozen_parameter = nullptr;
    for (Role r : {kGamma, kBeta}) {
      PlanAction* a = action_of(l.keys[r]);
      if (a == nullptr || !a->frozen) continue;
      f.parameters.push_back(a->target);
      if (frozen_parameter == nullptr) frozen_parameter = a;
    }
    for (Role r : {kMean, kVariance}) {
      PlanAction* a = action_of(l.keys[r]);
      if (a == nullptr) continue;
      if (!a->frozen && frozen_parameter != nullptr) {
        a->frozen = true;
        a->trainable = false;
        a->rule += ", frozen with batch norm " + Quote(l.scope) + " (" + Quote(frozen_parameter->target) +
                   " is frozen; related by " + l.relation + ")";
      }
      if (a->frozen) f.statistics.push_back(a->target);
    }
    if (!f.statistics.empty()) plan_.frozen_batch_norms.push_back(std::move(f));
  }
  std::sort(plan_.frozen_batch_norms.begin(), plan_.frozen_batch_norms.end(),
            [](const FrozenBatchNorm& x, const FrozenBatchNorm& y) { return x.layer < y.layer; });
}

}  // namespace surgeon::plan_internal
