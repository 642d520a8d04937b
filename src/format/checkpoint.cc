#include "surgeon/format/checkpoint.h"

#include <algorithm>

#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/keras_h5.h"
#include "surgeon/format/npz.h"
#include "surgeon/format/safetensors.h"
#include "surgeon/format/v1_reader.h"

namespace surgeon {

std::string_view CheckpointFormatName(CheckpointFormat f) {
  switch (f) {
    case CheckpointFormat::kV2: return "v2";
    case CheckpointFormat::kV1: return "v1";
    case CheckpointFormat::kKerasH5: return "keras_h5";
    case CheckpointFormat::kSafetensors: return "safetensors";
    case CheckpointFormat::kNpz: return "npz";
  }
  return "?";
}

const TensorEntry* CheckpointReader::Find(std::string_view key) const {
  const auto& all = entries();
  auto it =
      std::lower_bound(all.begin(), all.end(), key, [](const TensorEntry& e, std::string_view k) { return e.key < k; });
  if (it == all.end() || it->key != key) return nullptr;
  return &*it;
}

Result<std::unique_ptr<CheckpointReader>> OpenCheckpoint(const std::string& path) {
  SURGEON_ASSIGN_OR_RETURN(CheckpointLocation loc, ResolveCheckpoint(path));
  switch (loc.format) {
    case CheckpointFormat::kV1: return OpenV1Checkpoint(loc.prefix);
    case CheckpointFormat::kKerasH5: return OpenKerasH5(loc.prefix);
    case CheckpointFormat::kSafetensors: return OpenSafetensors(loc.prefix);
    case CheckpointFormat::kNpz: return OpenNpz(loc.prefix);
    case CheckpointFormat::kV2: break;
  }
  SURGEON_ASSIGN_OR_RETURN(auto reader, BundleReader::Open(loc.prefix));
  return std::unique_ptr<CheckpointReader>(std::move(reader));
}

}  // namespace surgeon
