#include "surgeon/exec/convert.h"

#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"

namespace surgeon {
namespace {

// What to copy, in the source's data order. For a V2 output, a partitioned
// tensor of a V2 bundle is copied slice by slice, each slice where its bytes
// lie, the way TF's BundleWriter::AddSlice wrote it: a single-shard source
// then comes out byte for byte. V1 partitions, and every partitioned tensor
// written to another format, are assembled into whole tensors.
Result<std::vector<CopyItem>> ConvertItems(const CheckpointReader& reader, bool keep_slices) {
  const auto* bundle = keep_slices ? dynamic_cast<const BundleReader*>(&reader) : nullptr;
  std::vector<CopyItem> items;
  for (const TensorEntry& e : reader.entries()) {
    if (bundle == nullptr || e.slices.empty()) {
      items.push_back(SameCopy(e));
      continue;
    }
    SURGEON_ASSIGN_OR_RETURN(std::vector<const TensorEntry*> parts, bundle->SliceParts(e));
    for (size_t i = 0; i < parts.size(); ++i) {
      CopyItem slice = SameCopy(*parts[i]);
      slice.target_key = e.key;
      slice.partitioned = &e;
      slice.slice = e.slices[i];
      items.push_back(std::move(slice));
    }
  }
  SortForSequentialReads(&items);
  return items;
}

// The tensors the writer will be given, in Add order: one per item (a
// slice of a partitioned tensor is one AddSlice under the full key, as large
// as the slice: what a size-bounded BundleLayout needs).
std::vector<TensorSpec> WriterSpecs(const std::vector<CopyItem>& items) {
  std::vector<TensorSpec> specs;
  for (const CopyItem& item : items) specs.push_back({item.target_key, item.dtype, item.shape, item.source->size});
  return specs;
}

}  // namespace

Result<ConvertResult> ConvertCheckpoint(const std::string& source, const std::string& target_prefix,
                                        OutputFormat format, uint64_t max_shard_bytes, const OutputOptions& options,
                                        const ProgressFn& progress) {
  SURGEON_ASSIGN_OR_RETURN(CheckpointLocation loc, ResolveCheckpoint(source));
  SURGEON_ASSIGN_OR_RETURN(auto reader, OpenCheckpoint(loc.prefix));
  ConvertResult result;
  result.format = format;
  if (!loc.note.empty()) result.warnings.push_back(loc.note);
  const bool checkpoint = format == OutputFormat::kTfCheckpoint;
  CreatedDirectories created({target_prefix});  // Before `out`: see output.h.
  StagedOutput out;
  SURGEON_RETURN_IF_ERROR(checkpoint ? PrepareTarget(SourceFiles(loc), target_prefix, options, &out)
                                     : PrepareFileTarget(SourceFiles(loc), target_prefix, options, &out));
  SURGEON_ASSIGN_OR_RETURN(std::vector<CopyItem> items, ConvertItems(*reader, checkpoint));
  SURGEON_ASSIGN_OR_RETURN(auto writer,
                           CreateTensorWriter(format, &out, target_prefix, WriterSpecs(items), max_shard_bytes));
  uint64_t bytes_total = 0;
  for (const CopyItem& item : items) bytes_total += item.source->size;
  ProgressMeter meter(items.size(), bytes_total, progress);
  SURGEON_RETURN_IF_ERROR(CopyTensors(*reader, items, writer.get(), &meter, options.copy).status());
  SURGEON_RETURN_IF_ERROR(writer->Finish());
  if (checkpoint) SURGEON_RETURN_IF_ERROR(StageCheckpointState(target_prefix, &out));
  result.files = out.final_paths();
  SURGEON_RETURN_IF_ERROR(out.Commit(options.sync));
  created.Keep();
  result.tensors = reader->entries().size();
  result.bytes = writer->data_bytes();
  result.target_prefix = target_prefix;
  return result;
}

}  // namespace surgeon
