// Legacy V1 checkpoints (TensorSliceWriter single-file tables).
#ifndef SURGEON_FORMAT_V1_READER_H_
#define SURGEON_FORMAT_V1_READER_H_

#include <memory>
#include <string>

#include "surgeon/format/checkpoint.h"

namespace surgeon {

// Opens the V1 checkpoint file at `path`.
Result<std::unique_ptr<CheckpointReader>> OpenV1Checkpoint(const std::string& path);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_V1_READER_H_
