#include "surgeon/format/checkpoint_state.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <climits>
#include <cstdint>

#include "proto/checkpoint_state.pb.h"

namespace surgeon {
namespace {

// Collects the parser's first error as "file:line:column: message".
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  explicit FirstError(std::string_view filename) : filename_(filename) {}
  void AddError(int line, int column, const std::string& message) override {
    if (error_.empty()) {
      error_ = filename_ + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
    }
  }
  const std::string& error() const { return error_; }

 private:
  std::string filename_;
  std::string error_;
};

}  // namespace

Result<CheckpointState> ParseCheckpointState(std::string_view text, std::string_view filename) {
  tensorflow::CheckpointState proto;
  google::protobuf::TextFormat::Parser parser;
  FirstError errors(filename);
  parser.RecordErrorsTo(&errors);
  google::protobuf::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  if (text.size() > static_cast<size_t>(INT32_MAX) || !parser.Merge(&input, &proto)) {
    return Status::InvalidArgument(
        (errors.error().empty() ? std::string(filename) + ": too large" : errors.error()) +
        " (not a checkpoint state: expected lines such as model_checkpoint_path: \"model.ckpt-200\")");
  }
  if (proto.model_checkpoint_path().empty()) {
    return Status::InvalidArgument(std::string(filename) +
                                   ": invalid checkpoint state: model_checkpoint_path is missing or empty");
  }
  CheckpointState state;
  state.model_checkpoint_path = proto.model_checkpoint_path();
  state.all_model_checkpoint_paths.assign(proto.all_model_checkpoint_paths().begin(),
                                          proto.all_model_checkpoint_paths().end());
  state.all_model_checkpoint_timestamps.assign(proto.all_model_checkpoint_timestamps().begin(),
                                               proto.all_model_checkpoint_timestamps().end());
  state.last_preserved_timestamp = proto.last_preserved_timestamp();
  return state;
}

std::string SerializeCheckpointState(const CheckpointState& state) {
  tensorflow::CheckpointState proto;
  proto.set_model_checkpoint_path(state.model_checkpoint_path);
  for (const auto& p : state.all_model_checkpoint_paths) proto.add_all_model_checkpoint_paths(p);
  for (double t : state.all_model_checkpoint_timestamps) proto.add_all_model_checkpoint_timestamps(t);
  proto.set_last_preserved_timestamp(state.last_preserved_timestamp);  // proto3: 0 is not printed
  std::string out;
  google::protobuf::TextFormat::PrintToString(proto, &out);
  return out;
}

}  // namespace surgeon
