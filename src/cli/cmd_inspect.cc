// surgeon inspect PATH [--json]: list every tensor (reads only the index),
// with the trainable flags and shapes the meta graph declares, if any.
#include <cstdio>

#include "cli/command.h"
#include "surgeon/exec/inspect.h"

namespace surgeon::cli {

void RegisterInspect(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("inspect", "List every tensor of a checkpoint (name, dtype, shape, size)");
  struct Args {
    std::string path;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("PATH", args->path,
                  "checkpoint prefix, .index, V1 file or quoted shard pattern, directory or SavedModel")
      ->required();
  cmd->add_flag("--json", args->json, "machine-readable output");
  cmd->callback([args, exit_code] {
    auto inspection = InspectCheckpoint(args->path);
    if (!inspection.ok()) {
      *exit_code = ReportError(inspection.status());
      return;
    }
    if (args->json) {
      std::fputs(InspectionJson(*inspection).c_str(), stdout);
      return;
    }
    std::fputs(InspectionText(*inspection).c_str(), stdout);
    for (const auto& w : inspection->warnings) Warn(w);
  });
}

}  // namespace surgeon::cli
