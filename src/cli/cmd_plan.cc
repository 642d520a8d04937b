// surgeon plan CONFIG [--json]: the dry run. Reads metadata only, writes nothing.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/command.h"
#include "surgeon/exec/surgery.h"
#include "surgeon/plan/plan_format.h"

namespace surgeon::cli {

void RegisterPlan(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("plan", "Show what `run` would do (one row per variable); write nothing");
  struct Args {
    std::string config;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("CONFIG", args->config, "surgery YAML file")->required();
  cmd->add_flag("--json", args->json, "machine-readable plan");
  cmd->callback([args, exit_code] {
    auto surgery = PrepareSurgery(args->config);
    if (!surgery.ok()) return void(*exit_code = ReportError(surgery.status()));
    if (args->json) {
      std::printf("%s\n", PlanToJson(surgery->plan).dump(1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
      std::printf("%s", FormatPlanTable(surgery->plan).c_str());
    }
    for (const auto& w : surgery->warnings) Warn(w);
  });
}

}  // namespace surgeon::cli
