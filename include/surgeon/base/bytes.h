// Byte views: the currency between files, formats and tensors.
#ifndef SURGEON_BASE_BYTES_H_
#define SURGEON_BASE_BYTES_H_

#include <cstdint>
#include <span>
#include <string_view>

namespace surgeon {

using ByteSpan = std::span<const uint8_t>;

inline std::string_view AsStringView(ByteSpan s) { return {reinterpret_cast<const char*>(s.data()), s.size()}; }
inline ByteSpan AsBytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

}  // namespace surgeon

#endif  // SURGEON_BASE_BYTES_H_
