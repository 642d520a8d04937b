// The V1 reader against real TF-written legacy checkpoints (the v1_* cases of
// ../shared/tf-corpus, with expected.json from an independent reader).
#include <nlohmann/json.hpp>
#include <set>

#include "surgeon/base/crc32c.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/ordered_code.h"
#include "surgeon/format/table.h"
#include "surgeon/format/v1_reader.h"
#include "testing.h"

namespace surgeon {
namespace {

using nlohmann::json;

std::vector<std::string> V1Cases() {
  std::vector<std::string> out;
  for (const auto& dir : testing::CorpusCases()) {
    if (testing::LoadExpected(dir)["format"] == "v1") out.push_back(dir);
  }
  return out;
}

void CheckAgainstExpected(const CheckpointReader& r, const json& expected) {
  CHECK(r.format() == CheckpointFormat::kV1);
  const auto& tensors = expected["tensors"];
  REQUIRE(r.entries().size() == tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const json& t = tensors[i];
    const TensorEntry& e = r.entries()[i];
    INFO("tensor " << e.key);
    CHECK(e.key == t["name"].get<std::string>());
    CHECK(DataTypeName(e.dtype) == t["dtype"].get<std::string>());
    CHECK(e.shape == t["shape"].get<std::vector<int64_t>>());
    CHECK(e.size == t["size"].get<uint64_t>());
    auto data = r.Read(e);
    INFO(data.status().ToString());
    REQUIRE(data.ok());
    ByteSpan b = data->bytes();
    CHECK(b.size() == t["size"].get<uint64_t>());
    CHECK(testing::Sha256Hex(b.data(), b.size()) == t["sha256"].get<std::string>());
    CHECK(data->masked_crc32c == crc32c::Mask(crc32c::Value(b.data(), b.size())));
  }
}

}  // namespace

TEST_CASE("V1 corpus: every tensor agrees with expected.json", "[corpus][v1]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  auto cases = V1Cases();
  REQUIRE(cases.size() >= 4);
  for (const auto& dir : cases) {
    INFO("case " << dir);
    json expected = testing::LoadExpected(dir);
    const std::string file = dir + "/" + expected["checkpoint"].get<std::string>();
    auto r = OpenV1Checkpoint(file);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    CheckAgainstExpected(**r, expected);
    const auto& v = expected["header"]["versions"];
    auto describe = (*r)->Describe();
    REQUIRE_FALSE(describe.empty());
    CHECK(describe[0].second == "producer " + std::to_string(v["producer"].get<int>()) + ", min_consumer " +
                                    std::to_string(v["min_consumer"].get<int>()));
    for (const auto& [k, val] : describe) {
      if (k == "index_blocks") CHECK(val == std::to_string(expected["index_stats"]["blocks"].get<int>()));
      if (k == "index_entries") CHECK(val == std::to_string(expected["index_stats"]["entries"].get<int>()));
    }
  }
}

TEST_CASE("V1 corpus: OpenCheckpoint detects V1 from the files on disk", "[corpus][v1]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  for (const auto& dir : V1Cases()) {
    INFO("case " << dir);
    json expected = testing::LoadExpected(dir);
    auto r = OpenCheckpoint(dir + "/" + expected["checkpoint"].get<std::string>());
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    CheckAgainstExpected(**r, expected);
  }
}

TEST_CASE("V1 corpus: TF's record keys are exactly EncodeTensorNameSlice of the meta", "[corpus][v1][ordered_code]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  for (const auto& dir : V1Cases()) {
    INFO("case " << dir);
    json expected = testing::LoadExpected(dir);
    auto file = MappedFile::Open(dir + "/" + expected["checkpoint"].get<std::string>());
    REQUIRE(file.ok());
    auto table = TableReader::Open(file->get());
    REQUIRE(table.ok());
    std::set<std::string> keys;
    for (const auto& e : (*table)->entries()) {
      if (!e.key.empty()) keys.insert(e.key);
    }
    std::set<std::string> want;
    for (const auto& t : expected["tensors"]) {
      // The V1 Save op writes every tensor as one full slice.
      size_t rank = t["shape"].size();
      want.insert(EncodeTensorNameSlice(t["name"].get<std::string>(), TensorSlice(rank, SliceExtent{0, -1})));
    }
    CHECK(keys == want);
  }
}

TEST_CASE("V1 corpus: a flipped byte anywhere is detected", "[corpus][v1][corruption]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  for (const auto& dir : V1Cases()) {
    INFO("case " << dir);
    json expected = testing::LoadExpected(dir);
    std::string bytes = testing::ReadFile(dir + "/" + expected["checkpoint"].get<std::string>());
    // Offsets spread over the file, skipping the footer's zero padding
    // (which no reader checks, TF's included).
    for (size_t k = 1; k <= 7; ++k) {
      size_t pos = bytes.size() * k / 9;
      if (pos >= bytes.size() - 48) continue;
      std::string bad = bytes;
      bad[pos] ^= 0x10;
      std::string path = testing::MakeTempDir("v1corrupt") + "/model.ckpt";
      testing::WriteFile(path, bad);
      INFO("offset " << pos);
      auto r = OpenV1Checkpoint(path);
      if (!r.ok()) {
        CHECK(r.status().code() == StatusCode::kDataLoss);
        CHECK_THAT(r.status().message(), Catch::Contains(path));
        continue;
      }
      bool failed = false;
      for (const auto& e : (*r)->entries()) failed |= !(*r)->Read(e).ok();
      CHECK(failed);
    }
  }
}

}  // namespace surgeon
