// surgeon run CONFIG: plan, then write the new checkpoint, meta graph,
// frozen list and (with --report) the JSON report.
#include <cstdio>

#include "cli/command.h"
#include "surgeon/exec/surgery.h"
#include "surgeon/plan/config_reference.h"
#include "surgeon/plan/plan_format.h"

namespace surgeon::cli {

void RegisterRun(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("run", "Carry out the surgery a YAML config describes");
  struct Args {
    std::string config;
    RunOptions options;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  cmd->footer(ConfigReferenceText());
  cmd->add_option("CONFIG", args->config, "surgery YAML file")->required();
  cmd->add_option("--report", args->options.report_path, "also write a JSON report of every decision to this file");
  cmd->add_flag("--force", args->options.output.force, "replace an existing checkpoint at the target prefix");
  cmd->add_flag("--fsync", args->options.output.sync, "fsync the output before renaming it into place");
  AddCopyPathOption(cmd, &args->options.output.copy);
  auto* link = cmd->add_flag("--link", args->options.link,
                             "share the source's data file with the target (reflink, else hard link) instead of "
                             "copying unchanged tensors; new ones go into a second shard (README: Sharing data)");
  cmd->add_flag_function(
         "--no-verify", [args](int64_t) { args->options.verify = false; },
         "with --link: do not read the shared tensors to check their checksums first")
      ->needs(link);
  cmd->add_flag("-q,--quiet", args->quiet, "do not print the plan or routine graph-rewrite notes");
  cmd->callback([args, exit_code] {
    auto surgery = PrepareSurgery(args->config);
    if (!surgery.ok()) return void(*exit_code = ReportError(surgery.status()));
    if (!args->quiet) {
      PlanTableOptions table;
      table.width = TerminalWidth();
      std::printf("%s", FormatPlanTable(surgery->plan, table).c_str());
    }
    for (const auto& w : surgery->warnings) Warn(w);
    args->options.progress = TerminalProgress("run");
    auto report = ExecuteSurgery(*surgery, args->options);
    if (!report.ok()) return void(*exit_code = ReportError(report.status()));
    for (const auto& w : report->warnings) Warn(w);
    if (!args->quiet) {
      for (const auto& n : report->notes) Note(n);
    }
    if (!report->link_note.empty()) Note(report->link_note);
    const Plan& plan = surgery->plan;
    std::printf("wrote %s: %zu copied (%s), %zu initialized (%s), %zu cast, %zu dropped, %zu frozen, in %.2f s\n",
                plan.target_prefix.c_str(), report->copied, HumanBytes(report->copied_bytes).c_str(),
                report->initialized, HumanBytes(report->generated_bytes).c_str(), report->cast, plan.dropped.size(),
                plan.FrozenNames().size(), report->seconds);
    if (!report->link_kind.empty()) {
      std::printf(
          "linked: %d source data shard(s) shared as a %s, %zu tensor(s) (%s) left in place, %s of dead "
          "bytes (tensors the target does not use)%s\n",
          report->shared_shards, report->link_kind.c_str(), report->shared, HumanBytes(report->shared_bytes).c_str(),
          HumanBytes(report->dead_bytes).c_str(), args->options.verify ? "" : "; checksums not verified (--no-verify)");
    }
    for (const auto& f : report->files) std::printf("  %s\n", f.c_str());
  });
}

}  // namespace surgeon::cli
