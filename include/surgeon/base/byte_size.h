// Sizes as people write them in configs and flags: "2GiB", "500 MB", "4096".
#ifndef SURGEON_BASE_BYTE_SIZE_H_
#define SURGEON_BASE_BYTE_SIZE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace surgeon {

// A number of bytes: a whole number, or a number (decimals allowed) and a
// unit, with or without a space between: B, kB/KB, MB, GB, TB (powers of
// 1000) or KiB, MiB, GiB, TiB (powers of 1024). A fractional result is
// rounded down to whole bytes. nullopt for anything else, and for sizes
// past 2^63 bytes.
std::optional<uint64_t> ParseByteSize(std::string_view text);

// What a size limit must be, for error messages ("expected " + this):
// "a size above 0 such as 2GiB, ... (bytes; units: B, kB, MB, ...)".
std::string ByteSizeExpectation();

}  // namespace surgeon

#endif  // SURGEON_BASE_BYTE_SIZE_H_
