// Planner::ClassifySources: each source tensor's target name, its fate
// (copy, drop, reset) with the rule that decided it, casts and the default
// trainable flag; then the step counter and TF2 object-graph notes.
#include <algorithm>

#include "plan/planner_impl.h"
#include "surgeon/format/object_graph.h"

namespace surgeon::plan_internal {

void Planner::ClassifySources() {
  for (size_t i = 0; i < inv_.tensors.size(); ++i) {
    const TensorEntry& e = inv_.tensors[i];
    source_index_.emplace(e.key, i);
    std::vector<size_t> applied;
    mapped_name_.push_back(NameTarget(e, &applied));
    source_action_.push_back(-1);
    Fate fate = DecideFate(e);
    const bool reset = fate.global_step && c_.global_step == GlobalStepMode::kReset;
    if (Take* take = reset ? nullptr : TakeReplacing(i)) {
      take->replaced = static_cast<int>(i);
      if (!fate.drop_reason) {
        const AlsoFromSource& af = c_.also_from[take->source];
        fate.drop_reason = "replaced by " + af.Label() + " (" + af.pos.ToString() + ")";
      }
    }
    if (fate.drop_reason) {
      plan_.dropped.push_back({e.key, *fate.drop_reason});
      continue;
    }
    AddCopyOrReset(i, fate, applied);
  }
  AddStepResetIfMissing();
  WarnAboutObjectGraph();
}

std::string MapSourceName(const std::vector<RenameRule>& rules, const TensorEntry& e, std::vector<size_t>* applied,
                          std::vector<size_t>* object_rules, std::string* alias) {
  const std::string& obj = e.object_full_name;
  const std::string_view word = BookkeepingWord(e.key);
  std::string target = ApplyRenameRules(rules, e.key, applied, word);
  std::string by_object = obj.empty() ? "" : ApplyRenameRules(rules, obj, object_rules, word);
  if (applied->empty() && !object_rules->empty()) {
    target = by_object;
    *applied = *object_rules;
  }
  *alias = by_object == target ? "" : by_object;
  return target;
}

// Target name, recording which rename rules fired (on the key or on the
// object path) and the mapped object path: `new` and `freeze` may use
// either name.
std::string Planner::NameTarget(const TensorEntry& e, std::vector<size_t>* applied) {
  std::vector<size_t> by_object_rules;
  std::string alias;
  std::string target = MapSourceName(c_.rename, e, applied, &by_object_rules, &alias);
  for (size_t r : *applied) rename_hit_[r] = true;
  for (size_t r : by_object_rules) rename_hit_[r] = true;
  mapped_alias_.push_back(std::move(alias));
  return target;
}

// Fate. Rule hits are recorded for every tensor a rule matches, so a rule
// only counts as "matching nothing" when it truly matches nothing. An
// explicit drop rule is the most useful reason to show, then the slot
// switch, then "not in keep"; an explicit global_step setting overrides
// keep/drop.
Planner::Fate Planner::DecideFate(const TensorEntry& e) {
  const std::string& obj = e.object_full_name;
  Fate f;
  if (c_.keep) {
    for (size_t k = 0; k < c_.keep->size(); ++k) {
      if (!(*c_.keep)[k].pattern.MatchesEither(e.key, obj)) continue;
      keep_hit_[k] = true;
      if (!f.keep_reason) f.keep_reason = RuleRef((*c_.keep)[k]);
    }
    if (!f.keep_reason) f.drop_reason = "not matched by keep (" + c_.keep_pos.ToString() + ")";
  } else {
    f.keep_reason = "keep: all (default)";
  }
  std::optional<std::string> drop_rule;
  for (size_t d = 0; d < c_.drop.size(); ++d) {
    if (!c_.drop[d].pattern.MatchesEither(e.key, obj)) continue;
    drop_hit_[d] = true;
    if (!drop_rule) drop_rule = RuleRef(c_.drop[d]);
  }
  f.slot = IsOptimizerSlot(e.key) || (!obj.empty() && IsOptimizerSlot(obj));
  if (drop_rule) {
    f.drop_reason = drop_rule;
  } else if (f.slot && c_.drop_optimizer_slots) {
    f.drop_reason = Setting("drop_optimizer_slots", "true", c_.drop_optimizer_slots_pos);
  }
  f.global_step = IsGlobalStep(e.key) || (!obj.empty() && IsGlobalStep(obj));
  if (f.global_step && c_.global_step != GlobalStepMode::kDefault) {
    std::string step_rule = Setting("global_step", GlobalStepModeName(c_.global_step), c_.global_step_pos);
    if (c_.global_step == GlobalStepMode::kDrop) {
      f.drop_reason = step_rule;
    } else {
      f.drop_reason.reset();
      f.keep_reason = step_rule;
    }
  }
  return f;
}

void Planner::AddCopyOrReset(size_t source, const Fate& fate, const std::vector<size_t>& applied) {
  const TensorEntry& e = inv_.tensors[source];
  PlanAction a;
  a.target = mapped_name_[source];
  a.dtype = a.source_dtype = e.dtype;
  a.shape = e.shape;
  a.rule = *fate.keep_reason;
  for (size_t r : applied) a.rule += ", " + RuleRef(c_.rename[r]);
  if (fate.global_step && c_.global_step == GlobalStepMode::kReset) {
    a.kind = PlanAction::Kind::kInitialize;
    a.initializer.kind = InitializerKind::kZeros;
    a.replaces = e.key;
    a.replaced_dtype = e.dtype;
    a.replaced_shape = e.shape;
    a.seed = VariableSeed(c_.seed, a.target);
  } else {
    a.kind = PlanAction::Kind::kCopy;
    a.source = e.key;
    a.source_object_name = e.object_full_name;
    ApplyCasts(e, &a);
  }
  a.trainable = DefaultTrainable(e, fate);
  a.bytes = TensorBytes(a.dtype, a.shape, e.size);
  source_action_[source] = static_cast<int>(AddAction(std::move(a), applied, mapped_alias_[source]));
}

void Planner::ApplyCasts(const TensorEntry& e, PlanAction* a) {
  if (!IsFloatingPoint(e.dtype)) return;
  for (size_t k = 0; k < c_.cast.size(); ++k) {
    if (!c_.cast[k].match.MatchesEither(e.key, e.object_full_name)) continue;
    cast_hit_[k] = true;
    if (a->dtype == a->source_dtype && c_.cast[k].to != e.dtype) {
      a->dtype = c_.cast[k].to;
      a->rule +=
          ", cast " + DataTypeShortName(e.dtype) + " -> " + DataTypeShortName(a->dtype) + " by " + RuleRef(c_.cast[k]);
    }
  }
}

// Trainable: the graph's word when there is one; otherwise variables of a
// dtype a TF 1.x optimizer trains (IsFloatingPoint: Optimizer._valid_dtypes)
// that are not optimizer state or bookkeeping.
bool Planner::DefaultTrainable(const TensorEntry& e, const Fate& fate) const {
  for (const GraphVariable& g : inv_.graph_variables) {
    if (g.name == e.key) return g.trainable;
  }
  return inv_.graph_variables.empty() && IsFloatingPoint(e.dtype) && !fate.slot && BookkeepingWord(e.key).empty();
}

void Planner::AddStepResetIfMissing() {
  if (c_.global_step != GlobalStepMode::kReset) return;
  if (std::any_of(inv_.tensors.begin(), inv_.tensors.end(), [](const TensorEntry& e) {
        return IsGlobalStep(e.key) || (!e.object_full_name.empty() && IsGlobalStep(e.object_full_name));
      })) {
    return;
  }
  PlanAction a;
  a.kind = PlanAction::Kind::kInitialize;
  a.target = "global_step";
  a.dtype = a.source_dtype = DataType::kInt64;
  a.initializer.kind = InitializerKind::kZeros;
  a.trainable = false;
  a.seed = VariableSeed(c_.seed, a.target);
  a.bytes = 8;
  a.rule = Setting("global_step", "reset", c_.global_step_pos) + " (the source has none: int64 scalar)";
  AddAction(std::move(a), {}, "");
  plan_.warnings.push_back(c_.global_step_pos.ToString() +
                           ": global_step: reset, but the source has no global_step; writing an int64 scalar 0");
}

// What the plan does to a TF2 checkpoint's object graph, said truthfully:
// dropped (the output restores by name only), or copied unchanged while
// variables move (object-based restore will not find them).
void Planner::WarnAboutObjectGraph() {
  auto it = source_index_.find(std::string(kObjectGraphKey));
  if (it == source_index_.end()) return;
  if (source_action_[it->second] < 0) {
    plan_.warnings.push_back(
        "TF2 object-based source: _CHECKPOINTABLE_OBJECT_GRAPH is dropped, so tf.train.Checkpoint cannot restore "
        "the output; restore by name (tf.train.load_checkpoint / init_from_checkpoint)");
    return;
  }
  bool moved = false;
  for (size_t i = 0; i < inv_.tensors.size() && !moved; ++i) {
    if (inv_.tensors[i].object_full_name.empty()) continue;
    moved = source_action_[i] < 0 || mapped_name_[i] != inv_.tensors[i].key;
  }
  if (!moved) return;
  plan_.warnings.push_back(
      "TF2 object-based source: _CHECKPOINTABLE_OBJECT_GRAPH is copied unchanged, so object-based restore "
      "(tf.train.Checkpoint) will not see renamed or dropped variables; restore by name "
      "(tf.train.load_checkpoint / init_from_checkpoint)");
}

}  // namespace surgeon::plan_internal
