// The copy hot path (exec/copy.cc): runs of back-to-back tensors moved with
// one kernel copy (copy_file_range) while a second thread verifies their
// CRCs, the write() fallback, and the per-tensor one-pass path all give the
// same bytes; a corrupt byte inside a run fails the copy naming the tensor,
// and nothing is committed.
#include <cstring>
#include <filesystem>
#include <fstream>

#include "surgeon/exec/copy.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "testing.h"

namespace surgeon {
namespace {

// Deterministic float bytes, different per tensor.
std::vector<uint8_t> Pattern(size_t floats, uint32_t seed) {
  std::vector<uint8_t> out(floats * 4);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < floats; ++i) {
    x = x * 1664525u + 1013904223u;
    float f = static_cast<float>(x >> 8) / 16777216.0f;
    std::memcpy(out.data() + i * 4, &f, 4);
  }
  return out;
}

// A source bundle (data in key order, as TF writes): "a/big" (3 MB),
// "a/small" (40 B), "b/big" (2 MB), "c/dropped" (1 MB, not copied: it ends
// the first run), "d/big" (5 MB), "e/tail" (12 B).
std::string WriteSource(const std::string& dir) {
  const std::string prefix = dir + "/src/model.ckpt";
  StagedOutput out;
  auto w = BundleWriter::Create(&out, prefix);
  REQUIRE(w.ok());
  struct T {
    const char* key;
    size_t floats;
  };
  uint32_t seed = 1;
  for (T t : {T{"a/big", 768 << 10}, T{"a/small", 10}, T{"b/big", 512 << 10}, T{"c/dropped", 256 << 10},
              T{"d/big", 1280 << 10}, T{"e/tail", 3}}) {
    auto bytes = Pattern(t.floats, seed++);
    REQUIRE((*w)->Add(t.key, DataType::kFloat, {static_cast<int64_t>(t.floats)}, ByteSpan(bytes.data(), bytes.size()))
                .ok());
  }
  REQUIRE((*w)->Finish().ok());
  REQUIRE(out.Commit().ok());
  return prefix;
}

// Copies every tensor but "c/dropped", renamed under "x/", with `options`,
// into data files of at most `max_shard_bytes` (0: one).
Status CopyAll(const std::string& src, const std::string& dst, const CopyOptions& options, bool commit = true,
               uint64_t max_shard_bytes = 0) {
  SURGEON_ASSIGN_OR_RETURN(auto reader, BundleReader::Open(src));
  std::vector<CopyItem> items;
  for (const TensorEntry& e : reader->entries()) {
    if (e.key == "c/dropped") continue;
    CopyItem item = SameCopy(e);
    item.target_key = "x/" + e.key;
    items.push_back(item);
  }
  SortForSequentialReads(&items);
  BundleLayout layout{0, max_shard_bytes, {}};
  for (const CopyItem& item : items) layout.specs.push_back({item.target_key, item.dtype, item.shape});
  StagedOutput out;
  SURGEON_ASSIGN_OR_RETURN(auto writer, BundleWriter::Create(&out, dst, layout));
  SURGEON_ASSIGN_OR_RETURN(CopyTotals totals, CopyTensors(*reader, items, writer.get(), nullptr, options));
  if (totals.copied != 5) return Status::Internal("copied " + std::to_string(totals.copied));
  SURGEON_RETURN_IF_ERROR(writer->Finish());
  return commit ? out.Commit() : Status::OK();
}

void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c;
  f.read(&c, 1);
  c ^= 0x10;
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

}  // namespace

TEST_CASE("copy: kernel runs, the write() fallback and tensor by tensor give the same bytes", "[copy][runs]") {
  const std::string dir = testing::MakeTempDir("copy_runs");
  const std::string src = WriteSource(dir);
  const CopyOptions kernel{CopyPath::kKernel, true};
  const CopyOptions fallback{CopyPath::kUserSpace, true};
  CopyOptions per_tensor;
  per_tensor.runs = false;
  for (auto [name, options] : {std::pair{"kernel", kernel}, {"fallback", fallback}, {"per_tensor", per_tensor}}) {
    INFO(name);
    Status s = CopyAll(src, dir + "/" + name + "/model.ckpt", options);
    INFO(s.ToString());
    REQUIRE(s.ok());
  }
  const std::string data = testing::ReadFile(DataFilename(dir + "/per_tensor/model.ckpt", 0, 1));
  const std::string index = testing::ReadFile(IndexFilename(dir + "/per_tensor/model.ckpt"));
  CHECK(data.size() == (768u + 512 + 1280) * 1024 * 4 + 40 + 12);
  for (const char* name : {"kernel", "fallback"}) {
    INFO(name);
    CHECK(testing::ReadFile(DataFilename(dir + "/" + name + "/model.ckpt", 0, 1)) == data);
    CHECK(testing::ReadFile(IndexFilename(dir + "/" + name + "/model.ckpt")) == index);
  }
  // And the result reads back, every checksum verified.
  auto out = BundleReader::Open(dir + "/kernel/model.ckpt");
  REQUIRE(out.ok());
  for (const TensorEntry& e : (*out)->entries()) {
    INFO(e.key);
    CHECK((*out)->Read(e).ok());
  }
}

TEST_CASE("copy: runs split where a size limit starts a new data file, the same bytes on every path",
          "[copy][runs][shards]") {
  const std::string dir = testing::MakeTempDir("copy_runs_shards");
  const std::string src = WriteSource(dir);
  // Write order: a/big 3 MiB, a/small 40 B, b/big 2 MiB (one run), d/big
  // 5 MiB, e/tail 12 B (another). Under 4 MiB files both runs split: b/big
  // starts file 1, d/big (over the limit) has file 2 alone, e/tail file 3.
  const uint64_t kMax = 4 << 20;
  const std::vector<uint64_t> want_sizes = {(3 << 20) + 40, 2 << 20, 5 << 20, 12};
  REQUIRE(CopyAll(src, dir + "/whole/model.ckpt", CopyOptions{CopyPath::kUserSpace, true}).ok());
  const std::string whole = testing::ReadFile(DataFilename(dir + "/whole/model.ckpt", 0, 1));
  CopyOptions per_tensor;
  per_tensor.runs = false;
  for (auto [name, options] : {std::pair{"kernel", CopyOptions{CopyPath::kKernel, true}},
                               {"fallback", CopyOptions{CopyPath::kUserSpace, true}},
                               {"per_tensor", per_tensor}}) {
    INFO(name);
    const std::string dst = dir + "/" + name + "/model.ckpt";
    Status s = CopyAll(src, dst, options, true, kMax);
    INFO(s.ToString());
    REQUIRE(s.ok());
    std::string joined;
    for (int i = 0; i < 4; ++i) {
      const std::string file = testing::ReadFile(DataFilename(dst, i, 4));
      CHECK(file.size() == want_sizes[i]);
      joined += file;
    }
    CHECK(joined == whole);
    CHECK(!std::filesystem::exists(DataFilename(dst, 0, 1)));
    auto out = BundleReader::Open(dst);
    REQUIRE(out.ok());
    CHECK((*out)->header().num_shards == 4);
    for (auto [key, shard] :
         {std::pair{"x/a/big", 0}, {"x/a/small", 0}, {"x/b/big", 1}, {"x/d/big", 2}, {"x/e/tail", 3}}) {
      INFO(key);
      const TensorEntry* e = (*out)->Find(key);
      REQUIRE(e != nullptr);
      CHECK(e->shard_id == shard);
      CHECK((*out)->Read(*e).ok());
    }
  }
}

TEST_CASE("copy: a corrupt byte inside a run fails the copy, naming the tensor, and commits nothing",
          "[copy][runs][corruption]") {
  const std::string dir = testing::MakeTempDir("copy_runs_corrupt");
  const std::string src = WriteSource(dir);
  uint64_t offset = 0;
  {
    auto reader = BundleReader::Open(src);
    REQUIRE(reader.ok());
    const TensorEntry* e = (*reader)->Find("b/big");  // Third in its run, not the first.
    REQUIRE(e != nullptr);
    offset = e->offset + e->size / 2;
  }
  FlipByte(DataFilename(src, 0, 1), offset);
  for (CopyPath path : {CopyPath::kKernel, CopyPath::kUserSpace}) {
    const std::string dst = dir + (path == CopyPath::kKernel ? "/kernel" : "/fallback") + "/model.ckpt";
    Status s = CopyAll(src, dst, CopyOptions{path, true});
    INFO(s.ToString());
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK(s.message().find("b/big") != std::string::npos);
    CHECK(s.message().find(DataFilename(src, 0, 1)) != std::string::npos);
    CHECK(!std::filesystem::exists(DataFilename(dst, 0, 1)));
    CHECK(!std::filesystem::exists(IndexFilename(dst)));
    CHECK(std::filesystem::is_empty(std::filesystem::path(dst).parent_path()));
  }
}

}  // namespace surgeon
