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

// Copies every tensor but "c/dropped", renamed under "x/", with `options`.
Status CopyAll(const std::string& src, const std::string& dst, const CopyOptions& options, bool commit = true) {
  SURGEON_ASSIGN_OR_RETURN(auto reader, BundleReader::Open(src));
  std::vector<CopyItem> items;
  for (const TensorEntry& e : reader->entries()) {
    if (e.key == "c/dropped") continue;
    CopyItem item = SameCopy(e);
    item.target_key = "x/" + e.key;
    items.push_back(item);
  }
  SortForSequentialReads(&items);
  StagedOutput out;
  SURGEON_ASSIGN_OR_RETURN(auto writer, BundleWriter::Create(&out, dst));
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
