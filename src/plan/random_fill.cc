// Determinism: samples are computed in double and rounded once to the
// output dtype (round to nearest even); see philox.h for the rest. This file
// is compiled with -ffp-contract=off (no FMA, on any compiler),
// -fno-math-errno (sqrt is one instruction, so loops calling it vectorize),
// -fno-trapping-math (selects become blends without AVX-512's masks) and
// -O3 (CMakeLists.txt). None of these flags changes a result.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include "plan/random_fill.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "plan/philox_lanes.h"
#include "plan/sample_stream.h"
#include "surgeon/base/cpus.h"
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

// Elements [first, end) of a tensor, element `first` at `out`.
struct Window {
  uint8_t* out;
  int64_t first, end;
};

// Fills the elements of groups [g_begin, g_end) that lie in w, one group at
// a time (the float64 outputs).
template <FloatFormat F, bool kDouble>
BadValue FillGroups(const ResolvedInitializer& r, uint64_t key, uint64_t g_begin, uint64_t g_end, const Window& w) {
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
    const int count = static_cast<int>(std::min<int64_t>(kGroup, w.end - base));
    for (int i = 0; i < count; ++i) {
      if (!StoreOne<F>(s[i], w.out + (base - w.first + i) * kSize) && bad.index < 0) bad = {base + i, s[i]};
    }
  }
  return bad;
}

// ---- The 32-bit streams (float32, float16, bfloat16 outputs), a batch of
// groups at a time: each step is a loop over the batch's Philox blocks
// (philox_lanes.h, integers only) or one that calls philox.h's scalar
// functions, which compilers vectorize. Every lane does the scalar
// operations in the scalar order, so the values are those of Stream<false>
// (sample_stream.h), bit for bit, on any vector width.

constexpr int kBatch = 256;        // groups (Philox blocks) per batch
constexpr int kLaneMultiple = 16;  // a multiple of every vector's lane count

struct Blocks {
  alignas(64) uint64_t counter[kBatch];
  alignas(64) uint32_t x[4][kBatch];  // Philox4x32(counter[i], 0, key)
  alignas(64) double z[4][kBatch];    // Box-Muller of (x0, x1) and (x2, x3)
};

// x86-64: the loops below also get AVX2 and AVX-512 versions, picked at
// load time. Without FMA contraction (see the top of this file) the wider
// lanes compute the same bits; tests/plan/random_fill_test.cc and the golden
// bytes of initializer_test.cc check the version the machine picks, and all
// of them passed when each was forced in turn.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define SURGEON_VECTOR_CLONES __attribute__((target_clones("default", "avx2", "avx512f")))
#else
#define SURGEON_VECTOR_CLONES
#endif

void PhiloxLanes(Blocks& b, int n, uint64_t key) {
  random::PhiloxLanes(b.counter, n, key, {b.x[0], b.x[1], b.x[2], b.x[3]});
}

// Box-Muller of the blocks' word pair `pair` (0: x0, x1 -> z0, z1; 1: x2,
// x3 -> z2, z3), as Stream<false>::Normals.
inline void BoxMullerOne(Blocks& b, int pair, int i) {
  const int u = 2 * pair, t = u + 1;
  random::BoxMuller(random::OpenUniform32(b.x[u][i]), random::Uniform32(b.x[t][i]), &b.z[u][i], &b.z[t][i]);
}

SURGEON_VECTOR_CLONES void BoxMullerLanes(Blocks& b, int pair, int n) {
  for (int i = 0; i < n; ++i) BoxMullerOne(b, pair, i);
}

void BoxMullerLanes(Blocks& b, int n) {
  BoxMullerLanes(b, 0, n);
  BoxMullerLanes(b, 1, n);
}

// Standard normals of groups g0 .. g0+ng-1 truncated to |z| < 2 into s
// (4 per group), as Stream<false>::TruncatedNormal: a group takes its first
// block's accepted values in order, and the groups still short take their
// next block, all together, until every group is full.
SURGEON_VECTOR_CLONES void TruncatedNormals(Blocks& b, uint64_t key, uint64_t g0, int ng, double* s) {
  int filled[kBatch], pending[kBatch];
  for (int i = 0; i < ng; ++i) b.counter[i] = (g0 + i) * kReservedBlocksPerGroup;
  PhiloxLanes(b, ng, key);
  BoxMullerLanes(b, ng);
  // Most groups (0.9545^4 = 83%) keep their first block whole.
  for (int i = 0; i < ng; ++i) {
    for (int k = 0; k < 4; ++k) s[4 * i + k] = b.z[k][i];
  }
  for (int i = 0; i < ng; ++i) {
    filled[i] = (std::fabs(b.z[0][i]) < kTruncateValue) + (std::fabs(b.z[1][i]) < kTruncateValue) +
                (std::fabs(b.z[2][i]) < kTruncateValue) + (std::fabs(b.z[3][i]) < kTruncateValue);
  }
  int np = 0;
  for (int i = 0; i < ng; ++i) {
    pending[np] = i;
    np += filled[i] < 4;
  }
  for (int j = 0; j < np; ++j) {  // the others keep their accepted values, in order
    const int i = pending[j];
    int f = 0;  // before the k-th store f <= k <= 3: it stays in the group
    for (int k = 0; k < 4; ++k) {
      s[4 * i + f] = b.z[k][i];
      f += std::fabs(b.z[k][i]) < kTruncateValue;
    }
  }
  for (uint64_t next = 1; np > 0; ++next) {
    // Whole vectors only (the lanes past np compute unused blocks): a
    // scalar remainder of Box-Muller costs more than the spare lanes.
    const int lanes = std::min(kBatch, (np + kLaneMultiple - 1) / kLaneMultiple * kLaneMultiple);
    for (int j = 0; j < lanes; ++j) {
      b.counter[j] = (g0 + pending[j < np ? j : 0]) * kReservedBlocksPerGroup + next;
    }
    // Most of these groups lack one value, which the block's first pair
    // gives 99.8% of the time: the second pair is computed (in scalar, the
    // same bits) only for the groups still short after the first.
    PhiloxLanes(b, lanes, key);
    BoxMullerLanes(b, 0, lanes);
    int still = 0;
    for (int j = 0; j < np; ++j) {
      const int i = pending[j];
      int f = filled[i];
      for (int k = 0; k < 4 && f < 4; ++k) {
        if (k == 2) BoxMullerOne(b, 1, j);
        s[4 * i + f] = b.z[k][j];
        f += std::fabs(b.z[k][j]) < kTruncateValue;
      }
      filled[i] = f;
      pending[still] = i;
      still += f < 4;
    }
    np = still;
  }
}

// Samples of groups g0 .. g0+ng-1 (4 per group) into s, scaled.
SURGEON_VECTOR_CLONES void BatchSamples(const ResolvedInitializer& r, Blocks& b, uint64_t key, uint64_t g0, int ng,
                                        double* s) {
  using D = ResolvedInitializer::Distribution;
  const double a = r.a, scale = r.distribution == D::kUniform ? r.b - r.a : r.b;
  if (r.distribution == D::kTruncatedNormal) {
    TruncatedNormals(b, key, g0, ng, s);
  } else {
    for (int i = 0; i < ng; ++i) b.counter[i] = g0 + i;
    PhiloxLanes(b, ng, key);
    if (r.distribution == D::kNormal) {
      BoxMullerLanes(b, ng);
      for (int i = 0; i < ng; ++i) {
        for (int k = 0; k < 4; ++k) s[4 * i + k] = b.z[k][i];
      }
    } else {  // kUniform
      for (int i = 0; i < ng; ++i) {
        for (int k = 0; k < 4; ++k) s[4 * i + k] = random::Uniform23(b.x[k][i]);
      }
    }
  }
  // TF: random * (maxval - minval) + minval; z * stddev + mean.
  for (int j = 0; j < 4 * ng; ++j) s[j] = s[j] * scale + a;
}

// Rounds count samples, elements base.. of the tensor, to float32 at dst;
// the first that is not finite.
SURGEON_VECTOR_CLONES BadValue StoreFloats(const double* s, int count, int64_t base, uint8_t* dst) {
  alignas(64) float f[4 * kBatch];
  uint32_t inf_or_nan = 0;
  for (int j = 0; j < count; ++j) {
    f[j] = static_cast<float>(s[j]);
    inf_or_nan |= (std::bit_cast<uint32_t>(f[j]) & 0x7f800000u) == 0x7f800000u;
  }
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(dst, f, static_cast<size_t>(count) * 4);
  } else {
    for (int j = 0; j < count; ++j) StoreOne<FloatFormat::kF32>(s[j], dst + j * 4);
  }
  if (inf_or_nan == 0) return {};
  for (int j = 0; j < count; ++j) {
    if (!std::isfinite(f[j])) return {base + j, s[j]};
  }
  return {};
}

template <FloatFormat F>
BadValue FillBatches(const ResolvedInitializer& r, uint64_t key, uint64_t g_begin, uint64_t g_end, const Window& w) {
  constexpr int kSize = F == FloatFormat::kF32 ? 4 : 2;
  auto b = std::make_unique<Blocks>();
  alignas(64) double s[4 * kBatch];
  BadValue bad;
  for (uint64_t g0 = g_begin; g0 < g_end; g0 += kBatch) {
    const int ng = static_cast<int>(std::min<uint64_t>(kBatch, g_end - g0));
    BatchSamples(r, *b, key, g0, ng, s);
    const int64_t base = static_cast<int64_t>(g0) * 4;
    const int count = static_cast<int>(std::min<int64_t>(4 * ng, w.end - base));
    uint8_t* dst = w.out + (base - w.first) * kSize;
    BadValue first;
    if constexpr (F == FloatFormat::kF32) {
      first = StoreFloats(s, count, base, dst);
    } else {
      for (int j = 0; j < count; ++j) {
        if (!StoreOne<F>(s[j], dst + j * kSize) && first.index < 0) first = {base + j, s[j]};
      }
    }
    if (bad.index < 0) bad = first;
  }
  return bad;
}

// Keeps in *kept whichever of the two has the lower index (-1: none).
void KeepLowest(BadValue* kept, const BadValue& b) {
  if (b.index >= 0 && (kept->index < 0 || b.index < kept->index)) *kept = b;
}

// Splits w's groups over threads, in chunks taken in turn, so a thread that
// shares its core (with the writer of the previous piece, say) takes fewer.
// The calling thread is one of them. Output bytes do not depend on the split.
template <FloatFormat F, bool kDouble>
BadValue FillParallel(const ResolvedInitializer& r, uint64_t key, const Window& w, int max_threads) {
  constexpr int kGroup = Stream<kDouble>::kGroup;
  const uint64_t g_first = static_cast<uint64_t>(w.first) / kGroup;
  const uint64_t groups = (static_cast<uint64_t>(w.end) + kGroup - 1) / kGroup - g_first;
  const auto hw = static_cast<uint64_t>(max_threads > 0 ? max_threads : UsableCpus());
  const uint64_t threads = std::min<uint64_t>({hw, 16, std::max<uint64_t>(1, groups / kMinGroupsPerThread)});
  auto fill = [&](uint64_t begin, uint64_t end) {
    if constexpr (kDouble) {
      return FillGroups<F, kDouble>(r, key, g_first + begin, g_first + end, w);
    } else {
      return FillBatches<F>(r, key, g_first + begin, g_first + end, w);
    }
  };
  if (threads <= 1) return fill(0, groups);
  constexpr uint64_t kChunk = kMinGroupsPerThread / 8;
  std::atomic<uint64_t> next_chunk{0};
  std::vector<BadValue> bad(threads);  // each thread's lowest
  auto work = [&](uint64_t t) {
    for (uint64_t begin; (begin = next_chunk.fetch_add(1) * kChunk) < groups;) {
      KeepLowest(&bad[t], fill(begin, std::min(groups, begin + kChunk)));
    }
  };
  std::vector<std::thread> workers;
  for (uint64_t t = 1; t < threads; ++t) workers.emplace_back(work, t);
  work(0);
  for (auto& worker : workers) worker.join();
  BadValue first;
  for (const BadValue& b : bad) KeepLowest(&first, b);
  return first;
}

template <FloatFormat F>
BadValue FillFormat(const ResolvedInitializer& r, uint64_t key, const Window& w, int max_threads) {
  if constexpr (F == FloatFormat::kF64) {
    return FillParallel<F, true>(r, key, w, max_threads);
  } else {
    return FillParallel<F, false>(r, key, w, max_threads);
  }
}

}  // namespace

int64_t RandomGroupSize(FloatFormat format) {
  return format == FloatFormat::kF64 ? Stream<true>::kGroup : Stream<false>::kGroup;
}

BadValue FillRandomRange(FloatFormat format, const ResolvedInitializer& r, uint64_t key, int64_t first, int64_t end,
                         uint8_t* out, int max_threads) {
  const Window w{out, first, end};
  switch (format) {
    case FloatFormat::kF16: return FillFormat<FloatFormat::kF16>(r, key, w, max_threads);
    case FloatFormat::kBF16: return FillFormat<FloatFormat::kBF16>(r, key, w, max_threads);
    case FloatFormat::kF32: return FillFormat<FloatFormat::kF32>(r, key, w, max_threads);
    case FloatFormat::kF64: return FillFormat<FloatFormat::kF64>(r, key, w, max_threads);
  }
  return {};
}

BadValue FillRandom(FloatFormat format, const ResolvedInitializer& r, uint64_t key, int64_t n, uint8_t* out,
                    int max_threads) {
  return FillRandomRange(format, r, key, 0, n, out, max_threads);
}

}  // namespace surgeon
