// Commands whose library side is still landing.
#include "cli/command.h"

namespace surgeon::cli {

void RegisterRun(CLI::App& app, int* exit_code) {}
void RegisterPlan(CLI::App& app, int* exit_code) {}
void RegisterDiff(CLI::App& app, int* exit_code) {}

}  // namespace surgeon::cli
