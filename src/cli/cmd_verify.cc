// surgeon verify PATH: read every tensor and check every checksum.
#include <cstdio>

#include "cli/command.h"
#include "surgeon/exec/verify.h"

namespace surgeon::cli {

void RegisterVerify(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("verify", "Check every checksum of a checkpoint; name each bad tensor");
  struct Args {
    std::string path;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("PATH", args->path, "checkpoint prefix, .index, V1 file or quoted shard pattern, or directory")
      ->required();
  cmd->add_flag("-q,--quiet", args->quiet, "print only problems and the summary");
  cmd->callback([args, exit_code] {
    auto v = VerifyCheckpoint(args->path);
    if (!v.ok()) return void(*exit_code = ReportError(v.status()));
    const CheckpointLocation& loc = v->location;
    if (!loc.note.empty()) Warn(loc.note);
    for (const auto& t : v->tensors) {
      if (!t.ok) {
        std::printf("BAD  %s: %s\n", t.key.c_str(), t.problem.c_str());
      } else if (!args->quiet) {
        std::printf("ok   %s\n", t.key.c_str());
      }
    }
    std::printf("%s: %zu tensors, %s checked, %zu bad\n", loc.prefix.c_str(), v->tensors.size(),
                HumanBytes(v->bytes).c_str(), v->bad_tensors());
    for (const auto& p : v->graph_problems) std::printf("BAD  %s\n", p.c_str());
    if (!loc.meta_graph.empty() && v->graph_checked) {
      std::printf("%s: meta graph %s\n", loc.meta_graph.c_str(), v->graph_problems.empty() ? "ok" : "has problems");
    }
    if (!v->ok()) *exit_code = kExitFailure;
  });
}

}  // namespace surgeon::cli
