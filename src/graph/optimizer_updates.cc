// See graph/optimizer_updates.h.
#include "graph/optimizer_updates.h"

#include <cctype>

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

}  // namespace surgeon::graph_internal
