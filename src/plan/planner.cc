// BuildPlan: every decision of a surgery, made and checked without I/O.
//
// Order of work: (1) classify each source tensor (copy / drop / reset) and
// name its target; (2) add the config's new variables; (3) check collisions,
// rules that match nothing, shapes and initializers, collecting every
// problem; (4) freeze, sort, report.
#include "surgeon/plan/planner.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "plan/planner_impl.h"
#include "plan/suggest.h"

namespace surgeon {
namespace plan_internal {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// "keep[0] 'vgg_16/conv*' (vgg.yaml:5:8)"
std::string RuleRef(const PatternRule& r) {
  return r.key_path + " " + Quote(r.pattern.text()) + " (" + r.pos.ToString() + ")";
}
std::string RuleRef(const RenameRule& r) {
  std::string what;
  switch (r.kind) {
    case RenameRule::Kind::kPrefix: what = Quote(r.from) + " -> " + Quote(r.to); break;
    case RenameRule::Kind::kRegex: what = "regex " + Quote(r.from) + " -> " + Quote(r.to); break;
    case RenameRule::Kind::kScope:
      what = "scope " + Quote(r.from.empty() ? "/" : r.from + "/") + " -> " + Quote(r.to.empty() ? "/" : r.to + "/");
      break;
  }
  return r.key_path + " " + what + " (" + r.pos.ToString() + ")";
}
std::string RuleRef(const CastRule& r) {
  return r.key_path + " " + Quote(r.match.text()) + " -> " + DataTypeShortName(r.to) + " (" + r.pos.ToString() + ")";
}
std::string Setting(std::string_view key, std::string_view value, const ConfigPos& pos) {
  return std::string(key) + ": " + std::string(value) + " (" + pos.ToString() + ")";
}

std::string LastComponent(const std::string& name) {
  auto pos = name.rfind('/');
  return pos == std::string::npos ? name : name.substr(pos + 1);
}
std::string Scope(const std::string& name) {
  auto pos = name.rfind('/');
  return pos == std::string::npos ? "" : name.substr(0, pos);
}

std::string StripCheckpointSuffix(std::string path) {
  for (std::string_view suffix : {".index", ".meta"}) {
    if (path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
      path.resize(path.size() - suffix.size());
    }
  }
  return path;
}

uint64_t TensorBytes(DataType dtype, const Shape& shape, uint64_t fallback) {
  auto bytes = FixedTensorBytes(dtype, shape);
  return bytes.ok() ? *bytes : fallback;
}

Status Planner::CheckTargetIsNotSource() const {
  std::string src = c_.source_canonical.empty() ? c_.source_checkpoint : c_.source_canonical;
  std::string dst = c_.target_canonical.empty() ? c_.target_checkpoint : c_.target_canonical;
  if (StripCheckpointSuffix(src) != StripCheckpointSuffix(dst)) return Status::OK();
  return Status::FailedPrecondition(c_.target_pos.ToString() + ": target.checkpoint: " +
                                    Quote(c_.target_checkpoint) + " is the source checkpoint " +
                                    Quote(c_.source_checkpoint) +
                                    " (same file once symlinks and '..' are resolved); surgeon never overwrites "
                                    "its source: choose another target prefix");
}

void Planner::ClassifySources() {
  std::map<std::string, const GraphVariable*> graph;
  for (const GraphVariable& g : inv_.graph_variables) graph[g.name] = &g;
  bool tf2_renamed = false, tf2_dropped = false, has_object_graph = false;

  for (size_t i = 0; i < inv_.tensors.size(); ++i) {
    const TensorEntry& e = inv_.tensors[i];
    const std::string& obj = e.object_full_name;
    if (e.key == "_CHECKPOINTABLE_OBJECT_GRAPH") has_object_graph = true;

    // Target name: rename the key; for TF2 tensors whose key no rule
    // matched, rename the object name instead (its result becomes the key).
    std::vector<size_t> applied;
    std::string target = ApplyRenameRules(c_.rename, e.key, &applied);
    if (applied.empty() && !obj.empty()) {
      std::string by_object = ApplyRenameRules(c_.rename, obj, &applied);
      if (!applied.empty()) target = by_object;
    }
    for (size_t r : applied) rename_hit_[r] = true;
    mapped_name_.push_back(target);
    source_action_.push_back(-1);

    // Fate. Rule hits are recorded for every tensor a rule matches, so a
    // rule only counts as "matching nothing" when it truly matches nothing.
    std::optional<std::string> keep_reason, drop_reason;
    if (c_.keep) {
      for (size_t k = 0; k < c_.keep->size(); ++k) {
        if ((*c_.keep)[k].pattern.MatchesEither(e.key, obj)) {
          keep_hit_[k] = true;
          if (!keep_reason) keep_reason = RuleRef((*c_.keep)[k]);
        }
      }
      if (!keep_reason) drop_reason = "not matched by keep (" + c_.keep_pos.ToString() + ")";
    } else {
      keep_reason = "keep: all (default)";
    }
    // An explicit drop rule is the most useful reason to show, then the
    // slot switch, then "not in keep".
    std::optional<std::string> drop_rule;
    for (size_t d = 0; d < c_.drop.size(); ++d) {
      if (!c_.drop[d].pattern.MatchesEither(e.key, obj)) continue;
      drop_hit_[d] = true;
      if (!drop_rule) drop_rule = RuleRef(c_.drop[d]);
    }
    bool slot = IsOptimizerSlot(e.key) || (!obj.empty() && IsOptimizerSlot(obj));
    if (drop_rule) {
      drop_reason = drop_rule;
    } else if (slot && c_.drop_optimizer_slots) {
      drop_reason = Setting("drop_optimizer_slots", "true", c_.drop_optimizer_slots_pos);
    }
    bool global_step = IsGlobalStep(e.key) || (!obj.empty() && IsGlobalStep(obj));
    std::optional<std::string> step_rule;
    if (global_step && c_.global_step != GlobalStepMode::kDefault) {
      // An explicit global_step setting overrides keep/drop.
      step_rule = Setting("global_step", GlobalStepModeName(c_.global_step), c_.global_step_pos);
      if (c_.global_step == GlobalStepMode::kDrop) {
        drop_reason = step_rule;
      } else {
        drop_reason.reset();
        keep_reason = step_rule;
      }
    }

    if (drop_reason) {
      plan_.dropped.push_back({e.key, *drop_reason});
      if (!obj.empty()) tf2_dropped = true;
      continue;
    }

    PlanAction a;
    a.target = target;
    a.dtype = a.source_dtype = e.dtype;
    a.shape = e.shape;
    a.rule = *keep_reason;
    for (size_t r : applied) a.rule += ", " + RuleRef(c_.rename[r]);
    if (global_step && c_.global_step == GlobalStepMode::kReset) {
      a.kind = PlanAction::Kind::kInitialize;
      a.initializer.kind = InitializerKind::kZeros;
      a.replaces = e.key;
      a.seed = VariableSeed(c_.seed, target);
    } else {
      a.kind = PlanAction::Kind::kCopy;
      a.source = e.key;
      a.source_object_name = obj;
      if (target != e.key && !obj.empty()) tf2_renamed = true;
      if (IsFloatingPoint(e.dtype)) {
        for (size_t k = 0; k < c_.cast.size(); ++k) {
          if (!c_.cast[k].match.MatchesEither(e.key, obj)) continue;
          cast_hit_[k] = true;
          if (a.dtype == a.source_dtype && c_.cast[k].to != e.dtype) {
            a.dtype = c_.cast[k].to;
            a.rule += ", cast " + DataTypeShortName(e.dtype) + " -> " + DataTypeShortName(a.dtype) + " by " +
                      RuleRef(c_.cast[k]);
          }
        }
      }
    }
    // Trainable: the graph's word when there is one; otherwise variables of
    // a dtype a TF 1.x optimizer trains (IsFloatingPoint: Optimizer.
    // _valid_dtypes) that are not optimizer state or the step counter.
    auto g = graph.find(e.key);
    if (g != graph.end()) {
      a.trainable = g->second->trainable;
    } else {
      a.trainable = inv_.graph_variables.empty() && IsFloatingPoint(e.dtype) && !slot && !global_step &&
                    e.key != "_CHECKPOINTABLE_OBJECT_GRAPH";
    }
    a.bytes = TensorBytes(a.dtype, a.shape, e.size);
    source_action_.back() = static_cast<int>(plan_.actions.size());
    plan_.actions.push_back(std::move(a));
  }

  if (c_.global_step == GlobalStepMode::kReset &&
      std::none_of(inv_.tensors.begin(), inv_.tensors.end(), [](const TensorEntry& e) {
        return IsGlobalStep(e.key) || (!e.object_full_name.empty() && IsGlobalStep(e.object_full_name));
      })) {
    PlanAction a;
    a.kind = PlanAction::Kind::kInitialize;
    a.target = "global_step";
    a.dtype = a.source_dtype = DataType::kInt64;
    a.initializer.kind = InitializerKind::kZeros;
    a.trainable = false;
    a.seed = VariableSeed(c_.seed, a.target);
    a.bytes = 8;
    a.rule = Setting("global_step", "reset", c_.global_step_pos) + " (the source has none: int64 scalar)";
    plan_.actions.push_back(std::move(a));
    plan_.warnings.push_back(c_.global_step_pos.ToString() +
                             ": global_step: reset, but the source has no global_step; writing an int64 scalar 0");
  }
  if (has_object_graph && (tf2_renamed || tf2_dropped)) {
    plan_.warnings.push_back(
        "TF2 object-based source: _CHECKPOINTABLE_OBJECT_GRAPH is copied unchanged, so object-based restore "
        "(tf.train.Checkpoint) will not see renamed or dropped variables; restore by name "
        "(tf.train.load_checkpoint / init_from_checkpoint)");
  }
}

void Planner::AddNewVariables() {
  for (size_t i = 0; i < c_.new_variables.size(); ++i) {
    const NewVariableConfig& n = c_.new_variables[i];
    PlanAction a;
    a.kind = PlanAction::Kind::kInitialize;
    a.target = n.name;
    a.dtype = a.source_dtype = n.dtype;
    a.shape = n.shape;
    a.initializer = n.initializer;
    a.seed = VariableSeed(c_.seed, n.name);
    // As for copied variables without a graph: trainable when a TF 1.x
    // optimizer could train it (Optimizer._valid_dtypes: float16, bfloat16,
    // float32, float64); a counter, mask or complex variable only if asked.
    a.trainable = n.trainable.value_or(IsFloatingPoint(n.dtype));
    a.bytes = TensorBytes(n.dtype, n.shape, 0);
    a.rule = n.key_path + " " + std::string(InitializerKindName(n.initializer.kind)) + " (" + n.pos.ToString() + ")";
    // The source variable it replaces: one that is not carried over but
    // whose renamed name is this one.
    for (size_t s = 0; s < inv_.tensors.size(); ++s) {
      if (source_action_[s] < 0 && mapped_name_[s] == n.name) {
        a.replaces = inv_.tensors[s].key;
        a.rule += ", replaces " + Quote(a.replaces);
        break;
      }
    }
    auto resolved = ResolveInitializer(n.initializer, n.dtype, n.shape);
    if (!resolved.ok()) {
      Error(n.initializer_pos.line ? n.initializer_pos : n.pos, n.key_path + ".initializer",
            Quote(n.name) + " " + ShapeToString(n.shape) + " " + DataTypeShortName(n.dtype) + ": " +
                resolved.status().message());
    }
    new_action_[i] = plan_.actions.size();
    action_new_[plan_.actions.size()] = i;
    plan_.actions.push_back(std::move(a));
  }
}

const NewVariableConfig* Planner::NewConfigOf(const PlanAction& a) const {
  size_t index = &a - plan_.actions.data();
  auto it = action_new_.find(index);
  return it == action_new_.end() ? nullptr : &c_.new_variables[it->second];
}

void Planner::CheckCollisions() {
  std::map<std::string, size_t> first;  // target -> action index
  for (size_t i = 0; i < plan_.actions.size(); ++i) {
    const PlanAction& a = plan_.actions[i];
    auto [it, inserted] = first.emplace(a.target, i);
    if (inserted) continue;
    const PlanAction& prev = plan_.actions[it->second];
    const NewVariableConfig* n = NewConfigOf(a);
    const NewVariableConfig* prev_new = NewConfigOf(prev);
    if (n && prev_new) {
      Error(n->pos, n->key_path,
            Quote(a.target) + " is already declared by " + prev_new->key_path + " (" + prev_new->pos.ToString() +
                "); remove one of them");
    } else if (n) {
      shape_errors_.insert(a.target);  // One message per problem: skip its shape checks.
      Error(n->pos, n->key_path,
            Quote(a.target) + " is also produced by source variable " + Quote(prev.source) + " (" + prev.rule +
                "); to replace it, add " + Quote(prev.source) + " to drop; to keep its pretrained value, remove " +
                n->key_path);
    } else {
      // Two source tensors (or the step reset) land on one name: point at the
      // last rename rule involved, else the keep rule, else the file.
      ConfigPos pos{c_.path, 0, 0};
      std::string path = "rename";
      for (size_t r = c_.rename.size(); r-- > 0;) {
        if (a.rule.find(c_.rename[r].key_path + " ") != std::string::npos) {
          pos = c_.rename[r].pos;
          path = c_.rename[r].key_path;
          break;
        }
      }
      std::string what_a = a.source.empty() ? std::string("global_step reset") : Quote(a.source);
      Error(pos, path,
            "target " + Quote(a.target) + " would be written from both " + Quote(prev.source) + " and " + what_a +
                "; drop one of them (add it to drop) or rename it to a different name");
    }
  }
}

void Planner::ApplyFreeze() {
  for (PlanAction& a : plan_.actions) {
    for (size_t f = 0; f < c_.freeze.size(); ++f) {
      // Freeze sees target names; an unrenamed TF2 tensor also answers to
      // its object name.
      bool unrenamed = !a.source_object_name.empty() && a.target == a.source;
      if (!c_.freeze[f].pattern.MatchesEither(a.target, unrenamed ? a.source_object_name : "")) continue;
      freeze_hit_[f] = true;
      if (!a.frozen) {
        a.frozen = true;
        a.trainable = false;
        a.rule += ", frozen by " + RuleRef(c_.freeze[f]);
      }
    }
  }
}

std::vector<std::string> Planner::SourceNames() const {
  std::vector<std::string> names;
  for (const TensorEntry& e : inv_.tensors) {
    names.push_back(e.key);
    if (!e.object_full_name.empty()) names.push_back(e.object_full_name);
  }
  return names;
}

std::vector<std::string> Planner::TargetNames() const {
  std::vector<std::string> names;
  for (const PlanAction& a : plan_.actions) names.push_back(a.target);
  return names;
}

Result<Plan> Planner::Run() {
  SURGEON_RETURN_IF_ERROR(CheckTargetIsNotSource());
  plan_.config_path = c_.path;
  plan_.source_checkpoint = c_.source_checkpoint;
  plan_.source_meta_graph = c_.source_meta_graph.value_or("");
  plan_.target_prefix = c_.target_checkpoint;
  plan_.target_format = c_.target_format;
  plan_.meta_mode = c_.target_meta_graph;
  plan_.seed = c_.seed;
  rename_hit_.assign(c_.rename.size(), false);
  keep_hit_.assign(c_.keep ? c_.keep->size() : 0, false);
  drop_hit_.assign(c_.drop.size(), false);
  cast_hit_.assign(c_.cast.size(), false);
  freeze_hit_.assign(c_.freeze.size(), false);
  allow_hit_.assign(c_.allow_shape_change.size(), false);

  ClassifySources();
  AddNewVariables();
  CheckCollisions();
  ApplyFreeze();
  CheckShapes();
  CheckUnmatchedRules();
  if (!errors_.empty()) {
    std::string msg;
    for (size_t i = 0; i < errors_.size(); ++i) msg += (i ? "\n" : "") + errors_[i];
    return Status::InvalidArgument(msg);
  }
  if (!c_.has_seed && !new_action_.empty()) {
    plan_.warnings.push_back((c_.path.empty() ? std::string("<config>") : c_.path) +
                             ": no seed given; new variables use seed 0");
  }

  for (const PlanAction& a : plan_.actions) {
    if (a.kind == PlanAction::Kind::kCopy) plan_.renames[a.source] = a.target;
  }
  std::sort(plan_.actions.begin(), plan_.actions.end(),
            [](const PlanAction& x, const PlanAction& y) { return x.target < y.target; });
  std::sort(plan_.dropped.begin(), plan_.dropped.end(),
            [](const DroppedTensor& x, const DroppedTensor& y) { return x.source < y.source; });
  return std::move(plan_);
}

}  // namespace plan_internal

Result<Plan> BuildPlan(const PlanConfig& config, const Inventory& inventory) {
  return plan_internal::Planner(config, inventory).Run();
}

}  // namespace surgeon
