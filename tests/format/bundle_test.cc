// The V2 writer and reader on tensors the tests make themselves: the docs/formats.md §7
// test vectors, every dtype, scalars, zero-sized dims, strings, corruption.
#include "surgeon/format/bundle.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "fixture.h"
#include "format/bundle_entry_codec.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/ordered_code.h"
#include "surgeon/format/string_tensor.h"
#include "testing.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;

std::string Hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

using Tensor = testing::FixtureTensor;
using testing::PatternBytes;

std::string WriteBundle(const std::vector<Tensor>& tensors) {
  return testing::WriteFixture(testing::MakeTempDir("bundle") + "/ckpt", tensors);
}

}  // namespace

TEST_CASE("The 1-tensor checkpoint of docs/formats.md 7.1, byte for byte", "[bundle]") {
  float values[2] = {1.0f, 2.0f};
  std::vector<uint8_t> bytes(8);
  std::memcpy(bytes.data(), values, 8);
  std::string prefix = WriteBundle({{"v", DataType::kFloat, {2}, bytes}});
  CHECK(Hex(testing::ReadFile(DataFilename(prefix, 0, 1))) == "0000803f00000040");
  std::string index = testing::ReadFile(IndexFilename(prefix));
  REQUIRE(index.size() == 121);
  CHECK(Hex(index.substr(0, 36)) ==
        "000006080"
        "11a020801"
        "00010f76080112041202080228083559"
        "3ce535"
        "0000000001000000");
  CHECK(Hex(index.substr(54, 19)) == "0001027700240000000001000000009460b2cd");
  CHECK(Hex(index.substr(73, 4)) == "2908360e");
  CHECK(Hex(index.substr(113)) == "57fb808b247547db");
}

TEST_CASE("String tensor layout of docs/formats.md 7.2", "[bundle][string]") {
  auto enc = EncodeStringTensor({"ab", ""});
  CHECK(Hex(std::string(enc.bytes.begin(), enc.bytes.end())) == "020078270b346162");
  CHECK(enc.masked_crc32c == 0x4db08891u);
  uint32_t crc = 0;
  auto dec = DecodeStringTensor(ByteSpan(enc.bytes.data(), enc.bytes.size()), 2, &crc);
  REQUIRE(dec.ok());
  CHECK((*dec)[0] == "ab");
  CHECK((*dec)[1] == "");
  CHECK(crc == enc.masked_crc32c);
}

TEST_CASE("Every fixed-size dtype, scalars and zero-sized dims round-trip", "[bundle]") {
  std::vector<Tensor> tensors;
  const DataType all[] = {DataType::kFloat, DataType::kDouble, DataType::kInt32, DataType::kUint8, DataType::kInt16,
                          DataType::kInt8, DataType::kComplex64, DataType::kInt64, DataType::kBool, DataType::kQint8,
                          DataType::kQuint8, DataType::kQint32, DataType::kBfloat16, DataType::kQint16,
                          DataType::kQuint16, DataType::kUint16, DataType::kComplex128, DataType::kHalf,
                          DataType::kUint32, DataType::kUint64,
                          // TF 2.21 writes these narrow types one element per byte.
                          DataType::kFloat8E5m2, DataType::kFloat8E4m3fn, DataType::kFloat8E4m3fnuz,
                          DataType::kFloat8E4m3b11fnuz, DataType::kFloat8E5m2fnuz, DataType::kInt4, DataType::kUint4,
                          DataType::kInt2, DataType::kUint2, DataType::kFloat4E2m1fn};
  uint8_t seed = 1;
  for (DataType dt : all) {
    std::string name = DataTypeShortName(dt);
    tensors.push_back({name + "/matrix", dt, {3, 5}, PatternBytes(15 * DataTypeSize(dt), seed++)});
    tensors.push_back({name + "/scalar", dt, {}, PatternBytes(DataTypeSize(dt), seed++)});
    tensors.push_back({name + "/empty", dt, {0, 1618}, {}});
  }
  auto strings = EncodeStringTensor({"hello", "", std::string(300, 'x')});
  tensors.push_back({"strings", DataType::kString, {3}, strings.bytes});
  std::string prefix = WriteBundle(tensors);
  auto reader = BundleReader::Open(prefix);
  REQUIRE(reader.ok());
  REQUIRE((*reader)->entries().size() == tensors.size());
  for (const auto& t : tensors) {
    INFO(t.key);
    const TensorEntry* e = (*reader)->Find(t.key);
    REQUIRE(e != nullptr);
    CHECK(e->dtype == t.dtype);
    CHECK(e->shape == t.shape);
    auto data = (*reader)->Read(*e);
    REQUIRE(data.ok());
    CHECK(std::vector<uint8_t>(data->bytes().begin(), data->bytes().end()) == t.bytes);
  }
}

TEST_CASE("Writer rejects bad input with clear messages", "[bundle]") {
  std::string prefix = testing::MakeTempDir("bad") + "/ckpt";
  StagedOutput out;
  auto w = BundleWriter::Create(&out, prefix);
  REQUIRE(w.ok());
  std::vector<uint8_t> four(4);
  CHECK((*w)->Add("", DataType::kFloat, {1}, ByteSpan(four.data(), 4)).code() == StatusCode::kInvalidArgument);
  CHECK((*w)->Add("x", DataType::kFloat, {2}, ByteSpan(four.data(), 4)).message() ==
        "tensor 'x': 4 bytes given for DT_FLOAT [2], which needs 8");
  REQUIRE((*w)->Add("x", DataType::kFloat, {1}, ByteSpan(four.data(), 4)).ok());
  CHECK((*w)->Add("x", DataType::kFloat, {1}, ByteSpan(four.data(), 4)).code() == StatusCode::kInvalidArgument);
  CHECK((*w)->Add("v", DataType::kVariant, {1}, ByteSpan(four.data(), 4)).code() == StatusCode::kUnimplemented);
}

namespace {

// A PieceSource giving pieces of `sizes` bytes of `bytes`, then the end.
TensorWriter::PieceSource PiecesOf(const std::vector<uint8_t>& bytes, std::vector<size_t> sizes) {
  return [&bytes, sizes, i = size_t{0}, at = size_t{0}]() mutable -> Result<ByteSpan> {
    if (i == sizes.size()) return ByteSpan();
    const ByteSpan piece(bytes.data() + at, sizes[i]);
    at += sizes[i++];
    return piece;
  };
}

}  // namespace

TEST_CASE("AddPieces refuses pieces that do not add up to the tensor, naming it", "[bundle]") {
  const std::vector<uint8_t> bytes = PatternBytes(4 * 1000, 7);
  StagedOutput out;
  auto w = BundleWriter::Create(&out, testing::MakeTempDir("pieces") + "/ckpt");
  REQUIRE(w.ok());
  REQUIRE((*w)->AddPieces("empty", DataType::kFloat, {0, 3}, PiecesOf(bytes, {})).ok());
  CHECK((*w)->AddPieces("short", DataType::kFloat, {10, 100}, PiecesOf(bytes, {64, 3000})).message() ==
        "tensor 'short': 3064 bytes given for DT_FLOAT [10, 100], which needs 4000");
  CHECK((*w)->AddPieces("long", DataType::kFloat, {10, 10}, PiecesOf(bytes, {64, 3000})).message() ==
        "tensor 'long': at least 3064 bytes given for DT_FLOAT [10, 10], which needs 400");
  CHECK((*w)->AddPieces("s", DataType::kString, {1}, PiecesOf(bytes, {8})).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("AddPieces: the read-back tensor is the pieces' concatenation, its stored CRC that of the whole",
          "[bundle]") {
  const std::vector<uint8_t> bytes = PatternBytes(4 * 1000, 9);
  const std::string prefix = testing::MakeTempDir("pieces_rt") + "/ckpt";
  {
    StagedOutput out;
    auto w = BundleWriter::Create(&out, prefix);
    REQUIRE(w.ok());
    REQUIRE((*w)->AddPieces("w", DataType::kFloat, {1000}, PiecesOf(bytes, {64, 3000, 936})).ok());
    REQUIRE((*w)->Finish().ok());
    REQUIRE(out.Commit().ok());
  }
  auto reader = BundleReader::Open(prefix);
  REQUIRE(reader.ok());
  const TensorEntry* e = (*reader)->Find("w");
  REQUIRE(e != nullptr);
  CHECK(e->masked_crc32c == crc32c::Mask(crc32c::Value(bytes.data(), bytes.size())));
  auto data = (*reader)->Read(*e);  // checks the CRC
  REQUIRE(data.ok());
  CHECK(std::vector<uint8_t>(data->bytes().begin(), data->bytes().end()) == bytes);
}

TEST_CASE("An abandoned write leaves no files behind", "[bundle][atomic]") {
  std::string dir = testing::MakeTempDir("abandon");
  {
    StagedOutput out;
    auto w = BundleWriter::Create(&out, dir + "/ckpt");
    REQUIRE(w.ok());
    std::vector<uint8_t> four(4);
    REQUIRE((*w)->Add("x", DataType::kFloat, {1}, ByteSpan(four.data(), 4)).ok());
    REQUIRE((*w)->Finish().ok());
    // No Commit(): the destructor must remove the temporaries.
  }
  CHECK(fs::is_empty(dir));
}

TEST_CASE("Corrupt index files give DataLoss naming the file", "[bundle][corruption]") {
  std::vector<uint8_t> bytes = PatternBytes(64, 7);
  std::string prefix =
      WriteBundle({{"a", DataType::kFloat, {4, 4}, bytes}, {"b", DataType::kInt8, {3}, PatternBytes(3, 1)}});
  const std::string index_path = IndexFilename(prefix);
  const std::string original = testing::ReadFile(index_path);
  SECTION("every single-byte flip is detected or harmless") {
    for (size_t i = 0; i < original.size(); ++i) {
      std::string bad = original;
      bad[i] ^= 0x01;
      testing::WriteFile(index_path, bad);
      auto r = BundleReader::Open(prefix);
      if (r.ok()) {
        // Only the footer's zero padding is not covered by a checksum.
        CHECK(i >= original.size() - 48);
      } else {
        CHECK_THAT(r.status().message(), Catch::Contains(index_path));
      }
    }
  }
  SECTION("truncation") {
    for (size_t len : {size_t{0}, size_t{10}, original.size() / 2, original.size() - 1}) {
      testing::WriteFile(index_path, original.substr(0, len));
      auto r = BundleReader::Open(prefix);
      CHECK(r.status().code() == StatusCode::kDataLoss);
      CHECK_THAT(r.status().message(), Catch::Contains(index_path));
    }
  }
  SECTION("bad magic") {
    std::string bad = original;
    bad[bad.size() - 1] = 0;
    testing::WriteFile(index_path, bad);
    CHECK(BundleReader::Open(prefix).status().message() ==
          index_path + ": not an SSTable (bad magic number): truncated, or not a TF checkpoint file");
  }
  SECTION("missing shard") {
    fs::remove(DataFilename(prefix, 0, 1));
    auto r = BundleReader::Open(prefix);
    CHECK(r.status().code() == StatusCode::kNotFound);
    CHECK_THAT(r.status().message(), Catch::Contains("data shard 0 of 1 is missing"));
  }
  SECTION("truncated data file") {
    testing::WriteFile(DataFilename(prefix, 0, 1), std::string(10, 'x'));
    auto r = BundleReader::Open(prefix);
    CHECK(r.status().code() == StatusCode::kDataLoss);
    CHECK_THAT(r.status().message(), Catch::Contains("lie outside"));
  }
}

TEST_CASE("Messages name tensors readably: UTF-8 kept, other bytes escaped, slice keys decoded", "[bundle]") {
  CHECK(PrintableKey("dense/kernel") == "dense/kernel");
  const std::string utf8 =
      "\xc3\xbc"
      "n\xc3\xaf"
      "c\xc3\xb6"
      "d\xc3\xa9/\xe5\x90\x8d\xe5\x89\x8d";  // "ünïcödé/名前"
  CHECK(PrintableKey(utf8) == utf8);
  CHECK(PrintableKey(std::string("a\0b\n", 4)) == "a\\x00b\\x0a");
  CHECK(PrintableKey("\xff\xc3") == "\\xff\\xc3");           // stray byte, truncated sequence
  CHECK(PrintableKey("\xc0\xaf") == "\\xc0\\xaf");           // overlong '/'
  CHECK(PrintableKey("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // surrogate
  CHECK(PrintableKey("\xc2\x85") == "\\xc2\\x85");           // C1 control
  CHECK(TensorLabel("w") == "tensor 'w'");
  CHECK(TensorLabel(EncodeTensorNameSlice("emb", {{0, 4}, {0, -1}})) == "tensor 'emb', slice 0,4:-");
}

}  // namespace surgeon
