// Which source tensors are optimizer state (drop_optimizer_slots), which is
// the global step, and which are checkpoint bookkeeping. Names follow TF1 slot_creator ("<var>/Adam_1"), Keras in
// TF1 ("training/Adam/Variable_3", "Adam/iterations") and TF2 object-based
// checkpoints ("<obj>/.OPTIMIZER_SLOT/<opt>/m/...", "optimizer/iter/...").
#include <regex>
#include <string_view>

#include "surgeon/plan/planner.h"

namespace surgeon {
namespace {

std::string_view LastComponent(std::string_view name) {
  auto pos = name.rfind('/');
  return pos == std::string_view::npos ? name : name.substr(pos + 1);
}

std::string_view FirstComponent(std::string_view name) {
  auto pos = name.find('/');
  return pos == std::string_view::npos ? name : name.substr(0, pos);
}

}  // namespace

bool IsOptimizerSlot(std::string_view name) {
  if (name.find("/.OPTIMIZER_SLOT/") != std::string_view::npos) return true;
  std::string_view first = FirstComponent(name);
  if (name.size() > first.size() && (first == "optimizer" || first == "training")) return true;
  // TF1 slot names: the optimizer's `name` argument, "_1" for its second
  // slot, "_<n>" when several optimizers share a variable.
  static const std::regex kSlot(
      "(Adam|Momentum|RMSProp|Ftrl|Adagrad|AdagradDA|ProximalAdagrad|Adadelta|Nadam|Adamax|AdamW|LazyAdam|"
      "ProximalGradientDescent)(_[0-9]+)?");
  static const std::regex kPower("beta[12]_power(_[0-9]+)?");
  std::string last(LastComponent(name));
  if (std::regex_match(last, kPower)) return true;
  if (name.size() > last.size() && std::regex_match(last, kSlot)) return true;
  // Keras (TF1 graph mode) optimizer variables: "Adam/iterations", "SGD/lr".
  static const std::regex kKerasOpt("(Adam|SGD|RMSprop|Adagrad|Adadelta|Adamax|Nadam|Ftrl)(_[0-9]+)?");
  static const std::regex kKerasVar("iterations|lr|learning_rate|beta_1|beta_2|decay|momentum|rho|epsilon");
  if (name.size() > first.size() && std::regex_match(std::string(first), kKerasOpt) &&
      std::regex_match(last, kKerasVar)) {
    return true;
  }
  return false;
}

bool IsGlobalStep(std::string_view name) { return LastComponent(name) == "global_step"; }

std::string_view BookkeepingWord(std::string_view key) {
  if (IsGlobalStep(key)) return "global_step";
  if (key == "_CHECKPOINTABLE_OBJECT_GRAPH") return key;
  if (FirstComponent(key) == "save_counter") return "save_counter";  // tf.train.Checkpoint's counter
  return "";
}

}  // namespace surgeon
