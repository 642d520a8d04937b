// The planner's working state, shared by the files that implement it
// (private to plan/): planner.cc runs the steps and adds new variables,
// checks collisions and freezes; planner_sources.cc classifies source
// tensors; planner_rule_checks.cc reports config rules that matched nothing;
// planner_shape_checks.cc checks that shapes and dtypes fit.
// BuildPlan (surgeon/plan/planner.h) is the only entry point.
//
// Naming model (config.h): a source tensor answers to its checkpoint key
// and, in a TF2 checkpoint, to its object path. Both are mapped through the
// rename rules; every rule that names targets (new, freeze, feeds_from,
// allow_shape_change) accepts either mapped name.
#ifndef SURGEON_PLAN_PLANNER_IMPL_H_
#define SURGEON_PLAN_PLANNER_IMPL_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "surgeon/plan/planner.h"

namespace surgeon::plan_internal {

// Text pieces of the plan's "rule" column and its messages.
std::string Quote(std::string_view s);
std::string RuleRef(const PatternRule& r);  // "keep[0] 'vgg_16/conv*' (vgg.yaml:5:8)"
std::string RuleRef(const RenameRule& r);
std::string RuleRef(const CastRule& r);
std::string Setting(std::string_view key, std::string_view value, const ConfigPos& pos);

// "a/b/c" -> "c" and "a/b"; "" scope for a name without '/'.
std::string LastComponent(const std::string& name);
std::string Scope(const std::string& name);
std::string StripCheckpointSuffix(std::string path);
// dtype x elements, or `fallback` for variable-size (string) tensors.
uint64_t TensorBytes(DataType dtype, const Shape& shape, uint64_t fallback);

// The target name of `e` under `rules` (config.h): its key renamed, or for
// a TF2 tensor whose key no rule matched, its object path renamed. Sets
// *applied to the rules that produced the name, *object_rules to those that
// fired on the object path and *alias to the mapped object path when it
// differs from the result ("" otherwise). Bookkeeping moves only under a
// rule that spells it (BookkeepingWord).
std::string MapSourceName(const std::vector<RenameRule>& rules, const TensorEntry& e, std::vector<size_t>* applied,
                          std::vector<size_t>* object_rules, std::string* alias);

// A layout's axis as an index into a shape of `rank` dims (or -1 if out of range).
int AxisIndex(int axis_from_end, size_t rank);

// The config's `expect:` block against a finished (sorted) plan: records an
// outcome per entry in plan->expectations; InvalidArgument, one line per
// broken entry ("cfg.yaml:12:3: expect.initialized: ..."), when any fails.
Status CheckExpectations(const PlanExpectations& expect, const Inventory& inv, Plan* plan);

class Planner {
 public:
  Planner(const PlanConfig& config, const Inventory& inventory) : c_(config), inv_(inventory) {}
  Result<Plan> Run();

 private:
  // Why a source tensor is carried or dropped (ClassifySources).
  struct Fate {
    std::optional<std::string> keep_reason, drop_reason;
    bool slot = false, global_step = false;
  };

  // Errors come in two ranks: root causes (a rule that matches nothing, a
  // name given twice) are reported before their consequences (a shape that
  // does not fit a variable a typo dropped).
  void Error(const ConfigPos& pos, const std::string& path, const std::string& what) {
    errors_.push_back(pos.ToString() + ": " + path + ": " + what);
  }
  Status CheckTargetIsNotSource() const;

  // planner_sources.cc
  void ClassifySources();
  std::string NameTarget(const TensorEntry& e, std::vector<size_t>* applied);
  Fate DecideFate(const TensorEntry& e);
  void AddCopyOrReset(size_t source, const Fate& fate, const std::vector<size_t>& applied);
  void ApplyCasts(const TensorEntry& e, PlanAction* a);
  bool DefaultTrainable(const TensorEntry& e, const Fate& fate) const;
  void AddStepResetIfMissing();
  void WarnAboutObjectGraph();

  // planner_also_from.cc: the tensors each also_from source contributes.
  struct Take {
    size_t source = 0;          // Index into c_.also_from (and inv_.also_from).
    size_t tensor = 0;          // Index into inv_.also_from[source].
    size_t pattern = 0;         // The first take pattern that took it.
    std::string target, alias;  // Mapped through the source's own rename rules.
    std::vector<size_t> renames;
    int replaced = -1;  // The primary tensor (inv_.tensors index) mapping to `target`, if any.
  };
  void CollectTakes();
  void CollectTakesOf(size_t source, std::vector<bool>* rename_hit);
  void AddTakenCopies();
  void CheckTakenInRewrite(const Take& t, const PlanAction& a);
  // The take replacing primary tensor `source` (by its mapped name), or nullptr.
  Take* TakeReplacing(size_t source);

  // planner.cc
  void AddNewVariables();
  void FindReplacedSource(const NewVariableConfig& n, PlanAction* a);
  void CheckCollisions();
  void ReportCollision(size_t i, size_t prev, const std::string& via_alias);
  void ApplyFreeze();
  size_t AddAction(PlanAction a, std::vector<size_t> rename_rules, std::string alias);

  // planner_batch_norm.cc
  void ApplyBatchNormFreeze();

  // planner_transforms.cc: resolves reshape, classes and input_channels
  // into TransformSteps on the copies they name.
  void ApplyTransforms();
  PlanAction* TransformTarget(const std::string& name, const ConfigPos& pos, const std::string& path);
  bool ResolveReshape(const ReshapeRule& r, const Shape& in, TransformStep* step);
  bool ResolveClassRows(const ClassRule& r, std::vector<AxisSource>* rows, std::vector<std::string>* labels,
                        std::string* summary);
  void ApplyClasses(const ClassRule& r);
  void ApplyChannelMap(const ChannelMapRule& r);
  void AddStep(PlanAction* a, TransformStep step);
  bool InitializerFits(const TransformStep& step, const PlanAction& a, const ConfigPos& pos,
                       const std::string& key_path, const std::string& what);

  // planner_rule_checks.cc
  void CheckUnmatchedRules();
  void CheckUnmatchedRenames(const std::vector<std::string>& sources);
  void CheckUnmatchedFreezes(const std::vector<std::string>& sources);

  // planner_shape_checks.cc
  void CheckShapes();
  void CheckReplacement(size_t new_index, size_t action_index);
  void CheckFeedsFrom();
  void CheckGraphLinks();
  void CheckBiases();
  void CheckLink(const PlanAction& producer, const PlanAction& consumer, const std::string& why);
  // A source variable's stand-in in the target: its copy, or the new
  // variable replacing it; nullptr when neither exists.
  const PlanAction* StandIn(const std::string& source) const;
  // The layout of the variable behind an action (its source, or the source
  // it replaces); nullptr when the graph did not say (assumed [..., in, out]).
  const VariableLayout* LayoutOf(const PlanAction& a) const;
  std::string AssumedLayoutNote(const PlanAction& a, std::string_view what) const;

  // The NewVariableConfig that produced an action, or nullptr.
  const NewVariableConfig* NewConfigOf(const PlanAction& a) const;
  // The action a target name or TF2 object path (after renames) names, or -1.
  int FindByTargetName(const std::string& name) const;

  std::vector<std::string> SourceNames() const;
  // Target names (and mapped object paths) of carried variables; with
  // `include_new`, also the config's new variables.
  std::vector<std::string> TargetNames(bool include_new = true) const;

  const PlanConfig& c_;
  const Inventory& inv_;
  Plan plan_;
  std::vector<std::string> errors_;

  // Per source tensor: its target name and mapped TF2 object path under the
  // rename rules (whether or not it is carried over), and the action
  // carrying it (-1 if dropped).
  std::vector<std::string> mapped_name_, mapped_alias_;
  std::vector<int> source_action_;
  std::map<std::string, size_t> source_index_;  // key -> index into inv_.tensors
  // Per action (parallel to plan_.actions until the final sort): the rename
  // rules that produced its name, and its mapped object path ("" if none).
  std::vector<std::vector<size_t>> action_renames_;
  std::vector<std::string> action_alias_;
  std::vector<bool> rename_hit_, keep_hit_, drop_hit_, cast_hit_, freeze_hit_, allow_hit_;
  std::map<size_t, size_t> new_action_;  // new_variables index -> action index
  std::map<size_t, size_t> action_new_;  // action index -> new_variables index
  std::set<size_t> allowed_new_;         // new_variables named by allow_shape_change
  std::set<std::string> shape_errors_;   // targets already reported as mis-shaped
  std::vector<Take> takes_;
  std::map<std::string, size_t> take_of_target_;  // target name -> index into takes_
  bool transform_initializes_ = false;            // a transform step initializes rows or channels
  std::set<std::pair<std::string, std::string>> links_checked_;
};

}  // namespace surgeon::plan_internal

#endif  // SURGEON_PLAN_PLANNER_IMPL_H_
