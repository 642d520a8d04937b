// surgeon inspect PATH [--json]: list every tensor (reads only the index),
// with the trainable flags and shapes the meta graph declares, if any.
#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>
#include <map>

#include "cli/command.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/meta_graph.h"

namespace surgeon::cli {
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
      out.push_back("'" + v.name + "': graph says " + DataTypeName(v.dtype) + ", checkpoint has " + DataTypeName(e->dtype));
    }
    if (v.shape_known && v.checkpoint_shape() != e->shape) {
      out.push_back("'" + v.name + "': graph shape " + ShapeToString(v.checkpoint_shape()) + ", checkpoint shape " +
                    ShapeToString(e->shape));
    }
  }
  return out;
}

// A header value as JSON: a count is a number ("2" -> 2), text stays text.
json HeaderValue(const std::string& v) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (!v.empty() && ec == std::errc() && end == v.data() + v.size()) return n;
  return v;
}

json InspectJson(const CheckpointLocation& loc, const CheckpointReader& reader,
                 const std::optional<MetaGraphSummary>& graph, const json& tensors,
                 const std::vector<std::string>& warnings) {
  json out = {{"format", CheckpointFormatName(reader.format())}, {"path", loc.prefix}, {"tensors", tensors}};
  json header = json::object();
  for (const auto& [k, v] : reader.Describe()) header[k] = HeaderValue(v);
  out["header"] = header;
  if (graph) {
    json vars = json::array();
    for (const auto& v : graph->variables) {
      vars.push_back({{"name", v.name}, {"dtype", DataTypeName(v.dtype)}, {"shape", v.shape},
                      {"trainable", v.trainable}, {"op", v.op}});
    }
    out["meta_graph"] = {{"path", loc.meta_graph}, {"tensorflow_version", graph->tensorflow_version},
                         {"variables", vars}};
  }
  out["warnings"] = warnings;
  return out;
}

}  // namespace

void RegisterInspect(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("inspect", "List every tensor of a checkpoint (name, dtype, shape, size)");
  struct Args {
    std::string path;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("PATH", args->path, "checkpoint prefix, .index, V1 file or quoted shard pattern, directory or SavedModel")->required();
  cmd->add_flag("--json", args->json, "machine-readable output");
  cmd->callback([args, exit_code] {
    auto loc = ResolveCheckpoint(args->path);
    if (!loc.ok()) {
      *exit_code = ReportError(loc.status());
      return;
    }
    auto reader = OpenCheckpoint(loc->prefix);
    if (!reader.ok()) {
      *exit_code = ReportError(reader.status());
      return;
    }
    std::vector<std::string> warnings;
    if (!loc->note.empty()) warnings.push_back(loc->note);
    std::optional<MetaGraphSummary> graph;
    std::map<std::string, const GraphVariableInfo*> graph_vars;
    if (!loc->meta_graph.empty()) {
      auto mg = ReadMetaGraph(loc->meta_graph);
      if (mg.ok()) {
        graph = SummarizeMetaGraph(*mg);
        for (const auto& v : graph->variables) graph_vars[v.checkpoint_key()] = &v;
        for (auto& w : CrossCheck(**reader, *graph)) warnings.push_back(loc->meta_graph + ": " + w);
      } else {
        warnings.push_back("meta graph not read: " + mg.status().message());
      }
    }
    uint64_t total = 0;
    json tensors = json::array();
    for (const auto& e : (*reader)->entries()) {
      total += e.size;
      json t = {{"name", e.key}, {"dtype", DataTypeName(e.dtype)}, {"shape", e.shape}, {"size", e.size}};
      if (e.stored_whole() && (*reader)->format() == CheckpointFormat::kV2) {
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
      if (auto it = graph_vars.find(e.key); it != graph_vars.end()) t["trainable"] = it->second->trainable;
      tensors.push_back(std::move(t));
    }
    if (args->json) {
      std::printf("%s\n", InspectJson(*loc, **reader, graph, tensors, warnings).dump(1).c_str());
      return;
    }
    std::printf("checkpoint: %s (%s)\n", loc->prefix.c_str(), std::string(CheckpointFormatName((*reader)->format())).c_str());
    for (const auto& [k, v] : (*reader)->Describe()) std::printf("  %s: %s\n", k.c_str(), v.c_str());
    if (graph) {
      std::printf("meta graph: %s (TF %s, %zu variables)\n", loc->meta_graph.c_str(),
                  graph->tensorflow_version.empty() ? "version not recorded" : graph->tensorflow_version.c_str(),
                  graph->variables.size());
    }
    std::vector<std::vector<std::string>> rows = {{"NAME", "DTYPE", "SHAPE", "SIZE", graph ? "TRAINABLE" : ""}};
    for (const auto& t : tensors) {
      std::string trainable = t.contains("trainable") ? (t["trainable"].get<bool>() ? "yes" : "no") : "";
      std::string name = t["name"];
      if (t.contains("object_full_name")) name += "  (" + t["object_full_name"].get<std::string>() + ")";
      rows.push_back({name, t["dtype"].get<std::string>(), ShapeToString(t["shape"].get<Shape>()),
                      HumanBytes(t["size"].get<uint64_t>()), trainable});
    }
    std::fputs(RenderColumns(rows, /*right_aligned=*/{3}).c_str(), stdout);
    std::printf("%zu tensors, %s\n", (*reader)->entries().size(), HumanBytes(total).c_str());
    for (const auto& w : warnings) Warn(w);
  });
}

}  // namespace surgeon::cli
