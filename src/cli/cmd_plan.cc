// surgeon plan CONFIG [--json] [--all] [--json-schema]: the dry run. Reads
// metadata only, writes nothing.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "surgeon/exec/output.h"
#include "surgeon/exec/surgery.h"
#include "surgeon/plan/config_reference.h"
#include "surgeon/plan/plan_format.h"

namespace surgeon::cli {

void RegisterPlan(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("plan", "Show what `run` would do (one row per variable); write nothing");
  struct Args {
    std::string config;
    bool json = false, all = false, schema = false, link = false;
  };
  auto args = std::make_shared<Args>();
  cmd->footer(ConfigReferenceText());
  auto* config = cmd->add_option("CONFIG", args->config, "surgery YAML file (keys: see README, The config)");
  cmd->add_flag("--json", args->json, "machine-readable plan (schema: docs/plan.schema.json, or --json-schema)");
  cmd->add_flag("--all", args->all, "list every dropped tensor instead of grouping long runs dropped by one rule");
  cmd->add_flag("--link", args->link,
                "also say what `run --link` would share with the source and how many dead bytes it would keep");
  cmd->add_flag("--json-schema", args->schema, "print the JSON schema of --json and of run --report, then exit")
      ->excludes(config);
  cmd->callback([args, exit_code] {
    if (args->schema) return void(std::printf("%s", std::string(PlanJsonSchema()).c_str()));
    if (args->config.empty())
      return void(*exit_code = ReportError(Status::InvalidArgument("plan: CONFIG is required")));
    auto surgery = PrepareSurgery(args->config);
    if (!surgery.ok()) return void(*exit_code = ReportError(surgery.status()));
    if (args->json) {
      std::printf("%s\n",
                  PlanToJson(surgery->plan).dump(1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
      PlanTableOptions options;
      options.width = TerminalWidth();
      options.all = args->all;
      std::printf("%s", FormatPlanTable(surgery->plan, options).c_str());
    }
    for (const auto& w : surgery->warnings) Warn(w);
    if (args->link) {
      auto link = PreviewLink(*surgery);
      if (!link.ok()) return void(*exit_code = ReportError(link.status()));
      const std::string text =
          link->refusal.empty()
              ? "with --link: " + std::to_string(link->shards) +
                    " source data shard(s) shared (reflink or hard link), " + std::to_string(link->shared) +
                    " tensor(s) (" + HumanBytes(link->shared_bytes) + ") left in place, " +
                    HumanBytes(link->dead_bytes) + " of dead bytes (tensors the target does not use)"
              : "with --link: cannot link: " + link->refusal + "; run would copy";
      // The table is stdout's; with --json, stdout is the JSON alone.
      if (args->json) {
        Note(text);
      } else {
        std::printf("%s\n", text.c_str());
      }
    }
    if (std::string note = ExistingTargetNote(surgery->plan.target_prefix, surgery->plan.target_format); !note.empty())
      Warn(note);
  });
}

}  // namespace surgeon::cli
