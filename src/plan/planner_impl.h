// The planner's working state, shared by the files that implement it
// (private to plan/): planner.cc classifies sources, adds new variables,
// checks collisions and freezes; planner_rule_checks.cc reports config rules
// that matched nothing; planner_shape_checks.cc checks that shapes fit.
// BuildPlan (surgeon/plan/planner.h) is the only entry point.
#ifndef SURGEON_PLAN_PLANNER_IMPL_H_
#define SURGEON_PLAN_PLANNER_IMPL_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "surgeon/plan/planner.h"

namespace surgeon::plan_internal {

// Text pieces of the plan's "rule" column and its messages.
std::string Quote(std::string_view s);
std::string RuleRef(const PatternRule& r);   // "keep[0] 'vgg_16/conv*' (vgg.yaml:5:8)"
std::string RuleRef(const RenameRule& r);
std::string RuleRef(const CastRule& r);
std::string Setting(std::string_view key, std::string_view value, const ConfigPos& pos);

// "a/b/c" -> "c" and "a/b"; "" scope for a name without '/'.
std::string LastComponent(const std::string& name);
std::string Scope(const std::string& name);
std::string StripCheckpointSuffix(std::string path);
// dtype x elements, or `fallback` for variable-size (string) tensors.
uint64_t TensorBytes(DataType dtype, const Shape& shape, uint64_t fallback);

class Planner {
 public:
  Planner(const PlanConfig& config, const Inventory& inventory) : c_(config), inv_(inventory) {}
  Result<Plan> Run();

 private:
  // Where a target name comes from, for collision messages.
  struct Producer {
    size_t action;  // index into plan_.actions
    std::string what;
    ConfigPos pos;
  };

  void Error(const ConfigPos& pos, const std::string& path, const std::string& what) {
    errors_.push_back(pos.ToString() + ": " + path + ": " + what);
  }
  Status CheckTargetIsNotSource() const;
  void ClassifySources();
  void AddNewVariables();
  void CheckCollisions();
  void ApplyFreeze();
  void CheckUnmatchedRules();
  void CheckShapes();
  void CheckLink(const PlanAction& producer, const PlanAction& consumer, const std::string& why);
  // The NewVariableConfig that produced an action, or nullptr.
  const NewVariableConfig* NewConfigOf(const PlanAction& a) const;

  std::vector<std::string> SourceNames() const;
  std::vector<std::string> TargetNames() const;

  const PlanConfig& c_;
  const Inventory& inv_;
  Plan plan_;
  std::vector<std::string> errors_;

  // Per source tensor: its target name under the rename rules (whether or
  // not it is carried over) and the action carrying it (-1 if dropped).
  std::vector<std::string> mapped_name_;
  std::vector<int> source_action_;
  std::vector<bool> rename_hit_, keep_hit_, drop_hit_, cast_hit_, freeze_hit_, allow_hit_;
  std::map<size_t, size_t> new_action_;  // new_variables index -> action index
  std::map<size_t, size_t> action_new_;  // action index -> new_variables index
  std::set<std::string> shape_errors_;   // targets already reported as mis-shaped
  std::set<std::pair<std::string, std::string>> links_checked_;
};

}  // namespace surgeon::plan_internal

#endif  // SURGEON_PLAN_PLANNER_IMPL_H_
