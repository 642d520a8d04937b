// Size-bounded data files (target.max_shard_bytes): the layout rule, and
// BundleWriter following it on every way of adding a tensor.
#include "format/data_shards.h"

#include <filesystem>

#include "fixture.h"
#include "format/tensor_slices.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "testing.h"

namespace surgeon {
namespace {

std::vector<int> Assign(std::vector<uint64_t> sizes, uint64_t max) { return AssignDataShards(sizes, max); }

TEST_CASE("AssignDataShards: fill in order, start a file when the next tensor would overflow", "[shards]") {
  CHECK(Assign({3, 3, 3}, 0) == std::vector<int>{0, 0, 0});  // no limit
  CHECK(Assign({3, 3, 3}, 6) == std::vector<int>{0, 0, 1});
  CHECK(Assign({2, 3}, 5) == std::vector<int>{0, 0});   // exactly full
  CHECK(Assign({10, 1}, 5) == std::vector<int>{0, 1});  // a large one alone
  CHECK(Assign({1, 10, 1}, 5) == std::vector<int>{0, 1, 2});
  CHECK(Assign({0, 5, 0, 1}, 5) == std::vector<int>{0, 0, 0, 1});  // empty tensors add nothing
  CHECK(Assign({}, 5).empty());
}

TEST_CASE("NumDataShards: shared files plus at least one of the writer's own", "[shards]") {
  const std::vector<TensorSpec> specs = {
      {"a", DataType::kFloat, {4}}, {"b", DataType::kFloat, {4}}, {"s", DataType::kString, {2}, 40}};
  CHECK(*NumDataShards(BundleLayout{}) == 1);
  CHECK(*NumDataShards(BundleLayout{2, 0, specs}) == 3);
  CHECK(*NumDataShards(BundleLayout{0, 16, specs}) == 3);  // 16 | 16 | 40 bytes
  CHECK(*NumDataShards(BundleLayout{1, 32, specs}) == 3);  // shared | 32 | 40
  CHECK(*NumDataShards(BundleLayout{kMaxBundleShards - 1, 0, {}}) == kMaxBundleShards);
  auto too_many = NumDataShards(BundleLayout{kMaxBundleShards, 0, {}});
  REQUIRE(!too_many.ok());
  CHECK(too_many.status().message().find("65536") != std::string::npos);
}

TEST_CASE("BundleWriter with a size limit: Add, AddPieces and AddSlice go where the layout says", "[shards]") {
  const std::string prefix = testing::MakeTempDir("shards") + "/out/model.ckpt";
  const auto a = testing::PatternBytes(4000, 1), b = testing::PatternBytes(4000, 2), c = testing::PatternBytes(400, 3);
  const auto half = testing::PatternBytes(2000, 4);
  const std::vector<TensorSpec> specs = {{"a", DataType::kUint8, {4000}},
                                         {"b", DataType::kUint8, {4000}},
                                         {"p", DataType::kUint8, {400}},
                                         {"part", DataType::kUint8, {2000}},  // one spec per slice
                                         {"part", DataType::kUint8, {2000}}};
  StagedOutput out;
  auto w = BundleWriter::Create(&out, prefix, {0, 6000, specs});
  REQUIRE(w.ok());
  REQUIRE((*w)->Add("a", DataType::kUint8, {4000}, ByteSpan(a.data(), a.size())).ok());
  REQUIRE((*w)->Add("b", DataType::kUint8, {4000}, ByteSpan(b.data(), b.size())).ok());
  bool given = false;
  REQUIRE((*w)->AddPieces("p", DataType::kUint8, {400},
                          [&]() -> Result<ByteSpan> {
                            if (given) return ByteSpan();
                            given = true;
                            return ByteSpan(c.data(), c.size());
                          })
              .ok());
  // Two slices of "part", [0, 2000) and [2000, 4000): placed by the full key,
  // the first one past the second file's limit.
  for (int64_t start : {0, 2000}) {
    const TensorSlice slice = {{start, 2000}};
    REQUIRE((*w)->AddSlice("part", DataType::kUint8, {4000}, slice, ByteSpan(half.data(), half.size())).ok());
  }
  // A key the layout does not know goes into the file being written.
  REQUIRE((*w)->Add("zz", DataType::kUint8, {1}, ByteSpan(c.data(), 1)).ok());
  CHECK((*w)->data_bytes() == 4000 + 4000 + 400 + 4000 + 1);
  REQUIRE((*w)->Finish().ok());
  REQUIRE(out.Commit().ok());

  // a | b p | part part zz  (4000 | 4400 | 4001 bytes)
  CHECK(std::filesystem::file_size(DataFilename(prefix, 0, 3)) == 4000);
  CHECK(std::filesystem::file_size(DataFilename(prefix, 1, 3)) == 4400);
  CHECK(std::filesystem::file_size(DataFilename(prefix, 2, 3)) == 4001);
  auto r = BundleReader::Open(prefix);
  REQUIRE(r.ok());
  CHECK((*r)->Find("a")->shard_id == 0);
  CHECK((*r)->Find("b")->shard_id == 1);
  CHECK((*r)->Find("p")->shard_id == 1);
  auto p = (*r)->Read(*(*r)->Find("p"));
  REQUIRE(p.ok());
  CHECK(std::vector<uint8_t>(p->bytes().begin(), p->bytes().end()) == c);
  auto part = (*r)->Read(*(*r)->Find("part"));
  REQUIRE(part.ok());
  CHECK(part->bytes().size() == 4000);
  for (const TensorEntry& e : (*r)->slice_entries()) CHECK(e.shard_id == 2);
}

TEST_CASE("BundleWriter with a size limit: files laid out for tensors never added still exist", "[shards]") {
  const std::string prefix = testing::MakeTempDir("shards_unused") + "/model.ckpt";
  const auto a = testing::PatternBytes(10, 1);
  StagedOutput out;
  auto w = BundleWriter::Create(&out, prefix, {0, 10, {{"a", DataType::kUint8, {10}}, {"b", DataType::kUint8, {10}}}});
  REQUIRE(w.ok());
  REQUIRE((*w)->Add("a", DataType::kUint8, {10}, ByteSpan(a.data(), a.size())).ok());
  REQUIRE((*w)->Finish().ok());
  REQUIRE(out.Commit().ok());
  CHECK(std::filesystem::file_size(DataFilename(prefix, 1, 2)) == 0);  // TF opens every shard
  auto r = BundleReader::Open(prefix);
  REQUIRE(r.ok());
  CHECK((*r)->Read(*(*r)->Find("a")).ok());
}

TEST_CASE("BundleWriter with a size limit: a tensor added after a later file was begun is an error", "[shards]") {
  const std::string prefix = testing::MakeTempDir("shards_order") + "/model.ckpt";
  const auto a = testing::PatternBytes(10, 1);
  StagedOutput out;
  auto w = BundleWriter::Create(&out, prefix, {0, 10, {{"a", DataType::kUint8, {10}}, {"b", DataType::kUint8, {10}}}});
  REQUIRE(w.ok());
  REQUIRE((*w)->Add("b", DataType::kUint8, {10}, ByteSpan(a.data(), a.size())).ok());
  Status s = (*w)->Add("a", DataType::kUint8, {10}, ByteSpan(a.data(), a.size()));
  CHECK(s.code() == StatusCode::kInternal);
  CHECK(s.message().find("'a'") != std::string::npos);
}

}  // namespace
}  // namespace surgeon
