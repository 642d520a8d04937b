#include "surgeon/exec/convert.h"

#include "surgeon/format/checkpoint_path.h"

namespace surgeon {

Result<ConvertResult> ConvertCheckpoint(const std::string& source, const std::string& target_prefix,
                                        const OutputOptions& options, const ProgressFn& progress) {
  SURGEON_ASSIGN_OR_RETURN(CheckpointLocation loc, ResolveCheckpoint(source));
  SURGEON_ASSIGN_OR_RETURN(auto reader, OpenCheckpoint(loc.prefix));
  ConvertResult result;
  if (!loc.note.empty()) result.warnings.push_back(loc.note);
  CreatedDirectories created({target_prefix});  // Before `out`: see output.h.
  StagedOutput out;
  SURGEON_RETURN_IF_ERROR(PrepareTarget(SourceFiles(loc), target_prefix, options, &out));
  SURGEON_ASSIGN_OR_RETURN(auto writer, BundleWriter::Create(&out, target_prefix));
  std::vector<const TensorEntry*> entries;
  for (const auto& e : reader->entries()) entries.push_back(&e);
  std::vector<CopyItem> items;
  for (const TensorEntry* e : SequentialOrder(entries)) items.push_back({e, e->key});
  SURGEON_RETURN_IF_ERROR(CopyTensors(*reader, items, writer.get(), progress));
  SURGEON_RETURN_IF_ERROR(writer->Finish());
  SURGEON_RETURN_IF_ERROR(StageCheckpointState(target_prefix, &out));
  result.files = out.final_paths();
  SURGEON_RETURN_IF_ERROR(out.Commit(options.sync));
  created.Keep();
  result.tensors = items.size();
  result.bytes = writer->data_bytes();
  result.target_prefix = target_prefix;
  return result;
}

}  // namespace surgeon
