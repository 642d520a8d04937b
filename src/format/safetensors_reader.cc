// CheckpointReader over a .safetensors file: the header is validated at
// Open (safetensors_header.cc); tensors are views into the mapping.
#include "surgeon/base/crc32c.h"
#include "surgeon/format/safetensors.h"

namespace surgeon {
namespace {

class SafetensorsReader : public CheckpointReader {
 public:
  SafetensorsReader(std::unique_ptr<MappedFile> file, SafetensorsHeader header)
      : file_(std::move(file)), header_(std::move(header)) {}

  CheckpointFormat format() const override { return CheckpointFormat::kSafetensors; }
  const std::string& path() const override { return file_->path(); }
  const std::vector<TensorEntry>& entries() const override { return header_.entries; }

  // Validated at Open: every entry lies inside the file. safetensors stores
  // no checksum; the crc32c handed on is computed here.
  Result<TensorData> Read(const TensorEntry& e) const override {
    ByteSpan bytes = file_->bytes(e.offset, e.size);
    return TensorData::View(bytes, crc32c::Mask(crc32c::Value(bytes.data(), bytes.size())));
  }

  std::vector<std::pair<std::string, std::string>> Describe() const override {
    std::vector<std::pair<std::string, std::string>> out = {{"header_bytes", std::to_string(header_.header_size)}};
    for (const auto& [k, v] : header_.metadata) out.emplace_back("metadata." + k, v);
    return out;
  }

 private:
  std::unique_ptr<MappedFile> file_;
  SafetensorsHeader header_;
};

}  // namespace

Result<std::unique_ptr<CheckpointReader>> OpenSafetensors(const std::string& path) {
  SURGEON_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  SURGEON_ASSIGN_OR_RETURN(SafetensorsHeader header, ParseSafetensorsHeader(file->bytes(), path));
  return std::unique_ptr<CheckpointReader>(new SafetensorsReader(std::move(file), std::move(header)));
}

}  // namespace surgeon
