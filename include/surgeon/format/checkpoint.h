// CheckpointReader: one read-only view over every checkpoint format surgeon
// accepts. Callers list TensorEntry metadata (cheap: index only) and ask for a
// tensor's bytes, always in V2 data-file layout, checksum-verified.
//
//   SURGEON_ASSIGN_OR_RETURN(auto ckpt, OpenCheckpoint("pretrained/model.ckpt-200"));
//   for (const TensorEntry& e : ckpt->entries()) {
//     SURGEON_ASSIGN_OR_RETURN(TensorData t, ckpt->Read(e));
//     writer->AddVerified(e.key, e.dtype, e.shape, t.bytes(), t.masked_crc32c);
//   }
#ifndef SURGEON_FORMAT_CHECKPOINT_H_
#define SURGEON_FORMAT_CHECKPOINT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/file.h"
#include "surgeon/base/status.h"
#include "surgeon/format/tensor_entry.h"

namespace surgeon {

enum class CheckpointFormat {
  kV2,           // tensor bundle: <prefix>.index + <prefix>.data-NNNNN-of-MMMMM
  kV1,           // legacy TensorSliceWriter table(s): one file, or N shard files "<base>-?????-of-N"
  kKerasH5,      // Keras HDF5 weights (keras_h5.h)
  kSafetensors,  // one .safetensors file (safetensors.h)
  kNpz,          // a zip of .npy arrays (npz.h)
};
// "v2", "v1", "keras_h5", "safetensors", "npz".
std::string_view CheckpointFormatName(CheckpointFormat f);

// A tensor's bytes in V2 data layout and their masked crc32c. The bytes
// either point into the source mapping (valid while the reader lives) or are
// owned by this object (assembled V1 / partitioned tensors).
class TensorData {
 public:
  TensorData() = default;
  static TensorData View(ByteSpan bytes, uint32_t masked_crc32c) {
    TensorData d;
    d.view_ = bytes;
    d.masked_crc32c = masked_crc32c;
    return d;
  }
  static TensorData Owned(std::vector<uint8_t> bytes, uint32_t masked_crc32c) {
    TensorData d;
    d.owned_ = std::move(bytes);
    d.view_ = ByteSpan(d.owned_.data(), d.owned_.size());
    d.masked_crc32c = masked_crc32c;
    return d;
  }
  TensorData(TensorData&& o) noexcept { *this = std::move(o); }
  TensorData& operator=(TensorData&& o) noexcept {
    bool owned = !o.owned_.empty();
    owned_ = std::move(o.owned_);
    view_ = owned ? ByteSpan(owned_.data(), owned_.size()) : o.view_;
    masked_crc32c = o.masked_crc32c;
    return *this;
  }
  ByteSpan bytes() const { return view_; }
  uint32_t masked_crc32c = 0;

 private:
  std::vector<uint8_t> owned_;
  ByteSpan view_;
};

class CheckpointReader {
 public:
  virtual ~CheckpointReader() = default;

  virtual CheckpointFormat format() const = 0;
  // The V2 prefix, the V1 file, the sharded V1 pattern "<base>-?????-of-<N>",
  // or the .h5/.safetensors/.npz file, as resolved.
  virtual const std::string& path() const = 0;
  // Every tensor, sorted by key. Slice-only keys of partitioned tensors are
  // not listed; their full tensor is.
  virtual const std::vector<TensorEntry>& entries() const = 0;
  // Reads one tensor (which must come from entries()) and verifies it: the
  // V2 per-tensor crc32c, the string length checksum, or for V1 the element
  // count. Errors are DataLoss naming the file and the tensor key.
  virtual Result<TensorData> Read(const TensorEntry& entry) const = 0;

  // Format-specific facts for `inspect` (header fields, table stats, ...).
  virtual std::vector<std::pair<std::string, std::string>> Describe() const { return {}; }

  // Where a tensor's bytes lie, unchanged and in one piece, in a source
  // file: a whole V2 tensor. A copy can then move them file to file and
  // check the stored checksum on the way (exec/copy.cc). nullopt when the
  // reader assembles or decodes the bytes (V1, partitioned tensors); the
  // range is not verified, Read() is what verifies.
  virtual std::optional<MappedRange> StoredRange(const TensorEntry& entry) const { return std::nullopt; }

  // nullptr when there is no such key.
  const TensorEntry* Find(std::string_view key) const;
};

// Opens a checkpoint from any path a user may give (see ResolveCheckpoint).
Result<std::unique_ptr<CheckpointReader>> OpenCheckpoint(const std::string& path);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_CHECKPOINT_H_
