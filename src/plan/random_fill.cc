// Determinism: samples are computed in double and rounded once to the
// output dtype (round to nearest even); see philox.h for the rest.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include "plan/random_fill.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <thread>
#include <vector>

#include "plan/sample_stream.h"
#include "surgeon/base/half.h"

namespace surgeon {
namespace {

// Rounds one double to the output format; false if the result is not finite.
template <FloatFormat F>
inline bool StoreOne(double v, uint8_t* out) {
  if constexpr (F == FloatFormat::kF32) {
    const uint32_t bits = std::bit_cast<uint32_t>(static_cast<float>(v));
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(out, &bits, 4);
    } else {
      for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(bits >> (8 * i));
    }
    return (bits & 0x7f800000u) != 0x7f800000u;
  } else if constexpr (F == FloatFormat::kF64) {
    StoreFloat(v, F, out);
    return std::isfinite(v);
  } else if constexpr (F == FloatFormat::kF16) {
    const uint16_t h = DoubleToHalfBits(v);
    out[0] = static_cast<uint8_t>(h), out[1] = static_cast<uint8_t>(h >> 8);
    return (h & 0x7c00u) != 0x7c00u;
  } else {
    const uint16_t b = DoubleToBfloat16Bits(v);
    out[0] = static_cast<uint8_t>(b), out[1] = static_cast<uint8_t>(b >> 8);
    return (b & 0x7f80u) != 0x7f80u;
  }
}

// Fills elements of groups [g_begin, g_end) of an n-element tensor.
template <FloatFormat F, bool kDouble>
BadValue FillGroups(const ResolvedInitializer& r, uint64_t key, uint64_t g_begin, uint64_t g_end, int64_t n,
                    uint8_t* out) {
  using D = ResolvedInitializer::Distribution;
  constexpr int kGroup = Stream<kDouble>::kGroup;
  constexpr int kSize = F == FloatFormat::kF64 ? 8 : F == FloatFormat::kF32 ? 4 : 2;
  const Stream<kDouble> stream{key};
  const double a = r.a, b = r.b, range = r.b - r.a;
  BadValue bad;
  double s[kGroup];
  for (uint64_t g = g_begin; g < g_end; ++g) {
    switch (r.distribution) {
      case D::kUniform:
        stream.Uniform(g, s);
        for (double& x : s) x = x * range + a;  // TF: random * (maxval - minval) + minval
        break;
      case D::kNormal:
        stream.Normal(g, s);
        for (double& x : s) x = x * b + a;  // TF: z * stddev + mean
        break;
      default:  // kTruncatedNormal (Resolve never hands other kinds here)
        stream.TruncatedNormal(g, s);
        for (double& x : s) x = x * b + a;
        break;
    }
    const int64_t base = static_cast<int64_t>(g) * kGroup;
    const int count = static_cast<int>(std::min<int64_t>(kGroup, n - base));
    for (int i = 0; i < count; ++i) {
      if (!StoreOne<F>(s[i], out + (base + i) * kSize) && bad.index < 0) bad = {base + i, s[i]};
    }
  }
  return bad;
}

// Splits the groups over threads. Output bytes do not depend on the split.
template <FloatFormat F, bool kDouble>
BadValue FillParallel(const ResolvedInitializer& r, uint64_t key, int64_t n, uint8_t* out) {
  constexpr int kGroup = Stream<kDouble>::kGroup;
  const uint64_t groups = (static_cast<uint64_t>(n) + kGroup - 1) / kGroup;
  constexpr uint64_t kMinGroupsPerThread = 1 << 15;
  const uint64_t hw = std::max(1u, std::thread::hardware_concurrency());
  const uint64_t threads = std::min<uint64_t>({hw, 16, std::max<uint64_t>(1, groups / kMinGroupsPerThread)});
  if (threads <= 1) return FillGroups<F, kDouble>(r, key, 0, groups, n, out);
  std::vector<BadValue> bad(threads);
  std::vector<std::thread> workers;
  const uint64_t per = (groups + threads - 1) / threads;
  for (uint64_t t = 0; t < threads; ++t) {
    const uint64_t begin = std::min(groups, t * per), end = std::min(groups, begin + per);
    workers.emplace_back([&, t, begin, end] { bad[t] = FillGroups<F, kDouble>(r, key, begin, end, n, out); });
  }
  for (auto& w : workers) w.join();
  for (const BadValue& b : bad) {
    if (b.index >= 0) return b;  // chunks are in order: the first is the lowest index
  }
  return {};
}

template <FloatFormat F>
BadValue FillFormat(const ResolvedInitializer& r, uint64_t key, int64_t n, uint8_t* out) {
  if constexpr (F == FloatFormat::kF64) {
    return FillParallel<F, true>(r, key, n, out);
  } else {
    return FillParallel<F, false>(r, key, n, out);
  }
}

}  // namespace

BadValue FillRandom(FloatFormat format, const ResolvedInitializer& r, uint64_t key, int64_t n, uint8_t* out) {
  switch (format) {
    case FloatFormat::kF16:
      return FillFormat<FloatFormat::kF16>(r, key, n, out);
    case FloatFormat::kBF16:
      return FillFormat<FloatFormat::kBF16>(r, key, n, out);
    case FloatFormat::kF32:
      return FillFormat<FloatFormat::kF32>(r, key, n, out);
    case FloatFormat::kF64:
      return FillFormat<FloatFormat::kF64>(r, key, n, out);
  }
  return {};
}

}  // namespace surgeon
