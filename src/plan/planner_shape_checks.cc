// Planner::CheckShapes / CheckLink: every new or reshaped variable must fit
// the variables around it (a replacement changes only its output dimension
// and keeps its dtype, feeds_from, a bias against its kernel, and the
// producer -> consumer links the source graph declares), checked before any
// byte is written. Which axis is a variable's input and which its output
// comes from the op that uses it in the source graph (Inventory::layouts);
// without one, [..., in, out] is assumed and the message says so.
#include <algorithm>

#include "plan/planner_impl.h"
#include "plan/suggest.h"

namespace surgeon::plan_internal {
namespace {

const VariableLayout kAssumed{};

std::string AxisName(int axis_from_end) { return "shape[" + std::to_string(axis_from_end) + "]"; }

}  // namespace

const PlanAction* Planner::StandIn(const std::string& source) const {
  auto s = source_index_.find(source);
  if (s == source_index_.end()) return nullptr;
  if (source_action_[s->second] >= 0) return &plan_.actions[source_action_[s->second]];
  for (const PlanAction& a : plan_.actions) {
    if (a.replaces == source) return &a;  // A new variable, or a copy from an also_from source.
  }
  return nullptr;
}

const VariableLayout* Planner::LayoutOf(const PlanAction& a) const {
  const bool primary_copy = a.kind == PlanAction::Kind::kCopy && a.source_index == 0;
  const std::string& source = primary_copy ? a.source : a.replaces;
  auto it = inv_.layouts.find(source);
  return it == inv_.layouts.end() ? nullptr : &it->second;
}

std::string Planner::AssumedLayoutNote(const PlanAction& a, std::string_view what) const {
  if (LayoutOf(a)) return "";
  return " (" + std::string(what) + " assumed the Dense/Conv2D layout [..., in, out] for " + Quote(a.target) +
         ": no op of a source meta graph says otherwise; if it is a Conv2DTranspose, transposed-MatMul or RNN "
         "kernel, list it under allow_shape_change)";
}

// Producer feeds consumer: a kernel consumer's input dimension, or a bias
// consumer's only dimension, must equal the producer's output (for a
// kernel consumer: the output width, i.e. per gate).
void Planner::CheckLink(const PlanAction& producer, const PlanAction& consumer, const std::string& why) {
  if (!links_checked_.insert({producer.target, consumer.target}).second) return;
  if (shape_errors_.count(producer.target) || shape_errors_.count(consumer.target)) return;
  if (producer.shape.empty() || consumer.shape.empty()) return;
  const VariableLayout& pl = LayoutOf(producer) ? *LayoutOf(producer) : kAssumed;
  const VariableLayout& cl = LayoutOf(consumer) ? *LayoutOf(consumer) : kAssumed;
  const bool bias = consumer.shape.size() == 1;
  if (!bias && cl.input_includes_state) return;  // [inputs + units, ...]: not the producer's width alone.
  const int out_axis = AxisIndex(pl.output_axis, producer.shape.size());
  const int in_axis = bias ? 0 : AxisIndex(cl.input_axis, consumer.shape.size());
  if (out_axis < 0 || in_axis < 0) return;
  const int gates = bias ? 1 : pl.gates;  // A bias spans all gates.
  if (producer.shape[out_axis] % gates != 0) return;
  const int64_t out = producer.shape[out_axis] / gates;
  const int64_t in = consumer.shape[in_axis];
  if (in == out) return;
  // Report at the new variable (the consumer when both are new).
  const PlanAction& culprit = NewConfigOf(consumer) ? consumer : producer;
  const NewVariableConfig* n = NewConfigOf(culprit);
  if (!n || allowed_new_.count(action_new_.at(&culprit - plan_.actions.data()))) return;
  shape_errors_.insert(culprit.target);
  auto describe = [&](const PlanAction& a) {
    std::string s = Quote(a.target) + " " + ShapeToString(a.shape);
    if (a.kind == PlanAction::Kind::kCopy) s += " (copied from " + Quote(a.source) + ")";
    return s;
  };
  std::string fix;
  if (&culprit == &consumer) {
    Shape good = consumer.shape;
    good[in_axis] = out;
    fix = "use shape " + ShapeToString(good);
  } else {
    fix = "make its " + AxisName(pl.output_axis) + " " + std::to_string(in * gates) + " or replace " +
          Quote(consumer.target) + " too";
  }
  std::string consumer_dim = bias ? "has " + std::to_string(in) + " entries"
                                  : "takes " + std::to_string(in) + " inputs (" + AxisName(cl.input_axis) + ")";
  std::string producer_dim = std::to_string(out) + " outputs (" + AxisName(pl.output_axis) +
                             (gates > 1 ? " / " + std::to_string(gates) + " gates" : "") + ")";
  std::string evidence = gates > 1 || pl.output_axis != -1 ? " [" + pl.evidence + "]" : "";
  Error(n->shape_pos.line ? n->shape_pos : n->pos, n->key_path + ".shape",
        describe(consumer) + " " + consumer_dim + " but " + describe(producer) + ", which feeds it" + why + ", has " +
            producer_dim + evidence + "; " + fix +
            (!LayoutOf(producer) ? AssumedLayoutNote(producer, "this check")
             : bias              ? ""
                                 : AssumedLayoutNote(consumer, "this check")));
}

void Planner::CheckShapes() {
  for (const auto& [ni, ai] : new_action_) CheckReplacement(ni, ai);
  CheckFeedsFrom();
  CheckGraphLinks();
  CheckBiases();
}

// 1. A new variable replacing a source variable changes only its output
//    dimension and keeps its dtype, unless allow_shape_change names it.
void Planner::CheckReplacement(size_t ni, size_t ai) {
  const NewVariableConfig& n = c_.new_variables[ni];
  const PlanAction& a = plan_.actions[ai];
  if (a.replaces.empty() || allowed_new_.count(ni) || shape_errors_.count(a.target)) return;
  const Shape& old_shape = a.replaced_shape;
  const std::string allow_hint = "or list " + Quote(n.name) + " under allow_shape_change";
  const std::string head = Quote(n.name) + " " + ShapeToString(n.shape) + " " + DataTypeShortName(n.dtype) +
                           " replaces source variable " + Quote(a.replaces) + " " + ShapeToString(old_shape) + " " +
                           DataTypeShortName(a.replaced_dtype);
  if (a.replaced_dtype != n.dtype) {
    shape_errors_.insert(n.name);
    Error(n.pos, n.key_path + ".dtype",
          head + ": the dtype changes; write dtype: " + DataTypeShortName(a.replaced_dtype) + " " + allow_hint +
              " (which allows any shape or dtype change of a replacement)");
    return;
  }
  const ConfigPos& pos = n.shape_pos.line ? n.shape_pos : n.pos;
  if (old_shape.size() != n.shape.size()) {
    shape_errors_.insert(n.name);
    Error(pos, n.key_path + ".shape",
          Quote(n.name) + " " + ShapeToString(n.shape) + " replaces source variable " + Quote(a.replaces) + " " +
              ShapeToString(old_shape) + ": rank " + std::to_string(n.shape.size()) + " ≠ " +
              std::to_string(old_shape.size()) + "; only the last (output) dimension may change; keep the rank " +
              allow_hint);
    return;
  }
  const VariableLayout* layout = LayoutOf(a);
  const int out_axis = AxisIndex((layout ? *layout : kAssumed).output_axis, old_shape.size());
  const int in_axis = AxisIndex((layout ? *layout : kAssumed).input_axis, old_shape.size());
  for (size_t d = 0; d < old_shape.size(); ++d) {
    if (static_cast<int>(d) == out_axis || old_shape[d] == n.shape[d]) continue;
    shape_errors_.insert(n.name);
    std::string origin;
    if (static_cast<int>(d) == in_axis) {
      // Name the variable whose output this dimension is, when known.
      for (const auto& [producer, consumer] : inv_.feeds) {
        if (consumer != a.replaces) continue;
        const PlanAction* p = StandIn(producer);
        origin = " that " + Quote(producer) + (p && p->target != producer ? " (now " + Quote(p->target) + ")" : "") +
                 " produces";
        break;
      }
      if (origin.empty() && n.feeds_from) origin = " that " + Quote(*n.feeds_from) + " produces";
    }
    Shape good = old_shape;
    if (out_axis >= 0) good[out_axis] = n.shape[out_axis];
    std::string which = layout
                            ? "output dimension (" + AxisName(layout->output_axis) + ", per " + layout->evidence + ")"
                            : "last (output) dimension";
    Error(pos, n.key_path + ".shape",
          Quote(n.name) + " " + ShapeToString(n.shape) + " replaces source variable " + Quote(a.replaces) + " " +
              ShapeToString(old_shape) + ": dimension " + std::to_string(d) + " is " + std::to_string(n.shape[d]) +
              " ≠ the " + std::to_string(old_shape[d]) + origin + " in the source; only the " + which +
              " may change: use " + ShapeToString(good) + " " + allow_hint + AssumedLayoutNote(a, "this check"));
    return;
  }
}

// 2. feeds_from links declared in the config (target names or TF2 object paths).
void Planner::CheckFeedsFrom() {
  for (const auto& [ni, ai] : new_action_) {
    const NewVariableConfig& n = c_.new_variables[ni];
    if (!n.feeds_from) continue;
    int p = FindByTargetName(*n.feeds_from);
    if (p < 0) {
      std::string why;
      for (size_t s = 0; s < inv_.tensors.size(); ++s) {
        if (source_action_[s] >= 0 || (mapped_name_[s] != *n.feeds_from && mapped_alias_[s] != *n.feeds_from)) continue;
        why = " (source variable " + Quote(inv_.tensors[s].key) + " would be it, but it is dropped)";
        break;
      }
      auto near = ClosestMatch(*n.feeds_from, TargetNames());
      Error(n.feeds_from_pos, n.key_path + ".feeds_from",
            Quote(*n.feeds_from) + " is not a variable of the target" + why +
                DidYouMean(near ? std::vector<std::string>{*near} : std::vector<std::string>{}));
      continue;
    }
    CheckLink(plan_.actions[p], plan_.actions[ai], " (" + n.key_path + ".feeds_from)");
  }
}

// 3. Links from the source graph, between stand-ins where one is new.
void Planner::CheckGraphLinks() {
  for (const auto& [producer, consumer] : inv_.feeds) {
    const PlanAction* p = StandIn(producer);
    const PlanAction* q = StandIn(consumer);
    if (!p || !q || (!NewConfigOf(*p) && !NewConfigOf(*q))) continue;
    CheckLink(*p, *q, " (source graph: " + Quote(producer) + " -> " + Quote(consumer) + ")");
  }
}

// 4. A bias next to its kernel ("<scope>/bias(es)" and
//    "<scope>/weights|kernel"), where one of them is new.
void Planner::CheckBiases() {
  std::map<std::string, size_t> by_target;
  for (size_t i = 0; i < plan_.actions.size(); ++i) by_target.emplace(plan_.actions[i].target, i);
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
