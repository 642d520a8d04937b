// DT_STRING tensors in V2 data layout (tensor_bundle.cc WriteStringTensor):
//
//   varint64 len[0] ... varint64 len[n-1]
//   fixed32  Mask(crc of the lengths, each as uint32 LE, or uint64 LE if > 0xffffffff)
//   bytes[0] ... bytes[n-1]
//
// The entry's crc32c is Mask(crc) where crc continues from the length crc
// over the 4 stored checksum bytes and then over every element's bytes.
#ifndef SURGEON_FORMAT_STRING_TENSOR_H_
#define SURGEON_FORMAT_STRING_TENSOR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/file.h"
#include "surgeon/base/status.h"

namespace surgeon {

struct EncodedStringTensor {
  std::vector<uint8_t> bytes;
  uint32_t masked_crc32c = 0;
};
EncodedStringTensor EncodeStringTensor(const std::vector<std::string_view>& elements);

// Parses `bytes` as `num_elements` strings, checking the length checksum and
// that the layout fills `bytes` exactly. Returns views into `bytes` and, in
// *masked_crc32c, the entry crc TF would store. Errors are DataLoss without
// context (callers add file and tensor).
Result<std::vector<std::string_view>> DecodeStringTensor(ByteSpan bytes, uint64_t num_elements,
                                                         uint32_t* masked_crc32c);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_STRING_TENSOR_H_
