// The V2 reader and writer against real TensorFlow checkpoints
// (../shared/tf-corpus, with expected.json from an independent reader).
#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/checkpoint_path.h"
#include "testing.h"

namespace surgeon {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::vector<std::string> V2Cases() {
  std::vector<std::string> out;
  for (const auto& dir : testing::CorpusCases()) {
    if (testing::LoadExpected(dir)["format"] == "v2") out.push_back(dir);
  }
  return out;
}

}  // namespace

TEST_CASE("V2 corpus: every tensor agrees with expected.json", "[corpus][v2]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  auto cases = V2Cases();
  REQUIRE(cases.size() >= 10);
  for (const auto& dir : cases) {
    INFO("case " << dir);
    json expected = testing::LoadExpected(dir);
    auto reader = BundleReader::Open(dir + "/" + expected["checkpoint"].get<std::string>());
    REQUIRE(reader.ok());
    const auto& h = expected["header"];
    CHECK((*reader)->header().num_shards == h["num_shards"].get<int>());
    CHECK((*reader)->header().version_producer == h["version"]["producer"].get<int>());
    CHECK((*reader)->index_stats().entries == expected["index_stats"]["entries"].get<int>());
    CHECK((*reader)->index_stats().blocks == expected["index_stats"]["blocks"].get<int>());
    // expected.json lists whole tensors and (if any) slice entries; we list whole tensors.
    std::vector<json> whole;
    for (const auto& t : expected["tensors"]) {
      if (!t.contains("slice_of")) whole.push_back(t);
    }
    const auto& entries = (*reader)->entries();
    REQUIRE(entries.size() == whole.size());
    for (size_t i = 0; i < whole.size(); ++i) {
      const json& t = whole[i];
      const TensorEntry& e = entries[i];
      INFO("tensor " << e.key);
      CHECK(e.key == t["name"].get<std::string>());
      CHECK(DataTypeName(e.dtype) == t["dtype"].get<std::string>());
      CHECK(e.shape == t["shape"].get<std::vector<int64_t>>());
      CHECK(e.object_full_name == t.value("object_full_name", std::string()));
      if (t["offset"].is_null()) continue;
      CHECK(e.shard_id == t["shard_id"].get<int>());
      CHECK(e.offset == t["offset"].get<uint64_t>());
      CHECK(e.size == t["size"].get<uint64_t>());
      CHECK(e.masked_crc32c == t["crc32c"].get<uint32_t>());
      auto data = (*reader)->Read(e);
      REQUIRE(data.ok());
      CHECK(testing::Sha256Hex(data->bytes().data(), data->bytes().size()) == t["sha256"].get<std::string>());
    }
  }
}

TEST_CASE("V2 corpus: rewriting single-shard checkpoints reproduces TF's bytes", "[corpus][v2]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  int compared = 0;
  for (const auto& dir : V2Cases()) {
    json expected = testing::LoadExpected(dir);
    if (expected["header"]["num_shards"] != 1) continue;
    INFO("case " << dir);
    std::string src = dir + "/" + expected["checkpoint"].get<std::string>();
    auto reader = BundleReader::Open(src);
    REQUIRE(reader.ok());
    std::vector<const TensorEntry*> order;
    for (const auto& e : (*reader)->entries()) order.push_back(&e);
    std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
    std::string out_prefix = testing::MakeTempDir("rewrite") + "/model.ckpt";
    {
      StagedOutput out;
      auto writer = BundleWriter::Create(&out, out_prefix);
      REQUIRE(writer.ok());
      for (const TensorEntry* e : order) {
        auto data = (*reader)->Read(*e);
        REQUIRE(data.ok());
        REQUIRE((*writer)->AddVerified(e->key, e->dtype, e->shape, data->bytes(), data->masked_crc32c).ok());
      }
      REQUIRE((*writer)->Finish().ok());
      REQUIRE(out.Commit().ok());
    }
    CHECK(testing::ReadFile(IndexFilename(out_prefix)) == testing::ReadFile(IndexFilename(src)));
    CHECK(testing::ReadFile(DataFilename(out_prefix, 0, 1)) == testing::ReadFile(DataFilename(src, 0, 1)));
    compared++;
  }
  CHECK(compared >= 9);
}

TEST_CASE("V2 corpus: a flipped byte in any tensor is reported with the tensor's name", "[corpus][v2][corruption]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  for (const auto& dir : V2Cases()) {
    json expected = testing::LoadExpected(dir);
    INFO("case " << dir);
    std::string src = dir + "/" + expected["checkpoint"].get<std::string>();
    int num_shards = expected["header"]["num_shards"].get<int>();
    std::string copy = testing::MakeTempDir("flip") + "/ckpt";
    fs::copy_file(IndexFilename(src), IndexFilename(copy));
    for (int s = 0; s < num_shards; ++s)
      fs::copy_file(DataFilename(src, s, num_shards), DataFilename(copy, s, num_shards));
    for (const auto& t : expected["tensors"]) {
      if (t["offset"].is_null() || t["size"].get<uint64_t>() == 0) continue;
      std::string data_path = DataFilename(copy, t["shard_id"].get<int>(), num_shards);
      std::string bytes = testing::ReadFile(data_path);
      size_t pos = t["offset"].get<size_t>() + t["size"].get<size_t>() / 2;
      bytes[pos] ^= 0x40;
      testing::WriteFile(data_path, bytes);
      auto reader = BundleReader::Open(copy);
      REQUIRE(reader.ok());
      const TensorEntry* e = (*reader)->Find(t["name"].get<std::string>());
      REQUIRE(e != nullptr);
      auto data = (*reader)->Read(*e);
      CHECK(data.status().code() == StatusCode::kDataLoss);
      CHECK_THAT(data.status().message(), Catch::Contains("'" + t["name"].get<std::string>() + "'"));
      bytes[pos] ^= 0x40;
      testing::WriteFile(data_path, bytes);
    }
  }
}

TEST_CASE("Checkpoint paths resolve like TF", "[corpus][path]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  auto a = ResolveCheckpoint(corpus + "/v2_fc2_int32_step");
  REQUIRE(a.ok());
  CHECK(a->prefix == corpus + "/v2_fc2_int32_step/fc2.ckpt");
  CHECK(a->meta_graph == corpus + "/v2_fc2_int32_step/fc2.ckpt.meta");
  auto b = ResolveCheckpoint(corpus + "/v2_fc2_int32_step/fc2.ckpt.index");
  REQUIRE(b.ok());
  CHECK(b->prefix == corpus + "/v2_fc2_int32_step/fc2.ckpt");
  auto c = ResolveCheckpoint(corpus + "/tf2_savedmodel_mnist");
  REQUIRE(c.ok());
  CHECK(c->saved_model);
  CHECK(c->prefix == corpus + "/tf2_savedmodel_mnist/variables/variables");
  CHECK(c->meta_graph == corpus + "/tf2_savedmodel_mnist/saved_model.pb");
  auto d = ResolveCheckpoint(corpus + "/v1_neo_2016/model.ckpt");
  REQUIRE(d.ok());
  CHECK(d->format == CheckpointFormat::kV1);
  auto missing = ResolveCheckpoint(corpus + "/v2_fc2_int32_step/nope.ckpt");
  CHECK(missing.status().code() == StatusCode::kNotFound);
}

}  // namespace surgeon
