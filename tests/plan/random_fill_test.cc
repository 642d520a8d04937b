// FillRandom (src/plan/random_fill.h): the batched, vectorized fill gives
// the scalar stream's values (sample_stream.h) bit for bit, the same bytes on
// any number of threads, and samples with the intended distribution.
#include "plan/random_fill.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "plan/philox.h"
#include "plan/sample_stream.h"
#include "surgeon/base/half.h"
#include "testing.h"

namespace surgeon {
namespace {

using D = ResolvedInitializer::Distribution;

std::vector<uint8_t> Fill(FloatFormat f, const ResolvedInitializer& r, int64_t n, int threads, uint64_t key = 77) {
  std::vector<uint8_t> out(static_cast<size_t>(n * FloatFormatSize(f)), 0xee);
  const BadValue bad = FillRandom(f, r, key, n, out.data(), threads);
  CHECK(bad.index == -1);
  return out;
}

std::vector<double> Floats(const std::vector<uint8_t>& bytes) {
  std::vector<double> v(bytes.size() / 4);
  for (size_t i = 0; i < v.size(); ++i) v[i] = LoadFloat(bytes.data() + 4 * i, FloatFormat::kF32);
  return v;
}

double NormalCdf(double x) { return 0.5 * (1 + std::erf(x / std::sqrt(2.0))); }

// Checks that the empirical CDF of v at each x is cdf(x) within 5 standard
// errors of a proportion over v.size() samples.
template <typename Cdf>
void CheckCdf(const std::vector<double>& v, const std::vector<double>& xs, Cdf cdf) {
  const double n = static_cast<double>(v.size());
  for (double x : xs) {
    const double p = cdf(x);
    const double below = static_cast<double>(std::count_if(v.begin(), v.end(), [&](double s) { return s < x; })) / n;
    INFO("P(X < " << x << ") = " << below << ", expected " << p);
    CHECK(std::fabs(below - p) < 5 * std::sqrt(p * (1 - p) / n));
  }
}

// Checks the sample mean and variance against the distribution's mean mu,
// variance var and fourth central moment mu4, within 5 standard errors.
void CheckMoments(const std::vector<double>& v, double mu, double var, double mu4) {
  const double n = static_cast<double>(v.size());
  double sum = 0;
  for (double x : v) sum += x;
  const double mean = sum / n;
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double sample_var = ss / (n - 1);
  INFO("mean " << mean << " (expected " << mu << "), variance " << sample_var << " (expected " << var << ")");
  CHECK(std::fabs(mean - mu) < 5 * std::sqrt(var / n));
  CHECK(std::fabs(sample_var - var) < 5 * std::sqrt((mu4 - var * var) / n));
}

}  // namespace

TEST_CASE("FillRandom: the vectorized batches give the scalar stream's values bit for bit") {
  const int64_t n = 100003;  // not a multiple of 4: the last group is partial
  const uint64_t key = random::StreamKey(3, "w");
  const Stream<false> stream{key};
  for (const ResolvedInitializer r :
       {ResolvedInitializer{D::kTruncatedNormal, 0.5, 0.01}, ResolvedInitializer{D::kNormal, -1, 3},
        ResolvedInitializer{D::kUniform, -2, 5}}) {
    const std::vector<uint8_t> got = Fill(FloatFormat::kF32, r, n, 1, key);
    std::vector<uint8_t> want(got.size());
    const double scale = r.distribution == D::kUniform ? r.b - r.a : r.b;
    for (int64_t g = 0; 4 * g < n; ++g) {
      double s[4];
      if (r.distribution == D::kTruncatedNormal) stream.TruncatedNormal(static_cast<uint64_t>(g), s);
      if (r.distribution == D::kNormal) stream.Normal(static_cast<uint64_t>(g), s);
      if (r.distribution == D::kUniform) stream.Uniform(static_cast<uint64_t>(g), s);
      for (int k = 0; k < 4 && 4 * g + k < n; ++k) {
        StoreFloat(s[k] * scale + r.a, FloatFormat::kF32, want.data() + 4 * (4 * g + k));
      }
    }
    CHECK(got == want);
  }
}

// Philox blocks group g of the 32-bit truncated normal stream draws until
// it holds 4 values with |z| < 2.
int BlocksDrawn(const Stream<false>& stream, uint64_t g) {
  int accepted = 0, blocks = 0;
  while (accepted < 4) {
    double z[4];
    Stream<false>::Normals(random::Philox4x32(g * kReservedBlocksPerGroup + blocks++, 0, stream.key), z);
    for (double v : z) accepted += std::fabs(v) < kTruncateValue;
  }
  return blocks;
}

TEST_CASE("FillRandomRange: groups that draw 3 or more Philox blocks match the scalar stream") {
  // About 1 group in 100,000 draws a third block (fewer than 4 of 8 normals
  // under 2 sigma): the batches' later redraw rounds, and the second pair of
  // a redrawn block, which they compute only when the first pair left the
  // group short.
  const uint64_t key = random::StreamKey(11, "rare");
  const Stream<false> stream{key};
  std::vector<uint64_t> rare;
  for (uint64_t g = 0; g < (uint64_t{1} << 20) && rare.size() < 4; ++g) {
    if (BlocksDrawn(stream, g) >= 3) rare.push_back(g);
  }
  REQUIRE(rare.size() == 4);
  const ResolvedInitializer r{D::kTruncatedNormal, 0, 1};
  for (const uint64_t g : rare) {
    INFO("group " << g);
    const uint64_t first_group = g - std::min<uint64_t>(g, 300), groups = 600;
    std::vector<uint8_t> got(groups * 16);
    CHECK(FillRandomRange(FloatFormat::kF32, r, key, static_cast<int64_t>(first_group * 4),
                          static_cast<int64_t>((first_group + groups) * 4), got.data(), 1)
              .index == -1);
    std::vector<uint8_t> want(got.size());
    for (uint64_t i = 0; i < groups; ++i) {
      double z[4];
      stream.TruncatedNormal(first_group + i, z);
      for (int k = 0; k < 4; ++k) StoreFloat(z[k], FloatFormat::kF32, want.data() + 16 * i + 4 * k);
    }
    CHECK(got == want);
  }
}

TEST_CASE("FillRandom: the same bytes on 1, 2, 3 and 7 threads") {
  // Large enough that 7 threads each get more than the minimum of groups,
  // and not a multiple of any group size.
  const int64_t n = static_cast<int64_t>(8 * kMinGroupsPerThread * 4 + 3);
  for (FloatFormat f : {FloatFormat::kF32, FloatFormat::kF16, FloatFormat::kBF16, FloatFormat::kF64}) {
    for (const ResolvedInitializer r :
         {ResolvedInitializer{D::kTruncatedNormal, 0, 0.02}, ResolvedInitializer{D::kNormal, 1, 2},
          ResolvedInitializer{D::kUniform, -1, 1}}) {
      INFO("format " << static_cast<int>(f) << ", distribution " << static_cast<int>(r.distribution));
      const std::vector<uint8_t> one = Fill(f, r, n, 1);
      CHECK(std::find(one.end() - 8, one.end(), 0xee) == one.end());  // filled to the last byte
      for (int threads : {2, 3, 7}) CHECK(Fill(f, r, n, threads) == one);
    }
  }
}

TEST_CASE("FillRandomRange: any split into ranges at group boundaries gives the whole fill's bytes") {
  // Ranges of odd group counts, starting anywhere a group starts, on 1 and 2
  // threads; the last range ends at n, which is not a multiple of a group.
  const int64_t n = static_cast<int64_t>(3 * kMinGroupsPerThread * 4 + 5);
  for (FloatFormat f : {FloatFormat::kF32, FloatFormat::kF16, FloatFormat::kBF16, FloatFormat::kF64}) {
    for (const ResolvedInitializer r :
         {ResolvedInitializer{D::kTruncatedNormal, 0, 0.02}, ResolvedInitializer{D::kUniform, -1, 1}}) {
      INFO("format " << static_cast<int>(f) << ", distribution " << static_cast<int>(r.distribution));
      const std::vector<uint8_t> whole = Fill(f, r, n, 2);
      const int64_t size = FloatFormatSize(f), group = RandomGroupSize(f);
      std::vector<uint8_t> pieces(whole.size(), 0xee);
      int threads = 1;
      for (int64_t first = 0, step = 7 * group; first < n; first += step, step = step * 5 + group) {
        const int64_t end = std::min(n, first + step);
        const BadValue bad = FillRandomRange(f, r, 77, first, end, pieces.data() + first * size, threads);
        CHECK(bad.index == -1);
        threads = 3 - threads;
      }
      CHECK(pieces == whole);
    }
  }
}

TEST_CASE("FillRandom: truncated normal float32 over 4M samples: moments, CDF, nothing at or beyond 2 sigma") {
  const std::vector<double> v = Floats(Fill(FloatFormat::kF32, {D::kTruncatedNormal, 0, 1}, 4000000, 0));
  // N(0, 1) restricted to (-a, a), a = 2: Z = P(|z| < a), and by parts
  // E z^2 = 1 - 2 a phi(a) / Z, E z^4 = 3 - (2 a^3 + 6 a) phi(a) / Z.
  const double a = 2, phi = std::exp(-a * a / 2) / std::sqrt(2 * M_PI), z = std::erf(a / std::sqrt(2.0));
  const double m2 = 1 - 2 * a * phi / z, m4 = 3 - (2 * a * a * a + 6 * a) * phi / z;
  CHECK(std::sqrt(m2) == Approx(0.87962566103423978).epsilon(1e-12));  // initializer.cc's constant
  CheckMoments(v, 0, m2, m4);
  CheckCdf(v, {-1.9, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 1.9},
           [&](double x) { return (NormalCdf(x) - NormalCdf(-a)) / z; });
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  CHECK(*lo > -2);
  CHECK(*hi < 2);
  CHECK(*lo < -1.999);  // the bound is approached: the truncation is at 2, not below
  CHECK(*hi > 1.999);
}

TEST_CASE("FillRandom: normal and uniform float32 over 4M samples: moments and CDF") {
  const std::vector<double> normal = Floats(Fill(FloatFormat::kF32, {D::kNormal, 0, 1}, 4000000, 0));
  CheckMoments(normal, 0, 1, 3);
  CheckCdf(normal, {-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3}, NormalCdf);
  CHECK(*std::max_element(normal.begin(), normal.end()) > 4.5);  // 4.5 sigma: P(none in 4M) < 1e-6

  const std::vector<double> uniform = Floats(Fill(FloatFormat::kF32, {D::kUniform, 0, 1}, 4000000, 0));
  CheckMoments(uniform, 0.5, 1.0 / 12, 1.0 / 80);
  CheckCdf(uniform, {0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999}, [](double x) { return x; });
  const auto [lo, hi] = std::minmax_element(uniform.begin(), uniform.end());
  CHECK(*lo >= 0);
  CHECK(*hi < 1);
}

TEST_CASE("FillRandom: a sample that overflows the output is reported at its index") {
  // With stddev 1e38 the samples beyond 3.4 sigma overflow float32 (one in
  // ~1500). Every element before the reported one is finite.
  const int64_t n = 4000000;
  std::vector<uint8_t> out(static_cast<size_t>(n) * 4);
  const BadValue bad = FillRandom(FloatFormat::kF32, {D::kNormal, 0, 1e38}, 5, n, out.data(), 2);
  REQUIRE(bad.index >= 0);
  CHECK(std::fabs(bad.value) > 3.4028234663852886e38);
  for (int64_t i = 0; i < bad.index; ++i) {
    INFO("element " << i);
    REQUIRE(std::isfinite(LoadFloat(out.data() + 4 * i, FloatFormat::kF32)));
  }
  CHECK_FALSE(std::isfinite(LoadFloat(out.data() + 4 * bad.index, FloatFormat::kF32)));
}

}  // namespace surgeon
