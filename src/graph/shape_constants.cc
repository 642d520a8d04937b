// See graph/shape_constants.h.
#include "graph/shape_constants.h"

#include <cctype>
#include <vector>

#include "graph/node_util.h"
#include "surgeon/format/meta_graph.h"

namespace surgeon::graph_internal {
namespace {

// The node whose gradient scope holds `name`: for
// "[<scope>/]gradients[_<n>]/<node>_grad/<last>" each "gradients" component
// is tried from the left (a gradient of a gradient has two), and the first
// <node> that exists wins. nullptr when there is none.
const tensorflow::NodeDef* GradientOwner(const std::string& name, const NodeIndex& nodes) {
  const size_t last = name.rfind('/');
  const std::string kSuffix = "_grad";
  if (last == std::string::npos || last < kSuffix.size() ||
      name.compare(last - kSuffix.size(), kSuffix.size(), kSuffix)) {
    return nullptr;
  }
  const size_t scope_end = last - kSuffix.size();  // end of "<node>"
  for (size_t i = name.find("gradients"); i != std::string::npos && i < scope_end; i = name.find("gradients", i + 1)) {
    if (i > 0 && name[i - 1] != '/') continue;
    size_t j = i + 9;  // after "gradients"
    if (j < name.size() && name[j] == '_') {
      size_t k = j + 1;
      while (k < name.size() && std::isdigit(static_cast<unsigned char>(name[k]))) ++k;
      if (k == j + 1) continue;
      j = k;
    }
    if (j >= scope_end || name[j] != '/') continue;
    auto it = nodes.find(name.substr(j + 1, scope_end - j - 1));
    if (it != nodes.end()) return it->second;
  }
  return nullptr;
}

// Whether tensor `input` (a NodeDef input string) is `var`'s value: the
// variable, or an Identity / ReadVariableOp of it.
bool ReadsVariable(const std::string& input, const std::string& var, const NodeIndex& nodes) {
  TensorRef r = ParseTensorRef(input);
  if (r.index != 0) return false;
  if (r.node == var) return true;
  auto it = nodes.find(r.node);
  if (it == nodes.end()) return false;
  const tensorflow::NodeDef& n = *it->second;
  return (n.op() == "Identity" || n.op() == "ReadVariableOp") && n.input_size() > 0 &&
         ParseTensorRef(n.input(0)).node == var;
}

bool HoldsShapeVector(const tensorflow::NodeDef& c, const Shape& shape) {
  if (c.op() != "Const") return false;
  auto value = c.attr().find("value");
  if (value == c.attr().end() || value->second.tensor().tensor_shape().dim_size() != 1) return false;
  std::vector<int64_t> values;
  return ReadIntTensor(value->second.tensor(), &values) && values == std::vector<int64_t>(shape.begin(), shape.end());
}

}  // namespace

bool MakeVariableShapeDynamic(tensorflow::NodeDef* c, const std::string& var, const Shape& old_shape,
                              const NodeIndex& nodes) {
  if (!HoldsShapeVector(*c, old_shape)) return false;
  const tensorflow::NodeDef* owner = GradientOwner(c->name(), nodes);
  if (owner == nullptr || !owner->attr().count("T")) return false;
  const std::string* measured = nullptr;
  for (const auto& in : owner->input()) {
    if (ReadsVariable(in, var, nodes)) {
      measured = &in;
      break;
    }
  }
  if (measured == nullptr) return false;
  const auto out_type = c->attr().at("dtype").type();
  const auto value_type = owner->attr().at("T").type();
  std::vector<std::string> controls;
  for (const auto& in : c->input()) controls.push_back(in);  // a Const has control inputs only
  auto* attrs = c->mutable_attr();
  for (auto it = attrs->begin(); it != attrs->end();) {
    // Keep "_class" and the like; drop value, dtype and the stale _output_shapes.
    it = (it->first.empty() || it->first[0] != '_' || it->first == "_output_shapes") ? attrs->erase(it) : ++it;
  }
  c->set_op("Shape");
  c->clear_input();
  c->add_input(*measured);
  for (const auto& in : controls) c->add_input(in);
  (*attrs)["T"].set_type(value_type);
  // int32 is Shape's default out_type, and the only output of the earliest
  // Shape OpDef (corpus v1_neo_2016); set it only when it differs.
  if (out_type != tensorflow::DT_INT32) (*attrs)["out_type"].set_type(out_type);
  return true;
}

}  // namespace surgeon::graph_internal
