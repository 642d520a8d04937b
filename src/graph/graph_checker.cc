// See graph/graph_checker.h. TF sources mirrored here:
//  - core/graph/graph_constructor.cc: IsValidNodeName, input parsing,
//    "Control input after data input", unknown input nodes/outputs,
//    TypesCompatible on every edge, colocation targets.
//  - core/framework/node_def_util.cc ValidateNodeDef / InOutTypesForNode /
//    NameRangesForNode: attrs declared or '_'-prefixed, input counts from
//    number_attr / type_list_attr.
//  - core/framework/op_def_util.cc ValidateAttrValue / AttrValueHasType:
//    value kind, allowed_values, has_minimum.
//  - python/training/saver.py restore + io_ops RestoreV2: keys and dtypes.
#include "surgeon/graph/graph_checker.h"

#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "graph/node_util.h"
#include "proto/control_flow.pb.h"
#include "proto/saver.pb.h"
#include "proto/variable.pb.h"
#include "surgeon/format/meta_graph.h"
#include "surgeon/format/slice_spec.h"
#include "surgeon/graph/fresh_graph.h"
#include "surgeon/graph/op_registry.h"

namespace surgeon {
namespace {

using graph_internal::ReadIntTensor;
using graph_internal::ShapeFromProto;
using tensorflow::AttrValue;
using tensorflow::NodeDef;
using tensorflow::OpDef;

constexpr int kRefOffset = 100;

// True when `bytes` parse as the message TF's import_meta_graph decodes the
// values of collection `key` into (register_proto_function in control_flow_ops.py,
// saver.py); collections TF keeps as plain bytes always pass.
bool ParsesAsCollectionProto(const std::string& key, const std::string& bytes, std::string* type) {
  if (key == "cond_context") {
    *type = "CondContextDef";
    return tensorflow::CondContextDef().ParseFromString(bytes);
  }
  if (key == "while_context") {
    *type = "WhileContextDef";
    return tensorflow::WhileContextDef().ParseFromString(bytes);
  }
  if (key == "savers") {
    *type = "SaverDef";
    return tensorflow::SaverDef().ParseFromString(bytes);
  }
  return true;
}

class Checker {
 public:
  Checker(const tensorflow::MetaGraphDef& mg, const GraphCheckOptions& options) : mg_(mg), options_(options) {
    for (const auto& op : mg.meta_info_def().stripped_op_list().op()) ops_[op.name()] = &op;
    for (const auto& f : mg.graph_def().library().function()) ops_[f.signature().name()] = &f.signature();
    for (const auto& n : mg.graph_def().node()) {
      if (!nodes_.emplace(n.name(), &n).second) Report("node '" + n.name() + "': duplicate node name");
    }
  }

  std::vector<std::string> Run(const std::optional<std::vector<CheckpointTensorInfo>>& checkpoint) {
    for (const auto& n : mg_.graph_def().node()) CheckNode(n);
    CheckVersions();
    CheckCollections();
    CheckSaverDef();
    CheckAssignShapes();
    if (checkpoint) CheckRestore(*checkpoint);
    return std::move(problems_);
  }

 private:
  void Report(std::string msg) { problems_.push_back(std::move(msg)); }

  const NodeDef* FindNode(const std::string& name) const {
    auto it = nodes_.find(name);
    return it == nodes_.end() ? nullptr : it->second;
  }
  const OpDef* FindOp(const std::string& name) const {
    auto it = ops_.find(name);
    return it == ops_.end() ? nullptr : it->second;
  }

  // The node's attr or the OpDef default; nullptr when neither.
  static const AttrValue* GetAttr(const NodeDef& n, const OpDef* op, const std::string& name) {
    auto it = n.attr().find(name);
    if (it != n.attr().end()) return &it->second;
    if (op) {
      for (const auto& a : op->attr()) {
        if (a.name() == name && a.has_default_value()) return &a.default_value();
      }
    }
    return nullptr;
  }

  // Types of one arg list (inputs or outputs) expanded per tensor; false if
  // an attr it depends on is missing.
  static bool ArgTypes(const NodeDef& n, const OpDef& op, bool inputs, std::vector<int>* out) {
    out->clear();
    for (const auto& arg : inputs ? op.input_arg() : op.output_arg()) {
      std::vector<int> types;
      if (!arg.type_list_attr().empty()) {
        const AttrValue* v = GetAttr(n, &op, arg.type_list_attr());
        if (!v) return false;
        for (int t : v->list().type()) types.push_back(t);
      } else {
        int t = arg.type();
        if (!arg.type_attr().empty()) {
          const AttrValue* v = GetAttr(n, &op, arg.type_attr());
          if (!v) return false;
          t = v->type();
        }
        int64_t count = 1;
        if (!arg.number_attr().empty()) {
          const AttrValue* v = GetAttr(n, &op, arg.number_attr());
          if (!v) return false;
          count = v->i();
        }
        if (count < 0 || count > (1 << 20)) return false;
        types.assign(static_cast<size_t>(count), t);
      }
      for (int t : types) out->push_back(arg.is_ref() ? t + kRefOffset : t);
    }
    return true;
  }

  void CheckAttrValue(const NodeDef& n, const OpDef::AttrDef& def, const AttrValue& v) {
    const std::string where = "node '" + n.name() + "' (" + n.op() + "): attr '" + def.name() + "'";
    const std::string& type = def.type();
    const bool is_list = type.rfind("list(", 0) == 0;
    const std::string base = is_list ? type.substr(5, type.size() - 6) : type;
    auto kind_ok = [&]() {
      if (is_list) return v.value_case() == AttrValue::kList;
      if (base == "string") return v.value_case() == AttrValue::kS;
      if (base == "int") return v.value_case() == AttrValue::kI;
      if (base == "float") return v.value_case() == AttrValue::kF;
      if (base == "bool") return v.value_case() == AttrValue::kB;
      if (base == "type") return v.value_case() == AttrValue::kType;
      if (base == "shape") return v.value_case() == AttrValue::kShape;
      if (base == "tensor") return v.value_case() == AttrValue::kTensor;
      if (base == "func") return v.value_case() == AttrValue::kFunc;
      return true;  // "any" and newer kinds
    };
    if (v.value_case() == AttrValue::kPlaceholder) return;  // Only inside functions.
    if (!kind_ok()) {
      Report(where + ": value is not of type " + type);
      return;
    }
    auto valid_type = [](int t) { return t > 0 && t < kRefOffset && IsKnownDataType(t); };
    if (base == "type") {
      std::vector<int> types;
      if (is_list)
        types.assign(v.list().type().begin(), v.list().type().end());
      else
        types.push_back(v.type());
      for (int t : types) {
        if (!valid_type(t)) {
          Report(where + ": " + std::to_string(t) + " is not a valid non-ref DataType");
          continue;
        }
        if (def.has_allowed_values() && def.allowed_values().list().type_size() > 0) {
          bool found = false;
          for (int a : def.allowed_values().list().type()) found |= a == t;
          if (!found) Report(where + ": " + DataTypeName(static_cast<DataType>(t)) + " not in allowed values");
        }
      }
    }
    if (base == "string" && !is_list && def.has_allowed_values() && def.allowed_values().list().s_size() > 0) {
      bool found = false;
      for (const auto& a : def.allowed_values().list().s()) found |= a == v.s();
      if (!found) Report(where + ": '" + v.s() + "' not in allowed values");
    }
    if (def.has_minimum()) {
      int64_t got = 0;
      if (is_list) {
        const auto& l = v.list();
        got = l.s_size() + l.i_size() + l.f_size() + l.b_size() + l.type_size() + l.shape_size() + l.tensor_size() +
              l.func_size();
      } else if (base == "int") {
        got = v.i();
      } else {
        return;
      }
      if (got < def.minimum()) {
        Report(where + ": " + std::to_string(got) + " is below the minimum " + std::to_string(def.minimum()));
      }
    }
  }

  void CheckNode(const NodeDef& n) {
    const std::string who = "node '" + n.name() + "' (" + n.op() + ")";
    if (!IsValidNodeName(n.name())) Report(who + ": invalid node name");
    const OpDef* op = FindOp(n.op());
    if (!op) Report(who + ": op '" + n.op() + "' is not in stripped_op_list or the function library");
    if (options_.require_registered_ops && !FindRegisteredOp(n.op())) {
      Report(who + ": op '" + n.op() + "' is not in surgeon's op registry");
    }

    // Inputs: existence, indices, control-after-data.
    bool seen_control = false;
    std::vector<TensorRef> data;
    for (const auto& in : n.input()) {
      TensorRef ref = ParseTensorRef(in);
      if (ref.index < 0) {
        seen_control = true;
      } else {
        if (seen_control) Report(who + ": data input '" + in + "' after a control input");
        data.push_back(ref);
      }
      if (!FindNode(ref.node)) Report(who + ": input '" + in + "' names no node");
    }

    // _class colocation targets.
    auto cls = n.attr().find("_class");
    if (cls != n.attr().end() && cls->second.value_case() != AttrValue::kList) {
      Report(who + ": attr '_class' is not a list of strings");  // Python's colocation_groups iterates it
    } else if (cls != n.attr().end()) {
      for (const auto& s : cls->second.list().s()) {
        if (s.rfind("loc:@", 0) == 0 && !FindNode(s.substr(5))) {
          Report(who + ": colocation target '" + s + "' names no node");
        }
      }
    }
    if (!op) return;
    if (n.op() == "Const") CheckConstValue(n, who);

    // Attrs.
    std::map<std::string, const OpDef::AttrDef*> defs;
    for (const auto& a : op->attr()) defs[a.name()] = &a;
    for (const auto& [key, value] : n.attr()) {
      if (!key.empty() && key[0] == '_') continue;
      auto it = defs.find(key);
      if (it == defs.end()) {
        Report(who + ": attr '" + key + "' is not declared by the OpDef");
        continue;
      }
      CheckAttrValue(n, *it->second, value);
    }
    for (const auto& [key, def] : defs) {
      if (!n.attr().count(key) && !def->has_default_value()) Report(who + ": required attr '" + key + "' is missing");
    }

    // Input count and edge types.
    std::vector<int> want;
    if (!ArgTypes(n, *op, /*inputs=*/true, &want)) return;
    if (want.size() != data.size()) {
      Report(who + ": has " + std::to_string(data.size()) + " data inputs, its OpDef expects " +
             std::to_string(want.size()));
      return;
    }
    for (size_t i = 0; i < data.size(); ++i) {
      const NodeDef* src = FindNode(data[i].node);
      if (!src) continue;
      const OpDef* src_op = FindOp(src->op());
      std::vector<int> outs;
      if (!src_op || !ArgTypes(*src, *src_op, /*inputs=*/false, &outs)) continue;
      if (data[i].index >= static_cast<int>(outs.size())) {
        Report(who + ": input '" + n.input(static_cast<int>(i)) + "' refers to output " +
               std::to_string(data[i].index) + " but '" + src->name() + "' has " + std::to_string(outs.size()) +
               " outputs");
        continue;
      }
      const int actual = outs[data[i].index];
      const int expected = want[i];
      const int base_actual = actual >= kRefOffset ? actual - kRefOffset : actual;
      if (expected != actual && expected != base_actual) {
        Report(who + ": input " + std::to_string(i) + " '" + n.input(static_cast<int>(i)) + "' has type " +
               TypeName(actual) + ", expected " + TypeName(expected));
      }
    }
  }

  static std::string TypeName(int t) {
    if (t >= kRefOffset) return DataTypeName(static_cast<DataType>(t - kRefOffset)) + "_REF";
    return DataTypeName(static_cast<DataType>(t));
  }

  void CheckTensorName(const std::string& where, const std::string& tensor) {
    if (tensor.empty()) return;
    TensorRef ref = ParseTensorRef(tensor);
    if (!FindNode(ref.node)) Report(where + ": '" + tensor + "' names no node");
  }

  void CheckCollections() {
    for (const auto& [key, col] : mg_.collection_def()) {
      const std::string where = "collection '" + key + "'";
      if (col.has_node_list()) {
        for (const auto& v : col.node_list().value()) CheckTensorName(where, v);
      }
      if (col.has_bytes_list() && !IsVariableDefCollection(key)) {
        for (const auto& bytes : col.bytes_list().value()) {
          std::string type;
          if (!ParsesAsCollectionProto(key, bytes, &type)) Report(where + ": a value is not a " + type);
        }
      }
      if (col.has_bytes_list() && IsVariableDefCollection(key)) {
        for (const auto& bytes : col.bytes_list().value()) {
          tensorflow::VariableDef vd;
          if (!vd.ParseFromString(bytes)) {
            Report(where + ": a value is not a VariableDef");
            continue;
          }
          if (vd.variable_name().empty()) Report(where + ": VariableDef without variable_name");
          CheckTensorName(where, vd.variable_name());
          CheckTensorName(where, vd.initializer_name());
          CheckTensorName(where, vd.snapshot_name());
          CheckTensorName(where, vd.initial_value_name());
        }
      }
    }
  }

  // core/framework/versions.cc CheckVersions, for any consumer: a graph
  // whose producer is negative (TF_GRAPH_DEF_VERSION_MIN_PRODUCER is 0) or
  // that demands a consumer newer than the producer that wrote it.
  void CheckVersions() {
    const auto& v = mg_.graph_def().versions();
    if (v.producer() < 0) Report("graph_def.versions: producer " + std::to_string(v.producer()) + " is negative");
    if (v.min_consumer() > v.producer()) {
      Report("graph_def.versions: min_consumer " + std::to_string(v.min_consumer()) + " is above producer " +
             std::to_string(v.producer()) + " (no TensorFlow that can read it wrote it)");
    }
  }

  // The Const kernel refuses a value whose dtype is not the dtype attr
  // ("Type mismatch between value and dtype"); import can abort on it.
  void CheckConstValue(const NodeDef& n, const std::string& who) {
    auto dtype = n.attr().find("dtype");
    auto value = n.attr().find("value");
    if (dtype == n.attr().end() || value == n.attr().end() || !value->second.has_tensor()) return;
    const int got = value->second.tensor().dtype();
    if (got != dtype->second.type()) {
      Report(who + ": value has dtype " + TypeName(got) + ", attr dtype is " + TypeName(dtype->second.type()));
    }
  }

  void CheckSaverDef() {
    if (!mg_.has_saver_def()) return;
    const auto& sd = mg_.saver_def();
    CheckTensorName("saver_def.filename_tensor_name", sd.filename_tensor_name());
    CheckTensorName("saver_def.save_tensor_name", sd.save_tensor_name());
    CheckTensorName("saver_def.restore_op_name", sd.restore_op_name());
    if (sd.save_tensor_name().empty() || sd.restore_op_name().empty()) {
      Report("saver_def: save_tensor_name and restore_op_name must be set");
    }
  }

  // Static output-0 shape for the few ops surgeon's graphs assign from.
  std::optional<Shape> StaticShape(const std::string& input, int depth = 0) {
    TensorRef ref = ParseTensorRef(input);
    const NodeDef* n = FindNode(ref.node);
    if (!n || ref.index != 0 || depth > 16) return std::nullopt;
    auto attr = [&](const char* k) -> const AttrValue* {
      auto it = n->attr().find(k);
      return it == n->attr().end() ? nullptr : &it->second;
    };
    if (n->op() == "Const") {
      const AttrValue* v = attr("value");
      if (!v || !v->has_tensor() || v->tensor().tensor_shape().unknown_rank()) return std::nullopt;
      return ShapeFromProto(v->tensor().tensor_shape());
    }
    if (n->op() == "VariableV2" || n->op() == "Variable") {
      const AttrValue* v = attr("shape");
      if (!v || !v->has_shape() || v->shape().unknown_rank()) return std::nullopt;
      Shape s = ShapeFromProto(v->shape());
      for (int64_t d : s) {
        if (d < 0) return std::nullopt;
      }
      // TF 1.0 `Variable` with an empty shape attr means "unknown".
      if (s.empty() && n->op() == "Variable") return std::nullopt;
      return s;
    }
    if (n->op() == "Identity" && n->input_size() > 0) return StaticShape(n->input(0), depth + 1);
    if ((n->op() == "RandomUniform" || n->op() == "TruncatedNormal" || n->op() == "RandomStandardNormal" ||
         n->op() == "Fill") &&
        n->input_size() > 0) {
      const NodeDef* s = FindNode(ParseTensorRef(n->input(0)).node);
      if (!s || s->op() != "Const") return std::nullopt;
      auto v = s->attr().find("value");
      std::vector<int64_t> dims;
      if (v == s->attr().end() || !ReadIntTensor(v->second.tensor(), &dims)) return std::nullopt;
      return dims;
    }
    if ((n->op() == "Add" || n->op() == "AddV2" || n->op() == "Sub" || n->op() == "Mul") && n->input_size() >= 2) {
      auto a = StaticShape(n->input(0), depth + 1), b = StaticShape(n->input(1), depth + 1);
      if (!a || !b) return std::nullopt;
      // Numpy broadcasting.
      Shape out(std::max(a->size(), b->size()), 1);
      for (size_t i = 0; i < out.size(); ++i) {
        int64_t x = i < a->size() ? (*a)[a->size() - 1 - i] : 1;
        int64_t y = i < b->size() ? (*b)[b->size() - 1 - i] : 1;
        if (x != y && x != 1 && y != 1) return std::nullopt;
        out[out.size() - 1 - i] = x == 1 ? y : x;
      }
      return out;
    }
    return std::nullopt;
  }

  void CheckAssignShapes() {
    for (const auto& n : mg_.graph_def().node()) {
      if (n.op() != "Assign" || n.input_size() < 2) continue;
      const AttrValue* vs = GetAttr(n, FindOp("Assign"), "validate_shape");
      if (vs && !vs->b()) continue;
      auto ref = StaticShape(n.input(0)), value = StaticShape(n.input(1));
      if (ref && value && *ref != *value) {
        Report("node '" + n.name() + "' (Assign): assigns a value of shape " + ShapeToString(*value) + " to '" +
               ParseTensorRef(n.input(0)).node + "' of shape " + ShapeToString(*ref));
      }
    }
  }

  // String values of a Const feeding `input`, or nullopt.
  std::optional<std::vector<std::string>> StringConst(const std::string& input) {
    const NodeDef* n = FindNode(ParseTensorRef(input).node);
    if (!n || n->op() != "Const") return std::nullopt;
    auto v = n->attr().find("value");
    if (v == n->attr().end()) return std::nullopt;
    return std::vector<std::string>(v->second.tensor().string_val().begin(), v->second.tensor().string_val().end());
  }

  // Restore outputs: (node, index) -> key/dtype/spec.
  struct Restored {
    std::string key, spec;
    int dtype;
  };
  using RestoreOutputs = std::map<std::pair<std::string, int>, Restored>;
  using CheckpointByKey = std::map<std::string, const CheckpointTensorInfo*>;

  void CheckRestore(const std::vector<CheckpointTensorInfo>& ckpt) {
    CheckpointByKey by_key;
    for (const auto& t : ckpt) by_key[t.key] = &t;
    if (!mg_.has_saver_def() || mg_.saver_def().restore_op_name().empty()) {
      Report("saver_def: missing; the graph cannot restore the checkpoint");
      return;
    }
    const std::set<std::string> reached = ReachedFromRestore();
    const RestoreOutputs outputs = CollectRestoreOutputs(reached);
    CheckRestoredKeys(outputs, by_key, ckpt);
    CheckVariablesRestored(CheckAssignShapes(reached, outputs, by_key));
  }

  // Everything the restore op runs.
  std::set<std::string> ReachedFromRestore() {
    std::set<std::string> reached;
    std::vector<std::string> stack{ParseTensorRef(mg_.saver_def().restore_op_name()).node};
    while (!stack.empty()) {
      std::string name = stack.back();
      stack.pop_back();
      if (!reached.insert(name).second) continue;
      if (const NodeDef* n = FindNode(name)) {
        for (const auto& in : n->input()) stack.push_back(ParseTensorRef(in).node);
      }
    }
    return reached;
  }

  RestoreOutputs CollectRestoreOutputs(const std::set<std::string>& reached) {
    RestoreOutputs outputs;
    for (const auto& name : reached) {
      const NodeDef* n = FindNode(name);
      if (!n) continue;
      if (n->op() == "RestoreV2" && n->input_size() >= 3) {
        auto names = StringConst(n->input(1)), specs = StringConst(n->input(2));
        const AttrValue* dt = GetAttr(*n, nullptr, "dtypes");
        if (!names || !specs || !dt) {
          Report("node '" + name + "' (RestoreV2): tensor_names/shape_and_slices are not constants");
          continue;
        }
        for (size_t i = 0; i < names->size(); ++i) {
          int type = i < static_cast<size_t>(dt->list().type_size()) ? dt->list().type(static_cast<int>(i)) : 0;
          std::string spec = i < specs->size() ? (*specs)[i] : "";
          outputs[{name, static_cast<int>(i)}] = {(*names)[i], spec, type};
        }
      } else if ((n->op() == "RestoreSlice" || n->op() == "Restore") && n->input_size() >= 2) {
        auto names = StringConst(n->input(1));
        std::optional<std::vector<std::string>> specs;
        if (n->op() == "RestoreSlice" && n->input_size() >= 3) specs = StringConst(n->input(2));
        const AttrValue* dt = GetAttr(*n, nullptr, "dt");
        if (!names || names->empty() || !dt) continue;
        outputs[{name, 0}] = {(*names)[0], specs && !specs->empty() ? (*specs)[0] : "", dt->type()};
      }
    }
    return outputs;
  }

  // The saver restores exactly the checkpoint's keys, with their dtypes.
  void CheckRestoredKeys(const RestoreOutputs& outputs, const CheckpointByKey& by_key,
                         const std::vector<CheckpointTensorInfo>& ckpt) {
    std::set<std::string> restored_keys;
    for (const auto& [out, r] : outputs) {
      restored_keys.insert(r.key);
      auto it = by_key.find(r.key);
      if (it == by_key.end()) {
        Report("saver: restores '" + r.key + "' (" + out.first + ":" + std::to_string(out.second) +
               "), which is not in the checkpoint");
        continue;
      }
      if (r.dtype != static_cast<int>(it->second->dtype)) {
        Report("saver: restores '" + r.key + "' as " + TypeName(r.dtype) + ", the checkpoint holds " +
               DataTypeName(it->second->dtype));
      }
    }
    for (const auto& t : ckpt) {
      if (!restored_keys.count(t.key)) Report("saver: checkpoint key '" + t.key + "' is not restored");
    }
  }

  // Assign shapes; returns the variables that get restored.
  std::set<std::string> CheckAssignShapes(const std::set<std::string>& reached, const RestoreOutputs& outputs,
                                          const CheckpointByKey& by_key) {
    std::set<std::string> assigned;
    for (const auto& name : reached) {
      const NodeDef* n = FindNode(name);
      if (!n || n->input_size() < 2 || (n->op() != "Assign" && n->op() != "AssignVariableOp")) continue;
      TensorRef value = ParseTensorRef(n->input(1));
      // Resource variables restore through an Identity (ResourceVariableSaveable.restore).
      for (int hops = 0; hops < 4; ++hops) {
        const NodeDef* v = FindNode(value.node);
        if (!v || v->op() != "Identity" || v->input_size() < 1 || value.index != 0) break;
        value = ParseTensorRef(v->input(0));
      }
      auto it = outputs.find({value.node, value.index});
      if (it == outputs.end()) continue;
      const std::string var = ParseTensorRef(n->input(0)).node;
      assigned.insert(var);
      auto ck = by_key.find(it->second.key);
      if (ck == by_key.end()) continue;
      CheckAssignShape(name, var, it->second, *ck->second);
    }
    return assigned;
  }

  void CheckAssignShape(const std::string& name, const std::string& var, const Restored& restored,
                        const CheckpointTensorInfo& ck) {
    auto var_shape = StaticShape(var);
    if (!var_shape) return;
    Shape want = ck.shape;
    if (!restored.spec.empty()) {
      auto spec = ParseShapeAndSlice(restored.spec);
      if (!spec.ok()) {
        Report("node '" + name + "': " + spec.status().message());
        return;
      }
      if (spec->full_shape != ck.shape) {
        Report("node '" + name + "': slice spec '" + restored.spec + "' full shape differs from checkpoint " +
               ShapeToString(ck.shape));
      }
      want = spec->SliceShape();
    }
    if (*var_shape != want) {
      Report("node '" + name + "' (Assign): restores '" + restored.key + "' of shape " + ShapeToString(want) +
             " into '" + var + "' of shape " + ShapeToString(*var_shape));
    }
  }

  void CheckVariablesRestored(const std::set<std::string>& assigned) {
    auto vars = mg_.collection_def().find("variables");
    if (vars == mg_.collection_def().end() || !vars->second.has_bytes_list()) return;
    for (const auto& bytes : vars->second.bytes_list().value()) {
      tensorflow::VariableDef vd;
      if (!vd.ParseFromString(bytes)) continue;
      std::string node = ParseTensorRef(vd.variable_name()).node;
      if (!assigned.count(node)) Report("saver: variable '" + node + "' is not restored");
    }
  }

  const tensorflow::MetaGraphDef& mg_;
  GraphCheckOptions options_;
  std::unordered_map<std::string, const OpDef*> ops_;
  std::unordered_map<std::string, const NodeDef*> nodes_;
  std::vector<std::string> problems_;
};

}  // namespace

std::vector<std::string> CheckGraph(const tensorflow::MetaGraphDef& meta_graph,
                                    const std::optional<std::vector<CheckpointTensorInfo>>& checkpoint,
                                    const GraphCheckOptions& options) {
  return Checker(meta_graph, options).Run(checkpoint);
}

}  // namespace surgeon
