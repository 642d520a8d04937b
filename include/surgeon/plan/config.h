// PlanConfig: everything a surgery YAML file says, as plain data, each item
// carrying the file:line:col it came from so that the planner's messages can
// point at the config line responsible.
//
//   source:   {checkpoint: pretrained/vgg_16.ckpt, meta_graph: pretrained/vgg_16.ckpt.meta}
//   target:   {checkpoint: out/mycls/model.ckpt-0, meta_graph: true}   # true | false | {from: source}
//             {checkpoint: out/mycls.safetensors, format: safetensors}  # | npz | keras_h5 | tf_checkpoint
//   seed: 1234
//   keep:     ["vgg_16/conv*", "vgg_16/fc6/*", "vgg_16/fc7/*"]          # default: all
//   drop:     ["*/Momentum", "global_step"]
//   drop_optimizer_slots: true
//   global_step: keep | drop | reset
//   rename:
//     - {from: "vgg_16/", to: "mycls/"}                     # prefix
//     - {regex: "^mycls/fc(6|7)/", to: "mycls/dense\\1/"}   # regex_search, first match replaced, \1..\9
//     - {scope: "vgg_16/", to: "mycls/"}                    # init_from_checkpoint scope; "/" is the root
//   new:
//     - {name: mycls/fc8/weights, shape: [1,1,4096,10], dtype: float32,
//        initializer: {type: truncated_normal, stddev: 0.01}, feeds_from: mycls/dense7/weights}
//     - {name: mycls/fc8/biases, shape: [10], initializer: zeros}
//   freeze: ["mycls/conv*"]
//   cast: [{match: "*", to: float16}]
//   allow_shape_change: ["mycls/fc8/*"]
//   expect:                                   # guards: a plan that breaks one is an error
//     initialized: ["mycls/fc8/*"]            # the only target names `new`/reset may create
//     dropped: ["*/Momentum", "global_step"]  # the only source names that may be left out
//     min_copied_params: 100000000            # source model elements copied, at least
//     min_copied_fraction: 0.9                # of the source model's elements
//   reshape:         # value transforms on copied tensors (target names)
//     - {name: mycls/fc6/weights, shape: [7, 7, 512, 4096], flatten: hwc}
//     - {name: mycls/conv1/weights, layout: {from: OIHW, to: HWIO}}
//   classes:
//     - {tensors: [mycls/fc8/weights], source_labels: imagenet.txt, target_labels: mine.txt,
//        source_offset: 1, initializer: {type: truncated_normal, stddev: 0.01}}
//   input_channels:
//     - {name: mycls/conv1/weights, channels: [{sum: [0, 1, 2]}]}   # RGB -> gray
//   also_from:       # more sources; each contributes only what `take` selects
//     - {name: finetune, checkpoint: runs/mycls/model.ckpt-500, take: ["mycls/fc8/*"],
//        rename: [{from: "old/", to: "mycls/"}]}   # its own rules (default none)
//
// Several sources: `source` is the primary one (its meta graph, if any, is
// the one used); each `also_from` entry takes the tensors of its checkpoint
// that its `take` patterns match (key or TF2 object path), named by its own
// `rename` rules only. A taken tensor replaces the primary's tensor of the
// same target name (listed as dropped). Optimizer state and bookkeeping of an
// `also_from` source are taken only by a pattern that spells them (see
// AlsoFromSource). Taken tensors are copies like any other: cast rules see
// their checkpoint names, every rule on target names sees their target names.
//
// Patterns: see pattern.h. Naming model: a source tensor answers to its
// checkpoint key and, in a TF2 checkpoint, to its object path; both are
// mapped through the rename rules. keep/drop/rename/cast see source names;
// new, freeze, feeds_from, allow_shape_change, reshape, classes and
// input_channels see target names (either mapped name). Every key is listed, with its meaning, in
// config_reference.h, from which the parser takes its allowed keys.
//
// Rename rules are tried in order on the name the earlier rules produced:
// the first rule that matches rewrites the name and the remaining rules see
// the rewritten name (so the regex rule above refines the prefix rule's
// output). Each rule applies at most once per name. A TF2 tensor is renamed
// through its object name when no rule matches its key; the result becomes
// the target key ("dense/kernel" -> "head/kernel").
//
// Errors are InvalidArgument "<file>:<line>:<col>: <key path>: <what>", e.g.
//   vgg.yaml:14:5: new[0].shape: expected a list of integers, got 'abc'
// yaml-cpp exceptions never leave this file.
#ifndef SURGEON_PLAN_CONFIG_H_
#define SURGEON_PLAN_CONFIG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/status.h"
#include "surgeon/format/dtype.h"
#include "surgeon/format/tensor_entry.h"
#include "surgeon/format/tensor_writer.h"
#include "surgeon/plan/initializer.h"
#include "surgeon/plan/pattern.h"

namespace surgeon {

// Where in the config an item was written. line/column are 1-based; 0 means
// "not from a file" (a config built in code).
struct ConfigPos {
  std::string file;
  int line = 0;
  int column = 0;
  // "vgg.yaml:14:5"; "vgg.yaml" without a line; "<config>" without a file.
  std::string ToString() const;
};

// One entry of keep / drop / freeze / allow_shape_change.
struct PatternRule {
  Pattern pattern;
  std::string key_path;  // "keep[0]"
  ConfigPos pos;
};

struct RenameRule {
  enum class Kind { kPrefix, kRegex, kScope };
  Kind kind = Kind::kPrefix;
  std::string from;                         // prefix, regex text, or scope ("" for the root scope "/")
  std::string to;                           // replacement; for kScope "" means the root
  std::shared_ptr<const std::regex> regex;  // kRegex only
  std::string key_path;                     // "rename[1]"
  ConfigPos pos;
};

struct NewVariableConfig {
  std::string name;
  Shape shape;
  DataType dtype = DataType::kFloat;
  InitializerSpec initializer;
  std::optional<std::string> feeds_from;  // target name of the producer variable
  std::optional<bool> trainable;          // default: floating dtypes, unless frozen
  std::string key_path;                   // "new[0]"
  ConfigPos pos;                          // the entry
  ConfigPos shape_pos, initializer_pos, feeds_from_pos;
};

struct CastRule {
  Pattern match;
  DataType to = DataType::kFloat;
  std::string key_path;  // "cast[0]"
  ConfigPos pos;
};

// `expect:`: what the user expects the plan to do; BuildPlan refuses a plan
// that breaks any of these (planner_expectations.cc). "Model parameters" are
// the source tensors that are neither optimizer state (IsOptimizerSlot) nor
// bookkeeping (BookkeepingWord); their element counts are what the two
// minimums measure.
struct PlanExpectations {
  ConfigPos pos;                                        // The `expect` map.
  std::optional<std::vector<PatternRule>> initialized;  // target names allowed to be initialized
  ConfigPos initialized_pos;
  // Source names (key or object path) allowed to be dropped; a primary
  // tensor an also_from copy replaces does not count as dropped here.
  std::optional<std::vector<PatternRule>> dropped;
  ConfigPos dropped_pos;
  std::optional<uint64_t> min_copied_params;  // copied elements of source model parameters
  ConfigPos min_copied_params_pos;
  std::optional<double> min_copied_fraction;  // the same / all source model parameter elements, in [0, 1]
  ConfigPos min_copied_fraction_pos;
};

// Value transforms on copied tensors (`reshape`, `classes`,
// `input_channels`). They name target variables by their target name (after
// renames; a TF2 copy also answers to its mapped object path), like `new`
// and `freeze`: a transform changes what is written. One tensor may take
// several; they apply in the order reshape, classes, input_channels, each
// seeing the shape the previous one produced.

// reshape[]: a new shape with the same element count, optionally through a
// transpose (`permute`, or `layout: {from, to}`), or a Dense <-> conv
// `flatten` order.
enum class FlattenOrder {
  kNone,
  kHwc,  // channels_last (TF/Keras Flatten): dense row = (h*W + w)*C + c
  kChw,  // channels_first (Caffe/PyTorch): dense row = (c*H + h)*W + w
};
struct ReshapeRule {
  std::string name;
  Shape shape;  // empty: the permuted shape
  bool has_shape = false;
  std::vector<int> permute;            // output axis i = input axis permute[i]; empty: none
  std::string layout_from, layout_to;  // when given as `layout`, e.g. "OIHW" -> "HWIO"
  FlattenOrder flatten = FlattenOrder::kNone;
  std::string key_path;  // "reshape[0]"
  ConfigPos pos, shape_pos, permute_pos;
};

// A label file: one label per line (surrounding blanks and a trailing
// empty line ignored), read when the config is loaded.
struct LabelList {
  std::string path;  // resolved
  std::vector<std::string> labels;
  ConfigPos pos;  // the config node naming the file
};

// classes[]: rows of a classifier head re-indexed by label name.
struct ClassRule {
  std::vector<std::string> tensors;  // target names
  std::vector<ConfigPos> tensor_pos;
  int axis = -1;  // the class axis, from the end when negative
  LabelList source_labels, target_labels;
  int64_t source_offset = 0;  // leading source rows that are not labelled (background)
  int64_t target_offset = 0;  // 0 (offset rows dropped) or source_offset (copied)
  // map: target label -> the source label it takes its row from (renamed classes).
  std::vector<std::pair<std::string, std::string>> map;
  std::vector<ConfigPos> map_pos;
  InitializerSpec initializer;  // rows of new classes; default zeros
  std::string key_path;         // "classes[0]"
  ConfigPos pos, axis_pos, offset_pos, initializer_pos;
};

// input_channels[]: each target channel along `axis` from the source channels.
struct ChannelSpec {
  enum class Kind { kCopy, kSum, kMean, kZero, kInitialize };
  Kind kind = Kind::kCopy;
  std::vector<int64_t> channels;  // kCopy: one; kSum/kMean: the listed ones
  ConfigPos pos;
};
struct ChannelMapRule {
  std::string name;
  int axis = -2;  // default: the input-channel axis of [..., in, out] (HWIO, Dense)
  std::vector<ChannelSpec> channels;
  InitializerSpec initializer;  // for `initialize` channels; default zeros
  std::string key_path;         // "input_channels[0]"
  ConfigPos pos, axis_pos, initializer_pos;
};

// also_from[]: one more source checkpoint. Its tensors matched by `take`
// are copied under the names its own `rename` rules give them. A tensor that
// is optimizer state (IsOptimizerSlot) or bookkeeping (BookkeepingWord) is
// taken only by a pattern that names it exactly or whose text spells its
// word ("Momentum", "Adam", "OPTIMIZER_SLOT", "global_step", ...).
struct AlsoFromSource {
  std::string name;        // Optional label ("finetune"); "" when not given.
  std::string checkpoint;  // Resolved like source.checkpoint.
  std::string canonical;   // CanonicalPath(checkpoint); "" for configs built in code.
  std::vector<PatternRule> take;
  std::vector<RenameRule> rename;  // key paths "also_from[0].rename[0]"
  std::string key_path;            // "also_from[0]"
  ConfigPos pos, take_pos;
  // "also_from[0] 'finetune'", or "also_from[0]" without a name.
  std::string Label() const;
};

enum class MetaGraphMode {
  kNone,        // target.meta_graph: false
  kFresh,       // true (default): build a new graph for the target variables
  kFromSource,  // {from: source}: rewrite the source graph
};

enum class GlobalStepMode {
  kDefault,  // not set: global_step follows keep/drop like any variable
  kKeep,     // copied even if keep/drop would remove it
  kDrop,
  kReset,  // written as 0 with the source dtype (int64 if the source has none)
};

struct PlanConfig {
  std::string path;  // The config file as given ("" for a config built in code).

  // Paths are resolved relative to the config file's directory.
  std::string source_checkpoint;
  std::optional<std::string> source_meta_graph;  // nullopt: caller may default to <ckpt>.meta
  ConfigPos source_pos;
  std::string target_checkpoint;  // A checkpoint prefix, or the file for other formats.
  // target.format; default: from the target's extension (.safetensors, .npz,
  // .h5), else tf_checkpoint. Only tf_checkpoint targets get a meta graph.
  OutputFormat target_format = OutputFormat::kTfCheckpoint;
  MetaGraphMode target_meta_graph = MetaGraphMode::kFresh;
  // target.max_shard_bytes: the largest data file a tf_checkpoint target
  // may have (tensors fill files in write order); 0: one data file.
  uint64_t target_max_shard_bytes = 0;
  ConfigPos target_pos;
  // CanonicalPath() of both prefixes (symlinks and ".." resolved), computed
  // by LoadConfig so that BuildPlan can refuse target == source without I/O.
  // Empty for configs built in code; BuildPlan then compares the plain paths.
  std::string source_canonical;
  std::string target_canonical;

  uint64_t seed = 0;
  bool has_seed = false;

  std::optional<std::vector<PatternRule>> keep;  // nullopt: keep everything
  ConfigPos keep_pos;
  std::vector<PatternRule> drop;
  bool drop_optimizer_slots = false;
  ConfigPos drop_optimizer_slots_pos;
  GlobalStepMode global_step = GlobalStepMode::kDefault;
  ConfigPos global_step_pos;
  std::vector<RenameRule> rename;
  std::vector<NewVariableConfig> new_variables;
  std::vector<PatternRule> freeze;
  std::vector<CastRule> cast;
  std::vector<PatternRule> allow_shape_change;
  std::optional<PlanExpectations> expect;  // nullopt: no `expect:` block
  std::vector<ReshapeRule> reshape;
  std::vector<ClassRule> classes;
  std::vector<ChannelMapRule> input_channels;
  std::vector<AlsoFromSource> also_from;
};

// Reads and validates the YAML file (syntax, keys, types; not the
// checkpoint). Relative paths in it are resolved against its directory.
Result<PlanConfig> LoadConfig(const std::string& yaml_path);

// The same on text already in memory; `display_name` prefixes messages and
// `base_dir` anchors relative paths. No file is read but the label files of
// `classes` rules; CanonicalPath() is consulted for
// source_canonical/target_canonical.
Result<PlanConfig> ParseConfig(std::string_view yaml_text, const std::string& display_name,
                               const std::string& base_dir);

// Applies the rename rules to `name` (see the file comment). Returns the new
// name and sets *rules_applied to the indices of the rules that fired.
std::string ApplyRenameRules(const std::vector<RenameRule>& rules, const std::string& name,
                             std::vector<size_t>* rules_applied);
// The same, skipping rules that do not spell `bookkeeping_word` when it is
// not empty (BookkeepingWord in planner.h): a root scope `{scope: "/"}` or a
// regex without that word moves model variables, not global_step or the TF2
// object graph.
std::string ApplyRenameRules(const std::vector<RenameRule>& rules, const std::string& name,
                             std::vector<size_t>* rules_applied, std::string_view bookkeeping_word);

std::string_view GlobalStepModeName(GlobalStepMode mode);  // "keep", "drop", "reset", "default"
std::string_view MetaGraphModeName(MetaGraphMode mode);    // "none", "fresh", "from_source"

}  // namespace surgeon

#endif  // SURGEON_PLAN_CONFIG_H_
