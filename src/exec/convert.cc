#include "surgeon/exec/convert.h"

#include "surgeon/format/checkpoint_path.h"

namespace surgeon {

Result<ConvertResult> ConvertCheckpoint(const std::string& source, const std::string& target_prefix,
                                        const OutputOptions& options, const ProgressFn& progress) {
  SURGEON_ASSIGN_OR_RETURN(CheckpointLocation loc, ResolveCheckpoint(source));
  SURGEON_ASSIGN_OR_RETURN(auto reader, OpenCheckpoint(loc.prefix));
  ConvertResult result;
  if (!loc.note.empty()) result.warnings.push_back(loc.note);
  StagedOutput out;
  SURGEON_RETURN_IF_ERROR(PrepareTarget(SourceFiles(loc), target_prefix, options, &out));
  SURGEON_ASSIGN_OR_RETURN(auto writer, BundleWriter::Create(&out, target_prefix));
  std::vector<CopyItem> items;
  uint64_t bytes_total = 0;
  for (const TensorEntry& e : reader->entries()) {
    items.push_back(SameCopy(e));
    bytes_total += e.size;
  }
  SortForSequentialReads(&items);
  ProgressMeter meter(items.size(), bytes_total, progress);
  SURGEON_RETURN_IF_ERROR(CopyTensors(*reader, items, writer.get(), &meter).status());
  SURGEON_RETURN_IF_ERROR(writer->Finish());
  SURGEON_RETURN_IF_ERROR(StageCheckpointState(target_prefix, &out));
  result.files = out.final_paths();
  SURGEON_RETURN_IF_ERROR(out.Commit(options.sync));
  result.tensors = items.size();
  result.bytes = writer->data_bytes();
  result.target_prefix = target_prefix;
  return result;
}

}  // namespace surgeon
