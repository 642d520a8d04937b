// surgeon convert SRC DST_PREFIX: any readable checkpoint -> fresh V2.
#include <cstdio>

#include "cli/command.h"
#include "surgeon/exec/convert.h"

namespace surgeon::cli {

void RegisterConvert(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("convert", "Rewrite a checkpoint (V1, sharded, TF2, SavedModel) as a single-shard V2 checkpoint");
  struct Args {
    std::string src, dst;
    OutputOptions options;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("SRC", args->src, "source checkpoint: prefix, .index, V1 file or quoted shard pattern, or directory")->required();
  cmd->add_option("DST_PREFIX", args->dst, "target prefix, e.g. out/model.ckpt-0")->required();
  cmd->add_flag("--force", args->options.force, "replace an existing checkpoint at DST_PREFIX");
  cmd->add_flag("--fsync", args->options.sync, "fsync the output before renaming it into place");
  cmd->callback([args, exit_code] {
    auto result = ConvertCheckpoint(args->src, args->dst, args->options, TerminalProgress("convert"));
    if (!result.ok()) {
      *exit_code = ReportError(result.status());
      return;
    }
    for (const auto& w : result->warnings) Warn(w);
    std::printf("wrote %s: %zu tensors, %s\n", result->target_prefix.c_str(), result->tensors,
                HumanBytes(result->bytes).c_str());
  });
}

}  // namespace surgeon::cli
