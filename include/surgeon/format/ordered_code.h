// TF's OrderedCode (tensorflow/core/lib/strings/ordered_code.{h,cc}): the
// order-preserving byte encoding used for the binary keys of tensor slices,
// both in legacy V1 checkpoints and for the slice entries of partitioned
// tensors in V2 bundles.
//
//   EncodeTensorNameSlice("vgg_16/fc8/biases", {{0, -1}})
//     == "\x00" "vgg_16/fc8/biases" "\x00\x01" "\x01\x01" "\x80\x7f"
#ifndef SURGEON_FORMAT_ORDERED_CODE_H_
#define SURGEON_FORMAT_ORDERED_CODE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "surgeon/base/status.h"
#include "surgeon/format/tensor_entry.h"

namespace surgeon {
namespace ordered_code {

// One length byte L, then L big-endian bytes with leading zeros dropped.
void WriteNumIncreasing(std::string* dest, uint64_t value);
// The bytes with 0x00 escaped as 00 ff and 0xff as ff 00, then 00 01.
void WriteString(std::string* dest, std::string_view s);
// Sign bit, unary length bits, then the two's-complement payload, big-endian;
// 1 to 10 bytes ([-64, 64) takes one byte).
void WriteSignedNumIncreasing(std::string* dest, int64_t value);

// Decoders: consume one item from the front of *src. Return false (leaving
// *src unspecified) on malformed or truncated input; never read past *src.
bool ReadNumIncreasing(std::string_view* src, uint64_t* value);
bool ReadString(std::string_view* src, std::string* value);
bool ReadSignedNumIncreasing(std::string_view* src, int64_t* value);

}  // namespace ordered_code

// saved_tensor_slice_util.cc EncodeTensorNameSlice: 0, name, rank, then
// (start, length) per dimension; a full dimension is (0, -1).
std::string EncodeTensorNameSlice(std::string_view name, const TensorSlice& slice);

struct DecodedSliceKey {
  std::string name;
  TensorSlice slice;
};
// The inverse, for printing binary keys. Readers look slices up by
// re-encoding the key (as TF does), not by decoding. Like TF, rejects rank 0
// ("Expecting positive rank").
Result<DecodedSliceKey> DecodeTensorNameSlice(std::string_view key);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_ORDERED_CODE_H_
