// Writing a .safetensors file (layout: safetensors.h). The header needs every
// tensor's offsets, so the writer takes the full list up front, writes the
// header at once and then checks each Add against the list.
#include <nlohmann/json.hpp>
#include <string_view>

#include "surgeon/format/safetensors.h"

namespace surgeon {
namespace {

// Well-formed UTF-8 (RFC 3629: no overlongs, surrogates or code points
// above U+10FFFF): what nlohmann::json's dump() requires of every string.
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

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
      if (s.key == "__metadata__")
        return Status::InvalidArgument(path_ + ": '__metadata__' cannot name a tensor in safetensors");
      if (!IsValidUtf8(s.key)) {
        return Status::InvalidArgument(path_ + ": tensor '" + s.key +
                                       "' has a name that is not valid UTF-8, which a safetensors (JSON) header "
                                       "cannot hold; rename it or write another format");
      }
      header[s.key] = {
          {"dtype", SafetensorsDtypeName(s.dtype)}, {"shape", s.shape}, {"data_offsets", {offset, offset + bytes}}};
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
    if (next_ >= specs_.size() || specs_[next_].key != key || specs_[next_].dtype != dtype ||
        specs_[next_].shape != shape) {
      return Status::Internal(path_ + ": tensor '" + key + "' added out of the declared order");
    }
    SURGEON_ASSIGN_OR_RETURN(uint64_t want, FixedTensorBytes(dtype, shape));
    if (bytes.size() != want) {
      return Status::InvalidArgument(path_ + ": tensor '" + key + "' has " + std::to_string(bytes.size()) + " bytes, " +
                                     ShapeToString(shape) + " needs " + std::to_string(want));
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
