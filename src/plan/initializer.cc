// Initializers with TensorFlow's semantics; see initializer.h and
// docs/tf-formats.md §7. TF sources cited below are python/ops/init_ops.py
// (VarianceScaling, Orthogonal, _compute_fans), core/kernels/random_op.cc
// (how the TruncatedNormal op assigns Philox counters to output groups) and
// tsl/lib/random/random_distributions.h (uniform/normal/truncated-normal
// sampling from Philox words).
//
// Determinism: all sampling goes through src/plan/philox.h (integer math and
// exactly rounded IEEE operations only), samples are computed in double and
// rounded once to the output dtype (round to nearest even), and the Philox
// counter of every output group is a function of the group's index only, so
// the bytes do not depend on the machine or on how many threads fill them.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include "surgeon/plan/initializer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

#include "plan/philox.h"
#include "surgeon/base/half.h"
#include "surgeon/base/numeric_cast.h"
#include "surgeon/plan/cast.h"

namespace surgeon {
namespace {

// Standard deviation of N(0, 1) truncated to [-2, 2]
// (scipy.stats.truncnorm.std(a=-2, b=2)); init_ops.py VarianceScaling divides
// the target stddev by it so the truncated samples have the intended variance.
constexpr double kTruncatedNormalStddev = 0.87962566103423978;
// TF's TruncatedNormal op redraws |x| >= 2 standard deviations.
constexpr double kTruncateValue = 2.0;
// random_op.cc: each group of outputs of a variable-sample distribution owns
// this many Philox blocks (counter = group * 256 + j).
constexpr uint64_t kReservedBlocksPerGroup = 256;

struct KindName {
  InitializerKind kind;
  std::string_view name;
};
constexpr KindName kKindNames[] = {
    {InitializerKind::kZeros, "zeros"},
    {InitializerKind::kOnes, "ones"},
    {InitializerKind::kConstant, "constant"},
    {InitializerKind::kRandomNormal, "random_normal"},
    {InitializerKind::kTruncatedNormal, "truncated_normal"},
    {InitializerKind::kRandomUniform, "random_uniform"},
    {InitializerKind::kGlorotUniform, "glorot_uniform"},
    {InitializerKind::kGlorotNormal, "glorot_normal"},
    {InitializerKind::kHeUniform, "he_uniform"},
    {InitializerKind::kHeNormal, "he_normal"},
    {InitializerKind::kLecunUniform, "lecun_uniform"},
    {InitializerKind::kLecunNormal, "lecun_normal"},
    {InitializerKind::kVarianceScaling, "variance_scaling"},
    {InitializerKind::kOrthogonal, "orthogonal"},
};

std::string Prefix(InitializerKind kind) { return "initializer '" + std::string(InitializerKindName(kind)) + "'"; }

// ---------------------------------------------------------------------------
// Constants: one element's bytes for any fixed-size numeric dtype or bool.

template <typename U>
void AppendLE(std::vector<uint8_t>* out, U bits, size_t n) {
  for (size_t i = 0; i < n; ++i) out->push_back(static_cast<uint8_t>(static_cast<uint64_t>(bits) >> (8 * i)));
}

struct IntFormat {
  int bits;       // value bits (4 for int4/uint4, 2 for int2/uint2)
  int bytes;      // storage bytes
  bool is_signed;
};
std::optional<IntFormat> IntFormatOf(DataType dt) {
  switch (dt) {
    case DataType::kInt8: case DataType::kQint8: return IntFormat{8, 1, true};
    case DataType::kUint8: case DataType::kQuint8: return IntFormat{8, 1, false};
    case DataType::kInt16: case DataType::kQint16: return IntFormat{16, 2, true};
    case DataType::kUint16: case DataType::kQuint16: return IntFormat{16, 2, false};
    case DataType::kInt32: case DataType::kQint32: return IntFormat{32, 4, true};
    case DataType::kUint32: return IntFormat{32, 4, false};
    case DataType::kInt64: return IntFormat{64, 8, true};
    case DataType::kUint64: return IntFormat{64, 8, false};
    // ml_dtypes intN: the value in the low N bits of a byte, upper bits zero.
    case DataType::kInt4: return IntFormat{4, 1, true};
    case DataType::kUint4: return IntFormat{4, 1, false};
    case DataType::kInt2: return IntFormat{2, 1, true};
    case DataType::kUint2: return IntFormat{2, 1, false};
    default: return std::nullopt;
  }
}

// The ml_dtypes float8 formats TF stores (one byte each).
struct Float8Format {
  int man_bits;
  int bias;
  enum NanStyle { kIeee, kFn, kFnuz } style;  // e5m2: inf+NaN; e4m3fn: only S.1111.111 is NaN; *fnuz: 0x80 is NaN
};
std::optional<Float8Format> Float8FormatOf(DataType dt) {
  switch (dt) {
    case DataType::kFloat8E5m2: return Float8Format{2, 15, Float8Format::kIeee};
    case DataType::kFloat8E4m3fn: return Float8Format{3, 7, Float8Format::kFn};
    case DataType::kFloat8E4m3fnuz: return Float8Format{3, 8, Float8Format::kFnuz};
    case DataType::kFloat8E4m3b11fnuz: return Float8Format{3, 11, Float8Format::kFnuz};
    case DataType::kFloat8E5m2fnuz: return Float8Format{2, 16, Float8Format::kFnuz};
    default: return std::nullopt;
  }
}
// Magnitude of code 0..127; NaN/inf for the special codes.
double Float8Magnitude(const Float8Format& f, int code) {
  const int exp_bits = 7 - f.man_bits;
  const int e = code >> f.man_bits, m = code & ((1 << f.man_bits) - 1);
  const int e_max = (1 << exp_bits) - 1;
  if (f.style == Float8Format::kIeee && e == e_max) return m ? std::numeric_limits<double>::quiet_NaN() : INFINITY;
  if (f.style == Float8Format::kFn && e == e_max && m == (1 << f.man_bits) - 1) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (e == 0) return std::ldexp(m, 1 - f.bias - f.man_bits);
  return std::ldexp((1 << f.man_bits) + m, e - f.bias - f.man_bits);
}
int Float8MaxCode(const Float8Format& f) {
  int c = 127;
  while (!std::isfinite(Float8Magnitude(f, c))) --c;
  return c;
}
// Round to nearest (ties to the even code); nullopt if |v| is at or beyond
// the midpoint between the largest finite value and the next step above it.
std::optional<uint8_t> EncodeFloat8(double v, const Float8Format& f) {
  const double a = std::fabs(v);
  const int max_code = Float8MaxCode(f);
  const double max = Float8Magnitude(f, max_code);
  if (a >= max + (max - Float8Magnitude(f, max_code - 1)) / 2) return std::nullopt;
  int best = 0;
  for (int c = 1; c <= max_code; ++c) {
    const double d = std::fabs(Float8Magnitude(f, c) - a), bd = std::fabs(Float8Magnitude(f, best) - a);
    if (d < bd || (d == bd && (c & 1) == 0)) best = c;
  }
  if (std::signbit(v) && !(f.style == Float8Format::kFnuz && best == 0)) best |= 0x80;
  return static_cast<uint8_t>(best);
}

// One element of `value` in `dtype`, or InvalidArgument if it is not
// representable (integers: exact and in range; bool: 0 or 1; floats: finite
// after rounding to nearest).
Result<std::vector<uint8_t>> EncodeConstant(InitializerKind kind, double value, DataType dtype) {
  std::vector<uint8_t> out;
  const std::string what = Prefix(kind) + ": value " + FormatDouble(value) + " is not representable in " +
                           DataTypeShortName(dtype);
  if (auto ff = FloatFormatOf(dtype)) {
    out.resize(static_cast<size_t>(FloatFormatSize(*ff)));
    if (!StoreFloat(value, *ff, out.data())) {
      return Status::InvalidArgument(what + " (largest finite " + FormatDouble(FloatFormatMax(*ff)) + ")");
    }
    return out;
  }
  if (dtype == DataType::kComplex64 || dtype == DataType::kComplex128) {
    const FloatFormat part = dtype == DataType::kComplex64 ? FloatFormat::kF32 : FloatFormat::kF64;
    out.resize(2 * static_cast<size_t>(FloatFormatSize(part)));
    if (!StoreFloat(value, part, out.data())) {
      return Status::InvalidArgument(what + " (largest finite " + FormatDouble(FloatFormatMax(part)) + ")");
    }
    (void)StoreFloat(0.0, part, out.data() + FloatFormatSize(part));  // imaginary part
    return out;
  }
  if (auto f8 = Float8FormatOf(dtype)) {
    auto code = EncodeFloat8(value, *f8);
    if (!code) {
      return Status::InvalidArgument(what + " (largest finite " +
                                     FormatDouble(Float8Magnitude(*f8, Float8MaxCode(*f8))) + ")");
    }
    out.push_back(*code);
    return out;
  }
  if (dtype == DataType::kBool) {
    if (value != 0.0 && value != 1.0) return Status::InvalidArgument(what + " (use 0 or 1)");
    out.push_back(value == 1.0 ? 1 : 0);
    return out;
  }
  if (auto in = IntFormatOf(dtype)) {
    if (std::trunc(value) != value) return Status::InvalidArgument(what + " (not an integer)");
    const double lo = in->is_signed ? -std::ldexp(1.0, in->bits - 1) : 0.0;
    const double hi = std::ldexp(1.0, in->is_signed ? in->bits - 1 : in->bits);  // exclusive
    if (value < lo || value >= hi) {
      std::string lo_s, hi_s;
      if (in->is_signed) {
        lo_s = in->bits == 64 ? "-9223372036854775808" : std::to_string(-(int64_t{1} << (in->bits - 1)));
        hi_s = in->bits == 64 ? "9223372036854775807" : std::to_string((int64_t{1} << (in->bits - 1)) - 1);
      } else {
        lo_s = "0";
        hi_s = in->bits == 64 ? "18446744073709551615" : std::to_string((uint64_t{1} << in->bits) - 1);
      }
      return Status::InvalidArgument(what + " (range " + lo_s + " to " + hi_s + ")");
    }
    uint64_t bits = in->is_signed ? static_cast<uint64_t>(static_cast<int64_t>(value)) : static_cast<uint64_t>(value);
    if (in->bits < 8) bits &= (uint64_t{1} << in->bits) - 1;
    AppendLE(&out, bits, static_cast<size_t>(in->bytes));
    return out;
  }
  return Status::InvalidArgument(Prefix(kind) + " cannot fill dtype " + DataTypeShortName(dtype) +
                                 ": it needs a fixed-size numeric or bool dtype");
}

// ---------------------------------------------------------------------------
// Random sampling.

using random::BoxMuller;
using random::Philox4x32;

// Samples of one stream, one output group at a time. kDouble streams (for
// float64 outputs) spend 64 random bits per uniform, like TF's
// Uint64ToDouble / BoxMullerDouble; the others 32 (23 for uniforms, as TF's
// Uint32ToFloat).
template <bool kDouble>
struct Stream {
  static constexpr int kGroup = kDouble ? 2 : 4;
  uint64_t key;

  void Uniform(uint64_t g, double* out) const {
    const auto b = Philox4x32(g, 0, key);
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
      BoxMuller(random::OpenUniform64(b[0], b[1]), random::Uniform64(b[2], b[3]), &out[0], &out[1]);
    } else {
      BoxMuller(random::OpenUniform32(b[0]), random::Uniform32(b[1]), &out[0], &out[1]);
      BoxMuller(random::OpenUniform32(b[2]), random::Uniform32(b[3]), &out[2], &out[3]);
    }
  }
  void Normal(uint64_t g, double* out) const { Normals(Philox4x32(g, 0, key), out); }
  // TF's TruncatedNormalDistribution: draw normals in order, keep those with
  // |z| < 2, until the group is full. The group owns Philox blocks
  // g*256 .. g*256+255 (random_op.cc); P(needing more) is below 1e-300.
  void TruncatedNormal(uint64_t g, double* out) const {
    uint64_t counter = g * kReservedBlocksPerGroup;
    int filled = 0;
    for (;;) {
      double z[kGroup];
      Normals(Philox4x32(counter++, 0, key), z);
      for (int i = 0; i < kGroup; ++i) {
        if (std::fabs(z[i]) < kTruncateValue) {
          out[filled++] = z[i];
          if (filled == kGroup) return;
        }
      }
    }
  }
};

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

struct BadValue {
  int64_t index = -1;  // first element that is not finite in the output dtype
  double value = 0;    // its value before rounding
};

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
BadValue FillRandom(const ResolvedInitializer& r, uint64_t key, int64_t n, uint8_t* out) {
  if constexpr (F == FloatFormat::kF64) {
    return FillParallel<F, true>(r, key, n, out);
  } else {
    return FillParallel<F, false>(r, key, n, out);
  }
}

// Deterministic dot product: four partial sums in a fixed order, so it is
// fast (independent add chains) and the same on every machine.
double Dot(const double* x, const double* y, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * y[i];
    s1 += x[i + 1] * y[i + 1];
    s2 += x[i + 2] * y[i + 2];
    s3 += x[i + 3] * y[i + 3];
  }
  for (; i < n; ++i) s0 += x[i] * y[i];
  return (s0 + s1) + (s2 + s3);
}

// y -= w * x
void Axpy(double w, const double* x, double* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] -= w * x[i];
}

// init_ops.py Orthogonal: a = normal(rows x cols) with rows >= cols (the
// transposed shape when the tensor is wide), q, r = qr(a), q *= sign(diag(r)),
// transpose back, reshape, times gain. The QR is our own Householder QR
// (LAPACK dgeqrf/dorgqr conventions) with a fixed operation order, instead of
// Eigen's HouseholderQR, whose blocked and vectorized kernels round
// differently across SIMD widths and Eigen versions: the signed Q is unique,
// so both give the same matrix up to rounding, but only ours gives the same
// bits everywhere. Tests cross-check it against Eigen.
BadValue FillOrthogonal(FloatFormat f, double gain, uint64_t key, int64_t rows, int64_t cols, uint8_t* out) {
  const int64_t m = std::max(rows, cols), k = std::min(rows, cols);  // a is m x k, m >= k
  // Column-major storage of the row-major draw: a(i, j) = sample[i*k + j].
  std::vector<double> a(static_cast<size_t>(m * k));
  const Stream<true> stream{key};
  const int64_t total = m * k;
  for (int64_t s = 0; s < total; s += 2) {
    double z[2];
    stream.Normal(static_cast<uint64_t>(s / 2), z);
    for (int64_t t = s; t < std::min(total, s + 2); ++t) a[static_cast<size_t>((t % k) * m + t / k)] = z[t - s];
  }
  std::vector<double> tau(static_cast<size_t>(k)), diag(static_cast<size_t>(k));
  for (int64_t c = 0; c < k; ++c) {
    double* x = &a[static_cast<size_t>(c * m + c)];  // a(c.., c), length len
    const int64_t len = m - c;
    const double alpha = x[0];
    const double sigma = Dot(x + 1, x + 1, len - 1);
    if (sigma == 0) {
      tau[c] = 0;
      diag[c] = alpha;
      continue;
    }
    const double norm = std::sqrt(alpha * alpha + sigma);
    const double beta = alpha >= 0 ? -norm : norm;
    const double v0 = alpha - beta;
    for (int64_t i = 1; i < len; ++i) x[i] /= v0;  // v = (1, x[1:]/v0)
    tau[c] = (beta - alpha) / beta;
    diag[c] = beta;
    for (int64_t j = c + 1; j < k; ++j) {  // a(c.., j) = H a(c.., j)
      double* y = &a[static_cast<size_t>(j * m + c)];
      const double w = tau[c] * (y[0] + Dot(x + 1, y + 1, len - 1));
      y[0] -= w;
      Axpy(w, x + 1, y + 1, len - 1);
    }
  }
  // Q = H_0 H_1 ... H_{k-1} I[:, :k], applying the reflectors right to left.
  std::vector<double> q(static_cast<size_t>(m * k), 0.0);
  for (int64_t j = 0; j < k; ++j) q[static_cast<size_t>(j * m + j)] = 1.0;
  for (int64_t c = k - 1; c >= 0; --c) {
    if (tau[c] == 0) continue;
    const double* x = &a[static_cast<size_t>(c * m + c)];
    const int64_t len = m - c;
    for (int64_t j = c; j < k; ++j) {
      double* y = &q[static_cast<size_t>(j * m + c)];
      const double w = tau[c] * (y[0] + Dot(x + 1, y + 1, len - 1));
      y[0] -= w;
      Axpy(w, x + 1, y + 1, len - 1);
    }
  }
  const int size = FloatFormatSize(f);
  BadValue bad;
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      // Tall: out(i, j) = q(i, j) * sign(r_jj); wide: out = (q * sign)^T.
      const int64_t qi = rows >= cols ? i : j, qj = rows >= cols ? j : i;
      const double sign = diag[static_cast<size_t>(qj)] < 0 ? -1.0 : 1.0;
      const double v = q[static_cast<size_t>(qj * m + qi)] * sign * gain;
      const int64_t idx = i * cols + j;
      if (!StoreFloat(v, f, out + idx * size) && bad.index < 0) bad = {idx, v};
      if (!std::isfinite(v) && bad.index < 0) bad = {idx, v};
    }
  }
  return bad;
}

}  // namespace

std::optional<InitializerKind> ParseInitializerKind(std::string_view name) {
  for (const auto& kn : kKindNames) {
    if (kn.name == name) return kn.kind;
  }
  return std::nullopt;
}

std::string_view InitializerKindName(InitializerKind kind) {
  for (const auto& kn : kKindNames) {
    if (kn.kind == kind) return kn.name;
  }
  return "unknown";
}

// init_ops.py _compute_fans.
Fans ComputeFans(const Shape& shape) {
  Fans f;
  if (shape.empty()) return f;
  if (shape.size() == 1) {
    f.fan_in = f.fan_out = static_cast<double>(shape[0]);
  } else if (shape.size() == 2) {
    f.fan_in = static_cast<double>(shape[0]);
    f.fan_out = static_cast<double>(shape[1]);
  } else {
    double receptive = 1;
    for (size_t i = 0; i + 2 < shape.size(); ++i) receptive *= static_cast<double>(shape[i]);
    f.fan_in = static_cast<double>(shape[shape.size() - 2]) * receptive;
    f.fan_out = static_cast<double>(shape.back()) * receptive;
  }
  return f;
}

Result<ResolvedInitializer> ResolveInitializer(const InitializerSpec& spec, DataType dtype, const Shape& shape) {
  using D = ResolvedInitializer::Distribution;
  SURGEON_RETURN_IF_ERROR(NumElements(shape).status());
  const InitializerKind kind = spec.kind;
  const std::string pre = Prefix(kind);

  auto finite = [&](std::string_view param, double v) -> Status {
    if (std::isfinite(v)) return Status::OK();
    return Status::InvalidArgument(pre + ": " + std::string(param) + " must be finite, got " + FormatDouble(v));
  };

  switch (kind) {
    case InitializerKind::kZeros:
    case InitializerKind::kOnes:
    case InitializerKind::kConstant: {
      const double value = kind == InitializerKind::kZeros ? 0.0 : kind == InitializerKind::kOnes ? 1.0 : spec.value;
      SURGEON_RETURN_IF_ERROR(finite("value", value));
      SURGEON_RETURN_IF_ERROR(EncodeConstant(kind, value, dtype).status());
      return ResolvedInitializer{D::kConstant, value, 0.0};
    }
    default:
      break;
  }

  const auto format = FloatFormatOf(dtype);
  if (!format) {
    return Status::InvalidArgument(pre + " needs a floating-point dtype (float16, bfloat16, float32 or float64), got " +
                                   DataTypeShortName(dtype));
  }

  ResolvedInitializer r;
  // VarianceScaling(scale, mode, distribution), init_ops.py.
  auto variance_scaling = [&](double scale, std::string_view mode, std::string_view distribution)
      -> Result<ResolvedInitializer> {
    SURGEON_RETURN_IF_ERROR(finite("scale", scale));
    if (!(scale > 0)) return Status::InvalidArgument(pre + ": scale must be > 0, got " + FormatDouble(scale));
    const Fans fans = ComputeFans(shape);
    double n;
    if (mode == "fan_in") {
      n = fans.fan_in;
    } else if (mode == "fan_out") {
      n = fans.fan_out;
    } else if (mode == "fan_avg") {
      n = (fans.fan_in + fans.fan_out) / 2.0;
    } else {
      return Status::InvalidArgument(pre + ": mode must be fan_in, fan_out or fan_avg, got '" + std::string(mode) +
                                     "'");
    }
    const double s = scale / std::max(1.0, n);
    if (distribution == "truncated_normal" || distribution == "normal") {
      return ResolvedInitializer{D::kTruncatedNormal, 0.0, std::sqrt(s) / kTruncatedNormalStddev};
    }
    if (distribution == "untruncated_normal") return ResolvedInitializer{D::kNormal, 0.0, std::sqrt(s)};
    if (distribution == "uniform") {
      const double limit = std::sqrt(3.0 * s);
      return ResolvedInitializer{D::kUniform, -limit, limit};
    }
    return Status::InvalidArgument(
        pre + ": distribution must be truncated_normal, normal, untruncated_normal or uniform, got '" +
        std::string(distribution) + "'");
  };

  switch (kind) {
    case InitializerKind::kRandomNormal:
    case InitializerKind::kTruncatedNormal: {
      SURGEON_RETURN_IF_ERROR(finite("mean", spec.mean));
      SURGEON_RETURN_IF_ERROR(finite("stddev", spec.stddev));
      if (spec.stddev < 0) {
        return Status::InvalidArgument(pre + ": stddev must be >= 0, got " + FormatDouble(spec.stddev));
      }
      r = {kind == InitializerKind::kRandomNormal ? D::kNormal : D::kTruncatedNormal, spec.mean, spec.stddev};
      break;
    }
    case InitializerKind::kRandomUniform: {
      SURGEON_RETURN_IF_ERROR(finite("minval", spec.minval));
      SURGEON_RETURN_IF_ERROR(finite("maxval", spec.maxval));
      if (spec.maxval < spec.minval) {
        return Status::InvalidArgument(pre + ": minval must be <= maxval, got minval " + FormatDouble(spec.minval) +
                                       " and maxval " + FormatDouble(spec.maxval));
      }
      r = {D::kUniform, spec.minval, spec.maxval};
      break;
    }
    case InitializerKind::kGlorotUniform: {
      SURGEON_ASSIGN_OR_RETURN(r, variance_scaling(1.0, "fan_avg", "uniform"));
      break;
    }
    case InitializerKind::kGlorotNormal: {
      SURGEON_ASSIGN_OR_RETURN(r, variance_scaling(1.0, "fan_avg", "truncated_normal"));
      break;
    }
    case InitializerKind::kHeUniform: {
      SURGEON_ASSIGN_OR_RETURN(r, variance_scaling(2.0, "fan_in", "uniform"));
      break;
    }
    case InitializerKind::kHeNormal: {
      SURGEON_ASSIGN_OR_RETURN(r, variance_scaling(2.0, "fan_in", "truncated_normal"));
      break;
    }
    case InitializerKind::kLecunUniform: {
      SURGEON_ASSIGN_OR_RETURN(r, variance_scaling(1.0, "fan_in", "uniform"));
      break;
    }
    case InitializerKind::kLecunNormal: {
      SURGEON_ASSIGN_OR_RETURN(r, variance_scaling(1.0, "fan_in", "truncated_normal"));
      break;
    }
    case InitializerKind::kVarianceScaling: {
      SURGEON_ASSIGN_OR_RETURN(r, variance_scaling(spec.scale, spec.mode, spec.distribution));
      break;
    }
    case InitializerKind::kOrthogonal: {
      if (shape.size() < 2) {
        return Status::InvalidArgument(pre + " needs a tensor of rank >= 2, got shape " + ShapeToString(shape));
      }
      SURGEON_RETURN_IF_ERROR(finite("gain", spec.gain));
      r = {D::kOrthogonal, spec.gain, 0.0};
      break;
    }
    default:
      return Status::Internal(pre + ": unhandled initializer kind");
  }

  // The parameters themselves must be finite in the output dtype (the
  // samples are checked again when generated).
  auto fits = [&](std::string_view param, double v) -> Status {
    if (FitsFinite(v, *format)) return Status::OK();
    return Status::InvalidArgument(pre + ": " + std::string(param) + " " + FormatDouble(v) + " overflows " +
                                   DataTypeShortName(dtype) + " (largest finite " +
                                   FormatDouble(FloatFormatMax(*format)) + ")");
  };
  switch (r.distribution) {
    case D::kUniform:
      SURGEON_RETURN_IF_ERROR(fits("minval", r.a));
      SURGEON_RETURN_IF_ERROR(fits("maxval", r.b));
      break;
    case D::kNormal:
    case D::kTruncatedNormal:
      SURGEON_RETURN_IF_ERROR(fits("mean", r.a));
      SURGEON_RETURN_IF_ERROR(fits("stddev", r.b));
      break;
    case D::kOrthogonal:
      SURGEON_RETURN_IF_ERROR(fits("gain", r.a));
      break;
    case D::kConstant:
      break;
  }
  return r;
}

Result<std::vector<uint8_t>> GenerateInitialValue(const InitializerSpec& spec, DataType dtype, const Shape& shape,
                                                  uint64_t seed, std::string_view variable_name) {
  using D = ResolvedInitializer::Distribution;
  SURGEON_ASSIGN_OR_RETURN(const ResolvedInitializer r, ResolveInitializer(spec, dtype, shape));
  SURGEON_ASSIGN_OR_RETURN(const uint64_t nbytes, FixedTensorBytes(dtype, shape));
  SURGEON_ASSIGN_OR_RETURN(const int64_t n, NumElements(shape));

  if (r.distribution == D::kConstant) {
    SURGEON_ASSIGN_OR_RETURN(const std::vector<uint8_t> element, EncodeConstant(spec.kind, r.a, dtype));
    std::vector<uint8_t> out(static_cast<size_t>(nbytes), 0);
    if (std::any_of(element.begin(), element.end(), [](uint8_t b) { return b != 0; })) {
      for (size_t off = 0; off < out.size(); off += element.size()) {
        std::memcpy(out.data() + off, element.data(), element.size());
      }
    }
    return out;
  }

  const FloatFormat format = *FloatFormatOf(dtype);  // Resolve checked it
  std::vector<uint8_t> out(static_cast<size_t>(nbytes));
  const uint64_t key = random::StreamKey(seed, variable_name);
  BadValue bad;
  if (n > 0) {
    if (r.distribution == D::kOrthogonal) {
      int64_t rows = 1;
      for (size_t i = 0; i + 1 < shape.size(); ++i) rows *= shape[i];
      bad = FillOrthogonal(format, r.a, key, rows, shape.back(), out.data());
    } else {
      switch (format) {
        case FloatFormat::kF16: bad = FillRandom<FloatFormat::kF16>(r, key, n, out.data()); break;
        case FloatFormat::kBF16: bad = FillRandom<FloatFormat::kBF16>(r, key, n, out.data()); break;
        case FloatFormat::kF32: bad = FillRandom<FloatFormat::kF32>(r, key, n, out.data()); break;
        case FloatFormat::kF64: bad = FillRandom<FloatFormat::kF64>(r, key, n, out.data()); break;
      }
    }
  }
  if (bad.index >= 0) {
    return Status::DataLoss(std::string(variable_name) + ": " + Prefix(spec.kind) + " produced a value that is not finite in " +
                            DataTypeShortName(dtype) + " at element " + std::to_string(bad.index) + " (" +
                            FormatDouble(bad.value) + " before rounding); reduce the initializer's scale");
  }
  return out;
}

}  // namespace surgeon
