#include "surgeon/format/object_graph.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <climits>

#include "proto/trackable_object_graph.pb.h"
#include "surgeon/format/string_tensor.h"

namespace surgeon {

Result<ObjectGraphSummary> ParseObjectGraph(std::string_view serialized) {
  if (serialized.size() > static_cast<size_t>(INT_MAX)) {
    return Status::DataLoss("object graph is larger than 2 GiB");
  }
  tensorflow::TrackableObjectGraph graph;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(serialized.data()),
                                            static_cast<int>(serialized.size()));
  in.SetTotalBytesLimit(INT_MAX);
  if (!graph.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
    return Status::DataLoss("unable to parse the TrackableObjectGraph");
  }
  ObjectGraphSummary out;
  out.num_nodes = graph.nodes_size();
  const auto valid = [&](int id) { return id >= 0 && id < graph.nodes_size(); };
  for (int i = 0; i < graph.nodes_size(); ++i) {
    const auto& node = graph.nodes(i);
    for (const auto& c : node.children()) {
      if (!valid(c.node_id())) {
        return Status::DataLoss("object graph node " + std::to_string(i) + ": child '" + c.local_name() +
                                "' refers to node " + std::to_string(c.node_id()) + " of " +
                                std::to_string(graph.nodes_size()));
      }
    }
    for (const auto& s : node.slot_variables()) {
      if (!valid(s.original_variable_node_id()) || !valid(s.slot_variable_node_id())) {
        return Status::DataLoss("object graph node " + std::to_string(i) + ": slot variable '" + s.slot_name() +
                                "' refers to a node that does not exist");
      }
      ++out.num_slot_variables;
    }
    for (const auto& a : node.attributes()) {
      out.attributes.push_back({i, a.name(), a.full_name(), a.checkpoint_key()});
      if (a.full_name().empty() || a.checkpoint_key().empty()) continue;
      out.full_names.emplace(a.checkpoint_key(), a.full_name());  // First wins, as in TF's lookup.
    }
  }
  return out;
}

namespace {

Result<ObjectGraphSummary> ReadObjectGraphEntry(const CheckpointReader& reader, const TensorEntry& e) {
  const std::string ctx = reader.path() + ": tensor '" + std::string(kObjectGraphKey) + "'";
  if (e.dtype != DataType::kString || !e.shape.empty()) {
    return Status::DataLoss(ctx + " is " + DataTypeName(e.dtype) + " " + ShapeToString(e.shape) +
                            ", expected a DT_STRING scalar");
  }
  SURGEON_ASSIGN_OR_RETURN(TensorData data, reader.Read(e));
  uint32_t masked;
  auto strings = DecodeStringTensor(data.bytes(), 1, &masked);
  if (!strings.ok()) return strings.status().WithContext(ctx);
  auto graph = ParseObjectGraph((*strings)[0]);
  if (!graph.ok()) return graph.status().WithContext(ctx);
  return graph;
}

}  // namespace

Result<ObjectGraphSummary> ReadObjectGraph(const CheckpointReader& reader) {
  const TensorEntry* e = reader.Find(kObjectGraphKey);
  if (e == nullptr) {
    return Status::NotFound(reader.path() + ": no '" + std::string(kObjectGraphKey) +
                            "' tensor (not an object-based checkpoint)");
  }
  return ReadObjectGraphEntry(reader, *e);
}

Status AnnotateObjectNames(const CheckpointReader& reader, std::vector<TensorEntry>& entries) {
  auto it = std::find_if(entries.begin(), entries.end(), [](const TensorEntry& e) { return e.key == kObjectGraphKey; });
  if (it == entries.end()) return Status::OK();
  SURGEON_ASSIGN_OR_RETURN(ObjectGraphSummary graph, ReadObjectGraphEntry(reader, *it));
  for (TensorEntry& e : entries) {
    auto f = graph.full_names.find(e.key);
    if (f != graph.full_names.end()) e.object_full_name = f->second;
  }
  return Status::OK();
}

}  // namespace surgeon
