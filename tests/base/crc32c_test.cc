#include "surgeon/base/crc32c.h"

#include <string>

#include "testing.h"

namespace surgeon {

TEST_CASE("crc32c matches the standard check value and TF's mask") {
  const std::string s = "123456789";
  CHECK(crc32c::Value(s.data(), s.size()) == 0xe3069283u);
  CHECK(crc32c::Value("", 0) == 0u);
  CHECK(crc32c::Mask(0) == 0xa282ead8u);
  CHECK(crc32c::Mask(0xe3069283u) == 0xc78ab0e5u);
  CHECK(crc32c::Unmask(0xc78ab0e5u) == 0xe3069283u);
}

TEST_CASE("crc32c Extend continues a finished crc") {
  const std::string a = "hello, ", b = "world";
  const std::string ab = a + b;
  CHECK(crc32c::Extend(crc32c::Value(a.data(), a.size()), b.data(), b.size()) == crc32c::Value(ab.data(), ab.size()));
}

TEST_CASE("crc32c of the 1-tensor example in docs/formats.md 7.1") {
  const unsigned char data[] = {0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40};
  CHECK(crc32c::Value(data, sizeof data) == 0x28c0c9b1u);
  CHECK(crc32c::Mask(0x28c0c9b1u) == 0x35e53c59u);
}

}  // namespace surgeon
