// surgeon diff A B [--config CONFIG | --report FILE]: names, shapes, dtypes
// and values that differ; through a surgery, each copied tensor is compared
// with its target and the planned changes are listed apart.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "surgeon/exec/diff.h"
#include "surgeon/exec/surgery.h"

namespace surgeon::cli {
namespace {

struct DiffArgs {
  std::string a, b, config, report;
  bool metadata_only = false;
};

// The surgery's mapping, and A/B defaulted to its source and target.
Result<std::optional<DiffMapping>> LoadMapping(DiffArgs* args) {
  if (!args->config.empty()) {
    SURGEON_ASSIGN_OR_RETURN(Surgery s, PrepareSurgery(args->config));
    if (args->a.empty()) args->a = s.source.prefix;
    if (args->b.empty()) args->b = s.plan.target_prefix;
    return std::optional<DiffMapping>(DiffMappingFromPlan(s.plan));
  }
  if (!args->report.empty()) {
    SURGEON_ASSIGN_OR_RETURN(std::string text, ReadFileToString(args->report));
    auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded())
      return Status::InvalidArgument(args->report + ": not JSON (expected a `surgeon run --report` file)");
    if (args->a.empty()) args->a = j.value("/source/checkpoint"_json_pointer, "");
    if (args->b.empty()) args->b = j.value("/target/checkpoint"_json_pointer, "");
    SURGEON_ASSIGN_OR_RETURN(DiffMapping m, DiffMappingFromReport(j, args->report));
    return std::optional<DiffMapping>(std::move(m));
  }
  if (args->a.empty() || args->b.empty()) return Status::InvalidArgument("diff needs A and B (or --config / --report)");
  return std::optional<DiffMapping>();
}

void PrintResult(const DiffResult& r, bool mapped) {
  for (const auto& d : r.planned) {
    std::printf("%-10s %s: %s\n", std::string(TensorDiffKindName(d.kind)).c_str(), d.name.c_str(), d.detail.c_str());
  }
  for (const auto& d : r.diffs) {
    std::printf("%-10s %s: %s\n", std::string(TensorDiffKindName(d.kind)).c_str(), d.name.c_str(), d.detail.c_str());
  }
  std::string planned = mapped ? std::to_string(r.planned.size()) + " planned changes; " : "";
  if (!r.values_read) {
    std::printf("%s%zu differences; %zu tensors compared by name, dtype and shape (values not read)\n", planned.c_str(),
                r.diffs.size(), r.compared);
  } else {
    std::printf("%s%zu differences; %zu tensors compared, %zu identical%s\n", planned.c_str(), r.diffs.size(),
                r.compared, r.identical, mapped ? " (copies compared with their targets)" : "");
  }
}

}  // namespace

void RegisterDiff(CLI::App& app, int* exit_code) {
  auto* cmd =
      app.add_subcommand("diff", "Show tensors whose names, dtypes, shapes or values differ between two checkpoints");
  auto args = std::make_shared<DiffArgs>();
  cmd->add_option("A", args->a, "first checkpoint (with --config/--report: default the surgery's source)");
  cmd->add_option("B", args->b, "second checkpoint (with --config/--report: default the surgery's target)");
  auto* config = cmd->add_option("--config", args->config,
                                 "B was written from A by this surgery config: compare each copy with its target");
  cmd->add_option("--report", args->report, "B was written from A by the run that wrote this --report file")
      ->excludes(config);
  cmd->add_flag("--metadata-only", args->metadata_only,
                "compare names, dtypes and shapes only (reads the indexes only)");
  cmd->callback([args, exit_code] {
    auto mapping = LoadMapping(args.get());
    if (!mapping.ok()) return void(*exit_code = ReportError(mapping.status()));
    auto a = OpenCheckpoint(args->a);
    if (!a.ok()) return void(*exit_code = ReportError(a.status()));
    auto b = OpenCheckpoint(args->b);
    if (!b.ok()) return void(*exit_code = ReportError(b.status()));
    const DiffMapping* m = *mapping ? &**mapping : nullptr;
    auto result = DiffCheckpoints(**a, **b, !args->metadata_only, m);
    if (!result.ok()) return void(*exit_code = ReportError(result.status()));
    PrintResult(*result, m != nullptr);
    if (!m && result->compared == 0 && !(*a)->entries().empty() && !(*b)->entries().empty()) {
      Note(
          "no tensor name is in both; if B was written from A by `surgeon run`, pass --config CONFIG or "
          "--report FILE to compare each copy with its target");
    }
    // Like diff(1): 1 when the inputs differ (beyond what the surgery planned).
    if (!result->diffs.empty()) *exit_code = kExitFailure;
  });
}

}  // namespace surgeon::cli
