// See graph/optimizer_updates.h.
#include "graph/optimizer_updates.h"

#include <cctype>
#include <unordered_map>

#include "surgeon/format/meta_graph.h"

namespace surgeon::graph_internal {

bool IsOptimizerUpdateOp(std::string_view op) {
  for (std::string_view prefix : {"Resource", "Sparse"}) {
    if (op.substr(0, prefix.size()) == prefix) op.remove_prefix(prefix.size());
  }
  constexpr std::string_view kApply = "Apply";
  return op.size() > kApply.size() && op.substr(0, kApply.size()) == kApply &&
         std::isupper(static_cast<unsigned char>(op[kApply.size()]));
}

std::vector<std::string> OptimizerUpdatesOf(const tensorflow::GraphDef& graph, const std::set<std::string>& variables) {
  std::vector<std::string> out;
  for (const auto& n : graph.node()) {
    if (IsOptimizerUpdateOp(n.op()) && n.input_size() > 0 && variables.count(ParseTensorRef(n.input(0)).node)) {
      out.push_back(n.name());
    }
  }
  return out;
}

namespace {

bool IsAssignOp(const std::string& op) {
  return op == "Assign" || op == "AssignAdd" || op == "AssignSub" || op == "AssignVariableOp" ||
         op == "AssignAddVariableOp" || op == "AssignSubVariableOp";
}

}  // namespace

std::vector<std::string> VariableAssignsOf(const tensorflow::GraphDef& graph, const std::set<std::string>& variables) {
  std::unordered_map<std::string, const tensorflow::NodeDef*> by_name;
  for (const auto& n : graph.node()) by_name[n.name()] = &n;
  // The variable node behind a tensor, looking through pass-through ops.
  auto variable_of = [&](std::string name) -> std::string {
    for (int hops = 0; hops < 16; ++hops) {
      auto it = by_name.find(name);
      if (it == by_name.end()) return "";
      const auto& op = it->second->op();
      if (IsVariableOp(op)) return name;
      if ((op != "Identity" && op != "RefIdentity" && op != "Switch" && op != "RefSwitch" && op != "Enter" &&
           op != "RefEnter") ||
          it->second->input_size() == 0) {
        return "";
      }
      name = ParseTensorRef(it->second->input(0)).node;
    }
    return "";
  };
  std::vector<std::string> out;
  for (const auto& n : graph.node()) {
    if (!IsAssignOp(n.op()) || n.input_size() == 0) continue;
    const std::string v = variable_of(ParseTensorRef(n.input(0)).node);
    if (v.empty() || !variables.count(v) || n.name().rfind(v + "/", 0) == 0) continue;
    out.push_back(n.name());
  }
  return out;
}

}  // namespace surgeon::graph_internal
