// The config's key reference (config_reference.h). Edit here, then paste
// ConfigReferenceMarkdown() into README.md (tests/plan/config_reference_test.cc
// says when they differ).
#include "surgeon/plan/config_reference.h"

namespace surgeon {

// One key a line, as in the README table it becomes.
// clang-format off
const std::vector<ConfigKeyDoc>& ConfigKeyReference() {
  static const auto* docs = new std::vector<ConfigKeyDoc>{
      {"", "source", "path or map", "The source checkpoint (a path, or `{checkpoint, meta_graph}`). Required. Paths are relative to the config file."},
      {"source", "checkpoint", "path", "V2 prefix or any of its files, V1 file, sharded V1 pattern, directory, SavedModel."},
      {"source", "meta_graph", "path", "Default: `<checkpoint>.meta` (or the SavedModel's `saved_model.pb`) when present."},
      {"", "target", "path or map", "The output (a prefix or weight file, or `{checkpoint, format, meta_graph, max_shard_bytes}`). Required."},
      {"target", "checkpoint", "prefix", "Output prefix, e.g. `out/model.ckpt-0`, or the weight file for another `format`; a prefix ending in `/` is refused (it names a directory)."},
      {"target", "format", "`tf_checkpoint` \\| `safetensors` \\| `npz` \\| `keras_h5`", "Default: from the extension (`.safetensors`, `.npz`, `.h5`/`.hdf5`), else `tf_checkpoint`. A weight file gets `<file>.frozen.txt` only; `meta_graph` must be absent or `false`."},
      {"target", "meta_graph", "`true` \\| `false` \\| `{from: source}`", "`true` (default): a fresh TF1 graph for the target variables; `{from: source}`: rewrite the source graph."},
      {"target", "max_shard_bytes", "size", "A `tf_checkpoint` target's data in files of at most this size (`2GiB`, `500MB`, or bytes), filled in write order; a larger tensor gets a file of its own. Default: one data file."},
      {"", "seed", "integer 0..2^64-1", "Global seed of new variables (each gets `VariableSeed(seed, name)`). Default 0, with a warning."},
      {"", "keep", "list of patterns", "Source names to carry over. Default: all."},
      {"", "drop", "list of patterns", "Source names not to carry over; wins over `keep`."},
      {"", "drop_optimizer_slots", "bool", "Drop optimizer state (Adam, Momentum, ... slots, beta powers, TF2 `.OPTIMIZER_SLOT`). Default false."},
      {"", "global_step", "`keep` \\| `drop` \\| `reset`", "Overrides keep/drop for the step counter; `reset` writes 0. Default: like any variable."},
      {"", "rename", "list of rules", "In order; each rule sees the name the earlier rules produced. Bookkeeping (global_step, the TF2 object graph) moves only under a rule that spells it."},
      {"rename[]", "from", "prefix", "Replace this literal prefix with `to`."},
      {"rename[]", "regex", "regex", "Replace the first match (ECMAScript) with `to`; `\\1`..`\\9` are groups."},
      {"rename[]", "scope", "scope", "`tf.train.init_from_checkpoint` scope (`\"/\"` is the root; a trailing `/` is optional); a scope without `/` may name one variable."},
      {"rename[]", "to", "string", "The replacement. Required."},
      {"", "new", "list of variables", "Variables to create with an initializer; one replacing a source variable must not shadow a carried one."},
      {"new[]", "name", "string", "Target name (a checkpoint key, or a TF2 object path after renames). Required."},
      {"new[]", "shape", "list of integers", "Required. Replacing a source variable, only the output dimension may change (unless `allow_shape_change`)."},
      {"new[]", "dtype", "dtype", "Default `float32`. Replacing a source variable, it must keep its dtype (unless `allow_shape_change`)."},
      {"new[]", "initializer", "name or `{type, ...}`", "Required; see the initializer table."},
      {"new[]", "feeds_from", "target name", "The variable whose output this one takes: checks the input dimension (shape[-2], per the graph op's layout when known)."},
      {"new[]", "trainable", "bool", "Default: true for floating dtypes, unless frozen."},
      {"", "freeze", "list of patterns", "Target names (or TF2 object paths) to mark non-trainable and list in `.frozen.txt`. Freezing a batch norm's gamma or beta freezes its moving statistics too."},
      {"", "cast", "list of `{match, to}`", "Opt-in casts of copied floating-point tensors; the first matching rule wins."},
      {"cast[]", "match", "pattern", "Source names (checkpoint key or TF2 object path), floating-point tensors only. Required."},
      {"cast[]", "to", "float16 \\| bfloat16 \\| float32 \\| float64", "The written dtype. Required."},
      {"", "allow_shape_change", "list of patterns", "New variables (by name) whose shape and dtype may differ from the source variable they replace, and whose shape links are not checked."},
      {"", "reshape", "list of rules", "Copied tensors (by target name) written in a new shape with the same element count; applied before `classes` and `input_channels`. Not with `meta_graph: {from: source}`."},
      {"reshape[]", "name", "target name", "Required."},
      {"reshape[]", "shape", "list of integers", "The written shape (same element count). Default: the permuted shape."},
      {"reshape[]", "permute", "list of axes", "Transpose first: output axis i is input axis `permute[i]` (numpy `transpose`)."},
      {"reshape[]", "layout", "`{from, to}`", "Transpose by axis letters, e.g. `{from: OIHW, to: HWIO}` (PyTorch/Caffe conv kernel -> TensorFlow)."},
      {"reshape[]", "flatten", "`hwc` \\| `chw`", "Dense `[H*W*C, N]` <-> conv `[H, W, C, N]` (either way; needs `shape` for Dense -> conv): the order the Dense layer's input was flattened in, `hwc` channels_last (TF/Keras), `chw` channels_first (Caffe/PyTorch)."},
      {"", "classes", "list of rules", "Rows of classifier heads re-indexed by label: rows of labels in both lists are copied, new labels initialized, the rest dropped."},
      {"classes[]", "tensors", "list of target names", "The head's tensors (weights, biases). Required."},
      {"classes[]", "axis", "integer", "The class axis of every tensor listed. Default -1 (the last)."},
      {"classes[]", "source_labels", "path", "The source's labels, one per line (relative to the config). Required."},
      {"classes[]", "target_labels", "path", "The target's labels, one per line. Required."},
      {"classes[]", "source_offset", "integer", "Leading source rows without a label (1 for 1001-class slim heads: row 0 is background). Default 0."},
      {"classes[]", "target_offset", "integer", "0 (default): the offset rows are dropped; equal to `source_offset`: they are copied as the target's first rows."},
      {"classes[]", "map", "map of target label: source label", "A target class taking its row from a differently named source class."},
      {"classes[]", "initializer", "name or `{type, ...}`", "For the rows of new classes (values as for a new variable of the target shape, seeded by its name). Default `zeros`."},
      {"", "input_channels", "list of maps", "Input-channel maps of first convolutions (any source count to any target count); applied last."},
      {"input_channels[]", "name", "target name", "Required."},
      {"input_channels[]", "axis", "integer", "The channel axis. Default -2 (the input axis of HWIO kernels and Dense `[in, out]`)."},
      {"input_channels[]", "channels", "list", "One entry per target channel: `k` (copy source channel k), `{sum: [k, ...]}`, `{mean: [k, ...]}`, `zero`, `initialize`. Required."},
      {"input_channels[]", "initializer", "name or `{type, ...}`", "For `initialize` channels (as for a new variable of the target shape). Default `zeros`."},
      {"", "expect", "map", "Guards on the plan: `plan` and `run` refuse (before writing) a plan that breaks one, naming the variables. Model parameters: source tensors that are not optimizer state or bookkeeping."},
      {"expect", "initialized", "list of patterns", "The only target names `new` (and `global_step: reset`) may initialize; `[]`: nothing may be."},
      {"expect", "dropped", "list of patterns", "The only source names (key or TF2 object path) that may be left out; `[]`: nothing may be."},
      {"expect", "min_copied_params", "integer", "At least this many elements of source model parameters are copied."},
      {"expect", "min_copied_fraction", "number 0..1", "At least this fraction of the source model parameters' elements is copied."},
      {"", "also_from", "list of sources", "More source checkpoints, each contributing only what it takes; a taken tensor replaces the primary source's tensor of the same target name. The primary `source` keeps its meta graph."},
      {"also_from[]", "name", "string", "A label for the plan and report. Default `also_from[i]`."},
      {"also_from[]", "checkpoint", "path", "Any checkpoint or weight file surgeon reads (as `source.checkpoint`). Required."},
      {"also_from[]", "take", "list of patterns", "Names in that checkpoint (key or TF2 object path) to copy; each must match. Optimizer state and bookkeeping only when a pattern spells them. Required."},
      {"also_from[]", "rename", "list of rules", "Its own rename rules (as `rename`); default none: taken names are target names."},
  };
  return *docs;
}
// clang-format on

std::vector<std::string> ConfigKeysIn(std::string_view map) {
  std::vector<std::string> keys;
  for (const ConfigKeyDoc& d : ConfigKeyReference()) {
    if (d.map == map) keys.push_back(d.key);
  }
  return keys;
}

const std::vector<InitializerDoc>& InitializerReference() {
  static const auto* docs = new std::vector<InitializerDoc>{
      {InitializerKind::kZeros, "", "All zeros (`tf.zeros_initializer`)."},
      {InitializerKind::kOnes, "", "All ones."},
      {InitializerKind::kConstant, "value: 0", "Every element `value`."},
      {InitializerKind::kRandomNormal, "mean: 0, stddev: 1", "Normal distribution."},
      {InitializerKind::kTruncatedNormal, "mean: 0, stddev: 1", "Normal, redrawn beyond 2 stddev."},
      {InitializerKind::kRandomUniform, "minval: 0, maxval: 1", "Uniform in [minval, maxval)."},
      {InitializerKind::kGlorotUniform, "", "variance_scaling(1, fan_avg, uniform)."},
      {InitializerKind::kGlorotNormal, "", "variance_scaling(1, fan_avg, truncated_normal)."},
      {InitializerKind::kHeUniform, "", "variance_scaling(2, fan_in, uniform)."},
      {InitializerKind::kHeNormal, "", "variance_scaling(2, fan_in, truncated_normal)."},
      {InitializerKind::kLecunUniform, "", "variance_scaling(1, fan_in, uniform)."},
      {InitializerKind::kLecunNormal, "", "variance_scaling(1, fan_in, truncated_normal)."},
      {InitializerKind::kVarianceScaling, "scale: 1, mode: fan_in, distribution: truncated_normal",
       "mode: fan_in \\| fan_out \\| fan_avg; distribution: truncated_normal \\| untruncated_normal \\| uniform."},
      {InitializerKind::kOrthogonal, "gain: 1", "Orthogonal matrix times gain (rank >= 2)."},
  };
  return *docs;
}

namespace {

std::string KeyPath(const ConfigKeyDoc& d) { return d.map.empty() ? d.key : d.map + "." + d.key; }

}  // namespace

std::string ConfigReferenceMarkdown() {
  std::string out = "| key | value | meaning |\n|---|---|---|\n";
  for (const ConfigKeyDoc& d : ConfigKeyReference()) {
    out += "| `" + KeyPath(d) + "` | " + d.value + " | " + d.meaning + " |\n";
  }
  out += "\n| initializer | parameters (defaults) | meaning |\n|---|---|---|\n";
  for (const InitializerDoc& d : InitializerReference()) {
    out += "| `" + std::string(InitializerKindName(d.kind)) + "` | " + (d.defaults.empty() ? "none" : d.defaults) +
           " | " + d.meaning + " |\n";
  }
  return out;
}

std::string ConfigReferenceText() {
  std::string out = "Config keys (README.md, The config):\n";
  for (const ConfigKeyDoc& d : ConfigKeyReference()) {
    std::string value = d.value;
    for (size_t p; (p = value.find("\\|")) != std::string::npos;) value.replace(p, 2, "|");
    out += "  " + KeyPath(d) + ": " + value + "\n";
  }
  out += "Initializers (parameters with defaults):\n";
  for (const InitializerDoc& d : InitializerReference()) {
    out += "  " + std::string(InitializerKindName(d.kind)) + (d.defaults.empty() ? "" : " {" + d.defaults + "}") + "\n";
  }
  return out;
}

}  // namespace surgeon
