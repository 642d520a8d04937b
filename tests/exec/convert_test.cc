// `convert` of V2 sources with partitioned tensors: slices stay slices, in
// the source's data order, so a single-shard source is rewritten byte for
// byte (as tests/tf checks against TensorFlow-written checkpoints).
#include "surgeon/exec/convert.h"

#include <cstring>
#include <filesystem>

#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "testing.h"

namespace surgeon {
namespace {

std::vector<uint8_t> Floats(std::initializer_list<float> v) {
  std::vector<uint8_t> out(v.size() * 4);
  std::memcpy(out.data(), std::data(v), out.size());
  return out;
}

ByteSpan Span(const std::vector<uint8_t>& v) { return ByteSpan(v.data(), v.size()); }

// A bundle laid out as TF's SaveV2 writes one: data in call order, here a
// whole tensor, then "w"'s slices in reverse order, then another tensor.
std::string WritePartitioned(const std::string& dir) {
  const std::string prefix = dir + "/src/model.ckpt";
  StagedOutput out;
  auto w = BundleWriter::Create(&out, prefix);
  REQUIRE(w.ok());
  REQUIRE((*w)->Add("z/last_in_keys", DataType::kFloat, {2}, Span(Floats({1, 2}))).ok());
  REQUIRE((*w)->AddSlice("w", DataType::kFloat, {3, 2}, {{2, 1}, {0, -1}}, Span(Floats({5, 6}))).ok());
  REQUIRE((*w)->AddSlice("w", DataType::kFloat, {3, 2}, {{0, 2}, {0, -1}}, Span(Floats({1, 2, 3, 4}))).ok());
  REQUIRE((*w)->Add("a/first_in_keys", DataType::kFloat, {1}, Span(Floats({7}))).ok());
  REQUIRE((*w)->Finish().ok());
  REQUIRE(out.Commit().ok());
  return prefix;
}

}  // namespace

TEST_CASE("convert: a single-shard V2 source with partitioned tensors comes out byte for byte", "[convert][slices]") {
  const std::string dir = testing::MakeTempDir("convert_slices");
  const std::string src = WritePartitioned(dir);
  const std::string dst = dir + "/out/model.ckpt";
  auto r = ConvertCheckpoint(src, dst, OutputFormat::kTfCheckpoint, 0, OutputOptions{});
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->tensors == 3);
  CHECK(testing::ReadFile(IndexFilename(dst)) == testing::ReadFile(IndexFilename(src)));
  CHECK(testing::ReadFile(DataFilename(dst, 0, 1)) == testing::ReadFile(DataFilename(src, 0, 1)));

  auto out = BundleReader::Open(dst);
  REQUIRE(out.ok());
  const TensorEntry* w = (*out)->Find("w");
  REQUIRE(w != nullptr);
  CHECK(w->slices.size() == 2);
  auto data = (*out)->Read(*w);
  REQUIRE(data.ok());
  CHECK(std::vector<uint8_t>(data->bytes().begin(), data->bytes().end()) == Floats({1, 2, 3, 4, 5, 6}));
}

TEST_CASE("convert: a partitioned tensor whose slices leave a gap is refused, naming it", "[convert][slices]") {
  const std::string dir = testing::MakeTempDir("convert_gap");
  const std::string src = dir + "/src/model.ckpt";
  {
    StagedOutput out;
    auto w = BundleWriter::Create(&out, src);
    REQUIRE(w.ok());
    REQUIRE((*w)->AddSlice("gap", DataType::kFloat, {4}, {{0, 2}}, Span(Floats({1, 2}))).ok());
    REQUIRE((*w)->Finish().ok());
    REQUIRE(out.Commit().ok());
  }
  auto r = ConvertCheckpoint(src, dir + "/out/model.ckpt", OutputFormat::kTfCheckpoint, 0, OutputOptions{});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(r.status().message(), Catch::Contains("tensor 'gap'"));
  CHECK_FALSE(std::filesystem::exists(IndexFilename(dir + "/out/model.ckpt")));
}

}  // namespace surgeon
