// surgeon convert SRC DST [--format F] [--max-shard-bytes SIZE]: any
// readable source -> a fresh V2 checkpoint, or one safetensors / npz / Keras
// HDF5 file.
#include <cstdio>

#include "cli/command.h"
#include "surgeon/base/byte_size.h"
#include "surgeon/exec/convert.h"

namespace surgeon::cli {

void RegisterConvert(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "convert", "Rewrite a checkpoint or weight file as a V2 checkpoint, safetensors, npz or Keras HDF5");
  struct Args {
    std::string src, dst, format, max_shard_bytes;
    OutputOptions options;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option(
         "SRC", args->src,
         "source: checkpoint prefix, .index, V1 file or quoted shard pattern, directory, .h5, .safetensors, .npz")
      ->required();
  cmd->add_option("DST", args->dst, "target: a checkpoint prefix (out/model.ckpt-0) or the output file")->required();
  cmd->add_option("--format", args->format,
                  "tf_checkpoint | safetensors | npz | keras_h5 (default: from DST's extension "
                  ".safetensors/.npz/.h5, else tf_checkpoint)");
  cmd->add_option("--max-shard-bytes", args->max_shard_bytes,
                  "tf_checkpoint: data files of at most this size (2GiB, 500MB, or bytes; default: one data file)");
  cmd->add_flag("--force", args->options.force, "replace an existing checkpoint or file at DST");
  cmd->add_flag("--fsync", args->options.sync, "fsync the output before renaming it into place");
  AddCopyPathOption(cmd, &args->options.copy);
  cmd->callback([args, exit_code] {
    OutputFormat format = OutputFormatForPath(args->dst);
    if (!args->format.empty()) {
      auto f = ParseOutputFormat(args->format);
      if (!f) {
        *exit_code = ReportError(
            Status::InvalidArgument("--format '" + args->format + "': expected one of " + OutputFormatChoices()));
        return;
      }
      format = *f;
    }
    uint64_t max_shard_bytes = 0;
    if (!args->max_shard_bytes.empty()) {
      const std::optional<uint64_t> size = ParseByteSize(args->max_shard_bytes);
      if (!size || *size == 0) {
        *exit_code = ReportError(Status::InvalidArgument("--max-shard-bytes '" + args->max_shard_bytes +
                                                         "': expected " + ByteSizeExpectation()));
        return;
      }
      max_shard_bytes = *size;
    }
    auto result =
        ConvertCheckpoint(args->src, args->dst, format, max_shard_bytes, args->options, TerminalProgress("convert"));
    if (!result.ok()) {
      *exit_code = ReportError(result.status());
      return;
    }
    for (const auto& w : result->warnings) Warn(w);
    std::printf("wrote %s (%s): %zu tensors, %s\n", result->target_prefix.c_str(),
                std::string(OutputFormatName(result->format)).c_str(), result->tensors,
                HumanBytes(result->bytes).c_str());
  });
}

}  // namespace surgeon::cli
