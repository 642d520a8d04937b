// Placeholder until the V1 reader lands.
#include "surgeon/format/v1_reader.h"

namespace surgeon {

Result<std::unique_ptr<CheckpointReader>> OpenV1Checkpoint(const std::string& path) {
  return Status::Unimplemented(path + ": legacy V1 checkpoints are not supported yet");
}

}  // namespace surgeon
