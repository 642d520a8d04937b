// WritableFile::AppendCopy (copy_file_range, and the write() fallback it
// takes where the kernel refuses) and BackgroundChecksums, the two halves of
// the verified kernel copy in exec/copy.cc.
#include <string>

#include "surgeon/base/background_checksums.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/base/file.h"
#include "testing.h"

namespace surgeon {
namespace {

std::string Bytes(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 7;
  for (char& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 16);
  }
  return s;
}

}  // namespace

TEST_CASE("AppendCopy: kernel and fallback copies append exactly the range, after buffered bytes", "[base][copy]") {
  const std::string dir = testing::MakeTempDir("append-copy");
  const std::string src_bytes = Bytes((9 << 20) + 123);  // Not a multiple of the fallback's 2 MB piece.
  testing::WriteFile(dir + "/src", src_bytes);
  auto src = MappedFile::Open(dir + "/src");
  REQUIRE(src.ok());
  const MappedRange range{src->get(), 17, src_bytes.size() - 17 - 5};
  for (CopyPath path : {CopyPath::kKernel, CopyPath::kUserSpace}) {
    const std::string out_path = dir + (path == CopyPath::kKernel ? "/kernel" : "/fallback");
    auto out = WritableFile::Create(out_path);
    REQUIRE(out.ok());
    REQUIRE((*out)->Append(std::string_view("head")).ok());  // Buffered: must land before the copy.
    Status s = (*out)->AppendCopy(range, path);
    INFO(s.ToString());
    REQUIRE(s.ok());
    REQUIRE((*out)->Append(std::string_view("tail")).ok());
    CHECK((*out)->size() == 8 + range.size);
    REQUIRE((*out)->Close().ok());
    CHECK(testing::ReadFile(out_path) == "head" + src_bytes.substr(17, range.size) + "tail");
  }
}

TEST_CASE("BackgroundChecksums: the CRC32C of each range, in order", "[base][copy]") {
  const std::string dir = testing::MakeTempDir("bg-crc");
  const std::string bytes = Bytes((11 << 20) + 9);
  testing::WriteFile(dir + "/f", bytes);
  auto f = MappedFile::Open(dir + "/f");
  REQUIRE(f.ok());
  const std::vector<MappedRange> ranges = {{f->get(), 0, 5},
                                           {f->get(), 5, (9 << 20) + 1},
                                           {f->get(), (9 << 20) + 6, 0},
                                           {f->get(), (9 << 20) + 6, (2 << 20) + 3}};
  BackgroundChecksums crcs(ranges);
  const std::vector<uint32_t>& got = crcs.Wait();
  REQUIRE(got.size() == ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    INFO(i);
    CHECK(got[i] == crc32c::Value(bytes.data() + ranges[i].offset, ranges[i].size));
  }
  // Destroying without Wait() joins (an error path abandons the result).
  { BackgroundChecksums abandoned(ranges); }
}

}  // namespace surgeon
