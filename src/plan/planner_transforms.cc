// Planner::ApplyTransforms: the config's reshape, classes and
// input_channels rules become TransformSteps (transform.h) on the copies
// they name, with every shape, index and label checked against the source
// inventory. Each rule names a target variable (its target name, or a TF2
// copy's mapped object path) that is copied from the source; the steps see
// the shape the previous step produced (reshape, then classes, then
// input_channels).
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "plan/planner_impl.h"
#include "plan/suggest.h"

namespace surgeon::plan_internal {
namespace {

std::string Int(int64_t v) { return std::to_string(v); }

std::string PermutationText(const std::vector<int>& p) {
  std::string s = "[";
  for (size_t i = 0; i < p.size(); ++i) s += (i ? ", " : "") + Int(p[i]);
  return s + "]";
}

Shape Permuted(const Shape& shape, const std::vector<int>& p) {
  Shape out;
  for (int axis : p) out.push_back(shape[axis]);
  return out;
}

int64_t Elements(const Shape& shape) {
  auto n = NumElements(shape);
  return n.ok() ? *n : -1;
}

// The axis index of `axis` (negative: from the end) in a tensor of `rank`, or -1.
int ResolveAxis(int axis, size_t rank) {
  if (axis < 0) return AxisIndex(axis, rank);
  return axis < static_cast<int>(rank) ? axis : -1;
}

// One target channel as weighted source channels; `text` is how the plan
// shows it: "1", "sum(0,1,2)", "mean(0,2)", "zero", "init".
AxisSource ChannelSource(const ChannelSpec& c, std::string* text) {
  AxisSource s;
  s.initialize = c.kind == ChannelSpec::Kind::kInitialize;
  const double weight = c.kind == ChannelSpec::Kind::kMean ? 1.0 / static_cast<double>(c.channels.size()) : 1.0;
  std::string list;
  for (int64_t k : c.channels) {
    s.terms.push_back({k, weight});
    list += (list.empty() ? "" : ",") + Int(k);
  }
  switch (c.kind) {
    case ChannelSpec::Kind::kCopy: *text = list; break;
    case ChannelSpec::Kind::kSum: *text = "sum(" + list + ")"; break;
    case ChannelSpec::Kind::kMean: *text = "mean(" + list + ")"; break;
    case ChannelSpec::Kind::kZero: *text = "zero"; break;
    case ChannelSpec::Kind::kInitialize: *text = "init"; break;
  }
  return s;
}

}  // namespace

// A step that initializes entries: its initializer must fit the source
// dtype and the step's output shape (ResolveInitializer), else an error at `pos`.
bool Planner::InitializerFits(const TransformStep& step, const PlanAction& a, const ConfigPos& pos,
                              const std::string& key_path, const std::string& what) {
  if (!step.NeedsInitializer()) return true;
  auto resolved = ResolveInitializer(step.initializer, a.source_dtype, step.out_shape);
  if (resolved.ok()) return true;
  Error(pos, key_path + ".initializer", what + ": " + resolved.status().message());
  return false;
}

void Planner::ApplyTransforms() {
  for (const ReshapeRule& r : c_.reshape) {
    PlanAction* a = TransformTarget(r.name, r.pos, r.key_path + ".name");
    if (a == nullptr) continue;
    TransformStep step;
    if (ResolveReshape(r, a->shape, &step)) AddStep(a, std::move(step));
  }
  for (const ClassRule& r : c_.classes) ApplyClasses(r);
  for (const ChannelMapRule& r : c_.input_channels) ApplyChannelMap(r);
}

// The copy a transform rule names, or nullptr after reporting why there is none.
PlanAction* Planner::TransformTarget(const std::string& name, const ConfigPos& pos, const std::string& path) {
  const int i = FindByTargetName(name);
  if (i < 0) {
    std::string what = Quote(name) + " is not a target variable copied from the source";
    if (auto near = ClosestMatch(name, TargetNames(false))) what += "; did you mean " + Quote(*near) + "?";
    Error(pos, path, what);
    return nullptr;
  }
  PlanAction& a = plan_.actions[i];
  if (a.kind != PlanAction::Kind::kCopy) {
    Error(pos, path, Quote(name) + " is initialized (" + a.rule + "), not copied; transforms change copied values");
    return nullptr;
  }
  if (DataTypeSize(a.source_dtype) <= 0) {
    Error(pos, path,
          Quote(name) + " is " + DataTypeShortName(a.source_dtype) + "; only fixed-size tensors can be transformed");
    return nullptr;
  }
  return &a;
}

void Planner::AddStep(PlanAction* a, TransformStep step) {
  // Initialized rows or channels get the values a new variable of the step's
  // shape would get: the same per-variable seed.
  a->seed = VariableSeed(c_.seed, a->target);
  if (step.NeedsInitializer()) transform_initializes_ = true;
  a->rule += ", " + step.operation + " " + step.summary + " by " + step.rule;
  a->shape = step.out_shape;
  a->bytes = TensorBytes(a->dtype, a->shape, a->bytes);
  a->transforms.push_back(std::move(step));
}

// view + permutation + out_shape for a reshape rule on a tensor of shape `in`.
bool Planner::ResolveReshape(const ReshapeRule& r, const Shape& in, TransformStep* step) {
  step->kind = TransformStep::Kind::kReshape;
  step->operation = "reshape";
  step->rule = r.key_path + " (" + r.pos.ToString() + ")";
  step->in_shape = step->view = in;
  const std::string what = Quote(r.name) + " " + ShapeToString(in);
  if (c_.target_meta_graph == MetaGraphMode::kFromSource) {
    Error(r.pos, r.key_path,
          what +
              ": a rewritten source graph ({from: source}) keeps the ops that read the "
              "variable in its old shape; use meta_graph: true (a fresh graph) or false");
    return false;
  }
  if (r.flatten != FlattenOrder::kNone) {
    const bool chw = r.flatten == FlattenOrder::kChw;
    const Shape& dense = in.size() == 2 ? in : r.shape;
    const Shape& conv = in.size() == 2 ? r.shape : in;
    if (dense.size() != 2 || conv.size() != 4 || dense[1] != conv[3] || dense[0] != conv[0] * conv[1] * conv[2]) {
      Error(r.shape_pos.line ? r.shape_pos : r.pos, r.key_path + ".shape",
            what + " -> " + ShapeToString(r.shape) + ": flatten needs a Dense [H*W*C, N] and a conv [H, W, C, N]");
      return false;
    }
    if (chw && in.size() == 2) {  // rows are (c, h, w): view [C, H, W, N], then to [H, W, C, N]
      step->view = {conv[2], conv[0], conv[1], conv[3]};
      step->permutation = {1, 2, 0, 3};
    } else if (chw) {  // [H, W, C, N] -> [C, H, W, N], then rows (c, h, w)
      step->permutation = {2, 0, 1, 3};
    }
    step->out_shape = r.shape;
    step->summary = ShapeToString(in) + " -> " + ShapeToString(r.shape) + " (flatten " + (chw ? "chw" : "hwc") + ")";
    return true;
  }
  Shape shape = in;
  if (!r.permute.empty()) {
    if (r.permute.size() != in.size()) {
      Error(r.permute_pos, r.key_path + (r.layout_from.empty() ? ".permute" : ".layout"),
            what + " has " + Int(in.size()) + " axes, the permutation " + Int(r.permute.size()));
      return false;
    }
    step->permutation = r.permute;
    shape = Permuted(in, r.permute);
  }
  if (r.has_shape) {
    if (Elements(r.shape) != Elements(in)) {
      Error(r.shape_pos, r.key_path + ".shape",
            what + " has " + Int(Elements(in)) + " elements, " + ShapeToString(r.shape) + " " + Int(Elements(r.shape)));
      return false;
    }
    shape = r.shape;
  }
  step->out_shape = shape;
  step->summary = ShapeToString(in) + " -> " + ShapeToString(shape);
  if (!r.layout_from.empty())
    step->summary += " (" + r.layout_from + " -> " + r.layout_to + ")";
  else if (!r.permute.empty())
    step->summary += " (permute " + PermutationText(r.permute) + ")";
  return true;
}

// The target rows of a class rule: offset rows, then each target label from
// the source row of the same label (or the one `map` names), else
// initialized. Unknown labels in `map` are errors with a did-you-mean.
bool Planner::ResolveClassRows(const ClassRule& r, std::vector<AxisSource>* rows, std::vector<std::string>* labels,
                               std::string* summary) {
  const std::vector<std::string>& src = r.source_labels.labels;
  const std::vector<std::string>& dst = r.target_labels.labels;
  std::map<std::string, int64_t> src_row;
  for (size_t i = 0; i < src.size(); ++i) src_row[src[i]] = r.source_offset + static_cast<int64_t>(i);
  std::map<std::string, std::string> map;
  bool ok = true;
  for (size_t m = 0; m < r.map.size(); ++m) {
    const auto& [to, from] = r.map[m];
    for (const auto& [label, list, file] :
         {std::tuple{to, &dst, r.target_labels.path}, std::tuple{from, &src, r.source_labels.path}}) {
      if (std::find(list->begin(), list->end(), label) != list->end()) continue;
      std::string what = Quote(label) + " is not a label of " + file;
      if (auto near = ClosestMatch(label, *list)) what += "; did you mean " + Quote(*near) + "?";
      Error(r.map_pos[m], r.key_path + ".map", what);
      ok = false;
    }
    map[to] = from;
  }
  if (!ok) return false;
  for (int64_t i = 0; i < r.target_offset; ++i) {
    rows->push_back({{{i, 1.0}}, false});
    labels->push_back("");
  }
  size_t copied = 0;
  std::vector<std::string> added;
  std::set<int64_t> used;
  for (const std::string& label : dst) {
    auto m = map.find(label);
    auto it = src_row.find(m == map.end() ? label : m->second);
    if (it == src_row.end()) {
      rows->push_back({{}, true});
      added.push_back(label);
    } else {
      rows->push_back({{{it->second, 1.0}}, false});
      used.insert(it->second);
      ++copied;
    }
    labels->push_back(label);
  }
  const size_t dropped = src.size() - used.size();
  *summary = Int(r.source_offset + src.size()) + " -> " + Int(rows->size()) + " rows: " + Int(copied) +
             " copied by label, " + Int(added.size()) + " initialized" +
             (added.empty() ? "" : " (" + added.front() + (added.size() > 1 ? ", ..." : "") + ")") + ", " +
             Int(dropped) + " source classes dropped";
  if (r.source_offset > 0) {
    const std::string rows_text = r.source_offset == 1 ? "offset row 0" : "offset rows 0.." + Int(r.source_offset - 1);
    *summary += ", " + rows_text + (r.target_offset > 0 ? " copied" : " dropped");
  }
  return true;
}

void Planner::ApplyClasses(const ClassRule& r) {
  std::vector<AxisSource> rows;
  std::vector<std::string> labels;
  std::string summary;
  if (!ResolveClassRows(r, &rows, &labels, &summary)) return;
  const int64_t expected = r.source_offset + static_cast<int64_t>(r.source_labels.labels.size());
  for (size_t t = 0; t < r.tensors.size(); ++t) {
    const std::string path = r.key_path + ".tensors[" + Int(t) + "]";
    PlanAction* a = TransformTarget(r.tensors[t], r.tensor_pos[t], path);
    if (a == nullptr) continue;
    const int axis = ResolveAxis(r.axis, a->shape.size());
    const std::string what = Quote(r.tensors[t]) + " " + ShapeToString(a->shape);
    if (axis < 0) {
      Error(r.axis_pos.line ? r.axis_pos : r.pos, r.key_path + ".axis", what + " has no axis " + Int(r.axis));
      continue;
    }
    if (a->shape[axis] != expected) {
      Error(r.tensor_pos[t], path,
            what + " has " + Int(a->shape[axis]) + " rows along axis " + Int(axis) + ", but source_labels (" +
                r.source_labels.path + ") has " + Int(r.source_labels.labels.size()) + " labels" +
                (r.source_offset ? " + source_offset " + Int(r.source_offset) : "") + " = " + Int(expected));
      continue;
    }
    TransformStep step;
    step.kind = TransformStep::Kind::kAlongAxis;
    step.operation = "classes";
    step.rule = r.key_path + " (" + r.pos.ToString() + ")";
    step.in_shape = step.out_shape = a->shape;
    step.out_shape[axis] = static_cast<int64_t>(rows.size());
    step.axis = axis;
    step.sources = rows;
    step.labels = labels;
    step.initializer = r.initializer;
    step.summary = summary;
    if (!InitializerFits(step, *a, r.initializer_pos.line ? r.initializer_pos : r.pos, r.key_path, what)) continue;
    AddStep(a, std::move(step));
  }
}

void Planner::ApplyChannelMap(const ChannelMapRule& r) {
  PlanAction* a = TransformTarget(r.name, r.pos, r.key_path + ".name");
  if (a == nullptr) return;
  const int axis = ResolveAxis(r.axis, a->shape.size());
  const std::string what = Quote(r.name) + " " + ShapeToString(a->shape);
  if (axis < 0) {
    Error(r.axis_pos.line ? r.axis_pos : r.pos, r.key_path + ".axis", what + " has no axis " + Int(r.axis));
    return;
  }
  if (c_.target_meta_graph == MetaGraphMode::kFromSource) {
    Error(r.pos, r.key_path,
          what +
              ": a rewritten source graph ({from: source}) keeps its input placeholders "
              "and their channel count; use meta_graph: true (a fresh graph) or false");
    return;
  }
  const int64_t n = a->shape[axis];
  TransformStep step;
  step.kind = TransformStep::Kind::kAlongAxis;
  step.operation = "input_channels";
  step.rule = r.key_path + " (" + r.pos.ToString() + ")";
  step.in_shape = step.out_shape = a->shape;
  step.out_shape[axis] = static_cast<int64_t>(r.channels.size());
  step.axis = axis;
  step.initializer = r.initializer;
  bool ok = true, mixes = false;
  std::string list;
  for (size_t i = 0; i < r.channels.size(); ++i) {
    const ChannelSpec& c = r.channels[i];
    for (int64_t k : c.channels) {
      if (k < n) continue;
      Error(c.pos, r.key_path + ".channels[" + Int(i) + "]",
            what + ": source channel " + Int(k) + " is out of range (axis " + Int(axis) + " has " + Int(n) + ")");
      ok = false;
    }
    mixes |= c.kind == ChannelSpec::Kind::kSum || c.kind == ChannelSpec::Kind::kMean;
    std::string text;
    step.sources.push_back(ChannelSource(c, &text));
    list += (i ? " " : "") + text;
  }
  if (!ok) return;
  if (mixes && !IsFloatingPoint(a->source_dtype)) {
    Error(r.pos, r.key_path + ".channels",
          what + " is " + DataTypeShortName(a->source_dtype) + "; sum and mean need a floating-point tensor");
    return;
  }
  if (!InitializerFits(step, *a, r.initializer_pos.line ? r.initializer_pos : r.pos, r.key_path, what)) return;
  step.summary = Int(n) + " -> " + Int(r.channels.size()) + " channels on axis " + Int(axis) + " [" + list + "]";
  AddStep(a, std::move(step));
}

}  // namespace surgeon::plan_internal
