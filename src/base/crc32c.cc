#include "surgeon/base/crc32c.h"

#include <isa-l/crc.h>

#include <climits>

namespace surgeon::crc32c {

uint32_t Extend(uint32_t crc, const void* data, size_t n) {
  // ISA-L's crc32_iscsi neither pre- nor post-inverts, and takes an int
  // length, so invert around it and feed it at most 1 GiB at a time.
  constexpr size_t kChunk = size_t{1} << 30;
  auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
  uint32_t c = ~crc;
  while (n > 0) {
    size_t len = n < kChunk ? n : kChunk;
    c = crc32_iscsi(p, static_cast<int>(len), c);
    p += len;
    n -= len;
  }
  return ~c;
}

}  // namespace surgeon::crc32c
