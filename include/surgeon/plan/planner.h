// BuildPlan: PlanConfig + the source checkpoint's metadata -> a validated
// Plan. Pure: reads no file, so every problem is found before a byte is
// written, and the planner can be tested on synthetic inventories.
//
//   SURGEON_ASSIGN_OR_RETURN(PlanConfig config, LoadConfig("vgg16_to_mycls.yaml"));
//   SURGEON_ASSIGN_OR_RETURN(auto ckpt, OpenCheckpoint(config.source_checkpoint));
//   Inventory inventory{ckpt->entries(), /*graph_variables=*/{}, /*feeds=*/{}};
//   SURGEON_ASSIGN_OR_RETURN(Plan plan, BuildPlan(config, inventory));
//
// Checks (InvalidArgument; FailedPrecondition for target == source). Every
// problem found is reported, one per line, each naming the config position,
// the rule and the variables, and saying how to fix it:
//   - a keep/drop/rename/freeze/cast/allow_shape_change rule matching
//     nothing, with "did you mean" suggestions;
//   - two sources for one target; a `new` name also produced by a carried
//     variable, or given twice;
//   - a `new` variable replacing a source variable that maps (through the
//     rename rules, kept or not) to its name, or to its TF2 object path, may
//     change only the output dimension and must keep the dtype, unless
//     allow_shape_change names it; a `new` name equal to a carried
//     variable's target name or object path is an error;
//   - a new kernel's input dimension must equal its producer's output
//     width; the producer comes from `feeds_from` or Inventory::feeds; a new
//     bias must match its kernel's output dimension. Axes come from
//     Inventory::layouts, else [..., in, out] is assumed (and said);
//   - value transforms (reshape, classes, input_channels) on a name that is
//     not a copied target (did-you-mean) or a variable-size dtype; an element
//     count that changes, a permutation of the wrong rank, a flatten between
//     shapes that are not Dense [H*W*C, N] and conv [H, W, C, N]; an axis out
//     of range; a class axis whose size is not source_offset + the source
//     labels; a `map` label missing from its list (did-you-mean); a channel
//     index out of range, or a sum/mean on a non-float tensor; a reshape or
//     channel map in rewrite mode ({from: source});
//   - an initializer that does not fit its dtype/shape (ResolveInitializer);
//   - a target prefix that is the source checkpoint or an also_from one;
//   - also_from: a take pattern or rename rule matching nothing (did-you-
//     mean); one target name taken twice; a `new` name that is taken; in
//     rewrite mode, a taken tensor that replaces no primary variable, or
//     changes its dtype or more than one dimension;
//   - an `expect:` entry the plan breaks (checked last, on a valid plan).
// Batch norm: freezing a layer's gamma or beta also freezes its carried
// moving_mean/moving_variance (Plan::frozen_batch_norms says which and how
// they were related).
#ifndef SURGEON_PLAN_PLANNER_H_
#define SURGEON_PLAN_PLANNER_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "surgeon/base/status.h"
#include "surgeon/format/batch_norm.h"
#include "surgeon/format/tensor_entry.h"
#include "surgeon/format/variable_layout.h"
#include "surgeon/plan/config.h"
#include "surgeon/plan/plan.h"

namespace surgeon {

// A variable as the source meta graph declares it.
struct GraphVariable {
  std::string name;  // Variable name without ":0", as saved (the checkpoint key).
  DataType dtype = DataType::kFloat;
  Shape shape;
  bool trainable = true;
};

// What the planner knows about the source: metadata only.
struct Inventory {
  std::vector<TensorEntry> tensors;
  // Optional, from the source .meta. When given, a copied variable's
  // `trainable` default comes from here (variables absent from it: true).
  std::vector<GraphVariable> graph_variables;
  // Optional producer -> consumer links between source variables, e.g.
  // {"vgg_16/fc7/weights", "vgg_16/fc8/weights"} (fc7's output feeds fc8) and
  // {"vgg_16/fc8/weights", "vgg_16/fc8/biases"}.
  std::vector<std::pair<std::string, std::string>> feeds;
  // Optional, from the source .meta (ComputeVariableLayouts), by checkpoint
  // key: which axes of a variable are its inputs and outputs. A variable
  // absent here is assumed to be [..., in, out] (Dense/Conv2D), and shape
  // messages about it say so.
  std::map<std::string, VariableLayout> layouts;
  // Optional, from the source .meta (ComputeBatchNormVariables), with
  // checkpoint keys for variable names: batch-norm layers as the graph
  // relates gamma/beta to their moving statistics. Layers absent here are
  // related by name (scope + gamma/beta/moving_mean/moving_variance).
  std::vector<BatchNormVariables> batch_norms;
  // The tensors of each PlanConfig::also_from source, in config order (one
  // list per entry; BuildPlan refuses a count that differs).
  std::vector<std::vector<TensorEntry>> also_from;
};

Result<Plan> BuildPlan(const PlanConfig& config, const Inventory& inventory);

// True for optimizer state that `drop_optimizer_slots` removes: slots named
// Adam, Adam_1, Momentum, RMSProp(_1), Ftrl(_1), Adagrad, Adadelta(_1), ...
// (as the last name component, optionally with a _N suffix), beta1_power /
// beta2_power, Keras' training/... and <Optimizer>/{iterations,lr,...}
// variables, and TF2's optimizer/... and .OPTIMIZER_SLOT keys (accumulator,
// linear, m, v, ...).
bool IsOptimizerSlot(std::string_view name);

// True for "global_step" or ".../global_step".
bool IsGlobalStep(std::string_view name);

// Checkpoint bookkeeping rather than model weights: the step counter, TF2's
// object graph (_CHECKPOINTABLE_OBJECT_GRAPH) and save_counter. Returns the
// word a rename rule must spell to move it ("global_step", ...), or "" for a
// model variable. Root-scope and regex rules that do not spell it leave
// bookkeeping where it is.
std::string_view BookkeepingWord(std::string_view key);

}  // namespace surgeon

#endif  // SURGEON_PLAN_PLANNER_H_
