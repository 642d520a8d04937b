// Bit-exact conversions between IEEE binary32/binary64 and the two 16-bit
// floating-point formats TensorFlow stores in checkpoints:
//   float16  (DT_HALF):     1 sign, 5 exponent (bias 15), 10 mantissa bits.
//   bfloat16 (DT_BFLOAT16): 1 sign, 8 exponent (bias 127), 7 mantissa bits,
//                           i.e. the top half of a float32.
//
// Every narrowing conversion rounds to nearest, ties to even (IEEE 754
// roundTiesToEven), which is what TF does: Eigen::half's float->half
// (Eigen/src/Core/arch/Default/Half.h, float_to_half_rtne) and
// Eigen::bfloat16's float_to_bfloat16_rtne (arch/Default/BFloat16.h).
// Subnormals are produced and consumed (no flush to zero); overflow gives
// +-inf; NaN stays NaN (quiet). Widening conversions are exact.
//
// Only integer operations are used, so results do not depend on the FPU's
// rounding mode, FMA contraction or flush-to-zero flags.
#ifndef SURGEON_BASE_HALF_H_
#define SURGEON_BASE_HALF_H_

#include <bit>
#include <cstdint>

namespace surgeon {

// float32 -> float16 bits, round to nearest even. |f| >= 65520 -> inf.
constexpr uint16_t FloatToHalfBits(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) {  // inf or NaN
    if (abs == 0x7f800000u) return sign | 0x7c00u;
    // NaN: keep the top payload bits and force the quiet bit, so a payload
    // living only in the low 13 bits cannot turn into inf.
    return static_cast<uint16_t>(sign | 0x7e00u | ((abs >> 13) & 0x3ffu));
  }
  if (abs >= 0x477ff000u) return sign | 0x7c00u;          // >= 65504 + half ulp: inf
  if (abs < 0x38800000u) {                                // below 2^-14: half subnormal (or zero)
    const uint32_t e = abs >> 23;                         // biased float exponent
    if (e < 102) return sign;                             // < 2^-25: rounds to (signed) zero
    const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;  // 24 significant bits
    const uint32_t shift = 126 - e;                       // 14..24
    uint32_t q = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1);
    const uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (q & 1u))) ++q;  // may carry into 0x400: smallest normal
    return static_cast<uint16_t>(sign | q);
  }
  const uint32_t r = abs - 0x38000000u;  // rebias the exponent 127 -> 15
  uint32_t q = r >> 13;
  const uint32_t rem = r & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (q & 1u))) ++q;  // carry may reach the exponent: correct
  return static_cast<uint16_t>(sign | q);
}

// float16 bits -> float32, exact.
constexpr float HalfBitsToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t e = (h >> 10) & 0x1fu;
  uint32_t m = h & 0x3ffu;
  uint32_t bits;
  if (e == 0x1f) {
    bits = sign | 0x7f800000u | (m << 13);
  } else if (e == 0) {
    if (m == 0) {
      bits = sign;
    } else {              // subnormal m * 2^-24: normalize
      uint32_t fe = 113;  // float exponent of 2^-14
      while ((m & 0x400u) == 0) {
        m <<= 1;
        --fe;
      }
      bits = sign | (fe << 23) | ((m & 0x3ffu) << 13);
    }
  } else {
    bits = sign | ((e + 112) << 23) | (m << 13);
  }
  return std::bit_cast<float>(bits);
}

// float32 -> bfloat16 bits, round to nearest even; NaN -> 0x7fc0 / 0xffc0 by
// sign, as Eigen::bfloat16 (and so TF) does.
constexpr uint16_t FloatToBfloat16Bits(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return (x & 0x80000000u) ? 0xffc0u : 0x7fc0u;
  const uint32_t lsb = (x >> 16) & 1u;
  return static_cast<uint16_t>((x + 0x7fffu + lsb) >> 16);  // overflow carries into inf
}

// bfloat16 bits -> float32, exact.
constexpr float Bfloat16BitsToFloat(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

// float64 -> float32 rounded to odd: truncate toward zero, then set the last
// bit if anything was discarded. Rounding that result to nearest-even in any
// format with at least 2 fewer significant bits than float32 (float16,
// bfloat16) gives the correctly rounded float64 -> narrow result, avoiding
// the double-rounding error of going through a round-to-nearest float32.
// The exponent range of float32 covers both narrow formats' (including their
// subnormals), so the trick holds over the whole range. Uses one float
// conversion (exact IEEE operation) plus integer work.
inline float DoubleToFloatRoundToOdd(double d) {
  const float f = static_cast<float>(d);                // round to nearest even
  if (static_cast<double>(f) == d || d != d) return f;  // exact, or NaN
  uint32_t bits = std::bit_cast<uint32_t>(f);
  const uint32_t sign = bits & 0x80000000u;
  uint32_t abs = bits & 0x7fffffffu;
  const double ad = d < 0 ? -d : d;
  // If rounding went up in magnitude (including to inf), step back one ulp:
  // consecutive magnitudes have consecutive bit patterns.
  if (static_cast<double>(std::bit_cast<float>(abs)) > ad) --abs;
  abs |= 1u;
  return std::bit_cast<float>(sign | abs);
}

inline uint16_t DoubleToHalfBits(double d) { return FloatToHalfBits(DoubleToFloatRoundToOdd(d)); }
inline uint16_t DoubleToBfloat16Bits(double d) { return FloatToBfloat16Bits(DoubleToFloatRoundToOdd(d)); }

}  // namespace surgeon

#endif  // SURGEON_BASE_HALF_H_
