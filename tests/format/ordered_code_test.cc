// OrderedCode and EncodeTensorNameSlice against docs/formats.md §4.2 and the
// examples in TF's ordered_code.cc comments.
#include "surgeon/format/ordered_code.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>

#include "testing.h"

namespace surgeon {
namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

std::string Signed(int64_t v) {
  std::string s;
  ordered_code::WriteSignedNumIncreasing(&s, v);
  return s;
}

std::string Unsigned(uint64_t v) {
  std::string s;
  ordered_code::WriteNumIncreasing(&s, v);
  return s;
}

}  // namespace

TEST_CASE("WriteNumIncreasing: length byte then big-endian bytes", "[ordered_code]") {
  CHECK(Unsigned(0) == Bytes({0x00}));
  CHECK(Unsigned(4) == Bytes({0x01, 0x04}));
  CHECK(Unsigned(300) == Bytes({0x02, 0x01, 0x2c}));
  CHECK(Unsigned(0x0100) == Bytes({0x02, 0x01, 0x00}));
  CHECK(Unsigned(~0ull) == Bytes({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  for (uint64_t v : {0ull, 1ull, 255ull, 256ull, 65535ull, 1ull << 40, ~0ull}) {
    std::string s = Unsigned(v);
    std::string_view in = s;
    uint64_t back = 7;
    REQUIRE(ordered_code::ReadNumIncreasing(&in, &back));
    CHECK(back == v);
    CHECK(in.empty());
  }
}

TEST_CASE("WriteString escapes 00 and ff and appends 00 01", "[ordered_code]") {
  std::string s;
  ordered_code::WriteString(&s, std::string("a\0b\xff", 4));
  CHECK(s == Bytes({'a', 0x00, 0xff, 'b', 0xff, 0x00, 0x00, 0x01}));
  // ordered_code.cc: F("foo") = foo\0\1, F("") = \0\1.
  s.clear();
  ordered_code::WriteString(&s, "foo");
  CHECK(s == Bytes({'f', 'o', 'o', 0x00, 0x01}));
  s.clear();
  ordered_code::WriteString(&s, "");
  CHECK(s == Bytes({0x00, 0x01}));
  // x = \x00\x13\xff -> F(x) = \x00\xff\x13\xff\x00\x00\x01 (ordered_code.cc comment).
  s.clear();
  ordered_code::WriteString(&s, std::string("\x00\x13\xff", 3));
  CHECK(s == Bytes({0x00, 0xff, 0x13, 0xff, 0x00, 0x00, 0x01}));
  std::string_view in = s;
  std::string back;
  REQUIRE(ordered_code::ReadString(&in, &back));
  CHECK(back == std::string("\x00\x13\xff", 3));
  CHECK(in.empty());
  // Malformed: no terminator, bad escapes.
  for (std::string bad : {Bytes({'a'}), Bytes({'a', 0x00}), Bytes({0x00, 0x02}), Bytes({0xff, 0xff, 0x00, 0x01})}) {
    std::string_view b = bad;
    CHECK_FALSE(ordered_code::ReadString(&b, &back));
  }
}

TEST_CASE("WriteSignedNumIncreasing: one-byte range and known vectors", "[ordered_code]") {
  CHECK(Signed(0) == Bytes({0x80}));
  CHECK(Signed(5) == Bytes({0x85}));
  CHECK(Signed(-1) == Bytes({0x7f}));
  CHECK(Signed(20) == Bytes({0x94}));
  CHECK(Signed(63) == Bytes({0xbf}));
  CHECK(Signed(-64) == Bytes({0x40}));
}

TEST_CASE("WriteSignedNumIncreasing: multi-byte values per ordered_code.cc tables", "[ordered_code]") {
  // 2 bytes cover [-2^13, 2^13).
  CHECK(Signed(64) == Bytes({0xc0, 0x40}));
  CHECK(Signed(-65) == Bytes({0x3f, 0xbf}));
  CHECK(Signed(100) == Bytes({0xc0, 0x64}));
  CHECK(Signed(4096) == Bytes({0xd0, 0x00}));
  CHECK(Signed(8191) == Bytes({0xdf, 0xff}));
  CHECK(Signed(-8192) == Bytes({0x20, 0x00}));
  // ordered_code.cc comment, example 2: -0x800 -> 0x3800.
  CHECK(Signed(-0x800) == Bytes({0x38, 0x00}));
  // 3 bytes from 2^13.
  CHECK(Signed(8192) == Bytes({0xe0, 0x20, 0x00}));
  // ordered_code.cc comment, example 1: 0x424242 -> 0xf0424242.
  CHECK(Signed(0x424242) == Bytes({0xf0, 0x42, 0x42, 0x42}));
  // 8 bytes cover [-2^55, 2^55); 2^55 needs 9 (header ff 80).
  CHECK(Signed((1ll << 55) - 1) == Bytes({0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  CHECK(Signed(1ll << 55) == Bytes({0xff, 0x80, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
  // 10 bytes for the extremes (header ff c0 / 00 3f).
  CHECK(Signed(std::numeric_limits<int64_t>::max()) ==
        Bytes({0xff, 0xc0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  CHECK(Signed(std::numeric_limits<int64_t>::min()) ==
        Bytes({0x00, 0x3f, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
}

TEST_CASE("Signed encoding round-trips and preserves order", "[ordered_code]") {
  std::vector<int64_t> values = {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), 0, -1, 1};
  for (int b = 0; b < 63; ++b) {
    for (int64_t d : {-1, 0, 1}) {
      values.push_back((int64_t{1} << b) + d);
      values.push_back(-(int64_t{1} << b) + d);
    }
  }
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) values.push_back(static_cast<int64_t>(rng()) >> (rng() % 64));
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::string prev;
  for (size_t i = 0; i < values.size(); ++i) {
    INFO("value " << values[i]);
    std::string s = Signed(values[i]);
    CHECK(s.size() <= 10);
    if (i > 0) CHECK(prev < s);  // Bytewise, as the SSTable sorts keys.
    std::string_view in = s;
    int64_t back = 0;
    REQUIRE(ordered_code::ReadSignedNumIncreasing(&in, &back));
    CHECK(back == values[i]);
    CHECK(in.empty());
    prev = s;
  }
  // Truncated input is rejected, not over-read.
  std::string s = Signed(std::numeric_limits<int64_t>::max());
  for (size_t n = 0; n < s.size(); ++n) {
    std::string_view in(s.data(), n);
    int64_t v;
    CHECK_FALSE(ordered_code::ReadSignedNumIncreasing(&in, &v));
  }
}

TEST_CASE("EncodeTensorNameSlice: docs/formats.md §4.2 examples", "[ordered_code][slices]") {
  CHECK(EncodeTensorNameSlice("vgg_16/fc8/biases", {{0, -1}}) ==
        Bytes({0x00}) + "vgg_16/fc8/biases" + Bytes({0x00, 0x01, 0x01, 0x01, 0x80, 0x7f}));
  CHECK(EncodeTensorNameSlice("global_step", {}) == Bytes({0x00}) + "global_step" + Bytes({0x00, 0x01, 0x00}));
  // A partitioned variable's first part: rows [0, 20) of a [100, 100] tensor.
  CHECK(EncodeTensorNameSlice("w", {{0, 20}, {0, -1}}) ==
        Bytes({0x00, 'w', 0x00, 0x01, 0x01, 0x02, 0x80, 0x94, 0x80, 0x7f}));
  // Rows [100, 200): start 100 takes two bytes.
  CHECK(EncodeTensorNameSlice("w", {{100, 100}, {0, -1}}) ==
        Bytes({0x00, 'w', 0x00, 0x01, 0x01, 0x02, 0xc0, 0x64, 0xc0, 0x64, 0x80, 0x7f}));
  // Slice keys sort after "" and before any printable name.
  CHECK(std::string() < EncodeTensorNameSlice("zzz", {{0, -1}}));
  CHECK(EncodeTensorNameSlice("zzz", {{0, -1}}) < std::string("\x01"));
}

TEST_CASE("DecodeTensorNameSlice inverts EncodeTensorNameSlice", "[ordered_code][slices]") {
  TensorSlice s = {{0, -1}, {300, 4000}, {5, 1}};
  std::string name("odd\0name\xff/part_0", 16);
  auto d = DecodeTensorNameSlice(EncodeTensorNameSlice(name, s));
  REQUIRE(d.ok());
  CHECK(d->name == name);
  CHECK(d->slice == s);
  // TF rejects rank 0 when decoding.
  CHECK(DecodeTensorNameSlice(EncodeTensorNameSlice("x", {})).status().code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(DecodeTensorNameSlice("plain_name").ok());
  std::string k = EncodeTensorNameSlice("w", {{0, 20}});
  CHECK_FALSE(DecodeTensorNameSlice(k.substr(0, k.size() - 1)).ok());
  CHECK_FALSE(DecodeTensorNameSlice(k + "x").ok());
}

}  // namespace surgeon
