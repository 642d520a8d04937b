#include "surgeon/format/string_tensor.h"

#include "base/coding.h"
#include "surgeon/base/crc32c.h"

namespace surgeon {
namespace {

uint32_t ExtendWithLength(uint32_t crc, uint64_t len) {
  // TF checksums the fixed-width length: uint32 when it fits, else uint64.
  if (len <= 0xffffffffu) {
    uint32_t l32 = static_cast<uint32_t>(len);
    return crc32c::Extend(crc, &l32, 4);
  }
  return crc32c::Extend(crc, &len, 8);
}

}  // namespace

EncodedStringTensor EncodeStringTensor(const std::vector<std::string_view>& elements) {
  std::string out;
  uint32_t crc = 0;
  for (std::string_view s : elements) {
    PutVarint64(&out, s.size());
    crc = ExtendWithLength(crc, s.size());
  }
  uint32_t length_checksum = crc32c::Mask(crc);
  PutFixed32(&out, length_checksum);
  crc = crc32c::Extend(crc, &length_checksum, 4);
  for (std::string_view s : elements) {
    out.append(s);
    crc = crc32c::Extend(crc, s.data(), s.size());
  }
  EncodedStringTensor enc;
  enc.bytes.assign(out.begin(), out.end());
  enc.masked_crc32c = crc32c::Mask(crc);
  return enc;
}

Result<std::vector<std::string_view>> DecodeStringTensor(ByteSpan bytes, uint64_t num_elements,
                                                         uint32_t* masked_crc32c) {
  std::string_view in = AsStringView(bytes);
  // Each element needs at least one length byte: reject absurd counts before allocating.
  if (num_elements > in.size()) {
    return Status::DataLoss("string tensor of " + std::to_string(num_elements) + " elements cannot fit in " +
                            std::to_string(in.size()) + " bytes");
  }
  std::vector<uint64_t> lengths(num_elements);
  uint32_t crc = 0;
  uint64_t total = 0;
  for (uint64_t i = 0; i < num_elements; ++i) {
    if (!GetVarint64(&in, &lengths[i])) return Status::DataLoss("string tensor: truncated length varint");
    crc = ExtendWithLength(crc, lengths[i]);
    if (lengths[i] > bytes.size()) return Status::DataLoss("string tensor: element length exceeds the tensor size");
    total += lengths[i];
  }
  if (in.size() < 4) return Status::DataLoss("string tensor: missing length checksum");
  uint32_t stored = DecodeFixed32(in.data());
  if (crc32c::Unmask(stored) != crc) return Status::DataLoss("string tensor: length checksum mismatch");
  crc = crc32c::Extend(crc, in.data(), 4);
  in.remove_prefix(4);
  if (total != in.size()) {
    return Status::DataLoss("string tensor: lengths add up to " + std::to_string(total) + " bytes but " +
                            std::to_string(in.size()) + " bytes follow");
  }
  std::vector<std::string_view> out;
  out.reserve(num_elements);
  for (uint64_t len : lengths) {
    out.push_back(in.substr(0, len));
    in.remove_prefix(len);
  }
  crc = crc32c::Extend(crc, bytes.data() + (bytes.size() - total), total);
  *masked_crc32c = crc32c::Mask(crc);
  return out;
}

}  // namespace surgeon
