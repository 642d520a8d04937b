#include "surgeon/exec/convert.h"

#include "surgeon/format/checkpoint_path.h"

namespace surgeon {

Result<ConvertResult> ConvertCheckpoint(const std::string& source, const std::string& target_prefix,
                                        OutputFormat format, const OutputOptions& options,
                                        const ProgressFn& progress) {
  SURGEON_ASSIGN_OR_RETURN(CheckpointLocation loc, ResolveCheckpoint(source));
  SURGEON_ASSIGN_OR_RETURN(auto reader, OpenCheckpoint(loc.prefix));
  ConvertResult result;
  result.format = format;
  if (!loc.note.empty()) result.warnings.push_back(loc.note);
  StagedOutput out;
  const bool checkpoint = format == OutputFormat::kTfCheckpoint;
  SURGEON_RETURN_IF_ERROR(checkpoint ? PrepareTarget(SourceFiles(loc), target_prefix, options, &out)
                                     : PrepareFileTarget(SourceFiles(loc), target_prefix, options, &out));
  std::vector<const TensorEntry*> entries;
  for (const auto& e : reader->entries()) entries.push_back(&e);
  std::vector<CopyItem> items;
  std::vector<TensorSpec> specs;
  for (const TensorEntry* e : SequentialOrder(entries)) {
    items.push_back({e, e->key});
    specs.push_back({e->key, e->dtype, e->shape});
  }
  SURGEON_ASSIGN_OR_RETURN(auto writer, CreateTensorWriter(format, &out, target_prefix, specs));
  SURGEON_RETURN_IF_ERROR(CopyTensors(*reader, items, writer.get(), progress));
  SURGEON_RETURN_IF_ERROR(writer->Finish());
  if (checkpoint) SURGEON_RETURN_IF_ERROR(StageCheckpointState(target_prefix, &out));
  result.files = out.final_paths();
  SURGEON_RETURN_IF_ERROR(out.Commit(options.sync));
  result.tensors = items.size();
  result.bytes = writer->data_bytes();
  result.target_prefix = target_prefix;
  return result;
}

}  // namespace surgeon
