// Plan: the validated, flat result of planning — what the executor does,
// one action per target variable, with every decision already made.
//
// A Plan is plain data: it can be printed (FormatPlanTable), serialized
// (PlanToJson), diffed and tested without any file. The executor must not
// make decisions the plan did not make; in particular only kInitialize
// actions create values, and those come only from the config's `new`
// entries and `global_step: reset` (and the initialized rows or channels of
// a copy's transforms, which say so).
#ifndef SURGEON_PLAN_PLAN_H_
#define SURGEON_PLAN_PLAN_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/format/dtype.h"
#include "surgeon/format/tensor_entry.h"
#include "surgeon/plan/config.h"
#include "surgeon/plan/initializer.h"
#include "surgeon/plan/transform.h"

namespace surgeon {

struct PlanAction {
  enum class Kind { kCopy, kInitialize };
  Kind kind = Kind::kCopy;
  std::string target;                 // Key written to the target checkpoint.
  std::string source;                 // kCopy: the source checkpoint key. Empty for kInitialize.
  size_t source_index = 0;            // kCopy: the checkpoint it reads, an index into Plan::sources (0: primary).
  std::string source_object_name;     // kCopy from a TF2 checkpoint: the object path, else "".
  DataType dtype = DataType::kFloat;  // Written dtype.
  Shape shape;
  DataType source_dtype = DataType::kFloat;  // kCopy: != dtype means a cast (float types only).
  InitializerSpec initializer;               // kInitialize only.
  // Per-variable seed, VariableSeed(plan.seed, target): pass it with `target`
  // to GenerateInitialValue. Stable: depends only on the global seed and
  // this variable's name.
  uint64_t seed = 0;
  bool trainable = true;
  bool frozen = false;  // Named by a `freeze` rule (implies !trainable).
  uint64_t bytes = 0;   // Bytes in the target's data file (for DT_STRING: the source's size).
  // kInitialize, or a kCopy from an also_from source: the primary source
  // variable it takes the place of, if any (the one mapping to its name),
  std::string replaces;
  DataType replaced_dtype = DataType::kFloat;  // and that variable's dtype
  Shape replaced_shape;                        // and shape (they may differ only when allowed).
  // kCopy: value transforms (reshape, classes, input_channels), applied in
  // order to the source tensor in its source dtype, before any cast; the
  // first step's in_shape is the source shape, the last one's out_shape is
  // `shape`. Empty: a byte copy.
  std::vector<TransformStep> transforms;
  // Human text: which config rule(s) decided this, with file:line:col.
  std::string rule;
};

struct DroppedTensor {
  std::string source;
  std::string rule;  // e.g. "drop[0] '*/Momentum' (vgg.yaml:6:8)"
};

// One `expect:` entry and how the plan fares against it. A plan BuildPlan
// returns meets all of them (a broken one is an error); they are kept to be
// shown in the table, the JSON and the report.
struct ExpectationOutcome {
  std::string key;       // "expect.initialized"
  std::string config;    // Where it was written: "cfg.yaml:12:3"
  std::string expected;  // "only 'mycls/fc8/*'", ">= 100000000 elements"
  std::string actual;    // "2 initialized", "138357544 of 138357544 elements (1.0000)"
  bool met = true;
  std::vector<std::string> offenders;  // The variables that break it (all of them).
};

// A batch-norm layer whose moving statistics the plan freezes: because its
// gamma/beta are frozen (the statistics follow), or because a freeze rule
// names the statistics. In rewrite mode their update ops (AssignMovingAvg)
// leave the graph and its UPDATE_OPS collection.
struct FrozenBatchNorm {
  std::string layer;     // The layer's scope in the source, "bn1"
  std::string relation;  // How its variables were related: "graph: FusedBatchNormV3 'bn1/FusedBatchNormV3'"
                         // or "name: scope 'bn1'"
  std::vector<std::string> parameters;  // Target names of its frozen gamma/beta.
  std::vector<std::string> statistics;  // Target names of its frozen moving_mean/moving_variance.
};

// A checkpoint the plan reads: the primary source, then each also_from.
struct PlanSource {
  std::string label;       // "source", "also_from[0] 'finetune'"
  std::string name;        // Short, for the table: "source", "finetune" (else "also_from[0]").
  std::string checkpoint;  // As the config gave it (resolved against its directory).
};

struct Plan {
  std::string config_path;
  std::string source_checkpoint;
  std::string source_meta_graph;  // "" when none was given.
  std::string target_prefix;      // Checkpoint prefix, or the file for other formats.
  OutputFormat target_format = OutputFormat::kTfCheckpoint;
  uint64_t max_shard_bytes = 0;    // target.max_shard_bytes; 0: one data file.
  using MetaMode = MetaGraphMode;  // kNone, kFresh, kFromSource
  MetaMode meta_mode = MetaMode::kFresh;
  uint64_t seed = 0;
  std::vector<PlanSource> sources;     // [0] is the primary source (source_checkpoint).
  std::vector<PlanAction> actions;     // Sorted by target.
  std::vector<DroppedTensor> dropped;  // Sorted by source.
  std::vector<std::string> warnings;
  // Primary source key -> target, for every kCopy from the primary source.
  std::map<std::string, std::string> renames;
  std::vector<FrozenBatchNorm> frozen_batch_norms;  // Sorted by layer.
  std::vector<ExpectationOutcome> expectations;     // config `expect:` order; empty without one

  // Target names of frozen variables, sorted (for <prefix>.frozen.txt).
  std::vector<std::string> FrozenNames() const;
  const PlanAction* FindTarget(std::string_view target) const;
};

std::string_view ActionKindName(PlanAction::Kind kind);  // "copy", "init"

// splitmix64(seed ^ fnv1a64(name)): a stable per-variable seed.
uint64_t VariableSeed(uint64_t global_seed, std::string_view name);

}  // namespace surgeon

#endif  // SURGEON_PLAN_PLAN_H_
