// BuildPlan: every decision of a surgery, made and checked without I/O.
//
// Order of work: (1) select the also_from sources' tensors
// (planner_also_from.cc), classify each primary source tensor (copy / drop /
// reset / replaced by a taken one) and name its target (planner_sources.cc),
// add the taken copies; (2) add the config's new variables;
// (3) freeze; (4) check rules that match nothing, then collisions, then
// shapes, collecting every problem, root causes first; (5) sort, report.
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
  auto same = [&](const std::string& plain, const std::string& canonical) {
    std::string src = canonical.empty() ? plain : canonical;
    std::string dst = c_.target_canonical.empty() ? c_.target_checkpoint : c_.target_canonical;
    return StripCheckpointSuffix(src) == StripCheckpointSuffix(dst);
  };
  auto refuse = [&](const std::string& which, const std::string& path) {
    return Status::FailedPrecondition(c_.target_pos.ToString() + ": target.checkpoint: " + Quote(c_.target_checkpoint) +
                                      " is " + which + " " + Quote(path) +
                                      " (same file once symlinks and '..' are resolved); surgeon never overwrites "
                                      "its sources: choose another target prefix");
  };
  if (same(c_.source_checkpoint, c_.source_canonical)) return refuse("the source checkpoint", c_.source_checkpoint);
  for (const AlsoFromSource& a : c_.also_from) {
    if (same(a.checkpoint, a.canonical))
      return refuse("the checkpoint of " + a.Label() + " (" + a.pos.ToString() + ")", a.checkpoint);
  }
  return Status::OK();
}

int AxisIndex(int axis_from_end, size_t rank) {
  int i = static_cast<int>(rank) + axis_from_end;
  return i >= 0 && i < static_cast<int>(rank) ? i : -1;
}

size_t Planner::AddAction(PlanAction a, std::vector<size_t> rename_rules, std::string alias) {
  plan_.actions.push_back(std::move(a));
  action_renames_.push_back(std::move(rename_rules));
  action_alias_.push_back(std::move(alias));
  return plan_.actions.size() - 1;
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
    for (size_t k = 0; k < c_.allow_shape_change.size(); ++k) {
      if (!c_.allow_shape_change[k].pattern.Matches(n.name)) continue;
      allow_hit_[k] = true;
      allowed_new_.insert(i);
    }
    FindReplacedSource(n, &a);
    auto resolved = ResolveInitializer(n.initializer, n.dtype, n.shape);
    if (!resolved.ok()) {
      Error(n.initializer_pos.line ? n.initializer_pos : n.pos, n.key_path + ".initializer",
            Quote(n.name) + " " + ShapeToString(n.shape) + " " + DataTypeShortName(n.dtype) + ": " +
                resolved.status().message());
    }
    size_t index = AddAction(std::move(a), {}, "");
    new_action_[i] = index;
    action_new_[index] = i;
  }
}

// The source variable a new one replaces: one that is not carried over but
// whose renamed key or renamed TF2 object path is the new name. Shape and
// dtype changes are listed in the rule text (CheckReplacement refuses them
// unless allowed).
void Planner::FindReplacedSource(const NewVariableConfig& n, PlanAction* a) {
  for (size_t s = 0; s < inv_.tensors.size(); ++s) {
    if (source_action_[s] >= 0 || (mapped_name_[s] != n.name && mapped_alias_[s] != n.name)) continue;
    if (take_of_target_.count(mapped_name_[s])) continue;  // A taken tensor has its place.
    const TensorEntry& e = inv_.tensors[s];
    a->replaces = e.key;
    a->replaced_dtype = e.dtype;
    a->replaced_shape = e.shape;
    a->rule += ", replaces " + Quote(a->replaces);
    if (mapped_name_[s] != n.name) a->rule += " (object path " + Quote(e.object_full_name) + ")";
    std::string changes;
    if (e.shape != n.shape) changes += ShapeToString(e.shape) + " -> " + ShapeToString(n.shape);
    if (e.dtype != n.dtype) {
      changes +=
          std::string(changes.empty() ? "" : ", ") + DataTypeShortName(e.dtype) + " -> " + DataTypeShortName(n.dtype);
    }
    if (!changes.empty()) a->rule += " " + changes;
    return;
  }
}

const NewVariableConfig* Planner::NewConfigOf(const PlanAction& a) const {
  size_t index = &a - plan_.actions.data();
  auto it = action_new_.find(index);
  return it == action_new_.end() ? nullptr : &c_.new_variables[it->second];
}

int Planner::FindByTargetName(const std::string& name) const {
  for (size_t i = 0; i < plan_.actions.size(); ++i) {
    if (plan_.actions[i].target == name || (!action_alias_[i].empty() && action_alias_[i] == name)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// Two actions for one name, counting a TF2 copy's mapped object path as one
// of its names: a new variable there would be written beside the copy (or
// shadow it), which is never what a config means.
void Planner::CheckCollisions() {
  std::map<std::string, size_t> first;  // target -> action index
  for (size_t i = 0; i < plan_.actions.size(); ++i) {
    auto [it, inserted] = first.emplace(plan_.actions[i].target, i);
    if (!inserted) ReportCollision(i, it->second, "");
  }
  for (size_t i = 0; i < plan_.actions.size(); ++i) {
    const std::string& alias = action_alias_[i];
    if (alias.empty()) continue;
    auto it = first.find(alias);
    if (it != first.end() && it->second != i && NewConfigOf(plan_.actions[it->second])) {
      ReportCollision(it->second, i, alias);
    }
  }
}

void Planner::ReportCollision(size_t i, size_t prev_index, const std::string& via_alias) {
  const PlanAction& a = plan_.actions[i];
  const PlanAction& prev = plan_.actions[prev_index];
  const NewVariableConfig* n = NewConfigOf(a);
  const NewVariableConfig* prev_new = NewConfigOf(prev);
  if (n && prev_new) {
    Error(n->pos, n->key_path,
          Quote(a.target) + " is already declared by " + prev_new->key_path + " (" + prev_new->pos.ToString() +
              "); remove one of them");
  } else if (n && prev.source_index > 0) {
    shape_errors_.insert(a.target);
    const AlsoFromSource& af = c_.also_from[prev.source_index - 1];
    Error(n->pos, n->key_path,
          Quote(a.target) + " is also taken from " + af.Label() + " as " + Quote(prev.source) + " (" + prev.rule +
              "); remove " + n->key_path + " to keep the taken value, or narrow " + af.key_path + ".take");
  } else if (n) {
    shape_errors_.insert(a.target);  // One message per problem: skip its shape checks.
    std::string how = via_alias.empty() ? "is also produced by source variable " + Quote(prev.source)
                                        : "is the object path of source variable " + Quote(prev.source) +
                                              ", which is copied to " + Quote(prev.target);
    Error(n->pos, n->key_path,
          Quote(a.target) + " " + how + " (" + prev.rule + "); to replace it, add " + Quote(prev.source) +
              " to drop; to keep its pretrained value, remove " + n->key_path);
  } else {
    // Two source tensors (or the step reset) land on one name: point at the
    // last rename rule involved, else the file.
    ConfigPos pos{c_.path, 0, 0};
    std::string path = "rename";
    if (!action_renames_[i].empty()) {
      const RenameRule& r = c_.rename[action_renames_[i].back()];
      pos = r.pos;
      path = r.key_path;
    }
    std::string what_a = a.source.empty() ? std::string("global_step reset") : Quote(a.source);
    Error(pos, path,
          "target " + Quote(a.target) + " would be written from both " + Quote(prev.source) + " and " + what_a +
              "; drop one of them (add it to drop) or rename it to a different name");
  }
}

void Planner::ApplyFreeze() {
  for (PlanAction& a : plan_.actions) {
    for (size_t f = 0; f < c_.freeze.size(); ++f) {
      // Freeze sees target names; a TF2 tensor also answers to its mapped
      // object path.
      size_t i = &a - plan_.actions.data();
      if (!c_.freeze[f].pattern.MatchesEither(a.target, action_alias_[i])) continue;
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

std::vector<std::string> Planner::TargetNames(bool include_new) const {
  std::vector<std::string> names;
  for (size_t i = 0; i < plan_.actions.size(); ++i) {
    if (!include_new && NewConfigOf(plan_.actions[i])) continue;
    names.push_back(plan_.actions[i].target);
    if (!action_alias_[i].empty()) names.push_back(action_alias_[i]);
  }
  return names;
}

Result<Plan> Planner::Run() {
  SURGEON_RETURN_IF_ERROR(CheckTargetIsNotSource());
  plan_.config_path = c_.path;
  plan_.source_checkpoint = c_.source_checkpoint;
  plan_.source_meta_graph = c_.source_meta_graph.value_or("");
  plan_.target_prefix = c_.target_checkpoint;
  plan_.target_format = c_.target_format;
  plan_.max_shard_bytes = c_.target_max_shard_bytes;
  plan_.meta_mode = c_.target_meta_graph;
  plan_.seed = c_.seed;
  plan_.sources.push_back({"source", "source", c_.source_checkpoint});
  for (const AlsoFromSource& a : c_.also_from) {
    plan_.sources.push_back({a.Label(), a.name.empty() ? a.key_path : a.name, a.checkpoint});
  }
  rename_hit_.assign(c_.rename.size(), false);
  keep_hit_.assign(c_.keep ? c_.keep->size() : 0, false);
  drop_hit_.assign(c_.drop.size(), false);
  cast_hit_.assign(c_.cast.size(), false);
  freeze_hit_.assign(c_.freeze.size(), false);
  allow_hit_.assign(c_.allow_shape_change.size(), false);

  CollectTakes();
  ClassifySources();
  AddTakenCopies();
  AddNewVariables();
  ApplyFreeze();
  ApplyBatchNormFreeze();
  ApplyTransforms();
  // Root causes first: a rule that matches nothing explains most of what
  // the later checks would find.
  CheckUnmatchedRules();
  CheckCollisions();
  CheckShapes();
  if (!errors_.empty()) {
    std::string msg;
    for (size_t i = 0; i < errors_.size(); ++i) msg += (i ? "\n" : "") + errors_[i];
    return Status::InvalidArgument(msg);
  }
  if (!c_.has_seed && (!new_action_.empty() || transform_initializes_)) {
    plan_.warnings.push_back((c_.path.empty() ? std::string("<config>") : c_.path) +
                             ": no seed given; new variables (and initialized class rows or channels) use seed 0");
  }

  for (const PlanAction& a : plan_.actions) {
    if (a.kind == PlanAction::Kind::kCopy && a.source_index == 0) plan_.renames[a.source] = a.target;
  }
  std::sort(plan_.actions.begin(), plan_.actions.end(),
            [](const PlanAction& x, const PlanAction& y) { return x.target < y.target; });
  std::sort(plan_.dropped.begin(), plan_.dropped.end(),
            [](const DroppedTensor& x, const DroppedTensor& y) { return x.source < y.source; });
  if (c_.expect) SURGEON_RETURN_IF_ERROR(CheckExpectations(*c_.expect, inv_, &plan_));
  return std::move(plan_);
}

}  // namespace plan_internal

Result<Plan> BuildPlan(const PlanConfig& config, const Inventory& inventory) {
  return plan_internal::Planner(config, inventory).Run();
}

}  // namespace surgeon
