// Private to the plan layer: the sample streams of the random initializers,
// TF's distributions (tsl/lib/random/random_distributions.h) over Philox
// blocks (philox.h), one output group at a time. The Philox counter of every
// group is a function of the group's index only (core/kernels/random_op.cc),
// so a tensor's bytes do not depend on how many threads fill it.
//
// FillRandom (random_fill.cc) computes the float32/float16/bfloat16 streams
// in vectorized batches of groups; Stream<false> is their definition, and
// the batches give its values bit for bit (tests/plan/random_fill_test.cc).
// The float64 streams and the orthogonal initializer's draw use Stream<true>
// directly.
#ifndef SURGEON_PLAN_SAMPLE_STREAM_H_
#define SURGEON_PLAN_SAMPLE_STREAM_H_

#include <cmath>
#include <cstdint>

#include "plan/philox.h"

namespace surgeon {

// TF's TruncatedNormal op redraws |x| >= 2 standard deviations.
inline constexpr double kTruncateValue = 2.0;
// random_op.cc: each group of outputs of a variable-sample distribution owns
// this many Philox blocks (counter = group * 256 + j).
inline constexpr uint64_t kReservedBlocksPerGroup = 256;

// Samples of one stream, one output group at a time. kDouble streams (for
// float64 outputs) spend 64 random bits per uniform, like TF's
// Uint64ToDouble / BoxMullerDouble; the others 32 (23 for uniforms, as TF's
// Uint32ToFloat).
template <bool kDouble>
struct Stream {
  static constexpr int kGroup = kDouble ? 2 : 4;
  uint64_t key;

  void Uniform(uint64_t g, double* out) const {
    const auto b = random::Philox4x32(g, 0, key);
    if constexpr (kDouble) {
      out[0] = random::Uniform52(b[0], b[1]);
      out[1] = random::Uniform52(b[2], b[3]);
    } else {
      for (int i = 0; i < 4; ++i) out[i] = random::Uniform23(b[i]);
    }
  }
  // Up to kGroup standard normals from one block (Box-Muller pairs).
  static void Normals(const random::PhiloxBlock& b, double* out) {
    if constexpr (kDouble) {
      random::BoxMuller(random::OpenUniform64(b[0], b[1]), random::Uniform64(b[2], b[3]), &out[0], &out[1]);
    } else {
      random::BoxMuller(random::OpenUniform32(b[0]), random::Uniform32(b[1]), &out[0], &out[1]);
      random::BoxMuller(random::OpenUniform32(b[2]), random::Uniform32(b[3]), &out[2], &out[3]);
    }
  }
  void Normal(uint64_t g, double* out) const { Normals(random::Philox4x32(g, 0, key), out); }
  // TF's TruncatedNormalDistribution: draw normals in order, keep those with
  // |z| < 2, until the group is full. The group owns Philox blocks
  // g*256 .. g*256+255 (random_op.cc); P(needing more) is below 1e-300.
  void TruncatedNormal(uint64_t g, double* out) const {
    uint64_t counter = g * kReservedBlocksPerGroup;
    int filled = 0;
    for (;;) {
      double z[kGroup];
      Normals(random::Philox4x32(counter++, 0, key), z);
      for (int i = 0; i < kGroup; ++i) {
        if (std::fabs(z[i]) < kTruncateValue) {
          out[filled++] = z[i];
          if (filled == kGroup) return;
        }
      }
    }
  }
};

}  // namespace surgeon

#endif  // SURGEON_PLAN_SAMPLE_STREAM_H_
