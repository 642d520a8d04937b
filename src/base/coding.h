// Little-endian fixed-width and varint encoding, as in leveldb util/coding.h.
// Decoders take [p, limit) and never read past limit; they return nullptr
// (or false) on truncated or over-long input instead of crashing.
#ifndef SURGEON_BASE_CODING_H_
#define SURGEON_BASE_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace surgeon {

inline void PutFixed32(std::string* dst, uint32_t v) {
  char buf[4];
  std::memcpy(buf, &v, 4);  // Little-endian hosts only (checked in coding.cc).
  dst->append(buf, 4);
}
inline void PutFixed64(std::string* dst, uint64_t v) {
  char buf[8];
  std::memcpy(buf, &v, 8);
  dst->append(buf, 8);
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

void PutVarint32(std::string* dst, uint32_t v);
void PutVarint64(std::string* dst, uint64_t v);
// Writes varint64(v) into buf (at least 10 bytes); returns bytes written.
int EncodeVarint64(char* buf, uint64_t v);
int VarintLength(uint64_t v);

// Returns the byte after the varint, or nullptr if [p, limit) holds no
// complete, well-formed varint of that width.
const char* GetVarint32Ptr(const char* p, const char* limit, uint32_t* value);
const char* GetVarint64Ptr(const char* p, const char* limit, uint64_t* value);

// Consume a varint from the front of *input.
bool GetVarint32(std::string_view* input, uint32_t* value);
bool GetVarint64(std::string_view* input, uint64_t* value);

}  // namespace surgeon

#endif  // SURGEON_BASE_CODING_H_
