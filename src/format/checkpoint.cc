#include "surgeon/format/checkpoint.h"

#include <algorithm>

#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/v1_reader.h"

namespace surgeon {

std::string_view CheckpointFormatName(CheckpointFormat f) { return f == CheckpointFormat::kV2 ? "v2" : "v1"; }

const TensorEntry* CheckpointReader::Find(std::string_view key) const {
  const auto& all = entries();
  auto it = std::lower_bound(all.begin(), all.end(), key,
                             [](const TensorEntry& e, std::string_view k) { return e.key < k; });
  if (it == all.end() || it->key != key) return nullptr;
  return &*it;
}

Result<std::unique_ptr<CheckpointReader>> OpenCheckpoint(const std::string& path) {
  SURGEON_ASSIGN_OR_RETURN(CheckpointLocation loc, ResolveCheckpoint(path));
  if (loc.format == CheckpointFormat::kV1) return OpenV1Checkpoint(loc.prefix);
  SURGEON_ASSIGN_OR_RETURN(auto reader, BundleReader::Open(loc.prefix));
  return std::unique_ptr<CheckpointReader>(std::move(reader));
}

}  // namespace surgeon
