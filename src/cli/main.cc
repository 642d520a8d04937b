// surgeon: transfer-learning weight surgery on TensorFlow checkpoints.
#include <CLI/CLI.hpp>
#include <google/protobuf/stubs/logging.h>

#include <cstdio>
#include <exception>
#include <new>

#include "cli/command.h"

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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  } catch (const std::bad_alloc&) {
    // E.g. a new variable too large for memory. Catching here unwinds the
    // command, so its StagedOutput removes every temporary file.
    std::fprintf(stderr, "surgeon: error: out of memory (a tensor is too large for this machine); nothing was written\n");
    return kExitFailure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "surgeon: error: internal error: %s; nothing was written\n", e.what());
    return kExitFailure;
  }
  return exit_code;
}
