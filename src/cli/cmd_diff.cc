// surgeon diff A B: names, shapes, dtypes and values that differ.
#include <cstdio>

#include "cli/command.h"
#include "surgeon/exec/diff.h"

namespace surgeon::cli {

void RegisterDiff(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("diff", "Show tensors whose names, dtypes, shapes or values differ between two checkpoints");
  struct Args {
    std::string a, b;
    bool metadata_only = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("A", args->a, "first checkpoint")->required();
  cmd->add_option("B", args->b, "second checkpoint")->required();
  cmd->add_flag("--metadata-only", args->metadata_only, "compare names, dtypes and shapes only (reads the indexes only)");
  cmd->callback([args, exit_code] {
    auto a = OpenCheckpoint(args->a);
    if (!a.ok()) return void(*exit_code = ReportError(a.status()));
    auto b = OpenCheckpoint(args->b);
    if (!b.ok()) return void(*exit_code = ReportError(b.status()));
    auto result = DiffCheckpoints(**a, **b, !args->metadata_only);
    if (!result.ok()) return void(*exit_code = ReportError(result.status()));
    for (const auto& d : result->diffs) {
      std::printf("%-10s %s: %s\n", std::string(TensorDiffKindName(d.kind)).c_str(), d.name.c_str(), d.detail.c_str());
    }
    std::printf("%zu differences; %zu tensors compared, %zu identical\n", result->diffs.size(), result->compared,
                result->identical);
    // Like diff(1): 1 when the inputs differ.
    if (!result->diffs.empty()) *exit_code = kExitFailure;
  });
}

}  // namespace surgeon::cli
