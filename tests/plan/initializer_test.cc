#include "surgeon/plan/initializer.h"

#include <Eigen/Dense>
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "plan/philox.h"
#include "surgeon/base/half.h"
#include "surgeon/plan/cast.h"
#include "surgeon/plan/initial_value_stream.h"
#include "testing.h"

namespace surgeon {
namespace {

InitializerSpec Spec(InitializerKind kind) {
  InitializerSpec s;
  s.kind = kind;
  return s;
}

std::vector<double> Values(const std::vector<uint8_t>& bytes, DataType dtype) {
  const FloatFormat f = *FloatFormatOf(dtype);
  const size_t size = static_cast<size_t>(FloatFormatSize(f));
  std::vector<double> out(bytes.size() / size);
  for (size_t i = 0; i < out.size(); ++i) out[i] = LoadFloat(bytes.data() + i * size, f);
  return out;
}

std::vector<double> Generate(const InitializerSpec& spec, DataType dtype, const Shape& shape, uint64_t seed = 42,
                             const std::string& name = "v") {
  auto r = GenerateInitialValue(spec, dtype, shape, seed, name);
  REQUIRE(r.ok());
  return Values(*r, dtype);
}

struct Stats {
  double mean = 0, stddev = 0, min = 0, max = 0;
};
Stats Summarize(const std::vector<double>& v) {
  Stats s;
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.stddev = std::sqrt(ss / static_cast<double>(v.size()));
  return s;
}

std::string ErrorOf(const InitializerSpec& spec, DataType dtype, const Shape& shape) {
  auto r = ResolveInitializer(spec, dtype, shape);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  return r.status().message();
}

std::string Hex(const std::vector<uint8_t>& b, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < std::min(n, b.size()); ++i) s += {d[b[i] >> 4], d[b[i] & 15]};
  return s;
}

}  // namespace

TEST_CASE("Philox4x32-10 matches the Random123 known-answer vectors") {
  using random::Philox4x32;
  CHECK(Philox4x32(0, 0, 0) == random::PhiloxBlock{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
  CHECK(Philox4x32(~0ull, ~0ull, ~0ull) == random::PhiloxBlock{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
  CHECK(Philox4x32(0x85a308d3243f6a88ull, 0x0370734413198a2eull, 0x299f31d0a4093822ull) ==
        random::PhiloxBlock{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u});
}

TEST_CASE("stream keys: FNV-1a and SplitMix64 reference values") {
  CHECK(random::Fnv1a64("") == 0xcbf29ce484222325ull);
  CHECK(random::Fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(random::SplitMix64(0) == 0xe220a8397b1dcdafull);
  CHECK(random::StreamKey(42, "fc8/weights") != random::StreamKey(42, "fc8/biases"));
  CHECK(random::StreamKey(42, "fc8/weights") != random::StreamKey(43, "fc8/weights"));
}

TEST_CASE("deterministic log and sincos agree with libm") {
  double worst_log = 0, worst_trig = 0;
  for (int i = 1; i <= 100000; ++i) {
    const double u = static_cast<double>(i) / 100000.0;
    const double l = random::Log(u), ref = std::log(u);
    worst_log = std::max(worst_log, std::fabs(l - ref) / std::max(1e-300, std::fabs(ref) + 1e-16));
    double s, c;
    const double t = (static_cast<double>(i) - 0.5) / 100000.0;
    random::SinCos2Pi(t, &s, &c);
    worst_trig = std::max({worst_trig, std::fabs(s - std::sin(2 * M_PI * t)), std::fabs(c - std::cos(2 * M_PI * t))});
  }
  CHECK(random::Log(1.0) == 0.0);
  CHECK(std::fabs(random::Log(0x1p-53) - std::log(0x1p-53)) < 1e-13);
  CHECK(worst_log < 1e-14);
  CHECK(worst_trig < 1e-14);  // libm's 2*pi*t itself carries ~1e-16 error
}

TEST_CASE("kind names round-trip") {
  for (const char* n : {"zeros", "ones", "constant", "random_normal", "truncated_normal", "random_uniform",
                        "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
                        "variance_scaling", "orthogonal"}) {
    auto k = ParseInitializerKind(n);
    REQUIRE(k.has_value());
    CHECK(InitializerKindName(*k) == n);
  }
  CHECK_FALSE(ParseInitializerKind("xavier").has_value());
}

TEST_CASE("ComputeFans follows TF's _compute_fans (docs/formats.md 6.1)") {
  auto fans = [](const Shape& s) {
    Fans f = ComputeFans(s);
    return std::pair<double, double>(f.fan_in, f.fan_out);
  };
  CHECK(fans({}) == std::pair<double, double>(1, 1));
  CHECK(fans({10}) == std::pair<double, double>(10, 10));
  CHECK(fans({784, 10}) == std::pair<double, double>(784, 10));
  CHECK(fans({3, 3, 64, 128}) == std::pair<double, double>(576, 1152));
  CHECK(fans({1, 1, 4096, 10}) == std::pair<double, double>(4096, 10));
  CHECK(fans({5, 64, 32}) == std::pair<double, double>(320, 160));       // conv1d
  CHECK(fans({2, 3, 3, 8, 16}) == std::pair<double, double>(144, 288));  // conv3d
}

TEST_CASE("Resolve reduces named initializers to VarianceScaling as TF") {
  using D = ResolvedInitializer::Distribution;
  const Shape conv = {3, 3, 64, 128};
  auto r = ResolveInitializer(Spec(InitializerKind::kGlorotUniform), DataType::kFloat, conv);
  REQUIRE(r.ok());
  CHECK(r->distribution == D::kUniform);
  CHECK(r->b == Approx(std::sqrt(6.0 / (576 + 1152))).epsilon(1e-15));
  CHECK(r->a == -r->b);
  r = ResolveInitializer(Spec(InitializerKind::kGlorotUniform), DataType::kFloat, {784, 10});
  CHECK(r->b == Approx(std::sqrt(6.0 / 794)).epsilon(1e-15));
  r = ResolveInitializer(Spec(InitializerKind::kGlorotNormal), DataType::kFloat, conv);
  CHECK(r->distribution == D::kTruncatedNormal);
  CHECK(r->b == Approx(std::sqrt(2.0 / 1728) / 0.87962566103423978).epsilon(1e-15));
  r = ResolveInitializer(Spec(InitializerKind::kHeNormal), DataType::kFloat, conv);
  CHECK(r->b == Approx(std::sqrt(2.0 / 576) / 0.87962566103423978).epsilon(1e-15));
  r = ResolveInitializer(Spec(InitializerKind::kHeUniform), DataType::kFloat, conv);
  CHECK(r->b == Approx(std::sqrt(6.0 / 576)).epsilon(1e-15));
  r = ResolveInitializer(Spec(InitializerKind::kLecunUniform), DataType::kFloat, conv);
  CHECK(r->b == Approx(std::sqrt(3.0 / 576)).epsilon(1e-15));
  r = ResolveInitializer(Spec(InitializerKind::kLecunNormal), DataType::kFloat, conv);
  CHECK(r->b == Approx(std::sqrt(1.0 / 576) / 0.87962566103423978).epsilon(1e-15));

  InitializerSpec vs = Spec(InitializerKind::kVarianceScaling);
  vs.scale = 2.0;
  vs.mode = "fan_out";
  vs.distribution = "untruncated_normal";
  r = ResolveInitializer(vs, DataType::kFloat, conv);
  CHECK(r->distribution == D::kNormal);
  CHECK(r->b == Approx(std::sqrt(2.0 / 1152)).epsilon(1e-15));
  vs.distribution = "normal";  // legacy alias of truncated_normal (with the correction)
  r = ResolveInitializer(vs, DataType::kFloat, conv);
  CHECK(r->distribution == D::kTruncatedNormal);
  CHECK(r->b == Approx(std::sqrt(2.0 / 1152) / 0.87962566103423978).epsilon(1e-15));
  vs.scale = 1.0;
  vs.mode = "fan_in";
  vs.distribution = "uniform";
  r = ResolveInitializer(vs, DataType::kFloat, {0, 5});  // fan 0: scale / max(1, n)
  CHECK(r->b == Approx(std::sqrt(3.0)).epsilon(1e-15));
  // Defaults: scale 1, fan_in, truncated_normal.
  r = ResolveInitializer(Spec(InitializerKind::kVarianceScaling), DataType::kFloat, {100, 7});
  CHECK(r->distribution == D::kTruncatedNormal);
  CHECK(r->b == Approx(0.1 / 0.87962566103423978).epsilon(1e-15));

  InitializerSpec tn = Spec(InitializerKind::kTruncatedNormal);
  r = ResolveInitializer(tn, DataType::kHalf, {5});
  CHECK((r->distribution == D::kTruncatedNormal && r->a == 0 && r->b == 1));
  r = ResolveInitializer(Spec(InitializerKind::kRandomUniform), DataType::kBfloat16, {5});
  CHECK((r->distribution == D::kUniform && r->a == 0 && r->b == 1));
  r = ResolveInitializer(Spec(InitializerKind::kOrthogonal), DataType::kDouble, {5, 5});
  CHECK((r->distribution == D::kOrthogonal && r->a == 1));
  InitializerSpec c = Spec(InitializerKind::kConstant);
  c.value = -3;
  r = ResolveInitializer(c, DataType::kInt8, {2});
  CHECK((r->distribution == D::kConstant && r->a == -3));
}

TEST_CASE("Resolve error messages") {
  const Shape s = {4, 4};
  CHECK(ErrorOf(Spec(InitializerKind::kHeNormal), DataType::kInt32, s) ==
        "initializer 'he_normal' needs a floating-point dtype (float16, bfloat16, float32 or float64), got int32");
  CHECK(ErrorOf(Spec(InitializerKind::kOrthogonal), DataType::kFloat, {10}) ==
        "initializer 'orthogonal' needs a tensor of rank >= 2, got shape [10]");
  CHECK(ErrorOf(Spec(InitializerKind::kOrthogonal), DataType::kFloat, {}) ==
        "initializer 'orthogonal' needs a tensor of rank >= 2, got shape []");
  InitializerSpec vs = Spec(InitializerKind::kVarianceScaling);
  vs.mode = "fan_sum";
  CHECK(ErrorOf(vs, DataType::kFloat, s) ==
        "initializer 'variance_scaling': mode must be fan_in, fan_out or fan_avg, got 'fan_sum'");
  vs.mode = "fan_avg";
  vs.distribution = "gaussian";
  CHECK(ErrorOf(vs, DataType::kFloat, s) ==
        "initializer 'variance_scaling': distribution must be truncated_normal, normal, untruncated_normal or "
        "uniform, got 'gaussian'");
  vs.distribution = "uniform";
  vs.scale = 0;
  CHECK(ErrorOf(vs, DataType::kFloat, s) == "initializer 'variance_scaling': scale must be > 0, got 0");
  vs.scale = NAN;
  CHECK(ErrorOf(vs, DataType::kFloat, s) == "initializer 'variance_scaling': scale must be finite, got nan");
  InitializerSpec rn = Spec(InitializerKind::kRandomNormal);
  rn.stddev = -1;
  CHECK(ErrorOf(rn, DataType::kFloat, s) == "initializer 'random_normal': stddev must be >= 0, got -1");
  rn.stddev = INFINITY;
  CHECK(ErrorOf(rn, DataType::kFloat, s) == "initializer 'random_normal': stddev must be finite, got inf");
  rn.stddev = 1;
  rn.mean = 1e5;
  CHECK(ErrorOf(rn, DataType::kHalf, s) ==
        "initializer 'random_normal': mean 100000 overflows float16 (largest finite 65504)");
  InitializerSpec tn = Spec(InitializerKind::kTruncatedNormal);
  tn.mean = -INFINITY;
  CHECK(ErrorOf(tn, DataType::kFloat, s) == "initializer 'truncated_normal': mean must be finite, got -inf");
  InitializerSpec ru = Spec(InitializerKind::kRandomUniform);
  ru.minval = 1;
  ru.maxval = 0;
  CHECK(ErrorOf(ru, DataType::kFloat, s) ==
        "initializer 'random_uniform': minval must be <= maxval, got minval 1 and maxval 0");
  ru.minval = 0;
  ru.maxval = 1e39;
  CHECK(ErrorOf(ru, DataType::kFloat, s) ==
        "initializer 'random_uniform': maxval 1e+39 overflows float32 (largest finite 3.4028234663852886e+38)");
  InitializerSpec og = Spec(InitializerKind::kOrthogonal);
  og.gain = NAN;
  CHECK(ErrorOf(og, DataType::kFloat, s) == "initializer 'orthogonal': gain must be finite, got nan");

  InitializerSpec c = Spec(InitializerKind::kConstant);
  c.value = NAN;
  CHECK(ErrorOf(c, DataType::kFloat, s) == "initializer 'constant': value must be finite, got nan");
  CHECK(ErrorOf(Spec(InitializerKind::kZeros), DataType::kString, s) ==
        "initializer 'zeros' cannot fill dtype string: it needs a fixed-size numeric or bool dtype");
  auto neg = ResolveInitializer(Spec(InitializerKind::kZeros), DataType::kFloat, {-1, 3});
  CHECK_FALSE(neg.ok());
}

TEST_CASE("a constant the dtype cannot hold names the dtype's range") {
  struct Case {
    double value;
    DataType dtype;
    const char* message;
  };
  const Case k = GENERATE(values<Case>({
      {300, DataType::kInt8, "initializer 'constant': value 300 is not representable in int8 (range -128 to 127)"},
      {-1, DataType::kUint32,
       "initializer 'constant': value -1 is not representable in uint32 (range 0 to 4294967295)"},
      {0.5, DataType::kInt32, "initializer 'constant': value 0.5 is not representable in int32 (not an integer)"},
      {9.3e18, DataType::kInt64,
       "initializer 'constant': value 9.3e+18 is not representable in int64 (range -9223372036854775808 to "
       "9223372036854775807)"},
      {2, DataType::kBool, "initializer 'constant': value 2 is not representable in bool (use 0 or 1)"},
      {70000, DataType::kHalf,
       "initializer 'constant': value 70000 is not representable in float16 (largest finite 65504)"},
      {8, DataType::kInt4, "initializer 'constant': value 8 is not representable in int4 (range -8 to 7)"},
      {2, DataType::kInt2, "initializer 'constant': value 2 is not representable in int2 (range -2 to 1)"},
      {500, DataType::kFloat8E4m3fn,
       "initializer 'constant': value 500 is not representable in float8_e4m3fn (largest finite 448)"},
  }));
  InitializerSpec c = Spec(InitializerKind::kConstant);
  c.value = k.value;
  CHECK(ErrorOf(c, k.dtype, {4, 4}) == k.message);
}

TEST_CASE("constants fill every fixed-size numeric dtype and bool") {
  auto bytes = [](InitializerKind kind, double value, DataType dt, const Shape& shape) {
    InitializerSpec s = Spec(kind);
    s.value = value;
    auto r = GenerateInitialValue(s, dt, shape, 1, "c");
    REQUIRE(r.ok());
    return *r;
  };
  using V = std::vector<uint8_t>;
  CHECK(bytes(InitializerKind::kZeros, 0, DataType::kFloat, {2, 3}) == V(24, 0));
  CHECK(bytes(InitializerKind::kOnes, 0, DataType::kFloat, {2}) == V{0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f});
  CHECK(bytes(InitializerKind::kOnes, 0, DataType::kHalf, {2}) == V{0, 0x3c, 0, 0x3c});
  CHECK(bytes(InitializerKind::kOnes, 0, DataType::kBfloat16, {1}) == V{0x80, 0x3f});
  CHECK(bytes(InitializerKind::kOnes, 0, DataType::kDouble, {1}) == V{0, 0, 0, 0, 0, 0, 0xf0, 0x3f});
  CHECK(bytes(InitializerKind::kOnes, 0, DataType::kBool, {3}) == V{1, 1, 1});
  CHECK(bytes(InitializerKind::kZeros, 0, DataType::kBool, {2}) == V{0, 0});
  CHECK(bytes(InitializerKind::kConstant, -2, DataType::kInt16, {2}) == V{0xfe, 0xff, 0xfe, 0xff});
  CHECK(bytes(InitializerKind::kConstant, 127, DataType::kInt8, {1}) == V{0x7f});
  CHECK(bytes(InitializerKind::kConstant, 255, DataType::kUint8, {1}) == V{0xff});
  CHECK(bytes(InitializerKind::kConstant, -5, DataType::kInt64, {1}) ==
        V{0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  CHECK(bytes(InitializerKind::kConstant, 1e19, DataType::kUint64, {1}) ==
        V{0x00, 0x00, 0xe8, 0x89, 0x04, 0x23, 0xc7, 0x8a});
  CHECK(bytes(InitializerKind::kConstant, -1, DataType::kInt4, {2}) == V{0x0f, 0x0f});
  CHECK(bytes(InitializerKind::kConstant, 15, DataType::kUint4, {1}) == V{0x0f});
  CHECK(bytes(InitializerKind::kConstant, -1, DataType::kInt2, {2}) == V{0x03, 0x03});  // ml_dtypes int2(-1)
  CHECK(bytes(InitializerKind::kConstant, -2, DataType::kInt2, {1}) == V{0x02});
  CHECK(bytes(InitializerKind::kConstant, 3, DataType::kUint2, {1}) == V{0x03});
  CHECK(bytes(InitializerKind::kConstant, 7, DataType::kQint32, {1}) == V{7, 0, 0, 0});
  CHECK(bytes(InitializerKind::kConstant, 2, DataType::kComplex64, {1}) == V{0, 0, 0, 0x40, 0, 0, 0, 0});
  CHECK(bytes(InitializerKind::kConstant, 0.1, DataType::kHalf, {1}) == V{0x66, 0x2e});  // 0x2e66 nearest
  CHECK(bytes(InitializerKind::kOnes, 0, DataType::kFloat8E4m3fn, {1}) == V{0x38});
  CHECK(bytes(InitializerKind::kOnes, 0, DataType::kFloat8E4m3fnuz, {1}) == V{0x40});
  CHECK(bytes(InitializerKind::kOnes, 0, DataType::kFloat8E5m2, {1}) == V{0x3c});
  CHECK(bytes(InitializerKind::kOnes, 0, DataType::kFloat8E5m2fnuz, {1}) == V{0x40});
  CHECK(bytes(InitializerKind::kOnes, 0, DataType::kFloat8E4m3b11fnuz, {1}) == V{0x58});
  CHECK(bytes(InitializerKind::kConstant, 448, DataType::kFloat8E4m3fn, {1}) == V{0x7e});
  CHECK(bytes(InitializerKind::kConstant, -1.0625, DataType::kFloat8E4m3fn, {1}) == V{0xb8});  // tie -> even
  CHECK(bytes(InitializerKind::kConstant, 3, DataType::kFloat, {0, 4}).empty());
}

TEST_CASE("truncated_normal statistics: mean 0, std 0.88 stddev, nothing beyond 2 stddev") {
  InitializerSpec s = Spec(InitializerKind::kTruncatedNormal);
  const auto v = Generate(s, DataType::kFloat, {1000, 1000});
  const Stats st = Summarize(v);
  CHECK(std::fabs(st.mean) < 0.005);
  CHECK(st.stddev == Approx(0.87962566103423978).margin(0.004));
  CHECK(st.max < 2.0);
  CHECK(st.min > -2.0);
  CHECK(st.max > 1.99);

  s.mean = 3;
  s.stddev = 0.5;
  const auto w = Generate(s, DataType::kDouble, {200000});
  const Stats sw = Summarize(w);
  CHECK(sw.mean == Approx(3).margin(0.005));
  CHECK(sw.stddev == Approx(0.5 * 0.87962566103423978).margin(0.004));
  CHECK(sw.min >= 2.0);
  CHECK(sw.max <= 4.0);
}

TEST_CASE("random_normal and random_uniform statistics") {
  InitializerSpec n = Spec(InitializerKind::kRandomNormal);
  n.mean = -1;
  n.stddev = 2;
  for (DataType dt : {DataType::kFloat, DataType::kDouble}) {
    const Stats st = Summarize(Generate(n, dt, {500000}));
    CHECK(st.mean == Approx(-1).margin(0.015));
    CHECK(st.stddev == Approx(2).margin(0.01));
    CHECK(st.max > 5);  // untruncated: 3 sigma and more are present
  }
  InitializerSpec u = Spec(InitializerKind::kRandomUniform);
  u.minval = -0.5;
  u.maxval = 1.5;
  for (DataType dt : {DataType::kFloat, DataType::kDouble, DataType::kHalf, DataType::kBfloat16}) {
    const Stats st = Summarize(Generate(u, dt, {400000}));
    CHECK(st.mean == Approx(0.5).margin(0.005));
    CHECK(st.stddev == Approx(2 / std::sqrt(12.0)).margin(0.005));
    CHECK(st.min >= -0.5);
    CHECK(st.max <= 1.5);
    CHECK(st.min < -0.49);
    CHECK(st.max > 1.49);
  }
  const Stats d = Summarize(Generate(Spec(InitializerKind::kRandomUniform), DataType::kFloat, {100000}));
  CHECK(d.min >= 0);
  CHECK(d.max < 1);  // [0, 1): 23-bit uniforms never reach 1
}

TEST_CASE("glorot/he/lecun sample statistics match their limits") {
  const Shape conv = {3, 3, 64, 128};
  const double glorot_limit = std::sqrt(6.0 / (576 + 1152));
  const Stats g = Summarize(Generate(Spec(InitializerKind::kGlorotUniform), DataType::kFloat, conv));
  CHECK(g.max <= glorot_limit);
  CHECK(g.min >= -glorot_limit);
  CHECK(g.max > 0.999 * glorot_limit);
  CHECK(g.stddev == Approx(glorot_limit / std::sqrt(3.0)).epsilon(0.01));
  CHECK(std::fabs(g.mean) < 0.001);

  const Shape dense = {4096, 1000};
  const double dense_limit = std::sqrt(6.0 / 5096);
  const Stats gd = Summarize(Generate(Spec(InitializerKind::kGlorotUniform), DataType::kFloat, dense));
  CHECK(gd.max <= dense_limit);
  CHECK(gd.min >= -dense_limit);
  CHECK(gd.min < -0.999 * dense_limit);

  // he_normal: the 0.8796 correction makes the truncated samples' std equal sqrt(2/fan_in).
  const Stats h = Summarize(Generate(Spec(InitializerKind::kHeNormal), DataType::kFloat, conv));
  CHECK(h.stddev == Approx(std::sqrt(2.0 / 576)).epsilon(0.01));
  CHECK(h.max < 2 * std::sqrt(2.0 / 576) / 0.87962566103423978);
  const Stats gn = Summarize(Generate(Spec(InitializerKind::kGlorotNormal), DataType::kHalf, conv));
  CHECK(gn.stddev == Approx(std::sqrt(2.0 / 1728)).epsilon(0.01));
  const Stats ln = Summarize(Generate(Spec(InitializerKind::kLecunNormal), DataType::kBfloat16, conv));
  CHECK(ln.stddev == Approx(std::sqrt(1.0 / 576)).epsilon(0.015));
  const Stats hu = Summarize(Generate(Spec(InitializerKind::kHeUniform), DataType::kDouble, conv));
  CHECK(hu.max <= std::sqrt(6.0 / 576));
  CHECK(hu.stddev == Approx(std::sqrt(2.0 / 576)).epsilon(0.01));
}

TEST_CASE("orthogonal: Q^T Q = I for tall, wide and conv-shaped kernels, and it matches Eigen's QR") {
  auto check = [](const Shape& shape, double gain, DataType dt, double tol) {
    InitializerSpec s = Spec(InitializerKind::kOrthogonal);
    s.gain = gain;
    const auto v = Generate(s, dt, shape, 7, "orth");
    int64_t rows = 1;
    for (size_t i = 0; i + 1 < shape.size(); ++i) rows *= shape[i];
    const int64_t cols = shape.back();
    Eigen::MatrixXd m(rows, cols);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) m(i, j) = v[static_cast<size_t>(i * cols + j)];
    const Eigen::MatrixXd gram = rows >= cols ? Eigen::MatrixXd(m.transpose() * m) : Eigen::MatrixXd(m * m.transpose());
    const Eigen::MatrixXd expect = gain * gain * Eigen::MatrixXd::Identity(gram.rows(), gram.cols());
    CHECK((gram - expect).cwiseAbs().maxCoeff() < tol);
    return m;
  };
  check({64, 16}, 1.0, DataType::kDouble, 1e-12);
  check({16, 64}, 1.0, DataType::kDouble, 1e-12);
  check({3, 3, 16, 32}, 2.0, DataType::kDouble, 1e-11);
  check({1, 1, 4096, 10}, 1.0, DataType::kFloat, 1e-5);
  check({10, 10}, 1.0, DataType::kFloat, 1e-5);
  check({3, 3, 64, 128}, 1.0, DataType::kFloat, 1e-5);  // wide as a matrix: 576 x 128 is tall; fine either way
  check({8, 300}, 1.0, DataType::kHalf, 5e-3);

  // Cross-check with Eigen's HouseholderQR on the same normal matrix: the
  // sign-fixed Q is unique, so the two agree up to rounding.
  const Shape shape = {20, 6};
  const Eigen::MatrixXd ours = check(shape, 1.0, DataType::kDouble, 1e-12);
  const uint64_t key = random::StreamKey(7, "orth");
  Eigen::MatrixXd a(20, 6);
  for (int t = 0; t < 120; t += 2) {
    const auto b = random::Philox4x32(static_cast<uint64_t>(t / 2), 0, key);
    double z0, z1;
    random::BoxMuller(random::OpenUniform64(b[0], b[1]), random::Uniform64(b[2], b[3]), &z0, &z1);
    a(t / 6, t % 6) = z0;
    a((t + 1) / 6, (t + 1) % 6) = z1;
  }
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(20, 6);
  const Eigen::MatrixXd r = qr.matrixQR().topRows(6).triangularView<Eigen::Upper>();
  for (int j = 0; j < 6; ++j) q.col(j) *= r(j, j) < 0 ? -1.0 : 1.0;
  CHECK((q - ours).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("determinism: same (seed, name) same bytes; streams independent of other variables and of size") {
  const InitializerSpec s = Spec(InitializerKind::kTruncatedNormal);
  auto gen = [&](const Shape& shape, uint64_t seed, const std::string& name, DataType dt = DataType::kFloat) {
    auto r = GenerateInitialValue(s, dt, shape, seed, name);
    REQUIRE(r.ok());
    return *r;
  };
  CHECK(gen({1000}, 1, "fc8/weights") == gen({1000}, 1, "fc8/weights"));
  CHECK(gen({1000}, 1, "fc8/weights") != gen({1000}, 1, "fc8/weightz"));
  CHECK(gen({1000}, 1, "fc8/weights") != gen({1000}, 2, "fc8/weights"));
  // Element i depends only on its group's Philox counters, so a small
  // tensor is a prefix of a large (multi-threaded) one with the same name.
  const auto small = gen({1001}, 9, "w");
  const auto big = gen({3, 1000000}, 9, "w");
  CHECK(std::equal(small.begin(), small.end(), big.begin()));
  const auto small64 = gen({999}, 9, "w", DataType::kDouble);
  const auto big64 = gen({2000001}, 9, "w", DataType::kDouble);
  CHECK(std::equal(small64.begin(), small64.end(), big64.begin()));
}

// These values pin the algorithm: Philox4x32-10 keyed by
// SplitMix64(SplitMix64(seed) ^ FNV-1a64(name)), Box-Muller with the
// deterministic Log/SinCos2Pi of src/plan/philox.h, TF's group layout, and
// round-to-nearest-even output. They were computed once from this
// implementation. If one changes, every generated checkpoint changes: that
// is a breaking change to be made deliberately, never to make a test pass.
TEST_CASE("golden bytes pin the generator across machines") {
  struct Golden {
    InitializerKind kind;
    DataType dtype;
    Shape shape;
    uint64_t seed;
    const char* name;
    const char* first_bytes_hex;  // first 16 bytes
    const char* sha256;
  };
  const Golden goldens[] = {
      {InitializerKind::kTruncatedNormal,
       DataType::kFloat,
       {1, 1, 4096, 10},
       1234,
       "fc8/weights",
       "18090abfbf26cd3e806aa7bf1cc2273f",
       "3e8ad10b47908f587dbc808385b21cef60f38e1aa8984ba72f4690909e7cf344"},
      {InitializerKind::kGlorotUniform,
       DataType::kFloat,
       {3, 3, 64, 128},
       42,
       "conv1/weights",
       "31dff13c5bd4ca3cb7ee81bcdeee2d3c",
       "1d82ba64a5348a1f1d074ca44601fb6b5fc196942ecc133ca1a38e94f42cd250"},
      {InitializerKind::kRandomNormal,
       DataType::kDouble,
       {1000},
       42,
       "x",
       "a3393f4254ace2bf677638ab9eb3cdbf",
       "10610cf2841d1297b6d261a40452cf4dd1c03bdb309378eb33e18a49fa25568b"},
      {InitializerKind::kHeNormal,
       DataType::kHalf,
       {3, 3, 3, 64},
       42,
       "conv1_1/kernel",
       "752e8ead7aab7eb3f426e2b79730d336",
       "ad014b05f8a557004b27c2cdac3fd854dd714f704c72ba038463c5dc0e6d22ee"},
      {InitializerKind::kGlorotNormal,
       DataType::kBfloat16,
       {256, 10},
       5,
       "predictions/kernel",
       "483be63c0abd99bda4bd2bbdec3d333b",
       "a610f1a35e12c015ca4d6a03ecf50442c29889b999d57f185479bd8980f6a001"},
      {InitializerKind::kOrthogonal,
       DataType::kFloat,
       {32, 48},
       5,
       "rnn/kernel",
       "46ef623edcea6f3e148530bd06063ebe",
       "c748b4e1fe6b4f30465688be0e012cb4121a312a6005ef395b1af367c935d354"},
  };
  for (const auto& g : goldens) {
    auto r = GenerateInitialValue(Spec(g.kind), g.dtype, g.shape, g.seed, g.name);
    REQUIRE(r.ok());
    const std::string sha = testing::Sha256Hex(r->data(), r->size());
    INFO(InitializerKindName(g.kind) << " " << g.name << ": first " << Hex(*r, 16) << " sha256 " << sha);
    CHECK(Hex(*r, 16) == g.first_bytes_hex);
    CHECK(sha == g.sha256);
  }
}

TEST_CASE("non-finite samples are DataLoss") {
  InitializerSpec s = Spec(InitializerKind::kRandomNormal);
  s.stddev = 60000;  // fits float16, but samples beyond 65504 do not
  auto r = GenerateInitialValue(s, DataType::kHalf, {10000}, 1, "big");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(r.status().message(),
             Catch::Matchers::StartsWith("big: initializer 'random_normal' produced a value that is not finite in "
                                         "float16 at element "));
}

namespace {

// Concatenates the stream's pieces read through a buffer of `piece` bytes.
Result<std::vector<uint8_t>> Streamed(const InitializerSpec& spec, DataType dtype, const Shape& shape, size_t piece) {
  SURGEON_ASSIGN_OR_RETURN(InitialValueStream stream, InitialValueStream::Create(spec, dtype, shape, 42, "v"));
  std::vector<uint8_t> out, buf(piece);
  for (;;) {
    SURGEON_ASSIGN_OR_RETURN(size_t n, stream.Next(buf));
    if (n == 0) break;
    CHECK((n % InitialValueStream::kPieceAlignment == 0 || out.size() + n == stream.total_bytes()));
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  }
  CHECK(out.size() == stream.total_bytes());
  return out;
}

}  // namespace

TEST_CASE("InitialValueStream: the pieces, of any size, are GenerateInitialValue's bytes") {
  struct Case {
    InitializerKind kind;
    DataType dtype;
    Shape shape;
  };
  const std::vector<Case> cases = {
      {InitializerKind::kTruncatedNormal, DataType::kFloat, {3, 1000003}},
      {InitializerKind::kRandomUniform, DataType::kHalf, {70001}},
      {InitializerKind::kGlorotNormal, DataType::kBfloat16, {257, 129}},
      {InitializerKind::kRandomNormal, DataType::kDouble, {100003}},
      {InitializerKind::kOrthogonal, DataType::kFloat, {3, 3, 16, 40}},
      {InitializerKind::kOnes, DataType::kInt32, {1001}},
      {InitializerKind::kZeros, DataType::kFloat, {999}},
  };
  for (const Case& c : cases) {
    INFO(InitializerKindName(c.kind) << " " << DataTypeShortName(c.dtype) << " " << ShapeToString(c.shape));
    auto whole = GenerateInitialValue(Spec(c.kind), c.dtype, c.shape, 42, "v");
    REQUIRE(whole.ok());
    for (size_t piece : {size_t{64}, size_t{4096 + 64}, size_t{1} << 20}) {
      INFO("pieces of " << piece << " bytes");
      auto streamed = Streamed(Spec(c.kind), c.dtype, c.shape, piece);
      REQUIRE(streamed.ok());
      CHECK(*streamed == *whole);
    }
  }
}

TEST_CASE("InitialValueStream: a non-finite sample in a later piece names its element in the tensor") {
  InitializerSpec s = Spec(InitializerKind::kRandomNormal);
  s.stddev = 20000;  // samples beyond 3.3 sigma overflow float16: about one in 1000
  auto whole = GenerateInitialValue(s, DataType::kHalf, {100000}, 42, "v");
  REQUIRE_FALSE(whole.ok());
  CHECK(whole.status().message().find("at element 0 ") == std::string::npos);
  auto streamed = Streamed(s, DataType::kHalf, {100000}, 64);  // 32 elements a piece
  REQUIRE_FALSE(streamed.ok());
  CHECK(streamed.status().code() == StatusCode::kDataLoss);
  CHECK(streamed.status().message() == whole.status().message());
}

TEST_CASE("CastTensorBytes by DataType") {
  const std::vector<uint8_t> one_f32 = {0, 0, 0x80, 0x3f};
  auto r = CastTensorBytes(one_f32, DataType::kFloat, DataType::kHalf, "t");
  REQUIRE(r.ok());
  CHECK(*r == std::vector<uint8_t>{0, 0x3c});
  auto bad = CastTensorBytes(one_f32, DataType::kFloat, DataType::kInt32, "t");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() ==
        "t: cannot cast float32 to int32; casts are supported between float16, bfloat16, float32 and float64");
}

}  // namespace surgeon
