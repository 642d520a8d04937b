#include "surgeon/base/byte_size.h"

#include "testing.h"

namespace surgeon {
namespace {

TEST_CASE("ParseByteSize: whole bytes, decimal and binary units, exactly", "[base][size]") {
  CHECK(ParseByteSize("0") == uint64_t{0});
  CHECK(ParseByteSize("4096") == uint64_t{4096});
  CHECK(ParseByteSize("1B") == uint64_t{1});
  CHECK(ParseByteSize("1kB") == uint64_t{1000});
  CHECK(ParseByteSize("1KB") == uint64_t{1000});
  CHECK(ParseByteSize("500MB") == uint64_t{500'000'000});
  CHECK(ParseByteSize("500 MB") == uint64_t{500'000'000});
  CHECK(ParseByteSize("2GB") == uint64_t{2'000'000'000});
  CHECK(ParseByteSize("3TB") == uint64_t{3'000'000'000'000});
  CHECK(ParseByteSize("1KiB") == uint64_t{1024});
  CHECK(ParseByteSize("2GiB") == uint64_t{1} << 31);
  CHECK(ParseByteSize("1TiB") == uint64_t{1} << 40);
  // Decimals are exact (no binary floating point): 0.3 MB is 300,000 bytes.
  CHECK(ParseByteSize("0.3MB") == uint64_t{300'000});
  CHECK(ParseByteSize("1.5 GiB") == uint64_t{1'610'612'736});
  CHECK(ParseByteSize("0.001kB") == uint64_t{1});
  CHECK(ParseByteSize("0.0001kB") == uint64_t{0});  // rounded down
  CHECK(ParseByteSize("9223372036854775808") == uint64_t{1} << 63);
  CHECK(ParseByteSize("8388608TiB") == uint64_t{1} << 63);
}

TEST_CASE("ParseByteSize: anything else is refused", "[base][size]") {
  for (const char* bad : {"",
                          " ",
                          "GiB",
                          "1.5",
                          "-1",
                          "+1",
                          " 1GiB",
                          "1GiB ",
                          "1  GiB",
                          "1gib",
                          "1 G",
                          "1.GiB",
                          ".5GiB",
                          "1e9",
                          "1,000",
                          "0x10",
                          "9223372036854775809",
                          "8388609TiB",
                          "99999999999999999999999999999999TiB",
                          "1.0000000000000000001GiB"}) {
    INFO("'" << bad << "'");
    CHECK(!ParseByteSize(bad).has_value());
  }
}

}  // namespace
}  // namespace surgeon
