// surgeon: transfer-learning weight surgery on TensorFlow checkpoints.
#include <google/protobuf/stubs/logging.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>

#include "cli/command.h"
#include "plan/suggest.h"

namespace {

// CLI11 reads an unknown first word as an extra argument and answers "A
// subcommand is required"; name the word and the nearest command instead
// (ninja's ChooseTool). Returns the exit code, or 0 to go on.
int CheckSubcommand(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return 0;
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  const std::string word = argv[1];
  if (std::find(names.begin(), names.end(), word) != names.end()) return 0;
  std::string hint;
  if (auto near = surgeon::ClosestMatch(word, names)) hint = "; did you mean '" + *near + "'?";
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  std::fprintf(stderr, "surgeon: error: unknown command '%s'%s (commands: %s; surgeon --help)\n", word.c_str(),
               hint.c_str(), list.c_str());
  return surgeon::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace surgeon::cli;
  // Protobuf logs parse problems (e.g. invalid UTF-8 in a string field of a
  // corrupt .meta) to stderr on its own; surgeon reports every failed parse
  // itself, naming the file, so those lines would only be noise.
  google::protobuf::SetLogHandler(nullptr);
  CLI::App app{"surgeon: transfer-learning weight surgery on TensorFlow checkpoints"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "surgeon 0.1.0");
  int exit_code = 0;
  RegisterRun(app, &exit_code);
  RegisterPlan(app, &exit_code);
  RegisterInspect(app, &exit_code);
  RegisterDiff(app, &exit_code);
  RegisterVerify(app, &exit_code);
  RegisterConvert(app, &exit_code);
  RegisterAverage(app, &exit_code);
  if (int rc = CheckSubcommand(app, argc, argv); rc != 0) return rc;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  } catch (const std::bad_alloc&) {
    // E.g. a new variable too large for memory. Catching here unwinds the
    // command, so its StagedOutput removes every temporary file.
    std::fprintf(stderr,
                 "surgeon: error: out of memory (a tensor is too large for this machine); nothing was written\n");
    return kExitFailure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "surgeon: error: internal error: %s; nothing was written\n", e.what());
    return kExitFailure;
  }
  return exit_code;
}
