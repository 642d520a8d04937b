// The CLI's shared vocabulary: how commands register, report errors and
// progress. Each command lives in its own cmd_*.cc and stays about one
// screenful: parse flags, call the library, print.
#ifndef SURGEON_CLI_COMMAND_H_
#define SURGEON_CLI_COMMAND_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "surgeon/base/status.h"
#include "surgeon/base/text_table.h"  // HumanBytes, RenderColumns for the commands
#include "surgeon/exec/copy.h"

namespace surgeon::cli {

// Exit codes: 0 success, 1 the operation failed (corrupt data, I/O, a check
// found problems), 2 the request was wrong (usage, config, arguments).
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Prints "surgeon: error: <message>" to stderr; returns the exit code.
int ReportError(const Status& status);
// "surgeon: warning: <message>" / "surgeon: <message>" on stderr, once,
// after flushing stdout.
void Warn(const std::string& message);
void Note(const std::string& message);

// Columns to fit output in: $COLUMNS, else the terminal's width when stdout
// is one, else 0 (no limit: a pipe gets whole lines).
size_t TerminalWidth();

// A progress printer for long commands: a single updating line on a
// terminal (stderr), nothing otherwise.
ProgressFn TerminalProgress(const std::string& label);

// Adds --copy-path kernel|write|per-tensor to a command that copies
// tensors, setting `*copy` (which must outlive the parse): per-tensor (the
// default) is the one-pass path tensor by tensor, kernel copies runs of
// tensors with copy_file_range while a second thread verifies them, write
// does the same through user space.
void AddCopyPathOption(CLI::App* cmd, CopyOptions* copy);

// Each command registers itself; its callback sets `*exit_code`.
void RegisterInspect(CLI::App& app, int* exit_code);
void RegisterVerify(CLI::App& app, int* exit_code);
void RegisterConvert(CLI::App& app, int* exit_code);
void RegisterAverage(CLI::App& app, int* exit_code);
void RegisterRun(CLI::App& app, int* exit_code);
void RegisterPlan(CLI::App& app, int* exit_code);
void RegisterDiff(CLI::App& app, int* exit_code);

}  // namespace surgeon::cli

#endif  // SURGEON_CLI_COMMAND_H_
