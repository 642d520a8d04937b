// Parsing and serializing MetaGraphDef / SavedModel (see format/meta_graph.h).
//
// Size limits: protobuf's CodedInputStream used to stop at 64 MiB by default;
// TF itself lifts it (core/platform/protobuf_util.cc ParseProtoUnlimited), and
// so do we: graphs with large embedded constants exceed 64 MiB.
#include "surgeon/format/meta_graph.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <climits>

#include "proto/saved_model.pb.h"

namespace surgeon {
namespace {

constexpr int kRecursionLimit = 1000;  // Deep function attrs nest AttrValues.

template <typename Message>
bool ParseUnlimited(std::string_view bytes, Message* msg) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return false;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  in.SetTotalBytesLimit(INT_MAX);
  in.SetRecursionLimit(kRecursionLimit);
  return msg->ParseFromCodedStream(&in) && in.ConsumedEntireMessage();
}

bool LooksLikeSavedModelName(std::string_view path) {
  std::string base = Basename(path);
  return base == "saved_model.pb";
}

}  // namespace

Result<tensorflow::MetaGraphDef> ParseMetaGraph(std::string_view bytes, std::string_view name, bool saved_model) {
  const std::string who(name);
  if (bytes.empty()) return Status::InvalidArgument(who + ": empty file, not a MetaGraphDef");
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return Status::InvalidArgument(who + ": " + std::to_string(bytes.size()) +
                                   " bytes exceeds protobuf's 2 GiB message limit");
  }
  if (saved_model) {
    tensorflow::SavedModel sm;
    if (!ParseUnlimited(bytes, &sm)) {
      return Status::DataLoss(who + ": cannot parse as a SavedModel protobuf");
    }
    if (sm.meta_graphs_size() == 0) {
      return Status::InvalidArgument(who + ": SavedModel holds no meta graph (schema version " +
                                     std::to_string(sm.saved_model_schema_version()) + ")");
    }
    // SavedModel's loader picks by tags; tf.saved_model.save writes exactly
    // one ("serve"), TF1 builders put the serving one first.
    tensorflow::MetaGraphDef mg = std::move(*sm.mutable_meta_graphs(0));
    if (!mg.has_graph_def()) return Status::InvalidArgument(who + ": SavedModel's meta graph has no graph_def");
    return mg;
  }
  tensorflow::MetaGraphDef mg;
  if (!ParseUnlimited(bytes, &mg)) {
    return Status::DataLoss(who + ": cannot parse as a MetaGraphDef protobuf (not a .meta file, or truncated)");
  }
  if (!mg.has_graph_def()) {
    return Status::InvalidArgument(who + ": not a MetaGraphDef (no graph_def)");
  }
  return mg;
}

Result<tensorflow::MetaGraphDef> ReadMetaGraph(const std::string& path) {
  SURGEON_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  std::string_view bytes = AsStringView(file->bytes());
  if (LooksLikeSavedModelName(path)) return ParseMetaGraph(bytes, path, /*saved_model=*/true);
  auto mg = ParseMetaGraph(bytes, path, /*saved_model=*/false);
  if (mg.ok()) return mg;
  // A SavedModel under another name: field 1 is an int64 there, a message in
  // MetaGraphDef, so a SavedModel never parses as a MetaGraphDef with a graph.
  auto sm = ParseMetaGraph(bytes, path, /*saved_model=*/true);
  if (sm.ok()) return sm;
  return mg;
}

Result<std::string> SerializeMetaGraph(const tensorflow::MetaGraphDef& meta_graph) {
  const size_t size = meta_graph.ByteSizeLong();
  if (size > static_cast<size_t>(INT_MAX)) {
    return Status::InvalidArgument("meta graph of " + std::to_string(size) +
                                   " bytes exceeds protobuf's 2 GiB message limit");
  }
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    meta_graph.SerializeWithCachedSizes(&coded);
    if (coded.HadError()) return Status::Internal("meta graph serialization failed");
  }
  return out;
}

Status WriteMetaGraph(const tensorflow::MetaGraphDef& meta_graph, WritableFile* file) {
  SURGEON_ASSIGN_OR_RETURN(std::string bytes, SerializeMetaGraph(meta_graph));
  return file->Append(bytes).WithContext(file->path());
}

}  // namespace surgeon
