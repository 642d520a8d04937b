// OrderedCode, ported from tensorflow/core/lib/strings/ordered_code.cc (only
// the increasing-order encodings TF's slice keys use).
#include "surgeon/format/ordered_code.h"

#include <bit>

namespace surgeon {
namespace ordered_code {
namespace {

constexpr char kEscape1 = '\x00';
constexpr char kNullCharacter = '\xff';  // After kEscape1: a literal 0x00.
constexpr char kSeparator = '\x01';      // After kEscape1: end of string.
constexpr char kEscape2 = '\xff';
constexpr char kFFCharacter = '\x00';  // After kEscape2: a literal 0xff.

constexpr int kMaxSigned64Length = 10;

// ordered_code.cc kLengthToHeaderBits: encoding length -> header bits of the
// first two bytes.
constexpr unsigned char kLengthToHeaderBits[1 + kMaxSigned64Length][2] = {
    {0, 0},    {0x80, 0}, {0xc0, 0}, {0xe0, 0},    {0xf0, 0},   {0xf8, 0},
    {0xfc, 0}, {0xfe, 0}, {0xff, 0}, {0xff, 0x80}, {0xff, 0xc0}};

// ordered_code.cc kLengthToMask: header bits that overlap the payload.
constexpr uint64_t kLengthToMask[1 + kMaxSigned64Length] = {0ULL,
                                                            0x80ULL,
                                                            0xc000ULL,
                                                            0xe00000ULL,
                                                            0xf0000000ULL,
                                                            0xf800000000ULL,
                                                            0xfc0000000000ULL,
                                                            0xfe000000000000ULL,
                                                            0xff00000000000000ULL,
                                                            0x8000000000000000ULL,
                                                            0ULL};

// ordered_code.cc kBitsToLength: significant bits -> encoding length.
constexpr int8_t kBitsToLength[1 + 63] = {1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4,
                                          4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 7,
                                          7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 10};

// tsl::Log2Floor64; -1 for 0.
int Log2Floor64(uint64_t n) { return n == 0 ? -1 : 63 - std::countl_zero(n); }

// SignedEncodingLength(x) for x = (val < 0 ? ~val : val), which is < 2^63.
int SignedEncodingLength(uint64_t x) { return kBitsToLength[Log2Floor64(x) + 1]; }

}  // namespace

void WriteNumIncreasing(std::string* dest, uint64_t value) {
  unsigned char buf[9];
  int len = 0;
  while (value > 0) {
    ++len;
    buf[9 - len] = static_cast<unsigned char>(value & 0xff);
    value >>= 8;
  }
  buf[9 - len - 1] = static_cast<unsigned char>(len);
  ++len;
  dest->append(reinterpret_cast<const char*>(buf + 9 - len), len);
}

void WriteString(std::string* dest, std::string_view s) {
  size_t copy_start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != kEscape1 && c != kEscape2) continue;
    dest->append(s.data() + copy_start, i - copy_start);
    if (c == kEscape1) {
      dest->push_back(kEscape1);
      dest->push_back(kNullCharacter);
    } else {
      dest->push_back(kEscape2);
      dest->push_back(kFFCharacter);
    }
    copy_start = i + 1;
  }
  dest->append(s.data() + copy_start, s.size() - copy_start);
  dest->push_back(kEscape1);
  dest->push_back(kSeparator);
}

void WriteSignedNumIncreasing(std::string* dest, int64_t value) {
  const uint64_t x = value < 0 ? ~static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  if (x < 64) {  // One byte: 0x80 XOR the low byte (sign-extended).
    dest->push_back(static_cast<char>(kLengthToHeaderBits[1][0] ^ static_cast<unsigned char>(value & 0xff)));
    return;
  }
  // The value big-endian, sign-extended to 10 bytes; header bits XORed into
  // the first two bytes of the last `len`.
  const unsigned char sign_byte = value < 0 ? 0xff : 0x00;
  unsigned char buf[kMaxSigned64Length] = {sign_byte, sign_byte};
  const uint64_t u = static_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i) buf[2 + i] = static_cast<unsigned char>(u >> (56 - 8 * i));
  const int len = SignedEncodingLength(x);
  unsigned char* begin = buf + kMaxSigned64Length - len;
  begin[0] ^= kLengthToHeaderBits[len][0];
  begin[1] ^= kLengthToHeaderBits[len][1];  // len >= 2 here.
  dest->append(reinterpret_cast<const char*>(begin), len);
}

bool ReadNumIncreasing(std::string_view* src, uint64_t* value) {
  if (src->empty()) return false;
  const size_t len = static_cast<unsigned char>((*src)[0]);
  if (len > 8 || len + 1 > src->size()) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len; ++i) v = (v << 8) | static_cast<unsigned char>((*src)[1 + i]);
  *value = v;
  src->remove_prefix(len + 1);
  return true;
}

bool ReadString(std::string_view* src, std::string* value) {
  std::string out;
  size_t i = 0;
  while (i < src->size()) {
    char c = (*src)[i];
    if (c != kEscape1 && c != kEscape2) {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= src->size()) return false;
    char next = (*src)[i + 1];
    if (c == kEscape1) {
      if (next == kSeparator) {
        src->remove_prefix(i + 2);
        *value = std::move(out);
        return true;
      }
      if (next != kNullCharacter) return false;
      out.push_back('\0');
    } else {
      if (next != kFFCharacter) return false;  // ff ff (infinity) is not a string.
      out.push_back('\xff');
    }
    i += 2;
  }
  return false;  // No terminator.
}

bool ReadSignedNumIncreasing(std::string_view* src, int64_t* value) {
  if (src->empty()) return false;
  const auto byte = [&](size_t i) { return static_cast<unsigned char>((*src)[i]); };
  const uint64_t xor_mask = (byte(0) & 0x80) ? 0ULL : ~0ULL;
  const unsigned char first = byte(0) ^ static_cast<unsigned char>(xor_mask & 0xff);
  int len;
  uint64_t x;
  if (first != 0xff) {
    len = 7 - Log2Floor64(first ^ 0xff);
    if (src->size() < static_cast<size_t>(len)) return false;
    x = xor_mask;  // Sign-extends.
    for (int i = 0; i < len; ++i) x = (x << 8) | byte(i);
  } else {
    len = 8;
    if (src->size() < 8) return false;
    const unsigned char second = byte(1) ^ static_cast<unsigned char>(xor_mask & 0xff);
    if (second >= 0x80) {
      if (second < 0xc0) {
        len = 9;
      } else {
        if (src->size() < 3) return false;
        const unsigned char third = byte(2) ^ static_cast<unsigned char>(xor_mask & 0xff);
        if (second == 0xc0 && third < 0x80) {
          len = 10;
        } else {
          return false;  // Longer than 10 bytes, or more than 63 bits.
        }
      }
      if (src->size() < static_cast<size_t>(len)) return false;
    }
    x = 0;
    for (int i = 0; i < 8; ++i) x |= static_cast<uint64_t>(byte(len - 8 + i)) << (56 - 8 * i);
  }
  x ^= kLengthToMask[len];
  // Reject non-canonical encodings (TF only DCHECKs this).
  const uint64_t mag = static_cast<int64_t>(x) < 0 ? ~x : x;
  if (SignedEncodingLength(mag) != len) return false;
  *value = static_cast<int64_t>(x);
  src->remove_prefix(len);
  return true;
}

}  // namespace ordered_code

std::string EncodeTensorNameSlice(std::string_view name, const TensorSlice& slice) {
  std::string key;
  key.reserve(name.size() + 4 + 4 * slice.size());
  ordered_code::WriteNumIncreasing(&key, 0);  // Every slice key starts with 0.
  ordered_code::WriteString(&key, name);
  ordered_code::WriteNumIncreasing(&key, slice.size());
  for (const SliceExtent& e : slice) {
    ordered_code::WriteSignedNumIncreasing(&key, e.start);
    ordered_code::WriteSignedNumIncreasing(&key, e.length);
  }
  return key;
}

Result<DecodedSliceKey> DecodeTensorNameSlice(std::string_view key) {
  std::string_view src = key;
  uint64_t zero = 1;
  DecodedSliceKey out;
  if (!ordered_code::ReadNumIncreasing(&src, &zero) || zero != 0) {
    return Status::InvalidArgument("not a tensor slice key: does not start with 0");
  }
  if (!ordered_code::ReadString(&src, &out.name)) {
    return Status::InvalidArgument("not a tensor slice key: malformed tensor name");
  }
  uint64_t rank = 0;
  if (!ordered_code::ReadNumIncreasing(&src, &rank)) {
    return Status::InvalidArgument("tensor slice key for '" + out.name + "': malformed rank");
  }
  if (rank == 0) return Status::InvalidArgument("tensor slice key for '" + out.name + "': expecting positive rank");
  // Each dimension takes at least two bytes: bounds the loop by the input.
  if (rank > src.size() / 2) {
    return Status::InvalidArgument("tensor slice key for '" + out.name + "': rank " + std::to_string(rank) +
                                   " exceeds the key length");
  }
  for (uint64_t d = 0; d < rank; ++d) {
    SliceExtent e;
    if (!ordered_code::ReadSignedNumIncreasing(&src, &e.start) ||
        !ordered_code::ReadSignedNumIncreasing(&src, &e.length)) {
      return Status::InvalidArgument("tensor slice key for '" + out.name + "': malformed extent of dimension " +
                                     std::to_string(d));
    }
    out.slice.push_back(e);
  }
  if (!src.empty()) {
    return Status::InvalidArgument("tensor slice key for '" + out.name + "': " + std::to_string(src.size()) +
                                   " trailing bytes");
  }
  return out;
}

}  // namespace surgeon
