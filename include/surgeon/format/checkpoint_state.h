// The `checkpoint` state file: a CheckpointState message in protobuf text
// format (python/training/checkpoint_state.proto), written next to
// checkpoints by tf.train.Saver and CheckpointManager.
//
//   model_checkpoint_path: "model.ckpt-2000"
//   all_model_checkpoint_paths: "model.ckpt-1000"
//   all_model_checkpoint_paths: "model.ckpt-2000"
#ifndef SURGEON_FORMAT_CHECKPOINT_STATE_H_
#define SURGEON_FORMAT_CHECKPOINT_STATE_H_

#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/status.h"

namespace surgeon {

struct CheckpointState {
  std::string model_checkpoint_path;
  std::vector<std::string> all_model_checkpoint_paths;
  std::vector<double> all_model_checkpoint_timestamps;
  double last_preserved_timestamp = 0;  // 0: not set
};

// Parses protobuf text format with protobuf's own parser, merging as TF's
// reader does (python/training/checkpoint_management.py: text_format.Merge,
// so a repeated singular field keeps its last value). Errors are
// InvalidArgument "filename:line:column: what". `filename` is used in error
// messages only.
Result<CheckpointState> ParseCheckpointState(std::string_view text, std::string_view filename);
// Serializes like Python's text_format.MessageToString.
std::string SerializeCheckpointState(const CheckpointState& state);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_CHECKPOINT_STATE_H_
