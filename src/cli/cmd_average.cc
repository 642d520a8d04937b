// surgeon average SRC SRC... -o DST [--weights W,W,...] [--exclude P]...
// [--non-float first] [--format F]: the element-wise mean of checkpoints of
// one model (exec/average.h).
#include <cstdio>

#include "cli/command.h"
#include "surgeon/exec/average.h"

namespace surgeon::cli {
namespace {

// Turns the string flags into AverageOptions; InvalidArgument naming the flag.
Status ParseAverageFlags(const std::vector<std::string>& exclude, const std::string& non_float,
                         const std::string& format, const std::string& dst, AverageOptions* options) {
  for (const std::string& text : exclude) {
    auto p = Pattern::Parse(text);
    if (!p.ok()) return Status::InvalidArgument("--exclude '" + text + "': " + p.status().message());
    options->exclude.push_back(*p);
  }
  if (non_float != "equal" && non_float != "first") {
    return Status::InvalidArgument("--non-float '" + non_float + "': expected 'equal' or 'first'");
  }
  options->non_float_from_first = non_float == "first";
  options->format = OutputFormatForPath(dst);
  if (!format.empty()) {
    auto f = ParseOutputFormat(format);
    if (!f) return Status::InvalidArgument("--format '" + format + "': expected one of " + OutputFormatChoices());
    options->format = *f;
  }
  return Status::OK();
}

}  // namespace

void RegisterAverage(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "average", "Write the element-wise (weighted) mean of checkpoints of one model: model soups, SWA");
  struct Args {
    std::vector<std::string> sources, exclude;
    std::string dst, non_float = "equal", format;
    AverageOptions options;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("SRC", args->sources, "two or more checkpoints or weight files with the same tensors")->required();
  cmd->add_option("-o,--output", args->dst, "target: a checkpoint prefix (soup/model.ckpt-0) or the output file")
      ->required();
  cmd->add_option("--weights", args->options.weights, "one weight > 0 per source (default: equal)")->delimiter(',');
  cmd->add_option("--exclude", args->exclude, "leave out tensors matching this pattern (repeatable), e.g. '*/Adam*'");
  cmd->add_option("--non-float", args->non_float,
                  "integer/bool/string tensors that differ: 'equal' refuses (default), 'first' takes the first "
                  "source's value");
  cmd->add_option("--format", args->format, "tf_checkpoint | safetensors | npz | keras_h5 (default: from -o)");
  cmd->add_flag("--force", args->options.output.force, "replace an existing checkpoint or file at the target");
  cmd->add_flag("--fsync", args->options.output.sync, "fsync the output before renaming it into place");
  cmd->callback([args, exit_code] {
    Status flags = ParseAverageFlags(args->exclude, args->non_float, args->format, args->dst, &args->options);
    if (!flags.ok()) {
      *exit_code = ReportError(flags);
      return;
    }
    auto result = AverageCheckpoints(args->sources, args->dst, args->options, TerminalProgress("average"));
    if (!result.ok()) {
      *exit_code = ReportError(result.status());
      return;
    }
    for (const auto& w : result->warnings) Warn(w);
    for (const auto& key : result->from_first) Note("'" + key + "' differs between sources: written from the first");
    std::printf(
        "wrote %s: mean of %zu checkpoints; %zu tensors averaged, %zu equal in all, %zu from the first, "
        "%zu excluded, %s\n",
        result->target_prefix.c_str(), args->sources.size(), result->averaged, result->equal, result->from_first.size(),
        result->excluded.size(), HumanBytes(result->bytes).c_str());
  });
}

}  // namespace surgeon::cli
