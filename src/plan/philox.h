// Private to the plan layer: the deterministic random machinery behind
// GenerateInitialValue (surgeon/plan/initializer.h).
//
// Reproducibility contract: every function here uses only integer arithmetic
// and the IEEE-754 basic operations (+ - * / sqrt, exactly rounded), never
// libm transcendental functions, std:: distributions or std::hash, whose
// results differ between platforms and standard libraries. So the same
// inputs give the same bits on every conforming machine (x86-64 SSE, ARM64),
// provided the compiler does not contract a*b+c into an FMA: GCC in ISO mode
// (-std=c++20, which CMake uses) does not; for clang the .cc files that
// include this header turn contraction off with a pragma.
#ifndef SURGEON_PLAN_PHILOX_H_
#define SURGEON_PLAN_PHILOX_H_

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace surgeon::random {

// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC'11), the counter-based generator TensorFlow uses
// (tsl/lib/random/philox_random.h): a bijection of a 128-bit counter under a
// 64-bit key, so block i of a stream can be computed without blocks 0..i-1.
// Matches the Random123 known-answer vectors (see tests).
using PhiloxBlock = std::array<uint32_t, 4>;

// The round multipliers and the key schedule's Weyl increments.
inline constexpr uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
inline constexpr uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;

inline PhiloxBlock Philox4x32(uint64_t counter_lo, uint64_t counter_hi, uint64_t key) {
  uint32_t c0 = static_cast<uint32_t>(counter_lo), c1 = static_cast<uint32_t>(counter_lo >> 32);
  uint32_t c2 = static_cast<uint32_t>(counter_hi), c3 = static_cast<uint32_t>(counter_hi >> 32);
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    const uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c0;
    const uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c2;
    const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
    c1 = static_cast<uint32_t>(p1);
    c3 = static_cast<uint32_t>(p0);
    c0 = n0;
    c2 = n2;
  }
  return {c0, c1, c2, c3};
}

// FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3)
// over the bytes of `s`. A fixed, documented hash: std::hash is not stable
// across standard libraries.
constexpr uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char ch : s) {
    h ^= static_cast<uint8_t>(ch);
    h *= 0x100000001b3ull;
  }
  return h;
}

// SplitMix64's output function (Steele, Lea, Flood 2014): a strong 64-bit mixer.
constexpr uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The Philox key of one variable's stream: depends only on the seed and the
// variable's own name, so adding or renaming another variable never changes
// this one's values.
constexpr uint64_t StreamKey(uint64_t seed, std::string_view variable_name) {
  return SplitMix64(SplitMix64(seed) ^ Fnv1a64(variable_name));
}

// ---- Exact integer -> double conversions without int64 conversion
// instructions (SSE2 and AVX2 have none), so loops over them vectorize.

// v as a double, for v < 2^52: 2^52 + v has v as its mantissa, and the
// subtraction is exact.
inline double SmallToDouble(uint64_t v) { return std::bit_cast<double>(v | 0x4330000000000000ull) - 0x1p52; }
// v as a double, for v < 2^53 (two exact halves, exact sum).
inline double Bits53ToDouble(uint64_t v) { return SmallToDouble(v >> 32) * 0x1p32 + SmallToDouble(v & 0xffffffffu); }

// ---- Uniform floats from Philox words (exact conversions).

// [0, 1) with 23 random bits, as TF's Uint32ToFloat (random_distributions.h).
inline double Uniform23(uint32_t x) { return SmallToDouble(x & 0x7fffffu) * 0x1p-23; }
// [0, 1) with 52 random bits, as TF's Uint64ToDouble.
inline double Uniform52(uint32_t hi, uint32_t lo) {
  return SmallToDouble((static_cast<uint64_t>(hi & 0xfffffu) << 32) | lo) * 0x1p-52;
}

// ---- Deterministic elementary functions (basic IEEE operations only).
//
// Written without branches (conditions become selects) and without int64 <->
// double conversions, so that a loop calling them over arrays is
// vectorized: each lane then does exactly the scalar operations, in the same
// order, so vector and scalar results are bit-identical.

// Natural log of a positive, finite, normal double. Reduction x = m * 2^e
// with m in [sqrt(1/2), sqrt(2)), then log(m) = 2 atanh(s), s = (m-1)/(m+1),
// |s| <= 0.1716, by its series to s^23 (truncation error < 1e-18 relative).
// Accuracy: about 1 ulp.
inline double Log(double x) {
  const uint64_t bits = std::bit_cast<uint64_t>(x);
  double e = SmallToDouble((bits >> 52) & 0x7ff) - 1023.0;
  double m = std::bit_cast<double>((bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull);  // [1, 2)
  const bool high = m > 1.4142135623730951;
  m = high ? m * 0.5 : m;
  e = high ? e + 1.0 : e;
  const double s = (m - 1.0) / (m + 1.0);
  const double z = s * s;
  double p = 1.0 / 23;
  p = p * z + 1.0 / 21;
  p = p * z + 1.0 / 19;
  p = p * z + 1.0 / 17;
  p = p * z + 1.0 / 15;
  p = p * z + 1.0 / 13;
  p = p * z + 1.0 / 11;
  p = p * z + 1.0 / 9;
  p = p * z + 1.0 / 7;
  p = p * z + 1.0 / 5;
  p = p * z + 1.0 / 3;
  const double log_m = 2.0 * s + 2.0 * s * (z * p);
  // ln 2 split (fdlibm's ln2_hi/ln2_lo): e * kLn2Hi is exact for |e| < 2^11.
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  return e * kLn2Hi + (e * kLn2Lo + log_m);
}

// sin(2 pi t) and cos(2 pi t) for t in [0, 1). Working in turns makes the
// range reduction exact: q = nearest quarter turn, r = t - q/4 in [-1/8, 1/8]
// (exact), theta = 2 pi r in [-pi/4, pi/4], Taylor series to theta^17 /
// theta^18 (truncation < 1e-19), then the quadrant's symmetry.
inline void SinCos2Pi(double t, double* sin_out, double* cos_out) {
  // q = floor(t * 4 + 0.5), 0..4: round to an integer by adding 2^52, then
  // step down if that rounded up.
  const double y = t * 4.0 + 0.5;
  double q = (y + 0x1p52) - 0x1p52;
  q = q > y ? q - 1.0 : q;
  const double r = t - q * 0.25;
  const double theta = r * 6.283185307179586;
  const double z = theta * theta;
  constexpr double f3 = 6.0, f5 = f3 * 20, f7 = f5 * 42, f9 = f7 * 72, f11 = f9 * 110, f13 = f11 * 156, f15 = f13 * 210,
                   f17 = f15 * 272;
  constexpr double f2 = 2.0, f4 = f2 * 12, f6 = f4 * 30, f8 = f6 * 56, f10 = f8 * 90, f12 = f10 * 132, f14 = f12 * 182,
                   f16 = f14 * 240, f18 = f16 * 306;
  double sp = 1.0 / f17;
  sp = sp * z - 1.0 / f15;
  sp = sp * z + 1.0 / f13;
  sp = sp * z - 1.0 / f11;
  sp = sp * z + 1.0 / f9;
  sp = sp * z - 1.0 / f7;
  sp = sp * z + 1.0 / f5;
  sp = sp * z - 1.0 / f3;
  const double s = theta + theta * (z * sp);
  double cp = 1.0 / f18;
  cp = cp * z - 1.0 / f16;
  cp = cp * z + 1.0 / f14;
  cp = cp * z - 1.0 / f12;
  cp = cp * z + 1.0 / f10;
  cp = cp * z - 1.0 / f8;
  cp = cp * z + 1.0 / f6;
  cp = cp * z - 1.0 / f4;
  cp = cp * z + 1.0 / f2;
  const double c = 1.0 - z * cp;
  // Quadrant q mod 4: (sin, cos) = (s, c), (c, -s), (-s, -c), (-c, s).
  const bool odd = q == 1.0 || q == 3.0;
  const double sin_abs = odd ? c : s, cos_abs = odd ? s : c;
  *sin_out = q == 2.0 || q == 3.0 ? -sin_abs : sin_abs;
  *cos_out = q == 1.0 || q == 2.0 ? -cos_abs : cos_abs;
}

// Box-Muller (as TF's BoxMullerFloat/BoxMullerDouble): u in (0, 1], t in
// [0, 1) -> two independent standard normals.
inline void BoxMuller(double u, double t, double* z0, double* z1) {
  const double radius = std::sqrt(-2.0 * Log(u));  // sqrt is exactly rounded
  double s, c;
  SinCos2Pi(t, &s, &c);
  *z0 = radius * s;
  *z1 = radius * c;
}

// Box-Muller inputs from 32-bit words (float outputs; TF uses 23-bit floats
// with u clamped at 1e-7, we use all 32 bits and shift u into (0, 1]).
inline double OpenUniform32(uint32_t x) { return (SmallToDouble(x) + 1.0) * 0x1p-32; }
inline double Uniform32(uint32_t x) { return SmallToDouble(x) * 0x1p-32; }
// ... and from 64-bit pairs (double outputs; 53 bits).
inline double OpenUniform64(uint32_t hi, uint32_t lo) {
  return (Bits53ToDouble(((static_cast<uint64_t>(hi) << 32) | lo) >> 11) + 1.0) * 0x1p-53;
}
inline double Uniform64(uint32_t hi, uint32_t lo) {
  return Bits53ToDouble(((static_cast<uint64_t>(hi) << 32) | lo) >> 11) * 0x1p-53;
}

}  // namespace surgeon::random

#endif  // SURGEON_PLAN_PHILOX_H_
