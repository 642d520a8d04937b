#include "surgeon/exec/inspect.h"

#include <charconv>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "surgeon/base/text_table.h"

namespace surgeon {
namespace {

using nlohmann::json;

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
      out.push_back("'" + v.name + "': graph says " + DataTypeName(v.dtype) + ", checkpoint has " +
                    DataTypeName(e->dtype));
    }
    if (v.shape_known && v.checkpoint_shape() != e->shape) {
      out.push_back("'" + v.name + "': graph shape " + ShapeToString(v.checkpoint_shape()) + ", checkpoint shape " +
                    ShapeToString(e->shape));
    }
  }
  return out;
}

json TensorJson(const TensorEntry& e, CheckpointFormat format, const std::map<std::string, bool>& trainable) {
  json t = {{"name", e.key}, {"dtype", DataTypeName(e.dtype)}, {"shape", e.shape}, {"size", e.size}};
  if (e.stored_whole() && format == CheckpointFormat::kV2) {
    t["shard_id"] = e.shard_id;
    t["offset"] = e.offset;
    t["crc32c"] = e.masked_crc32c;
  }
  if (!e.slices.empty()) {
    json slices = json::array();
    for (const auto& s : e.slices) slices.push_back(SliceToString(s));
    t["slices"] = slices;
  }
  if (!e.object_full_name.empty()) t["object_full_name"] = e.object_full_name;
  if (auto it = trainable.find(e.key); it != trainable.end()) t["trainable"] = it->second;
  return t;
}

std::string Printf(const char* format, const std::string& a, const std::string& b) {
  std::string out(a.size() + b.size() + 256, '\0');
  out.resize(std::snprintf(out.data(), out.size(), format, a.c_str(), b.c_str()));
  return out;
}

}  // namespace

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
  for (const auto& v : in.graph->variables) in.trainable_by_key[v.checkpoint_key()] = v.trainable;
  for (auto& w : CrossCheck(*in.reader, *in.graph)) in.warnings.push_back(meta + ": " + w);
  return in;
}

namespace {

// A header value as JSON: a count is a number ("2" -> 2), text stays text.
nlohmann::json HeaderValue(const std::string& v) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (!v.empty() && ec == std::errc() && end == v.data() + v.size()) return n;
  return v;
}

}  // namespace

std::string InspectionJson(const Inspection& in) {
  const auto& trainable = in.trainable_by_key;
  json tensors = json::array();
  for (const auto& e : in.reader->entries()) tensors.push_back(TensorJson(e, in.reader->format(), trainable));
  json out = {
      {"format", CheckpointFormatName(in.reader->format())}, {"path", in.location.prefix}, {"tensors", tensors}};
  json header = json::object();
  for (const auto& [k, v] : in.reader->Describe()) header[k] = HeaderValue(v);
  out["header"] = header;
  if (in.graph) {
    json vars = json::array();
    for (const auto& v : in.graph->variables) {
      vars.push_back({{"name", v.name},
                      {"dtype", DataTypeName(v.dtype)},
                      {"shape", v.shape},
                      {"trainable", v.trainable},
                      {"op", v.op}});
    }
    out["meta_graph"] = {
        {"path", in.location.meta_graph}, {"tensorflow_version", in.graph->tensorflow_version}, {"variables", vars}};
  }
  out["warnings"] = in.warnings;
  // Checkpoint keys are bytes: a name that is not UTF-8 gets U+FFFD in JSON
  // (nlohmann would throw), as TF's own JSON/proto text tools do.
  return out.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string InspectionText(const Inspection& in) {
  const CheckpointReader& reader = *in.reader;
  std::string out =
      Printf("checkpoint: %s (%s)\n", in.location.prefix, std::string(CheckpointFormatName(reader.format())));
  for (const auto& [k, v] : reader.Describe()) out += Printf("  %s: %s\n", k, v);
  if (in.graph) {
    const std::string version =
        in.graph->tensorflow_version.empty() ? "version not recorded" : in.graph->tensorflow_version;
    out += Printf("meta graph: %s (TF %s, ", in.location.meta_graph, version) +
           std::to_string(in.graph->variables.size()) + " variables)\n";
  }
  const auto& trainable = in.trainable_by_key;
  std::vector<std::vector<std::string>> rows = {{"NAME", "DTYPE", "SHAPE", "SIZE", in.graph ? "TRAINABLE" : ""}};
  uint64_t total = 0;
  for (const auto& e : reader.entries()) {
    total += e.size;
    auto t = trainable.find(e.key);
    std::string name = e.key;
    if (!e.object_full_name.empty()) name += "  (" + e.object_full_name + ")";
    rows.push_back({name, DataTypeName(e.dtype), ShapeToString(e.shape), HumanBytes(e.size),
                    t == trainable.end() ? ""
                    : t->second          ? "yes"
                                         : "no"});
  }
  out += RenderColumns(rows, /*right_aligned=*/{3});
  out += std::to_string(reader.entries().size()) + " tensors, " + HumanBytes(total) + "\n";
  return out;
}

}  // namespace surgeon
