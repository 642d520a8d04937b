// The V1 reader on checkpoints the tests build with TF's layout
// (TensorSliceWriter: "" -> SavedTensorSlices.meta, EncodeTensorNameSlice keys
// -> SavedTensorSlices.data), covering every dtype the V1 writer supports,
// multi-slice tensors and corruption.
#include "surgeon/format/v1_reader.h"

#include <cstring>
#include <random>

#include "base/coding.h"
#include "format/tensor_slices.h"
#include "proto/saved_tensor_slice.pb.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/ordered_code.h"
#include "surgeon/format/string_tensor.h"
#include "surgeon/format/table.h"
#include "testing.h"
#include "v1_fixture.h"

namespace surgeon {
namespace {

using testing::V1Slice;
using testing::V1Tensor;

// Writes a V1 checkpoint file as TensorSliceWriter does.
std::string WriteV1(const std::vector<V1Tensor>& tensors, int producer = 1, int min_consumer = 0) {
  std::string path = testing::MakeTempDir("v1") + "/model.ckpt";
  testing::WriteFile(path, testing::EncodeV1Checkpoint(tensors, producer, min_consumer));
  return path;
}

using testing::Full;
using testing::LE;

std::unique_ptr<CheckpointReader> Open(const std::string& path) {
  auto r = OpenV1Checkpoint(path);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::vector<uint8_t> ReadBytes(const CheckpointReader& r, const std::string& key) {
  const TensorEntry* e = r.Find(key);
  REQUIRE(e != nullptr);
  auto d = r.Read(*e);
  INFO(d.status().ToString());
  REQUIRE(d.ok());
  ByteSpan b = d->bytes();
  if (e->dtype != DataType::kString) {  // Strings: TF's string checksum, checked by the callers.
    CHECK(d->masked_crc32c == crc32c::Mask(crc32c::Value(b.data(), b.size())));
  }
  return std::vector<uint8_t>(b.begin(), b.end());
}

using testing::ReadStatus;

}  // namespace

TEST_CASE("V1: every dtype the V1 writer supports reads as V2 layout", "[v1]") {
  std::vector<V1Tensor> ts;
  auto add = [&](std::string name, DataType dt, Shape shape, tensorflow::TensorProto p) {
    ts.push_back({name, dt, shape, {{Full(shape.size()), p}}});
  };
  tensorflow::TensorProto p;
  for (float f : {1.5f, -2.0f, 0.0f, 3.25f, 1e30f, -0.0f}) p.add_float_val(f);
  add("f32", DataType::kFloat, {2, 3}, p);
  p.Clear();
  for (double d : {1.0 / 3, -1e300}) p.add_double_val(d);
  add("f64", DataType::kDouble, {2}, p);
  p.Clear();
  for (int v : {0, -1, 2147483647, -2147483647 - 1}) p.add_int_val(v);
  add("i32", DataType::kInt32, {4}, p);
  add("qi32", DataType::kQint32, {4}, p);
  p.Clear();
  for (int v : {-32768, 32767, -1}) p.add_int_val(v);
  add("i16", DataType::kInt16, {3}, p);
  p.Clear();
  for (int v : {0, 65535, 258}) p.add_int_val(v);  // TF 2.21's Save writes uint16 as int_val
  add("u16", DataType::kUint16, {3}, p);
  p.Clear();
  for (int v : {-128, 127, -1}) p.add_int_val(v);
  add("i8", DataType::kInt8, {3}, p);
  add("qi8", DataType::kQint8, {3}, p);
  p.Clear();
  for (int v : {0, 255, 17}) p.add_int_val(v);
  add("u8", DataType::kUint8, {3}, p);
  add("qu8", DataType::kQuint8, {3}, p);
  p.Clear();
  for (int64_t v : {int64_t{-1}, int64_t{1} << 62, int64_t{12345}}) p.add_int64_val(v);
  add("i64", DataType::kInt64, {3}, p);
  p.Clear();
  p.add_int64_val(300);
  add("global_step", DataType::kInt64, {}, p);
  p.Clear();
  for (bool b : {true, false, true}) p.add_bool_val(b);
  add("b", DataType::kBool, {3}, p);
  p.Clear();
  for (float f : {1.0f, 2.0f, 3.0f, 4.0f}) p.add_scomplex_val(f);
  add("c64", DataType::kComplex64, {2}, p);
  p.Clear();
  for (double d : {1.0, 2.0}) p.add_dcomplex_val(d);
  add("c128", DataType::kComplex128, {1}, p);
  p.Clear();
  for (int h : {0x3c00, 0xffff, 0x8000}) p.add_half_val(h);
  add("f16", DataType::kHalf, {3}, p);
  p.Clear();
  for (std::string s : {std::string("ab"), std::string(), std::string("\0x\xff", 3)}) p.add_string_val(s);
  add("str", DataType::kString, {3}, p);
  p.Clear();
  add("empty", DataType::kFloat, {0, 4}, p);

  auto r = Open(WriteV1(ts));
  CHECK(r->format() == CheckpointFormat::kV1);
  REQUIRE(r->entries().size() == ts.size());
  for (size_t i = 1; i < r->entries().size(); ++i) CHECK(r->entries()[i - 1].key < r->entries()[i].key);
  const TensorEntry* f32 = testing::CheckV1Entry(*r, "f32", DataType::kFloat, {2, 3}, 24);
  CHECK(f32->slices.empty());

  CHECK(ReadBytes(*r, "f32") == LE(std::vector<float>{1.5f, -2.0f, 0.0f, 3.25f, 1e30f, -0.0f}));
  CHECK(ReadBytes(*r, "f64") == LE(std::vector<double>{1.0 / 3, -1e300}));
  CHECK(ReadBytes(*r, "i32") == LE(std::vector<int32_t>{0, -1, 2147483647, -2147483647 - 1}));
  CHECK(ReadBytes(*r, "qi32") == LE(std::vector<int32_t>{0, -1, 2147483647, -2147483647 - 1}));
  CHECK(ReadBytes(*r, "i16") == LE(std::vector<int16_t>{-32768, 32767, -1}));
  CHECK(ReadBytes(*r, "u16") == LE(std::vector<uint16_t>{0, 65535, 258}));
  CHECK(ReadBytes(*r, "i8") == LE(std::vector<int8_t>{-128, 127, -1}));
  CHECK(ReadBytes(*r, "qi8") == LE(std::vector<int8_t>{-128, 127, -1}));
  CHECK(ReadBytes(*r, "u8") == LE(std::vector<uint8_t>{0, 255, 17}));
  CHECK(ReadBytes(*r, "qu8") == LE(std::vector<uint8_t>{0, 255, 17}));
  CHECK(ReadBytes(*r, "i64") == LE(std::vector<int64_t>{-1, int64_t{1} << 62, 12345}));
  CHECK(ReadBytes(*r, "global_step") == LE(std::vector<int64_t>{300}));
  CHECK(ReadBytes(*r, "b") == LE(std::vector<uint8_t>{1, 0, 1}));
  CHECK(ReadBytes(*r, "c64") == LE(std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f}));
  CHECK(ReadBytes(*r, "c128") == LE(std::vector<double>{1.0, 2.0}));
  CHECK(ReadBytes(*r, "f16") == LE(std::vector<uint16_t>{0x3c00, 0xffff, 0x8000}));
  CHECK(ReadBytes(*r, "empty").empty());
  EncodedStringTensor want = EncodeStringTensor({"ab", "", std::string_view("\0x\xff", 3)});
  CHECK(ReadBytes(*r, "str") == want.bytes);
  const TensorEntry* str = r->Find("str");
  CHECK(r->Read(*str)->masked_crc32c == want.masked_crc32c);

  auto describe = r->Describe();
  REQUIRE_FALSE(describe.empty());
  CHECK(describe[0].first == "version");
  CHECK(describe[0].second == "producer 1, min_consumer 0");
}

TEST_CASE("V1: unpacked (non-packed) value fields are accepted", "[v1]") {
  // Two float_val entries as separate fixed32 fields (tag 0x2d) and two
  // int_val as separate varints (tag 0x38); proto parsers accept both forms.
  std::string f;
  for (float v : {1.0f, 2.0f}) {
    f.push_back(0x2d);
    f.append(reinterpret_cast<const char*>(&v), 4);
  }
  std::string i = "\x38\x05\x38\x7f";
  std::vector<V1Tensor> ts = {{"f", DataType::kFloat, {2}, {{Full(1), {}, f}}},
                              {"i", DataType::kInt32, {2}, {{Full(1), {}, i}}}};
  auto r = Open(WriteV1(ts));
  CHECK(ReadBytes(*r, "f") == LE(std::vector<float>{1.0f, 2.0f}));
  CHECK(ReadBytes(*r, "i") == LE(std::vector<int32_t>{5, 127}));
}

TEST_CASE("V1: tensors saved as several slices are assembled row-major", "[v1][slices]") {
  // A [4, 3] float tensor holding 0..11, saved as three slices: rows [0,1),
  // rows [1,4) x cols [0,2), rows [1,4) x cols [2,3).
  auto values = [](const TensorSlice& s, const Shape& full) {
    tensorflow::TensorProto p;
    Shape ss = SliceShape(s, full);
    int64_t r0 = s[0].length == -1 ? 0 : s[0].start, c0 = s[1].length == -1 ? 0 : s[1].start;
    for (int64_t r = 0; r < ss[0]; ++r)
      for (int64_t c = 0; c < ss[1]; ++c) p.add_float_val(static_cast<float>((r0 + r) * full[1] + c0 + c));
    return p;
  };
  Shape full = {4, 3};
  std::vector<TensorSlice> slices = {{{0, 1}, {0, -1}}, {{1, 3}, {0, 2}}, {{1, 3}, {2, 1}}};
  V1Tensor t{"w", DataType::kFloat, full, {}};
  for (const auto& s : slices) t.slices.push_back({s, values(s, full)});
  // The same for strings, split on the only dimension.
  V1Tensor st{"vocab", DataType::kString, {5}, {}};
  tensorflow::TensorProto a, b;
  for (std::string s : {"a", "bb"}) a.add_string_val(s);
  for (std::string s : {"ccc", "", "e"}) b.add_string_val(s);
  st.slices = {{{{2, 3}}, b}, {{{0, 2}}, a}};
  // And a 3-D int64 split on the middle dimension.
  V1Tensor it{"k", DataType::kInt64, {2, 4, 2}, {}};
  for (int part = 0; part < 2; ++part) {
    tensorflow::TensorProto p;
    for (int i = 0; i < 2; ++i)
      for (int j = part * 2; j < part * 2 + 2; ++j)
        for (int k = 0; k < 2; ++k) p.add_int64_val(i * 8 + j * 2 + k);
    it.slices.push_back({{{0, -1}, {part * 2, 2}, {0, -1}}, p});
  }
  auto r = Open(WriteV1({t, st, it}));
  const TensorEntry* e = r->Find("w");
  REQUIRE(e != nullptr);
  CHECK(e->slices == slices);
  std::vector<float> want(12);
  for (int i = 0; i < 12; ++i) want[i] = static_cast<float>(i);
  CHECK(ReadBytes(*r, "w") == LE(want));
  CHECK(ReadBytes(*r, "vocab") == EncodeStringTensor({"a", "bb", "ccc", "", "e"}).bytes);
  std::vector<int64_t> want64(16);
  for (int i = 0; i < 16; ++i) want64[i] = i;
  CHECK(ReadBytes(*r, "k") == LE(want64));
}

TEST_CASE("V1: corrupt files give DataLoss naming the file and tensor", "[v1][corruption]") {
  tensorflow::TensorProto p;
  for (int i = 0; i < 6; ++i) p.add_float_val(static_cast<float>(i));

  SECTION("flipped byte in a block") {
    std::string path = WriteV1({{"weights", DataType::kFloat, {6}, {{Full(1), p}}}});
    std::string bytes = testing::ReadFile(path);
    // Flip a byte in the data block (the first float value's record).
    size_t pos = bytes.find(std::string("\x00\x00\x80\x3f", 4));
    REQUIRE(pos != std::string::npos);
    bytes[pos + 2] ^= 0x01;
    testing::WriteFile(path, bytes);
    auto r = OpenV1Checkpoint(path);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kDataLoss);
    CHECK_THAT(r.status().message(), Catch::Contains(path));
    CHECK_THAT(r.status().message(), Catch::Contains("checksum"));
    CHECK_THAT(r.status().message(), Catch::Contains("metadata"));  // The only block also holds the meta.
  }
  SECTION("flipped byte in a block of its own: only that tensor fails, and is named") {
    // A record of 2 * 256 KiB or more starts a new block (TF's TableBuilder),
    // so "big" lies in block 1, between the meta's block and "z/after"'s.
    tensorflow::TensorProto big;
    for (int i = 0; i < 150000; ++i) big.add_float_val(static_cast<float>(i));
    std::string path = WriteV1({{"a/small", DataType::kFloat, {6}, {{Full(1), p}}},
                                {"big", DataType::kFloat, {150000}, {{Full(1), big}}},
                                {"z/after", DataType::kFloat, {6}, {{Full(1), p}}}});
    std::string bytes = testing::ReadFile(path);
    const float mid = 75000.0f;
    size_t pos = bytes.find(std::string(reinterpret_cast<const char*>(&mid), 4));
    REQUIRE(pos != std::string::npos);
    bytes[pos] ^= 0x01;
    testing::WriteFile(path, bytes);
    auto r = Open(path);
    REQUIRE(r->entries().size() == 3);
    CHECK(ReadBytes(*r, "a/small").size() == 24);
    CHECK(ReadBytes(*r, "z/after").size() == 24);
    Status s = ReadStatus(*r, "big");
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Catch::Contains(path + ": data block at offset "));
    CHECK_THAT(s.message(), Catch::Contains("checksum mismatch"));
    CHECK_THAT(s.message(), Catch::Contains("that block holds tensor 'big'"));
  }
  SECTION("element count does not match the shape") {
    auto r = Open(WriteV1({{"weights", DataType::kFloat, {7}, {{Full(1), p}}}}));
    Status s = ReadStatus(*r, "weights");
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Catch::Contains(r->path()));
    CHECK_THAT(s.message(), Catch::Contains("'weights'"));
    CHECK_THAT(s.message(), Catch::Contains("6 values"));
  }
  SECTION("varint count mismatch") {
    tensorflow::TensorProto q;
    q.add_int_val(1);
    auto r = Open(WriteV1({{"step", DataType::kInt32, {2}, {{Full(1), q}}}}));
    CHECK(ReadStatus(*r, "step").code() == StatusCode::kDataLoss);
  }
  SECTION("missing slice record") {
    V1Tensor t{"weights", DataType::kFloat, {6}, {{Full(1), p}}};
    t.slices[0].omit_record = true;
    auto r = Open(WriteV1({t}));
    Status s = ReadStatus(*r, "weights");
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Catch::Contains("'weights'"));
    CHECK_THAT(s.message(), Catch::Contains("missing"));
  }
  SECTION("slices that do not cover the tensor") {
    tensorflow::TensorProto q;
    for (int i = 0; i < 3; ++i) q.add_float_val(1);
    auto r = Open(WriteV1({{"w", DataType::kFloat, {6}, {{{{0, 3}}, q}}}}));
    Status s = ReadStatus(*r, "w");
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Catch::Contains("complete slices"));
  }
  SECTION("overlapping slices") {
    tensorflow::TensorProto q;
    for (int i = 0; i < 3; ++i) q.add_float_val(1);
    auto r = Open(WriteV1({{"w", DataType::kFloat, {4}, {{{{0, 3}}, q}, {{{1, 3}}, q}}}}));
    CHECK_THAT(ReadStatus(*r, "w").message(), Catch::Contains("overlap"));
  }
  SECTION("absurd shape is rejected at open, before any allocation") {
    auto r = OpenV1Checkpoint(WriteV1({{"huge", DataType::kFloat, {1 << 20, 1 << 20, 1 << 20}, {{Full(3), p}}}}));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kDataLoss);
    CHECK_THAT(r.status().message(), Catch::Contains("'huge'"));
    auto neg = OpenV1Checkpoint(WriteV1({{"neg", DataType::kFloat, {-3}, {}}}));
    CHECK(neg.status().code() == StatusCode::kDataLoss);
  }
  SECTION("slice extent outside the tensor") {
    auto r = OpenV1Checkpoint(WriteV1({{"w", DataType::kFloat, {6}, {{{{4, 6}}, p}}}}));
    CHECK(r.status().code() == StatusCode::kDataLoss);
  }
  SECTION("garbage value bytes") {
    V1Tensor t{"w", DataType::kFloat, {6}, {{Full(1), {}, std::string("\x2a\xff\xff\xff\xff\x0f", 6)}}};
    auto r = Open(WriteV1({t}));
    CHECK(ReadStatus(*r, "w").code() == StatusCode::kDataLoss);
  }
  SECTION("a tensor listed twice in the meta") {
    auto r = OpenV1Checkpoint(
        WriteV1({{"w", DataType::kFloat, {6}, {{Full(1), p}}}, {"w", DataType::kFloat, {6}, {{Full(1), p}}}}));
    CHECK(r.status().code() == StatusCode::kDataLoss);
    CHECK_THAT(r.status().message(), Catch::Contains("twice"));
  }
  SECTION("a newer format version") {
    auto r = OpenV1Checkpoint(WriteV1({}, 5, 3));
    CHECK(r.status().code() == StatusCode::kFailedPrecondition);
  }
  SECTION("dtype the V1 format cannot hold") {
    auto r = Open(WriteV1({{"bf", DataType::kBfloat16, {2}, {{Full(1), p}}}}));
    CHECK(ReadStatus(*r, "bf").code() == StatusCode::kUnimplemented);
  }
  SECTION("a V2 index is not a V1 file") {
    TableBuilder table;
    REQUIRE(table.Add("", std::string("\x08\x01\x1a\x02\x08\x01", 6)).ok());
    std::string path = testing::MakeTempDir("v1") + "/x.index";
    testing::WriteFile(path, table.Finish());
    auto r = OpenV1Checkpoint(path);
    CHECK(r.status().code() == StatusCode::kDataLoss);
    CHECK_THAT(r.status().message(), Catch::Contains("V2"));
  }
}

TEST_CASE("V1: a large float tensor is read without decoding element by element", "[v1]") {
  tensorflow::TensorProto p;
  const int n = 1 << 20;
  p.mutable_float_val()->Resize(n, 0.0f);
  for (int i = 0; i < n; ++i) p.set_float_val(i, static_cast<float>(i) * 0.5f);
  auto r = Open(WriteV1({{"big", DataType::kFloat, {1024, 1024}, {{Full(2), p}}}}));
  auto bytes = ReadBytes(*r, "big");
  REQUIRE(bytes.size() == 4u * n);
  float last;
  std::memcpy(&last, bytes.data() + 4u * (n - 1), 4);
  CHECK(last == static_cast<float>(n - 1) * 0.5f);
}

}  // namespace surgeon

namespace surgeon {

TEST_CASE("V1: mutated records never crash the decoder", "[v1][corruption]") {
  // Valid table CRCs around corrupt SavedTensorSlices values: every mutation
  // must give OK or an error, never a crash or an out-of-bounds read.
  tensorflow::TensorProto f, i, s;
  for (int k = 0; k < 12; ++k) f.add_float_val(static_cast<float>(k));
  for (int k = 0; k < 12; ++k) i.add_int_val(k - 6);
  for (int k = 0; k < 3; ++k) s.add_string_val(std::string(static_cast<size_t>(k), 'x'));
  std::vector<V1Tensor> base = {{"f", DataType::kFloat, {3, 4}, {{Full(2), f}}},
                                {"i", DataType::kInt8, {12}, {{Full(1), i}}},
                                {"s", DataType::kString, {3}, {{Full(1), s}}}};
  std::mt19937 rng(7);
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<V1Tensor> ts = base;
    for (auto& t : ts) {
      std::string raw = t.slices[0].data.SerializeAsString();
      int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits && !raw.empty(); ++e) {
        switch (rng() % 3) {
          case 0: raw[rng() % raw.size()] = static_cast<char>(rng()); break;
          case 1: raw.resize(rng() % raw.size()); break;
          default: raw.insert(rng() % raw.size(), 1, static_cast<char>(rng())); break;
        }
      }
      t.slices[0].raw_data = raw.empty() ? std::string("\x00", 1) : raw;
    }
    auto r = OpenV1Checkpoint(WriteV1(ts));
    REQUIRE(r.ok());
    for (const auto& e : (*r)->entries()) {
      auto d = (*r)->Read(e);
      if (!d.ok()) CHECK(d.status().code() == StatusCode::kDataLoss);
      if (d.ok() && e.dtype != DataType::kString) CHECK(d->bytes().size() == e.size);
    }
  }
}

}  // namespace surgeon
