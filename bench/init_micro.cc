// init_micro: throughput of the random initializers (elements/s).
//
//   cmake --build build --target init_micro
//   build/init_micro [ELEMENTS] [ROUNDS] [FILTER,...]
//
// ELEMENTS defaults to 89,468,928 (bench/vgg16_big_head.yaml's fc8,
// 4096 x 21843), ROUNDS to 5. For truncated_normal, random_normal and
// random_uniform (float32; FILTER picks by substring, e.g. `trunc,f16`) it
// times
//   fill T    FillRandom on T threads into a buffer already written once
//             (the transform alone, no page faults)
//   fresh T   FillRandom on T threads into a freshly allocated buffer (plus
//             the page faults of the output)
//   generate  GenerateInitialValue, as `surgeon run` calls it (allocation,
//             zeroing by std::vector, fill on every hardware thread)
// and prints the best and median wall time and elements/s of each, the least
// process CPU time (all threads) and elements per CPU second (what one idle
// core would give; on a loaded machine wall time says little), and the
// 1-minute load average before the row.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "plan/philox.h"
#include "plan/random_fill.h"
#include "surgeon/plan/initializer.h"

namespace {

using surgeon::DataType;
using surgeon::FloatFormat;
using surgeon::InitializerKind;
using surgeon::InitializerSpec;

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

double CpuNow() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Load() {
  double l = -1;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &l) != 1) l = -1;
    std::fclose(f);
  }
  return l;
}

template <typename F>
void Time(const std::string& label, int64_t n, int rounds, F&& body) {
  const double load = Load();
  std::vector<double> t, cpu;
  for (int i = 0; i < rounds; ++i) {
    const double t0 = Now(), c0 = CpuNow();
    body();
    t.push_back(Now() - t0);
    cpu.push_back(CpuNow() - c0);
  }
  std::sort(t.begin(), t.end());
  std::sort(cpu.begin(), cpu.end());
  const double best = t.front(), median = t[t.size() / 2], m = static_cast<double>(n) / 1e6;
  std::printf("%-30s best %6.3f s %7.1f M/s  median %6.3f s %7.1f M/s  cpu %6.3f s %7.1f M/cpu-s  load %.1f\n",
              label.c_str(), best, m / best, median, m / median, cpu.front(), m / cpu.front(), load);
  std::fflush(stdout);
}

struct Case {
  const char* name;
  InitializerKind kind;
  DataType dtype;
  FloatFormat format;
  int size;
};

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : int64_t{4096} * 21843;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::string filter = argc > 3 ? argv[3] : "";
  auto wanted = [&](const std::string& label) {
    if (filter.empty()) return true;
    size_t start = 0;
    while (start <= filter.size()) {
      const size_t end = std::min(filter.find(',', start), filter.size());
      if (label.find(filter.substr(start, end - start)) == std::string::npos) return false;
      start = end + 1;
    }
    return true;
  };
  const Case cases[] = {
      {"truncated_normal f32", InitializerKind::kTruncatedNormal, DataType::kFloat, FloatFormat::kF32, 4},
      {"random_normal f32", InitializerKind::kRandomNormal, DataType::kFloat, FloatFormat::kF32, 4},
      {"random_uniform f32", InitializerKind::kRandomUniform, DataType::kFloat, FloatFormat::kF32, 4},
      {"truncated_normal f16", InitializerKind::kTruncatedNormal, DataType::kHalf, FloatFormat::kF16, 2},
      {"truncated_normal bf16", InitializerKind::kTruncatedNormal, DataType::kBfloat16, FloatFormat::kBF16, 2},
      {"truncated_normal f64", InitializerKind::kTruncatedNormal, DataType::kDouble, FloatFormat::kF64, 8},
  };
  std::printf("init_micro: %lld elements, %d rounds\n", static_cast<long long>(n), rounds);
  const uint64_t key = surgeon::random::StreamKey(1234, "fc8/weights");
  for (const Case& c : cases) {
    if (!wanted(c.name)) continue;
    InitializerSpec spec;
    spec.kind = c.kind;
    const auto r = surgeon::ResolveInitializer(spec, c.dtype, {n});
    if (!r.ok()) return 1;
    std::vector<uint8_t> warm(static_cast<size_t>(n) * c.size, 1);
    for (int threads : {1, 2}) {
      Time(std::string(c.name) + " fill " + std::to_string(threads), n, rounds,
           [&] { surgeon::FillRandom(c.format, *r, key, n, warm.data(), threads); });
      Time(std::string(c.name) + " fresh " + std::to_string(threads), n, rounds, [&] {
        std::unique_ptr<uint8_t[]> buf(new uint8_t[static_cast<size_t>(n) * c.size]);
        surgeon::FillRandom(c.format, *r, key, n, buf.get(), threads);
      });
    }
    Time(std::string(c.name) + " generate", n, rounds, [&] {
      auto v = surgeon::GenerateInitialValue(spec, c.dtype, {n}, 1234, "fc8/weights");
      if (!v.ok()) std::abort();
    });
  }
  return 0;
}
