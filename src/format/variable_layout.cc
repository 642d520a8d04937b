// ComputeVariableLayouts: the input/output axes of a variable from the op
// that uses it (see variable_layout.h). Op semantics from TF's op
// definitions: MatMul(a, b, transpose_b), Conv2DBackpropInput(input_sizes,
// filter [h, w, out, in], out_backprop), LSTMBlockCell(x, cs_prev, h_prev, w,
// ...), GRUBlockCell(x, h_prev, w_ru, w_c, ...), Split(split_dim, value,
// num_split).
#include "surgeon/format/variable_layout.h"

#include <unordered_map>
#include <vector>

#include "surgeon/format/meta_graph.h"

namespace surgeon {
namespace {

class LayoutFinder {
 public:
  explicit LayoutFinder(const tensorflow::GraphDef& graph) {
    for (const auto& n : graph.node()) {
      by_name_[n.name()] = &n;
      for (const auto& in : n.input()) {
        if (!in.empty() && in[0] != '^') consumers_[ParseTensorRef(in).node].push_back(&n);
      }
    }
  }

  std::map<std::string, VariableLayout> Run(const tensorflow::GraphDef& graph) {
    for (const auto& n : graph.node()) Visit(n);
    return std::move(out_);
  }

 private:
  static std::string Evidence(const tensorflow::NodeDef& n) { return n.op() + " '" + n.name() + "'"; }
  static bool BoolAttr(const tensorflow::NodeDef& n, const char* name) {
    auto it = n.attr().find(name);
    return it != n.attr().end() && it->second.b();
  }

  // The variable a tensor reads, looking through Identity / ReadVariableOp.
  std::string VariableOf(const std::string& input) const {
    std::string name = ParseTensorRef(input).node;
    for (int hops = 0; hops < 8; ++hops) {
      auto it = by_name_.find(name);
      if (it == by_name_.end()) return "";
      const auto* n = it->second;
      if (IsVariableOp(n->op())) return n->name();
      if ((n->op() != "Identity" && n->op() != "ReadVariableOp") || n->input_size() == 0) return "";
      name = ParseTensorRef(n->input(0)).node;
    }
    return "";
  }
  std::string VariableAt(const tensorflow::NodeDef& n, int i) const {
    return i < n.input_size() ? VariableOf(n.input(i)) : "";
  }
  bool IsConcat(const std::string& input) const {
    auto it = by_name_.find(ParseTensorRef(input).node);
    return it != by_name_.end() && (it->second->op() == "ConcatV2" || it->second->op() == "Concat");
  }

  // num_split of a Split/SplitV reached from `node` through element-wise
  // ops (BiasAdd, Add, Sigmoid, ...), or 1.
  int GatesAfter(const tensorflow::NodeDef& node, int depth = 0) const {
    if (depth > 4) return 1;
    auto it = consumers_.find(node.name());
    if (it == consumers_.end()) return 1;
    for (const auto* c : it->second) {
      if (c->op() == "Split" || c->op() == "SplitV") {
        auto a = c->attr().find("num_split");
        if (a != c->attr().end() && a->second.i() > 1) return static_cast<int>(a->second.i());
      }
      static const char* kPassThrough[] = {"BiasAdd", "Add", "AddV2", "Sigmoid", "Identity"};
      for (const char* op : kPassThrough) {
        if (c->op() == op) {
          if (int g = GatesAfter(*c, depth + 1); g > 1) return g;
        }
      }
    }
    return 1;
  }

  void Set(const std::string& var, VariableLayout layout) {
    if (!var.empty()) out_.emplace(var, std::move(layout));  // The first use decides.
  }

  void Visit(const tensorflow::NodeDef& n) {
    const std::string& op = n.op();
    if (op == "MatMul") {
      VariableLayout l;
      if (BoolAttr(n, "transpose_b")) l.input_axis = -1, l.output_axis = -2;
      l.gates = GatesAfter(n);
      l.input_includes_state = n.input_size() > 0 && IsConcat(n.input(0));
      l.evidence = Evidence(n);
      Set(VariableAt(n, 1), l);
    } else if (op == "Conv2D" || op == "Conv3D" || op == "DepthwiseConv2dNative") {
      Set(VariableAt(n, 1), VariableLayout{-2, -1, 1, false, Evidence(n)});
    } else if (op == "Conv2DBackpropInput" || op == "Conv3DBackpropInputV2") {
      // conv2d_transpose: filter [h, w, out_channels, in_channels].
      Set(VariableAt(n, 1), VariableLayout{-1, -2, 1, false, Evidence(n)});
    } else if (op == "LSTMBlockCell") {
      Set(VariableAt(n, 3), VariableLayout{-2, -1, 4, true, Evidence(n)});
    } else if (op == "GRUBlockCell") {
      Set(VariableAt(n, 2), VariableLayout{-2, -1, 2, true, Evidence(n)});
      Set(VariableAt(n, 3), VariableLayout{-2, -1, 1, true, Evidence(n)});
    }
  }

  std::unordered_map<std::string, const tensorflow::NodeDef*> by_name_;
  std::unordered_map<std::string, std::vector<const tensorflow::NodeDef*>> consumers_;
  std::map<std::string, VariableLayout> out_;
};

}  // namespace

std::map<std::string, VariableLayout> ComputeVariableLayouts(const tensorflow::GraphDef& graph) {
  return LayoutFinder(graph).Run(graph);
}

}  // namespace surgeon
