// Sharded V1 checkpoints, as tf.train.Saver(sharded=True, write_version=V1)
// writes them: one TensorSliceWriter file per device, "<base>-00000-of-0000N",
// named together by the pattern "<base>-?????-of-0000N". The reader must load
// every file's meta, merge tensors across files (a partitioned variable's
// slices may live in different files) and read each slice from its own file;
// every way of naming the checkpoint must give the same tensors.
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "format/tensor_slices.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/string_tensor.h"
#include "surgeon/format/v1_reader.h"
#include "testing.h"
#include "v1_fixture.h"

namespace surgeon {
namespace {

using testing::V1Slice;
using testing::V1Tensor;

using testing::Full;
using testing::LE;

using testing::Floats;
tensorflow::TensorProto Int64s(const std::vector<int64_t>& v) {
  tensorflow::TensorProto p;
  for (int64_t x : v) p.add_int64_val(x);
  return p;
}

using testing::ShardName;
std::string Pattern(const std::string& dir, const std::string& base, int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf,
                "-?????"
                "-of-%05d",
                n);
  return dir + "/" + base + buf;
}

// Writes shards[k] as "<dir>/model.ckpt-<k>-of-<N>"; returns dir.
std::string WriteShards(const std::vector<std::vector<V1Tensor>>& shards, const std::string& tag = "v1sharded") {
  std::string dir = testing::MakeTempDir(tag);
  for (size_t k = 0; k < shards.size(); ++k) {
    testing::WriteFile(ShardName(dir, "model.ckpt", static_cast<int>(k), static_cast<int>(shards.size())),
                       testing::EncodeV1Checkpoint(shards[k]));
  }
  return dir;
}

std::unique_ptr<CheckpointReader> OpenV1(const std::string& path) {
  auto r = OpenV1Checkpoint(path);
  INFO(path << ": " << r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::unique_ptr<CheckpointReader> OpenAny(const std::string& path) {
  auto r = OpenCheckpoint(path);
  INFO(path << ": " << r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::vector<uint8_t> ReadBytes(const CheckpointReader& r, const std::string& key) {
  const TensorEntry* e = r.Find(key);
  INFO("tensor " << key);
  REQUIRE(e != nullptr);
  auto d = r.Read(*e);
  INFO(d.status().ToString());
  REQUIRE(d.ok());
  ByteSpan b = d->bytes();
  if (e->dtype != DataType::kString) CHECK(d->masked_crc32c == crc32c::Mask(crc32c::Value(b.data(), b.size())));
  return std::vector<uint8_t>(b.begin(), b.end());
}

using testing::ReadStatus;

std::string DescribeValue(const CheckpointReader& r, const std::string& key) {
  for (const auto& [k, v] : r.Describe()) {
    if (k == key) return v;
  }
  return "<absent>";
}

// Entries and every tensor's bytes, for comparing two readers.
void CheckSameCheckpoint(const CheckpointReader& a, const CheckpointReader& b) {
  REQUIRE(a.entries().size() == b.entries().size());
  for (size_t i = 0; i < a.entries().size(); ++i) {
    const TensorEntry& x = a.entries()[i];
    const TensorEntry& y = b.entries()[i];
    INFO("tensor " << x.key);
    CHECK(x.key == y.key);
    CHECK(x.dtype == y.dtype);
    CHECK(x.shape == y.shape);
    CHECK(x.size == y.size);
    CHECK(x.slices == y.slices);
    CHECK(ReadBytes(a, x.key) == ReadBytes(b, y.key));
  }
}

// Two shards: a partitioned "w" (rows 0-1 in shard 0, rows 2-3 in shard 1)
// plus whole tensors on each.
std::vector<std::vector<V1Tensor>> TwoShards() {
  tensorflow::TensorProto s;
  s.add_string_val("ab");
  s.add_string_val("");
  return {
      {{"global_step", DataType::kInt64, {}, {{Full(0), Int64s({300})}}},
       {"w", DataType::kFloat, {4, 3}, {{{{0, 2}, {0, -1}}, Floats({0, 1, 2, 3, 4, 5})}}}},
      {{"b", DataType::kFloat, {3}, {{Full(1), Floats({0.5f, -1.5f, 2.5f})}}},
       {"names", DataType::kString, {2}, {{Full(1), s}}},
       {"w", DataType::kFloat, {4, 3}, {{{{2, 2}, {0, -1}}, Floats({6, 7, 8, 9, 10, 11})}}}},
  };
}

}  // namespace

TEST_CASE("V1 sharded: tensors spread over 2 shards read as one checkpoint", "[v1][sharded]") {
  const std::string dir = WriteShards(TwoShards());
  auto r = OpenV1(Pattern(dir, "model.ckpt", 2));
  CHECK(r->format() == CheckpointFormat::kV1);
  CHECK(r->path() == Pattern(dir, "model.ckpt", 2));
  REQUIRE(r->entries().size() == 4);
  CHECK(r->entries()[0].key == "b");
  CHECK(r->entries()[1].key == "global_step");
  CHECK(r->entries()[2].key == "names");
  CHECK(r->entries()[3].key == "w");

  CHECK(ReadBytes(*r, "global_step") == LE(std::vector<int64_t>{300}));
  CHECK(ReadBytes(*r, "b") == LE(std::vector<float>{0.5f, -1.5f, 2.5f}));
  CHECK(ReadBytes(*r, "names") == EncodeStringTensor({"ab", ""}).bytes);

  // The partitioned tensor: listed once, full shape, both slices, assembled
  // byte for byte.
  const TensorEntry* w = testing::CheckV1Entry(*r, "w", DataType::kFloat, {4, 3}, 48);
  REQUIRE(w->slices.size() == 2);
  CHECK(SliceToString(w->slices[0]) == "0,2:-");
  CHECK(SliceToString(w->slices[1]) == "2,2:-");
  CHECK(ReadBytes(*r, "w") == LE(std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));

  CHECK(DescribeValue(*r, "num_files") == "2");
  CHECK(DescribeValue(*r, "version") == "producer 1, min_consumer 0");
}

TEST_CASE("V1 sharded: 3 shards, a tensor partitioned by columns over all of them", "[v1][sharded]") {
  // "emb" [2, 6]: columns 0-1 in shard 0, 2-3 in shard 1, 4-5 in shard 2, so
  // every slice lands in non-contiguous runs of the full tensor.
  // "steps" int64 [4]: varint-decoded, halves in shards 2 and 0.
  std::vector<std::vector<V1Tensor>> shards = {
      {{"emb", DataType::kFloat, {2, 6}, {{{{0, -1}, {0, 2}}, Floats({0, 1, 6, 7})}}},
       {"steps", DataType::kInt64, {4}, {{{{2, 2}}, Int64s({-3, int64_t{1} << 40})}}},
       {"a", DataType::kInt32, {1}, {}}},
      {{"emb", DataType::kFloat, {2, 6}, {{{{0, -1}, {2, 2}}, Floats({2, 3, 8, 9})}}},
       {"z", DataType::kDouble, {2}, {{Full(1), {}}}}},
      {{"emb", DataType::kFloat, {2, 6}, {{{{0, -1}, {4, 2}}, Floats({4, 5, 10, 11})}}},
       {"steps", DataType::kInt64, {4}, {{{{0, 2}}, Int64s({7, 8})}}}},
  };
  shards[0][2].slices.push_back({Full(1), {}});
  shards[0][2].slices[0].data.add_int_val(-9);
  shards[1][1].slices[0].data.add_double_val(1.0 / 3);
  shards[1][1].slices[0].data.add_double_val(-2.0);
  const std::string dir = WriteShards(shards);
  auto r = OpenV1(Pattern(dir, "model.ckpt", 3));
  REQUIRE(r->entries().size() == 4);
  CHECK(DescribeValue(*r, "num_files") == "3");
  CHECK(ReadBytes(*r, "a") == LE(std::vector<int32_t>{-9}));
  CHECK(ReadBytes(*r, "z") == LE(std::vector<double>{1.0 / 3, -2.0}));
  const TensorEntry* emb = r->Find("emb");
  REQUIRE(emb != nullptr);
  CHECK(emb->shape == Shape{2, 6});
  CHECK(emb->slices.size() == 3);
  CHECK(ReadBytes(*r, "emb") == LE(std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  const TensorEntry* steps = r->Find("steps");
  REQUIRE(steps != nullptr);
  CHECK(steps->slices.size() == 2);
  CHECK(ReadBytes(*r, "steps") == LE(std::vector<int64_t>{7, 8, -3, int64_t{1} << 40}));
}

TEST_CASE("V1 sharded: pattern, shard file, base name and state file open the same checkpoint", "[v1][sharded]") {
  const std::string dir = WriteShards(TwoShards());
  const std::string pattern = Pattern(dir, "model.ckpt", 2);
  testing::WriteFile(dir + "/model.ckpt.meta", "not read by these tests");
  testing::WriteFile(dir + "/checkpoint",
                     "model_checkpoint_path: \"model.ckpt-?????"
                     "-of-00002\"\n"
                     "all_model_checkpoint_paths: \"model.ckpt-?????"
                     "-of-00002\"\n");
  auto by_pattern = OpenV1(pattern);

  SECTION("every spelling resolves to the pattern, with <base>.meta") {
    for (const std::string& p : {pattern, ShardName(dir, "model.ckpt", 0, 2), ShardName(dir, "model.ckpt", 1, 2),
                                 dir + "/model.ckpt", dir + "/model.ckpt.meta", dir, dir + "/"}) {
      INFO(p);
      auto loc = ResolveCheckpoint(p);
      INFO(loc.status().ToString());
      REQUIRE(loc.ok());
      CHECK(loc->format == CheckpointFormat::kV1);
      CHECK(loc->prefix == pattern);
      CHECK(loc->meta_graph == dir + "/model.ckpt.meta");
      CHECK(loc->note.empty());
    }
  }
  SECTION("a shard file given to the V1 reader stands for all shards") {
    auto r = OpenV1(ShardName(dir, "model.ckpt", 1, 2));
    CHECK(DescribeValue(*r, "num_files") == "2");
    CheckSameCheckpoint(*by_pattern, *r);
  }
  SECTION("OpenCheckpoint by pattern, shard file, base and directory") {
    for (const std::string& p : {pattern, ShardName(dir, "model.ckpt", 0, 2), dir + "/model.ckpt", dir}) {
      INFO(p);
      auto r = OpenAny(p);
      CHECK(r->format() == CheckpointFormat::kV1);
      CheckSameCheckpoint(*by_pattern, *r);
    }
  }
  SECTION("a directory without a state file, with or without the .meta") {
    std::filesystem::remove(dir + "/checkpoint");
    auto with_meta = ResolveCheckpoint(dir);
    INFO(with_meta.status().ToString());
    REQUIRE(with_meta.ok());
    CHECK(with_meta->prefix == pattern);
    std::filesystem::remove(dir + "/model.ckpt.meta");
    auto bare = ResolveCheckpoint(dir);
    INFO(bare.status().ToString());
    REQUIRE(bare.ok());
    CHECK(bare->prefix == pattern);
    CHECK(bare->meta_graph.empty());
  }
  SECTION("a V2 index at the base still wins") {
    testing::WriteFile(dir + "/model.ckpt.index", "");
    auto loc = ResolveCheckpoint(dir + "/model.ckpt");
    REQUIRE(loc.ok());
    CHECK(loc->format == CheckpointFormat::kV2);
    CHECK(loc->prefix == dir + "/model.ckpt");
  }
}

TEST_CASE("V1 sharded: file names that only look sharded", "[v1][sharded]") {
  const std::string dir = testing::MakeTempDir("v1sharded");
  const std::string bytes = testing::EncodeV1Checkpoint({{"x", DataType::kFloat, {1}, {{Full(1), Floats({4})}}}});
  SECTION("one shard of one is just that file") {
    const std::string f = ShardName(dir, "model.ckpt", 0, 1);
    testing::WriteFile(f, bytes);
    auto r = OpenV1(f);
    CHECK(DescribeValue(*r, "num_files") == "1");
    CHECK(ReadBytes(*r, "x") == LE(std::vector<float>{4}));
    auto loc = ResolveCheckpoint(f);
    REQUIRE(loc.ok());
    CHECK(loc->format == CheckpointFormat::kV1);
    CHECK_FALSE(V1CheckpointFiles(loc->prefix).value().empty());
  }
  SECTION("a shard number past the shard count is a plain name") {
    const std::string f = ShardName(dir, "model.ckpt", 3, 2);
    testing::WriteFile(f, bytes);
    CHECK(V1ShardPattern(f).empty());
    auto r = OpenV1(f);
    CHECK(DescribeValue(*r, "num_files") == "1");
    auto loc = ResolveCheckpoint(f);
    REQUIRE(loc.ok());
    CHECK(loc->prefix == f);
  }
  SECTION("a single V1 file keeps num_files 1 and its own path") {
    const std::string f = dir + "/vgg_16.ckpt";
    testing::WriteFile(f, bytes);
    auto r = OpenV1(f);
    CHECK(r->path() == f);
    CHECK(DescribeValue(*r, "num_files") == "1");
  }
}

TEST_CASE("V1 sharded: a missing shard is NotFound naming it", "[v1][sharded][corruption]") {
  auto shards = TwoShards();
  shards.push_back({{"c", DataType::kFloat, {1}, {{Full(1), Floats({1})}}}});
  const std::string dir = WriteShards(shards);
  const std::string missing = ShardName(dir, "model.ckpt", 1, 3);
  std::filesystem::remove(missing);
  testing::WriteFile(dir + "/checkpoint",
                     "model_checkpoint_path: \"model.ckpt-?????"
                     "-of-00003\"\n");
  for (const std::string& p :
       {Pattern(dir, "model.ckpt", 3), ShardName(dir, "model.ckpt", 0, 3), ShardName(dir, "model.ckpt", 2, 3)}) {
    INFO(p);
    auto r = OpenV1Checkpoint(p);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kNotFound);
    CHECK_THAT(r.status().message(), Catch::Contains(missing));
  }
  for (const std::string& p : {Pattern(dir, "model.ckpt", 3), dir + "/model.ckpt", dir}) {
    INFO(p);
    auto loc = ResolveCheckpoint(p);
    REQUIRE_FALSE(loc.ok());
    CHECK(loc.status().code() == StatusCode::kNotFound);
    CHECK_THAT(loc.status().message(), Catch::Contains(missing));
  }
}

TEST_CASE("V1 sharded: shards that disagree or are corrupt", "[v1][sharded][corruption]") {
  auto shards = TwoShards();
  std::string dir;
  auto open_error = [&] {
    dir = WriteShards(shards);
    auto r = OpenV1Checkpoint(Pattern(dir, "model.ckpt", 2));
    REQUIRE_FALSE(r.ok());
    return r.status();
  };
  // A disagreement between the two shards names both files.
  auto names_both_shards = [&](const Status& s) {
    CHECK_THAT(s.message(), Catch::Contains(ShardName(dir, "model.ckpt", 0, 2)));
    CHECK_THAT(s.message(), Catch::Contains(ShardName(dir, "model.ckpt", 1, 2)));
  };
  // DataLoss naming the tensor, what each shard says, and both shards.
  auto disagreement = [&](const std::string& first, const std::string& second) {
    Status s = open_error();
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Catch::Contains("'w'"));
    CHECK_THAT(s.message(), Catch::Contains(first));
    CHECK_THAT(s.message(), Catch::Contains(second));
    names_both_shards(s);
  };
  SECTION("the same tensor with different shapes") {
    shards[1][2] = {"w", DataType::kFloat, {5, 3}, {{{{2, 3}, {0, -1}}, Floats(std::vector<float>(9, 1))}}};
    disagreement("[4, 3]", "[5, 3]");
  }
  SECTION("the same tensor with different dtypes") {
    tensorflow::TensorProto p;
    for (int i = 6; i < 12; ++i) p.add_int_val(i);
    shards[1][2] = {"w", DataType::kInt32, {4, 3}, {{{{2, 2}, {0, -1}}, p}}};
    disagreement("DT_FLOAT", "DT_INT32");
  }
  SECTION("a tensor listed twice in one shard's meta names that shard") {
    shards[1].push_back(shards[1][0]);
    Status s = open_error();
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Catch::Contains("twice"));
    CHECK_THAT(s.message(), Catch::Contains("'b'"));
    CHECK_THAT(s.message(), Catch::Contains(ShardName(dir, "model.ckpt", 1, 2)));
  }
  SECTION("a newer format version in shard 1 names shard 1") {
    dir = testing::MakeTempDir("v1sharded");
    testing::WriteFile(ShardName(dir, "model.ckpt", 0, 2), testing::EncodeV1Checkpoint(shards[0]));
    testing::WriteFile(ShardName(dir, "model.ckpt", 1, 2), testing::EncodeV1Checkpoint(shards[1], 5, 3));
    auto r = OpenV1Checkpoint(Pattern(dir, "model.ckpt", 2));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kFailedPrecondition);
    CHECK_THAT(r.status().message(), Catch::Contains(ShardName(dir, "model.ckpt", 1, 2)));
  }
  SECTION("a shape with more elements than all the shards have bytes") {
    shards[1].push_back({"huge", DataType::kFloat, {1 << 20, 1 << 20}, {}});
    Status s = open_error();
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Catch::Contains("'huge'"));
    CHECK_THAT(s.message(), Catch::Contains("2 files"));
  }
  SECTION("a corrupt byte in shard 1 names shard 1's file") {
    dir = WriteShards(shards);
    const std::string shard1 = ShardName(dir, "model.ckpt", 1, 2);
    std::string bytes = testing::ReadFile(shard1);
    bytes[bytes.size() / 4] ^= 0x40;  // Inside the data block.
    testing::WriteFile(shard1, bytes);
    auto r = OpenV1Checkpoint(Pattern(dir, "model.ckpt", 2));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kDataLoss);
    CHECK_THAT(r.status().message(), Catch::Contains(shard1));
    CHECK_THAT(r.status().message(), !Catch::Contains(ShardName(dir, "model.ckpt", 0, 2)));
  }
}

TEST_CASE("V1 sharded: slices of one tensor that overlap across shards", "[v1][sharded][corruption]") {
  auto shards = TwoShards();
  SECTION("partly") {
    // Rows 0-2 in shard 0, rows 2-3 in shard 1: row 2 twice (and 15 of 12 elements).
    shards[0][1].slices[0] = {{{0, 3}, {0, -1}}, Floats({0, 1, 2, 3, 4, 5, 6, 7, 8})};
  }
  SECTION("the same slice in both") { shards[0][1].slices[0] = shards[1][2].slices[0]; }
  const std::string dir = WriteShards(shards);
  auto r = OpenV1(Pattern(dir, "model.ckpt", 2));
  Status s = ReadStatus(*r, "w");
  CHECK(s.code() == StatusCode::kDataLoss);
  CHECK_THAT(s.message(), Catch::Contains("'w'"));
  CHECK_THAT(s.message(), Catch::Contains("overlap"));
  CHECK_THAT(s.message(), Catch::Contains(ShardName(dir, "model.ckpt", 0, 2)));
  CHECK_THAT(s.message(), Catch::Contains(ShardName(dir, "model.ckpt", 1, 2)));
  // The other tensors still read.
  CHECK(ReadBytes(*r, "b") == LE(std::vector<float>{0.5f, -1.5f, 2.5f}));
}

TEST_CASE("V1 sharded: a slice's record is looked up in its own shard", "[v1][sharded][corruption]") {
  // Shard 1's meta lists w's second slice, but the record is missing there
  // (and present nowhere): the error names shard 1, not shard 0.
  auto shards = TwoShards();
  shards[1][2].slices[0].omit_record = true;
  const std::string dir = WriteShards(shards);
  auto r = OpenV1(Pattern(dir, "model.ckpt", 2));
  Status s = ReadStatus(*r, "w");
  CHECK(s.code() == StatusCode::kDataLoss);
  CHECK_THAT(s.message(), Catch::Contains("missing"));
  CHECK_THAT(s.message(), Catch::StartsWith(ShardName(dir, "model.ckpt", 1, 2)));
}

}  // namespace surgeon
