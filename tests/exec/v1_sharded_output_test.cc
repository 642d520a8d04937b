// A sharded V1 source through the exec layer and the CLI: its prefix is the
// pattern "<base>-?????-of-N", which no file is named, so SourceFiles must
// list every shard file or a target could overwrite one; and `convert` /
// `verify` must work on it end to end.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "format/v1_fixture.h"
#include "surgeon/exec/output.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/checkpoint_path.h"
#include "testing.h"

namespace surgeon {
namespace {

using testing::V1Tensor;

std::string ShardName(const std::string& dir, int k, int n) { return testing::ShardName(dir, "model.ckpt", k, n); }

using testing::Floats;

// Two shards, a partitioned "w" across them, a state file naming the pattern
// and a (dummy) meta graph; returns the directory.
std::string WriteTwoShards() {
  const std::string dir = testing::MakeTempDir("v1sharded_exec");
  std::vector<V1Tensor> s0 = {
      {"w", DataType::kFloat, {4, 2}, {{{{0, 2}, {0, -1}}, Floats({0, 1, 2, 3})}}},
      {"b", DataType::kFloat, {2}, {{TensorSlice(1, SliceExtent{0, -1}), Floats({9, 8})}}},
  };
  std::vector<V1Tensor> s1 = {
      {"w", DataType::kFloat, {4, 2}, {{{{2, 2}, {0, -1}}, Floats({4, 5, 6, 7})}}},
  };
  testing::WriteFile(ShardName(dir, 0, 2), testing::EncodeV1Checkpoint(s0));
  testing::WriteFile(ShardName(dir, 1, 2), testing::EncodeV1Checkpoint(s1));
  testing::WriteFile(dir + "/checkpoint",
                     "model_checkpoint_path: \"model.ckpt-?????"
                     "-of-00002\"\n");
  return dir;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

using testing::Quote;

}  // namespace

TEST_CASE("V1 sharded source: SourceFiles lists every shard, and no target may overwrite one",
          "[v1][sharded][output]") {
  const std::string dir = WriteTwoShards();
  testing::WriteFile(dir + "/model.ckpt.meta", "dummy");
  auto loc = ResolveCheckpoint(dir);
  INFO(loc.status().ToString());
  REQUIRE(loc.ok());
  REQUIRE(loc->format == CheckpointFormat::kV1);
  const std::vector<std::string> files = SourceFiles(*loc);
  CHECK(Has(files, ShardName(dir, 0, 2)));
  CHECK(Has(files, ShardName(dir, 1, 2)));
  CHECK(Has(files, dir + "/model.ckpt.meta"));
  CHECK(Has(files, dir + "/checkpoint"));
  for (int k : {0, 1}) {
    StagedOutput out;
    Status s = PrepareTarget(files, ShardName(dir, k, 2), OutputOptions{}, &out);
    INFO(s.ToString());
    CHECK(s.code() == StatusCode::kFailedPrecondition);
    CHECK_THAT(s.message(), Catch::Contains(ShardName(dir, k, 2)));
  }
  // A plain V1 file keeps its single entry (no duplicate).
  const std::string single = dir + "/single.ckpt";
  testing::WriteFile(single, testing::ReadFile(ShardName(dir, 1, 2)));
  auto one = ResolveCheckpoint(single);
  REQUIRE(one.ok());
  auto one_files = SourceFiles(*one);
  CHECK(std::count(one_files.begin(), one_files.end(), single) == 1);
}

TEST_CASE("V1 sharded source: surgeon inspect, convert by pattern, verify", "[v1][sharded][cli]") {
  const std::string dir = WriteTwoShards();
  const std::string surgeon = testing::SurgeonBinary();
  auto [irc, iout] = testing::Run(surgeon + " inspect " + Quote(dir) + " 2>&1");
  INFO(iout);
  CHECK(irc == 0);
  CHECK_THAT(iout, Catch::Contains("model.ckpt-?????"
                                   "-of-00002"));
  CHECK_THAT(iout, Catch::Contains("num_files: 2"));

  const std::string out = dir + "/out/model.ckpt-0";
  auto [crc, conv_out] = testing::Run(surgeon + " convert " +
                                      Quote(dir + "/model.ckpt-?????"
                                                  "-of-00002") +
                                      " " + Quote(out) + " 2>&1");
  INFO(conv_out);
  REQUIRE(crc == 0);
  auto [vrc, vout] = testing::Run(surgeon + " verify " + Quote(out) + " 2>&1");
  INFO(vout);
  CHECK(vrc == 0);
  CHECK_THAT(vout, Catch::Contains("0 bad"));

  auto src = OpenCheckpoint(dir);
  auto dst = OpenCheckpoint(out);
  REQUIRE(src.ok());
  REQUIRE(dst.ok());
  REQUIRE((*src)->entries().size() == (*dst)->entries().size());
  for (const TensorEntry& e : (*src)->entries()) {
    INFO(e.key);
    const TensorEntry* d = (*dst)->Find(e.key);
    REQUIRE(d != nullptr);
    CHECK(d->shape == e.shape);
    auto a = (*src)->Read(e);
    auto b = (*dst)->Read(*d);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(std::equal(a->bytes().begin(), a->bytes().end(), b->bytes().begin(), b->bytes().end()));
  }
  // Converting onto a shard of the source is refused, and the shard is untouched.
  const std::string shard0 = testing::ReadFile(ShardName(dir, 0, 2));
  auto [orc, oout] =
      testing::Run(surgeon + " convert " + Quote(dir) + " " + Quote(ShardName(dir, 0, 2)) + " --force 2>&1");
  INFO(oout);
  CHECK(orc != 0);
  CHECK(testing::ReadFile(ShardName(dir, 0, 2)) == shard0);
}

}  // namespace surgeon
