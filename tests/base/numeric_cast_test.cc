#include "surgeon/base/numeric_cast.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "surgeon/base/half.h"
#include "testing.h"

namespace surgeon {
namespace {

std::vector<uint8_t> Bytes(const std::vector<float>& v) {
  std::vector<uint8_t> out(v.size() * 4);
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

}  // namespace

TEST_CASE("float32 -> float16 on known bit patterns") {
  CHECK(FloatToHalfBits(1.0f) == 0x3c00);
  CHECK(FloatToHalfBits(-2.0f) == 0xc000);
  CHECK(FloatToHalfBits(0.0f) == 0x0000);
  CHECK(FloatToHalfBits(-0.0f) == 0x8000);
  CHECK(FloatToHalfBits(65504.0f) == 0x7bff);    // largest finite
  CHECK(FloatToHalfBits(65519.996f) == 0x7bff);  // just below the midpoint
  CHECK(FloatToHalfBits(65520.0f) == 0x7c00);    // midpoint ties to even = inf
  CHECK(FloatToHalfBits(-65520.0f) == 0xfc00);
  CHECK(FloatToHalfBits(std::ldexp(1.0f, -14)) == 0x0400);     // smallest normal
  CHECK(FloatToHalfBits(std::ldexp(1.0f, -24)) == 0x0001);     // smallest subnormal
  CHECK(FloatToHalfBits(std::ldexp(1023.0f, -24)) == 0x03ff);  // largest subnormal
  CHECK(FloatToHalfBits(std::ldexp(1.0f, -25)) == 0x0000);     // tie between 0 and 2^-24 -> even (0)
  CHECK(FloatToHalfBits(std::ldexp(1.5f, -25)) == 0x0001);
  CHECK(FloatToHalfBits(std::ldexp(3.0f, -25)) == 0x0002);         // tie 1.5 ulp -> even (2)
  CHECK(FloatToHalfBits(std::ldexp(2047.0f, -25)) == 0x0400);      // rounds up into the smallest normal
  CHECK(FloatToHalfBits(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);  // tie -> even
  CHECK(FloatToHalfBits(1.0f + std::ldexp(3.0f, -11)) == 0x3c02);  // tie -> even (up)
  CHECK(FloatToHalfBits(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)) == 0x3c01);
  CHECK(FloatToHalfBits(std::numeric_limits<float>::infinity()) == 0x7c00);
  CHECK(FloatToHalfBits(-std::numeric_limits<float>::infinity()) == 0xfc00);
  CHECK(FloatToHalfBits(std::numeric_limits<float>::denorm_min()) == 0x0000);
  const uint16_t nan = FloatToHalfBits(std::numeric_limits<float>::quiet_NaN());
  CHECK((nan & 0x7c00) == 0x7c00);
  CHECK((nan & 0x03ff) != 0);
  // A signaling NaN whose payload is only in the low bits must stay NaN.
  CHECK((FloatToHalfBits(std::bit_cast<float>(0x7f800001u)) & 0x03ff) != 0);
}

TEST_CASE("float16 -> float32 is exact and every half round-trips") {
  CHECK(HalfBitsToFloat(0x3c00) == 1.0f);
  CHECK(HalfBitsToFloat(0x7bff) == 65504.0f);
  CHECK(HalfBitsToFloat(0x0001) == std::ldexp(1.0f, -24));
  CHECK(HalfBitsToFloat(0x03ff) == std::ldexp(1023.0f, -24));
  CHECK(std::isinf(HalfBitsToFloat(0x7c00)));
  CHECK(std::isnan(HalfBitsToFloat(0x7e00)));
  CHECK(std::signbit(HalfBitsToFloat(0x8000)));
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = HalfBitsToFloat(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      CHECK(std::isnan(HalfBitsToFloat(FloatToHalfBits(f))));
    } else if (FloatToHalfBits(f) != h) {
      FAIL("half 0x" << std::hex << h << " does not round-trip");
    }
  }
}

TEST_CASE("float32 -> float16 rounds every midpoint to even and everything else to nearest") {
  // For each pair of adjacent finite halves, the midpoint (exact in float32)
  // goes to the one with the even bit pattern; points a quarter of the way
  // go to the nearer one.
  for (uint32_t h = 0; h < 0x7bff; ++h) {
    const float lo = HalfBitsToFloat(static_cast<uint16_t>(h));
    const float hi = HalfBitsToFloat(static_cast<uint16_t>(h + 1));
    const float mid = lo + (hi - lo) / 2;
    const uint16_t even = (h % 2 == 0) ? h : h + 1;
    if (FloatToHalfBits(mid) != even || FloatToHalfBits(-mid) != (even | 0x8000) ||
        FloatToHalfBits(lo + (hi - lo) / 4) != h || FloatToHalfBits(hi - (hi - lo) / 4) != h + 1) {
      FAIL("rounding between halves 0x" << std::hex << h << " and 0x" << h + 1);
    }
  }
}

TEST_CASE("bfloat16 conversions round to nearest even, as TF") {
  CHECK(FloatToBfloat16Bits(1.0f) == 0x3f80);
  CHECK(FloatToBfloat16Bits(-1.0f) == 0xbf80);
  CHECK(FloatToBfloat16Bits(std::bit_cast<float>(0x3f808000u)) == 0x3f80);  // tie -> even (down)
  CHECK(FloatToBfloat16Bits(std::bit_cast<float>(0x3f818000u)) == 0x3f82);  // tie -> even (up)
  CHECK(FloatToBfloat16Bits(std::bit_cast<float>(0x3f808001u)) == 0x3f81);  // above the tie
  CHECK(FloatToBfloat16Bits(std::bit_cast<float>(0x3f807fffu)) == 0x3f80);
  CHECK(FloatToBfloat16Bits(std::bit_cast<float>(0x7f7f7fffu)) == 0x7f7f);  // rounds to largest finite
  CHECK(FloatToBfloat16Bits(std::numeric_limits<float>::max()) == 0x7f80);  // overflows to inf
  CHECK(FloatToBfloat16Bits(std::numeric_limits<float>::infinity()) == 0x7f80);
  CHECK(FloatToBfloat16Bits(std::numeric_limits<float>::quiet_NaN()) == 0x7fc0);
  CHECK(FloatToBfloat16Bits(-std::numeric_limits<float>::quiet_NaN()) == 0xffc0);
  CHECK(FloatToBfloat16Bits(std::bit_cast<float>(0x7f800001u)) == 0x7fc0);  // sNaN stays NaN
  CHECK(FloatToBfloat16Bits(std::numeric_limits<float>::denorm_min()) == 0x0000);
  CHECK(FloatToBfloat16Bits(std::bit_cast<float>(0x00018000u)) == 0x0002);  // subnormal tie -> even
  CHECK(Bfloat16BitsToFloat(0x3f80) == 1.0f);
  CHECK(Bfloat16BitsToFloat(0x0001) == std::bit_cast<float>(0x00010000u));
  for (uint32_t b = 0; b < 0x10000; ++b) {
    const float f = Bfloat16BitsToFloat(static_cast<uint16_t>(b));
    if (!std::isnan(f) && FloatToBfloat16Bits(f) != b) FAIL("bfloat16 0x" << std::hex << b << " does not round-trip");
  }
}

TEST_CASE("float64 -> float16/bfloat16 is correctly rounded (no double rounding through float32)") {
  // 1 + 2^-11 + 2^-40: just above the half tie; via a round-to-nearest
  // float32 it would become the exact tie and round down to 1.0.
  CHECK(DoubleToHalfBits(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40)) == 0x3c01);
  CHECK(DoubleToHalfBits(1.0 + std::ldexp(1.0, -11)) == 0x3c00);
  CHECK(DoubleToHalfBits(1.0 + std::ldexp(1.0, -11) - std::ldexp(1.0, -40)) == 0x3c00);
  CHECK(DoubleToBfloat16Bits(1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -40)) == 0x3f81);
  CHECK(DoubleToBfloat16Bits(1.0 + std::ldexp(1.0, -8)) == 0x3f80);
  CHECK(DoubleToHalfBits(65519.99999999) == 0x7bff);
  CHECK(DoubleToHalfBits(65520.0) == 0x7c00);
  CHECK(DoubleToHalfBits(1e300) == 0x7c00);
  CHECK(DoubleToHalfBits(std::ldexp(1.0, -25) + std::ldexp(1.0, -70)) == 0x0001);
  CHECK(DoubleToHalfBits(1e-300) == 0x0000);
  CHECK(DoubleToBfloat16Bits(1e300) == 0x7f80);
  CHECK(DoubleToBfloat16Bits(-1e300) == 0xff80);
  CHECK(DoubleToBfloat16Bits(std::numeric_limits<double>::quiet_NaN()) == 0x7fc0);
}

TEST_CASE("StoreFloat / LoadFloat / FitsFinite") {
  uint8_t buf[8];
  CHECK(StoreFloat(1.0, FloatFormat::kF16, buf));
  CHECK((buf[0] == 0x00 && buf[1] == 0x3c));  // little-endian
  CHECK(LoadFloat(buf, FloatFormat::kF16) == 1.0);
  CHECK_FALSE(StoreFloat(70000, FloatFormat::kF16, buf));
  CHECK(StoreFloat(std::numeric_limits<double>::infinity(), FloatFormat::kF16, buf));  // inf stays inf: not an overflow
  CHECK_FALSE(StoreFloat(1e39, FloatFormat::kF32, buf));
  CHECK(StoreFloat(3e38, FloatFormat::kBF16, buf));          // bfloat16 has (almost) float32's range
  CHECK_FALSE(StoreFloat(3.4e38, FloatFormat::kBF16, buf));  // above bfloat16's max + half ulp
  CHECK(StoreFloat(3.4e38, FloatFormat::kF32, buf));
  CHECK(FitsFinite(65504, FloatFormat::kF16));
  CHECK_FALSE(FitsFinite(65520, FloatFormat::kF16));
  CHECK_FALSE(FitsFinite(std::numeric_limits<double>::quiet_NaN(), FloatFormat::kF64));
  CHECK(FloatFormatMax(FloatFormat::kBF16) == 3.3895313892515355e38);
  CHECK(FormatDouble(300) == "300");
  CHECK(FormatDouble(0.1) == "0.1");
  CHECK(FormatDouble(1e39) == "1e+39");
  CHECK(FormatDouble(100000) == "100000");
  CHECK(FormatDouble(0) == "0");
  CHECK(FormatDouble(1e-5) == "1e-05");
  CHECK(FormatDouble(9.3e18) == "9.3e+18");
  CHECK(FormatDouble(-std::numeric_limits<double>::infinity()) == "-inf");
}

TEST_CASE("CastTensorBytes converts and reports the first overflowing element") {
  const auto src = Bytes({1.0f, -2.5f, 65504.0f, std::numeric_limits<float>::infinity()});
  auto half = CastTensorBytes(src, FloatFormat::kF32, FloatFormat::kF16, "fc8/weights");
  REQUIRE(half.ok());
  CHECK(*half == std::vector<uint8_t>{0x00, 0x3c, 0x00, 0xc1, 0xff, 0x7b, 0x00, 0x7c});
  auto back = CastTensorBytes(*half, FloatFormat::kF16, FloatFormat::kF32, "fc8/weights");
  REQUIRE(back.ok());
  CHECK(*back == src);

  const auto bad = Bytes({1.0f, 70000.0f, 80000.0f});
  auto r = CastTensorBytes(bad, FloatFormat::kF32, FloatFormat::kF16, "fc8/weights");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(r.status().message() == "fc8/weights: element 1 (value 70000) overflows float16 (largest finite 65504)");

  std::vector<uint8_t> d(8);
  const double big = 1e300;
  std::memcpy(d.data(), &big, 8);
  auto r2 = CastTensorBytes(d, FloatFormat::kF64, FloatFormat::kF32, "x");
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.status().message() ==
        "x: element 0 (value 1e+300) overflows float32 (largest finite 3.4028234663852886e+38)");

  auto r3 = CastTensorBytes(ByteSpan(src.data(), 6), FloatFormat::kF32, FloatFormat::kF64, "y");
  REQUIRE_FALSE(r3.ok());
  CHECK(r3.status().message() == "y: 6 bytes is not a whole number of float32 elements");

  auto same = CastTensorBytes(src, FloatFormat::kF32, FloatFormat::kF32, "z");
  REQUIRE(same.ok());
  CHECK(*same == src);

  auto bf = CastTensorBytes(src, FloatFormat::kF32, FloatFormat::kBF16, "z");
  REQUIRE(bf.ok());
  CHECK(*bf == std::vector<uint8_t>{0x80, 0x3f, 0x20, 0xc0, 0x80, 0x47, 0x80, 0x7f});
}

}  // namespace surgeon
