#include "surgeon/format/tensor_writer.h"

#include "surgeon/format/bundle.h"
#include "surgeon/format/keras_h5.h"
#include "surgeon/format/npz.h"
#include "surgeon/format/safetensors.h"

namespace surgeon {
namespace {

struct FormatName {
  OutputFormat format;
  const char* name;
};
constexpr FormatName kNames[] = {{OutputFormat::kTfCheckpoint, "tf_checkpoint"},
                                 {OutputFormat::kSafetensors, "safetensors"},
                                 {OutputFormat::kNpz, "npz"},
                                 {OutputFormat::kKerasH5, "keras_h5"}};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view OutputFormatName(OutputFormat f) {
  for (const auto& n : kNames) {
    if (n.format == f) return n.name;
  }
  return "?";
}

std::optional<OutputFormat> ParseOutputFormat(std::string_view name) {
  for (const auto& n : kNames) {
    if (name == n.name) return n.format;
  }
  return std::nullopt;
}

std::string OutputFormatChoices() {
  std::string out;
  for (const auto& n : kNames) out += std::string(out.empty() ? "" : ", ") + n.name;
  return out;
}

OutputFormat OutputFormatForPath(std::string_view path) {
  if (EndsWith(path, ".safetensors")) return OutputFormat::kSafetensors;
  if (EndsWith(path, ".npz")) return OutputFormat::kNpz;
  if (EndsWith(path, ".h5") || EndsWith(path, ".hdf5")) return OutputFormat::kKerasH5;
  return OutputFormat::kTfCheckpoint;
}

Status TensorWriter::AddPieces(const std::string& key, DataType dtype, const Shape& shape, const PieceSource& next) {
  std::vector<uint8_t> whole;
  for (;;) {
    SURGEON_ASSIGN_OR_RETURN(ByteSpan piece, next());
    if (piece.empty()) break;
    whole.insert(whole.end(), piece.begin(), piece.end());
  }
  return Add(key, dtype, shape, ByteSpan(whole.data(), whole.size()));
}

Result<std::unique_ptr<TensorWriter>> CreateTensorWriter(OutputFormat format, StagedOutput* out,
                                                         const std::string& path, const std::vector<TensorSpec>& specs,
                                                         uint64_t max_shard_bytes) {
  if (max_shard_bytes > 0 && format != OutputFormat::kTfCheckpoint) {
    return Status::InvalidArgument(path + ": a " + std::string(OutputFormatName(format)) +
                                   " output is one file; a shard size limit applies to tf_checkpoint output only");
  }
  switch (format) {
    case OutputFormat::kTfCheckpoint: {
      SURGEON_ASSIGN_OR_RETURN(auto w, BundleWriter::Create(out, path, {0, max_shard_bytes, specs}));
      return std::unique_ptr<TensorWriter>(std::move(w));
    }
    case OutputFormat::kSafetensors: return CreateSafetensorsWriter(out, path, specs);
    case OutputFormat::kNpz: return CreateNpzWriter(out, path);
    case OutputFormat::kKerasH5: return CreateKerasH5Writer(out, path);
  }
  return Status::Internal("unknown output format");
}

}  // namespace surgeon
