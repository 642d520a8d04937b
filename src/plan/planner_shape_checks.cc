// Planner::CheckShapes / CheckLink: every new or reshaped variable must fit
// the variables around it (the last-dimension rule, feeds_from, a bias
// against its kernel, and the producer -> consumer links the source graph
// declares), checked before any byte is written.
#include <algorithm>

#include "plan/planner_impl.h"
#include "plan/suggest.h"

namespace surgeon::plan_internal {

// Producer feeds consumer: a kernel consumer's input dimension (shape[-2]),
// or a bias consumer's only dimension, must equal the producer's output
// dimension (shape[-1]).
void Planner::CheckLink(const PlanAction& producer, const PlanAction& consumer, const std::string& why) {
  if (!links_checked_.insert({producer.target, consumer.target}).second) return;
  if (shape_errors_.count(producer.target) || shape_errors_.count(consumer.target)) return;
  if (producer.shape.empty() || consumer.shape.empty()) return;
  bool bias = consumer.shape.size() == 1;
  int64_t in = bias ? consumer.shape[0] : consumer.shape[consumer.shape.size() - 2];
  int64_t out = producer.shape.back();
  if (in == out) return;
  // Report at the new variable (the consumer when both are new).
  const PlanAction& culprit = NewConfigOf(consumer) ? consumer : producer;
  const NewVariableConfig* n = NewConfigOf(culprit);
  if (!n) return;
  shape_errors_.insert(culprit.target);
  auto describe = [&](const PlanAction& a) {
    std::string s = Quote(a.target) + " " + ShapeToString(a.shape);
    if (a.kind == PlanAction::Kind::kCopy) s += " (copied from " + Quote(a.source) + ")";
    return s;
  };
  std::string fix;
  if (&culprit == &consumer) {
    Shape good = consumer.shape;
    good[bias ? 0 : good.size() - 2] = out;
    fix = "use shape " + ShapeToString(good);
  } else {
    fix = "make its last dimension " + std::to_string(in) + " or replace " + Quote(consumer.target) + " too";
  }
  std::string consumer_dim = bias ? "has " + std::to_string(in) + " entries" : "takes " + std::to_string(in) + " inputs (shape[-2])";
  Error(n->shape_pos.line ? n->shape_pos : n->pos, n->key_path + ".shape",
        describe(consumer) + " " + consumer_dim + " but " + describe(producer) + ", which feeds it" + why + ", has " +
            std::to_string(out) + " outputs (shape[-1]); " + fix);
}

void Planner::CheckShapes() {
  std::map<std::string, size_t> by_target;
  for (size_t i = 0; i < plan_.actions.size(); ++i) by_target.emplace(plan_.actions[i].target, i);
  std::map<std::string, size_t> source_index;
  for (size_t s = 0; s < inv_.tensors.size(); ++s) source_index.emplace(inv_.tensors[s].key, s);
  // A source variable's stand-in in the target: its copy, or the new
  // variable replacing it.
  auto stand_in = [&](const std::string& source) -> const PlanAction* {
    auto s = source_index.find(source);
    if (s == source_index.end()) return nullptr;
    if (source_action_[s->second] >= 0) return &plan_.actions[source_action_[s->second]];
    auto t = by_target.find(mapped_name_[s->second]);
    if (t == by_target.end() || plan_.actions[t->second].replaces != source) return nullptr;
    return &plan_.actions[t->second];
  };

  // 1. A new variable replacing a source variable changes only its last dim.
  for (const auto& [ni, ai] : new_action_) {
    const NewVariableConfig& n = c_.new_variables[ni];
    const PlanAction& a = plan_.actions[ai];
    bool allowed = false;
    for (size_t k = 0; k < c_.allow_shape_change.size(); ++k) {
      if (c_.allow_shape_change[k].pattern.Matches(n.name)) {
        allow_hit_[k] = true;
        allowed = true;
      }
    }
    if (a.replaces.empty() || allowed) continue;
    const Shape& old_shape = inv_.tensors[source_index[a.replaces]].shape;
    const ConfigPos& pos = n.shape_pos.line ? n.shape_pos : n.pos;
    std::string head = Quote(n.name) + " " + ShapeToString(n.shape) + " replaces source variable " +
                       Quote(a.replaces) + " " + ShapeToString(old_shape);
    std::string allow_hint = "or list " + Quote(n.name) + " under allow_shape_change";
    if (old_shape.size() != n.shape.size()) {
      shape_errors_.insert(n.name);
      Error(pos, n.key_path + ".shape",
            head + ": rank " + std::to_string(n.shape.size()) + " ≠ " + std::to_string(old_shape.size()) +
                "; only the last (output) dimension may change; keep the rank " + allow_hint);
      continue;
    }
    for (size_t d = 0; d + 1 < old_shape.size(); ++d) {
      if (old_shape[d] == n.shape[d]) continue;
      shape_errors_.insert(n.name);
      std::string origin;
      if (d + 2 == old_shape.size()) {
        // Name the variable whose output this dimension is, when known.
        for (const auto& [producer, consumer] : inv_.feeds) {
          if (consumer != a.replaces) continue;
          const PlanAction* p = stand_in(producer);
          origin = " that " + Quote(producer) + (p && p->target != producer ? " (now " + Quote(p->target) + ")" : "") +
                   " produces";
          break;
        }
        if (origin.empty() && n.feeds_from) origin = " that " + Quote(*n.feeds_from) + " produces";
      }
      Shape good = n.shape;
      for (size_t k = 0; k + 1 < good.size(); ++k) good[k] = old_shape[k];
      Error(pos, n.key_path + ".shape",
            head + ": dimension " + std::to_string(d) + " is " + std::to_string(n.shape[d]) + " ≠ the " +
                std::to_string(old_shape[d]) + origin + " in the source; only the last (output) dimension may "
                "change: use " + ShapeToString(good) + " " + allow_hint);
      break;
    }
  }

  // 2. feeds_from links declared in the config.
  for (const auto& [ni, ai] : new_action_) {
    const NewVariableConfig& n = c_.new_variables[ni];
    if (!n.feeds_from) continue;
    auto p = by_target.find(*n.feeds_from);
    if (p == by_target.end()) {
      Error(n.feeds_from_pos, n.key_path + ".feeds_from",
            Quote(*n.feeds_from) + " is not a variable of the target" +
                DidYouMean(ClosestMatch(*n.feeds_from, TargetNames())
                               ? std::vector<std::string>{*ClosestMatch(*n.feeds_from, TargetNames())}
                               : std::vector<std::string>{}));
      continue;
    }
    CheckLink(plan_.actions[p->second], plan_.actions[ai], " (" + n.key_path + ".feeds_from)");
  }

  // 3. Links from the source graph, between stand-ins where one is new.
  for (const auto& [producer, consumer] : inv_.feeds) {
    const PlanAction* p = stand_in(producer);
    const PlanAction* q = stand_in(consumer);
    if (!p || !q || (!NewConfigOf(*p) && !NewConfigOf(*q))) continue;
    CheckLink(*p, *q, " (source graph: " + Quote(producer) + " -> " + Quote(consumer) + ")");
  }

  // 4. A bias next to its kernel ("<scope>/bias(es)" and
  //    "<scope>/weights|kernel"), where one of them is new.
  for (const PlanAction& bias : plan_.actions) {
    std::string last = LastComponent(bias.target);
    if (bias.shape.size() != 1 || (last != "bias" && last != "biases")) continue;
    std::string scope = Scope(bias.target);
    for (const char* kernel_name : {"weights", "kernel"}) {
      auto k = by_target.find(scope.empty() ? kernel_name : scope + "/" + kernel_name);
      if (k == by_target.end()) continue;
      const PlanAction& kernel = plan_.actions[k->second];
      if (NewConfigOf(kernel) || NewConfigOf(bias)) CheckLink(kernel, bias, " (same scope)");
      break;
    }
  }
}

}  // namespace surgeon::plan_internal
