#include "surgeon/exec/inspect.h"

namespace surgeon {
namespace {

// Where graph and checkpoint disagree, in words a user can act on.
std::vector<std::string> CrossCheck(const CheckpointReader& reader, const MetaGraphSummary& graph) {
  std::vector<std::string> out;
  for (const auto& v : graph.variables) {
    if (v.op == "VarHandleOp") continue;  // TF2 graphs key variables by object path, not node name.
    const TensorEntry* e = reader.Find(v.checkpoint_key());
    if (e == nullptr) {
      out.push_back("graph variable '" + v.name + "' has no tensor in the checkpoint");
      continue;
    }
    if (v.dtype != e->dtype) {
      out.push_back("'" + v.name + "': graph says " + DataTypeName(v.dtype) + ", checkpoint has " + DataTypeName(e->dtype));
    }
    if (v.shape_known && v.checkpoint_shape() != e->shape) {
      out.push_back("'" + v.name + "': graph shape " + ShapeToString(v.checkpoint_shape()) + ", checkpoint shape " +
                    ShapeToString(e->shape));
    }
  }
  return out;
}

}  // namespace

std::optional<bool> Inspection::Trainable(const std::string& key) const {
  auto it = graph_vars_.find(key);
  if (it == graph_vars_.end()) return std::nullopt;
  return it->second->trainable;
}

Result<Inspection> InspectCheckpoint(const std::string& path) {
  Inspection in;
  SURGEON_ASSIGN_OR_RETURN(in.location, ResolveCheckpoint(path));
  SURGEON_ASSIGN_OR_RETURN(in.reader, OpenCheckpoint(in.location.prefix));
  if (!in.location.note.empty()) in.warnings.push_back(in.location.note);
  const std::string& meta = in.location.meta_graph;
  if (meta.empty()) return in;
  auto mg = ReadMetaGraph(meta);
  if (!mg.ok()) {
    in.warnings.push_back("meta graph not read: " + mg.status().message());
    return in;
  }
  in.graph = SummarizeMetaGraph(*mg);
  for (const auto& v : in.graph->variables) in.graph_vars_[v.checkpoint_key()] = &v;
  for (auto& w : CrossCheck(*in.reader, *in.graph)) in.warnings.push_back(meta + ": " + w);
  return in;
}

}  // namespace surgeon
