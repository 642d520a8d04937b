// PhiloxLanes (src/plan/philox_lanes.h) gives Philox4x32's words for every
// counter, whichever path runs: 16-block AVX-512 steps where the CPU has
// them, the compiled loop for the rest of a call and elsewhere.
#include "plan/philox_lanes.h"

#include <vector>

#include "plan/philox.h"
#include "testing.h"

namespace surgeon::random {
namespace {

// Counters of the kinds the fill uses (group * 256 + j, past 2^32 too) and
// arbitrary 64-bit ones.
std::vector<uint64_t> Counters(int n) {
  std::vector<uint64_t> c(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto u = static_cast<uint64_t>(i);
    c[static_cast<size_t>(i)] = i % 3 == 0 ? u * 256 : i % 3 == 1 ? (u << 40) + 7 : SplitMix64(u);
  }
  return c;
}

TEST_CASE("PhiloxLanes gives Philox4x32's words for every lane and every call length", "[plan][random]") {
  for (const uint64_t key : {uint64_t{0}, ~uint64_t{0}, StreamKey(1234, "fc8/weights")}) {
    for (const int n : {0, 1, 15, 16, 17, 31, 32, 33, 100, 256}) {
      const std::vector<uint64_t> counter = Counters(n);
      std::vector<uint32_t> w[4];
      for (auto& v : w) v.assign(static_cast<size_t>(n) + 1, 0xdeadbeefu);  // one past: must stay
      PhiloxLanes(counter.data(), n, key, {w[0].data(), w[1].data(), w[2].data(), w[3].data()});
      int wrong = 0;
      for (int i = 0; i < n; ++i) {
        const PhiloxBlock x = Philox4x32(counter[static_cast<size_t>(i)], 0, key);
        for (int k = 0; k < 4; ++k) wrong += w[k][static_cast<size_t>(i)] != x[static_cast<size_t>(k)];
      }
      INFO("key " << key << ", n " << n);
      CHECK(wrong == 0);
      for (auto& v : w) CHECK(v.back() == 0xdeadbeefu);
    }
  }
}

}  // namespace
}  // namespace surgeon::random
