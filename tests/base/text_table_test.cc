#include "surgeon/base/text_table.h"

#include "testing.h"

namespace surgeon {
namespace {

TEST_CASE("HumanBytes: binary units at their thresholds", "[base][text]") {
  CHECK(HumanBytes(0) == "0 B");
  CHECK(HumanBytes(1023) == "1023 B");
  CHECK(HumanBytes(1024) == "1.0 KiB");
  CHECK(HumanBytes(160 * 1024) == "160.0 KiB");
  CHECK(HumanBytes(uint64_t{32} << 20) == "32.0 MiB");
  CHECK(HumanBytes((uint64_t{1} << 30) - 1) == "1024.0 MiB");
  CHECK(HumanBytes(uint64_t{1385} << 20) == "1.35 GiB");
  CHECK(HumanBytes(UINT64_MAX) == "17179869184.00 GiB");
}

TEST_CASE("RenderColumns: widest cell sets the column, numbers right-aligned, no trailing blanks", "[base][text]") {
  const std::string out = RenderColumns({{"NAME", "DTYPE", "SIZE", "TRAINABLE"},
                                         {"a", "DT_COMPLEX128", "3 B", ""},
                                         {"longer/name", "DT_FLOAT", "12.0 KiB", "yes"}},
                                        {2});
  CHECK(out ==
        "NAME         DTYPE              SIZE  TRAINABLE\n"
        "a            DT_COMPLEX128       3 B\n"
        "longer/name  DT_FLOAT       12.0 KiB  yes\n");
  CHECK(RenderColumns({}) == "");
  CHECK(RenderColumns({{"x"}, {"", "y"}}) == "x\n   y\n");
}

}  // namespace
}  // namespace surgeon
