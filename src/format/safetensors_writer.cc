// Writing a .safetensors file (layout: safetensors.h). The header needs every
// tensor's offsets, so the writer takes the full list up front, writes the
// header at once and then checks each Add against the list.
#include <nlohmann/json.hpp>

#include "surgeon/format/safetensors.h"

namespace surgeon {
namespace {

class SafetensorsWriter : public TensorWriter {
 public:
  SafetensorsWriter(WritableFile* file, std::string path, std::vector<TensorSpec> specs)
      : file_(file), path_(std::move(path)), specs_(std::move(specs)) {}

  Status WriteHeader() {
    nlohmann::json header = nlohmann::json::object();
    uint64_t offset = 0;
    for (const auto& s : specs_) {
      SURGEON_ASSIGN_OR_RETURN(uint64_t bytes, FixedTensorBytes(s.dtype, s.shape));
      if (header.contains(s.key)) return Status::InvalidArgument(path_ + ": tensor '" + s.key + "' is written twice");
      if (s.key == "__metadata__") return Status::InvalidArgument(path_ + ": '__metadata__' cannot name a tensor in safetensors");
      header[s.key] = {{"dtype", SafetensorsDtypeName(s.dtype)}, {"shape", s.shape}, {"data_offsets", {offset, offset + bytes}}};
      offset += bytes;
    }
    header["__metadata__"] = {{"format", "tf"}};
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // Tensors start 8-byte aligned.
    std::string size(8, '\0');
    for (int i = 0; i < 8; ++i) size[i] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
    SURGEON_RETURN_IF_ERROR(file_->Append(size));
    return file_->Append(text);
  }

  Status Add(const std::string& key, DataType dtype, const Shape& shape, ByteSpan bytes) override {
    if (next_ >= specs_.size() || specs_[next_].key != key || specs_[next_].dtype != dtype || specs_[next_].shape != shape) {
      return Status::Internal(path_ + ": tensor '" + key + "' added out of the declared order");
    }
    SURGEON_ASSIGN_OR_RETURN(uint64_t want, FixedTensorBytes(dtype, shape));
    if (bytes.size() != want) {
      return Status::InvalidArgument(path_ + ": tensor '" + key + "' has " + std::to_string(bytes.size()) +
                                     " bytes, " + ShapeToString(shape) + " needs " + std::to_string(want));
    }
    ++next_;
    data_bytes_ += bytes.size();
    return file_->Append(bytes);
  }

  Status Finish() override {
    if (next_ != specs_.size()) {
      return Status::Internal(path_ + ": " + std::to_string(specs_.size() - next_) + " declared tensors never added");
    }
    return file_->Flush();
  }
  uint64_t data_bytes() const override { return data_bytes_; }

 private:
  WritableFile* file_;  // Owned by the StagedOutput.
  std::string path_;
  std::vector<TensorSpec> specs_;
  size_t next_ = 0;
  uint64_t data_bytes_ = 0;
};

}  // namespace

Result<std::unique_ptr<TensorWriter>> CreateSafetensorsWriter(StagedOutput* out, const std::string& path,
                                                              const std::vector<TensorSpec>& specs) {
  for (const auto& s : specs) {
    if (SafetensorsDtypeName(s.dtype).empty()) {
      return Status::Unimplemented(path + ": tensor '" + s.key + "' is " + DataTypeName(s.dtype) +
                                   ", which safetensors cannot store (drop it or write a tf_checkpoint)");
    }
  }
  SURGEON_ASSIGN_OR_RETURN(WritableFile * file, out->Add(path));
  auto w = std::make_unique<SafetensorsWriter>(file, path, specs);
  SURGEON_RETURN_IF_ERROR(w->WriteHeader());
  return std::unique_ptr<TensorWriter>(std::move(w));
}

}  // namespace surgeon
