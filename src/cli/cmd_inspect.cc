// surgeon inspect PATH [--json]: list every tensor (reads only the index),
// with the trainable flags and shapes the meta graph declares, if any.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/command.h"
#include "surgeon/exec/inspect.h"

namespace surgeon::cli {
using nlohmann::json;

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
    auto inspection = InspectCheckpoint(args->path);
    if (!inspection.ok()) return void(*exit_code = ReportError(inspection.status()));
    const CheckpointLocation* loc = &inspection->location;
    const auto* reader = &inspection->reader;
    const std::optional<MetaGraphSummary>& graph = inspection->graph;
    const std::vector<std::string>& warnings = inspection->warnings;
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
      if (auto trainable = inspection->Trainable(e.key)) t["trainable"] = *trainable;
      tensors.push_back(std::move(t));
    }
    if (args->json) {
      json out = {{"format", CheckpointFormatName((*reader)->format())}, {"path", loc->prefix}, {"tensors", tensors}};
      json header = json::object();
      for (const auto& [k, v] : (*reader)->Describe()) header[k] = v;
      out["header"] = header;
      if (graph) {
        json vars = json::array();
        for (const auto& v : graph->variables) {
          vars.push_back({{"name", v.name}, {"dtype", DataTypeName(v.dtype)}, {"shape", v.shape},
                          {"trainable", v.trainable}, {"op", v.op}});
        }
        out["meta_graph"] = {{"path", loc->meta_graph}, {"tensorflow_version", graph->tensorflow_version},
                             {"variables", vars}};
      }
      out["warnings"] = warnings;
      std::printf("%s\n", out.dump(1).c_str());
      return;
    }
    std::printf("checkpoint: %s (%s)\n", loc->prefix.c_str(), std::string(CheckpointFormatName((*reader)->format())).c_str());
    for (const auto& [k, v] : (*reader)->Describe()) std::printf("  %s: %s\n", k.c_str(), v.c_str());
    if (graph) {
      std::printf("meta graph: %s (TF %s, %zu variables)\n", loc->meta_graph.c_str(),
                  graph->tensorflow_version.empty() ? "?" : graph->tensorflow_version.c_str(), graph->variables.size());
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
