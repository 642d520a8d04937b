#include "surgeon/base/numeric_cast.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "surgeon/base/half.h"

namespace surgeon {
namespace {

// Little-endian loads/stores that are correct on any host byte order.
template <typename U>
inline void StoreLE(uint8_t* out, U bits) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(out, &bits, sizeof(U));
  } else {
    for (size_t i = 0; i < sizeof(U); ++i) out[i] = static_cast<uint8_t>(bits >> (8 * i));
  }
}
template <typename U>
inline U LoadLE(const uint8_t* in) {
  U bits = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&bits, in, sizeof(U));
  } else {
    for (size_t i = 0; i < sizeof(U); ++i) bits |= static_cast<U>(in[i]) << (8 * i);
  }
  return bits;
}

}  // namespace

std::string_view FloatFormatName(FloatFormat f) {
  switch (f) {
    case FloatFormat::kF16: return "float16";
    case FloatFormat::kBF16: return "bfloat16";
    case FloatFormat::kF32: return "float32";
    case FloatFormat::kF64: return "float64";
  }
  return "?";
}

int FloatFormatSize(FloatFormat f) {
  switch (f) {
    case FloatFormat::kF16:
    case FloatFormat::kBF16: return 2;
    case FloatFormat::kF32: return 4;
    case FloatFormat::kF64: return 8;
  }
  return 0;
}

double FloatFormatMax(FloatFormat f) {
  switch (f) {
    case FloatFormat::kF16: return 65504.0;
    case FloatFormat::kBF16: return static_cast<double>(Bfloat16BitsToFloat(0x7f7f));
    case FloatFormat::kF32: return static_cast<double>(std::numeric_limits<float>::max());
    case FloatFormat::kF64: return std::numeric_limits<double>::max();
  }
  return 0;
}

bool StoreFloat(double v, FloatFormat to, uint8_t* out) {
  switch (to) {
    case FloatFormat::kF16: {
      const uint16_t h = DoubleToHalfBits(v);
      StoreLE(out, h);
      return !std::isfinite(v) || (h & 0x7c00u) != 0x7c00u;
    }
    case FloatFormat::kBF16: {
      const uint16_t b = DoubleToBfloat16Bits(v);
      StoreLE(out, b);
      return !std::isfinite(v) || (b & 0x7f80u) != 0x7f80u;
    }
    case FloatFormat::kF32: {
      const float f = static_cast<float>(v);  // IEEE round to nearest even
      StoreLE(out, std::bit_cast<uint32_t>(f));
      return !std::isfinite(v) || std::isfinite(f);
    }
    case FloatFormat::kF64: StoreLE(out, std::bit_cast<uint64_t>(v)); return true;
  }
  return false;
}

double LoadFloat(const uint8_t* in, FloatFormat from) {
  switch (from) {
    case FloatFormat::kF16: return HalfBitsToFloat(LoadLE<uint16_t>(in));
    case FloatFormat::kBF16: return Bfloat16BitsToFloat(LoadLE<uint16_t>(in));
    case FloatFormat::kF32: return std::bit_cast<float>(LoadLE<uint32_t>(in));
    case FloatFormat::kF64: return std::bit_cast<double>(LoadLE<uint64_t>(in));
  }
  return 0;
}

bool FitsFinite(double v, FloatFormat to) {
  if (!std::isfinite(v)) return false;
  uint8_t buf[8];
  return StoreFloat(v, to, buf);
}

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  // Plain notation for everyday magnitudes ("100000", "0.001"), scientific
  // beyond; both are the shortest digits that round-trip.
  char buf[512];
  const double a = std::fabs(v);
  const bool plain = a == 0 || (a >= 1e-4 && a < 1e16);
  auto r = plain ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                 : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  return std::string(buf, r.ptr);
}

Result<std::vector<uint8_t>> CastTensorBytes(ByteSpan src, FloatFormat from, FloatFormat to,
                                             std::string_view tensor_name) {
  const size_t in_size = static_cast<size_t>(FloatFormatSize(from));
  const size_t out_size = static_cast<size_t>(FloatFormatSize(to));
  if (src.size() % in_size != 0) {
    return Status::InvalidArgument(std::string(tensor_name) + ": " + std::to_string(src.size()) +
                                   " bytes is not a whole number of " + std::string(FloatFormatName(from)) +
                                   " elements");
  }
  const size_t n = src.size() / in_size;
  std::vector<uint8_t> out(n * out_size);
  if (from == to) {
    if (n) std::memcpy(out.data(), src.data(), src.size());
    return out;
  }
  for (size_t i = 0; i < n; ++i) {
    const double v = LoadFloat(src.data() + i * in_size, from);
    if (!StoreFloat(v, to, out.data() + i * out_size)) {
      return Status::InvalidArgument(std::string(tensor_name) + ": element " + std::to_string(i) + " (value " +
                                     FormatDouble(v) + ") overflows " + std::string(FloatFormatName(to)) +
                                     " (largest finite " + FormatDouble(FloatFormatMax(to)) + ")");
    }
  }
  return out;
}

}  // namespace surgeon
