// CRC-32C (Castagnoli) as TensorFlow and leveldb use it, backed by ISA-L's
// hardware-accelerated crc32_iscsi.
//
// Value() is the standard CRC-32C (crc32c("123456789") == 0xe3069283).
// Extend(crc, ...) continues a finished crc, so
//   Extend(Value(a), b) == Value(a ‖ b).
// Checkpoints never store a raw crc: they store Mask(crc), which keeps a crc of
// data that itself contains crcs from being degenerate (tsl/lib/hash/crc32c.h).
#ifndef SURGEON_BASE_CRC32C_H_
#define SURGEON_BASE_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace surgeon::crc32c {

uint32_t Extend(uint32_t crc, const void* data, size_t n);
inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }

inline constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline constexpr uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline constexpr uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace surgeon::crc32c

#endif  // SURGEON_BASE_CRC32C_H_
