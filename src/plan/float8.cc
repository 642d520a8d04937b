#include "plan/float8.h"

#include <cmath>
#include <limits>

namespace surgeon {

namespace {

struct Float8Dtype {
  DataType dtype;
  Float8Format format;
};
constexpr Float8Dtype kFloat8Dtypes[] = {
    {DataType::kFloat8E5m2, {2, 15, Float8Format::kIeee}},
    {DataType::kFloat8E4m3fn, {3, 7, Float8Format::kFn}},
    {DataType::kFloat8E4m3fnuz, {3, 8, Float8Format::kFnuz}},
    {DataType::kFloat8E4m3b11fnuz, {3, 11, Float8Format::kFnuz}},
    {DataType::kFloat8E5m2fnuz, {2, 16, Float8Format::kFnuz}},
};

}  // namespace

std::optional<Float8Format> Float8FormatOf(DataType dt) {
  for (const Float8Dtype& f : kFloat8Dtypes) {
    if (f.dtype == dt) return f.format;
  }
  return std::nullopt;
}

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

}  // namespace surgeon
