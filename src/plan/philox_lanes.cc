#include "plan/philox_lanes.h"

#include "plan/philox.h"

#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#define SURGEON_PHILOX_AVX512 1
// GCC 12's AVX-512 intrinsics pass _mm512_undefined_epi32() as the unused
// merge source, which -Wmaybe-uninitialized reports at every use (GCC bug
// 105593, fixed in GCC 13).
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#endif

namespace surgeon::random {
namespace {

#if defined(SURGEON_PHILOX_AVX512)
// AVX-512 keeps 16 blocks' words in 32-bit lanes. There is no 32x32->64
// lane multiply, so the high and low halves of the products come from two
// vpmuludq (even lanes, then odd lanes shifted down) and two blends. Compilers
// vectorize the scalar loop below only with 64-bit lanes and shuffles, at
// about a third of this speed.
__attribute__((target("avx512f"))) inline __m512i MulHiLo(__m512i a, __m512i m, __m512i* lo) {
  const __m512i even = _mm512_mul_epu32(a, m);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
  *lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
  return _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
}

// The low and high 32 bits of 16 counters, as two vectors of 16 lanes.
__attribute__((target("avx512f"))) inline void SplitCounters(const uint64_t* counter, __m512i* lo, __m512i* hi) {
  const __m512i a = _mm512_loadu_si512(counter), b = _mm512_loadu_si512(counter + 8);
  *lo = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(a)), _mm512_cvtepi64_epi32(b), 1);
  *hi = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(_mm512_srli_epi64(a, 32))),
                           _mm512_cvtepi64_epi32(_mm512_srli_epi64(b, 32)), 1);
}

// Blocks [0, n - n % 16); returns how many it did.
__attribute__((target("avx512f"))) int PhiloxAvx512(const uint64_t* counter, int n, uint64_t key,
                                                    const std::array<uint32_t*, 4>& words) {
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(kPhiloxM1));
  __m512i k0[10], k1[10];  // the round keys
  uint32_t key0 = static_cast<uint32_t>(key), key1 = static_cast<uint32_t>(key >> 32);
  for (int r = 0; r < 10; ++r, key0 += kPhiloxW0, key1 += kPhiloxW1) {
    k0[r] = _mm512_set1_epi32(static_cast<int>(key0));
    k1[r] = _mm512_set1_epi32(static_cast<int>(key1));
  }
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512i c0, c1, c2 = _mm512_setzero_si512(), c3 = _mm512_setzero_si512();
    SplitCounters(counter + i, &c0, &c1);
    for (int r = 0; r < 10; ++r) {
      __m512i lo0, lo1;
      const __m512i hi0 = MulHiLo(c0, m0, &lo0), hi1 = MulHiLo(c2, m1, &lo1);
      c0 = _mm512_ternarylogic_epi32(hi1, c1, k0[r], 0x96);  // 0x96: a ^ b ^ c
      c2 = _mm512_ternarylogic_epi32(hi0, c3, k1[r], 0x96);
      c1 = lo1;
      c3 = lo0;
    }
    _mm512_storeu_si512(words[0] + i, c0);
    _mm512_storeu_si512(words[1] + i, c1);
    _mm512_storeu_si512(words[2] + i, c2);
    _mm512_storeu_si512(words[3] + i, c3);
  }
  return i;
}

bool HasAvx512() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

// Without AVX-512 (and for the last n % 16 blocks) compilers vectorize this
// loop; AVX2 gets its own clone.
#if defined(SURGEON_PHILOX_AVX512) && !defined(__clang__)
__attribute__((target_clones("default", "avx2")))
#endif
void PhiloxPortable(const uint64_t* counter, int n, uint64_t key, const std::array<uint32_t*, 4>& words) {
  uint32_t* const w0 = words[0];
  uint32_t* const w1 = words[1];
  uint32_t* const w2 = words[2];
  uint32_t* const w3 = words[3];
  for (int i = 0; i < n; ++i) {
    const PhiloxBlock x = Philox4x32(counter[i], 0, key);
    w0[i] = x[0], w1[i] = x[1], w2[i] = x[2], w3[i] = x[3];
  }
}

}  // namespace

void PhiloxLanes(const uint64_t* counter, int n, uint64_t key, const std::array<uint32_t*, 4>& words) {
  int done = 0;
#if defined(SURGEON_PHILOX_AVX512)
  if (HasAvx512()) done = PhiloxAvx512(counter, n, key, words);
#endif
  const std::array<uint32_t*, 4> rest = {words[0] + done, words[1] + done, words[2] + done, words[3] + done};
  PhiloxPortable(counter + done, n - done, key, rest);
}

}  // namespace surgeon::random
