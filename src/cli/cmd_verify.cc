// surgeon verify PATH: read every tensor and check every checksum.
#include <cstdio>

#include "cli/command.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/meta_graph.h"
#include "surgeon/graph/graph_checker.h"

namespace surgeon::cli {

void RegisterVerify(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("verify", "Check every checksum of a checkpoint; name each bad tensor");
  struct Args {
    std::string path;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("PATH", args->path, "checkpoint prefix, .index, V1 file or quoted shard pattern, or directory")->required();
  cmd->add_flag("-q,--quiet", args->quiet, "print only problems and the summary");
  cmd->callback([args, exit_code] {
    auto loc = ResolveCheckpoint(args->path);
    if (!loc.ok()) {
      *exit_code = ReportError(loc.status());
      return;
    }
    if (!loc->note.empty()) Warn(loc->note);
    auto reader = OpenCheckpoint(loc->prefix);
    if (!reader.ok()) {
      *exit_code = ReportError(reader.status());
      return;
    }
    size_t bad = 0;
    uint64_t bytes = 0;
    for (const auto& e : (*reader)->entries()) {
      auto data = (*reader)->Read(e);
      if (!data.ok()) {
        bad++;
        std::printf("BAD  %s: %s\n", e.key.c_str(), data.status().message().c_str());
        continue;
      }
      bytes += data->bytes().size();
      if (!args->quiet) std::printf("ok   %s\n", e.key.c_str());
    }
    size_t n = (*reader)->entries().size();
    std::printf("%s: %zu tensors, %s checked, %zu bad\n", loc->prefix.c_str(), n, HumanBytes(bytes).c_str(), bad);
    // The meta graph must import and restore exactly this checkpoint (TF2
    // SavedModel graphs restore by object path, so only structure is checked).
    if (!loc->meta_graph.empty()) {
      auto graph = ReadMetaGraph(loc->meta_graph);
      if (!graph.ok()) {
        std::printf("BAD  %s: %s\n", loc->meta_graph.c_str(), graph.status().message().c_str());
        bad++;
      } else {
        std::optional<std::vector<CheckpointTensorInfo>> keys;
        if (!loc->saved_model) {
          keys.emplace();
          for (const auto& e : (*reader)->entries()) keys->push_back({e.key, e.dtype, e.shape});
        }
        auto problems = CheckGraph(*graph, keys);
        for (const auto& p : problems) std::printf("BAD  %s: %s\n", loc->meta_graph.c_str(), p.c_str());
        bad += problems.size();
        std::printf("%s: meta graph %s\n", loc->meta_graph.c_str(), problems.empty() ? "ok" : "has problems");
      }
    }
    if (bad) *exit_code = kExitFailure;
  });
}

}  // namespace surgeon::cli
