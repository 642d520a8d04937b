// The corruption matrix: for a small checkpoint of every format
// surgeon reads (V2 single-shard, V2 two-shard, V1, meta graph), every
// single-byte flip of the index/table (blocks, trailers, footer, magic) and
// of every tensor's bytes, truncation at every offset, missing/extra shards,
// num_shards disagreeing with the files, entries pointing outside their shard
// or overlapping, absurd shapes, unknown dtypes. Each must come back as an
// error Status naming the file (never a crash, never a huge allocation: run
// under scripts/sanitize.sh). Fixtures are written by the project's own
// writers; the corpus, when present, adds its small V1 and 2-shard cases
// (copied to a temp dir at run time).
#include <google/protobuf/stubs/logging.h>

#include <cstring>
#include <filesystem>
#include <map>

#include "base/coding.h"
#include "format/tensor_slices.h"
#include "proto/saved_model.pb.h"
#include "proto/saved_tensor_slice.pb.h"
#include "proto/tensor_bundle.pb.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/meta_graph.h"
#include "surgeon/format/ordered_code.h"
#include "surgeon/format/string_tensor.h"
#include "surgeon/format/table.h"
#include "surgeon/format/v1_reader.h"
#include "testing.h"
#include "v1_fixture.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::WriteFile;

std::vector<uint8_t> Pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 37);
  return v;
}

// A small single-shard V2 checkpoint: float, int32, string, double scalar
// and a zero-sized tensor.
std::string WriteV2(const std::string& dir, const std::string& name = "model.ckpt") {
  std::string prefix = dir + "/" + name;
  StagedOutput out;
  auto w = BundleWriter::Create(&out, prefix);
  REQUIRE(w.ok());
  static const uint8_t kNone = 0;
  auto add = [&](const std::string& key, DataType dt, Shape shape, std::vector<uint8_t> bytes) {
    // A non-null pointer for the empty tensor (memcpy(dst, nullptr, 0) in the
    // writer is UB that UBSan reports).
    Status s = (*w)->Add(key, dt, shape, ByteSpan(bytes.empty() ? &kNone : bytes.data(), bytes.size()));
    INFO(s.ToString());
    REQUIRE(s.ok());
  };
  add("a/weights", DataType::kFloat, {4, 3}, Pattern(48, 1));
  add("b/biases", DataType::kInt32, {5}, Pattern(20, 2));
  EncodedStringTensor st = EncodeStringTensor({"hello", "", "surgeon"});
  add("c/names", DataType::kString, {3}, st.bytes);
  add("d/scalar", DataType::kDouble, {}, Pattern(8, 3));
  add("e/empty", DataType::kFloat, {0, 3}, {});
  REQUIRE((*w)->Finish().ok());
  REQUIRE(out.Commit().ok());
  return prefix;
}

// Index table entries as (key, value), in order.
std::vector<std::pair<std::string, std::string>> ReadIndex(const std::string& prefix) {
  auto f = MappedFile::Open(IndexFilename(prefix));
  REQUIRE(f.ok());
  auto t = TableReader::Open(f->get());
  REQUIRE(t.ok());
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : (*t)->entries()) out.emplace_back(e.key, std::string(e.value));
  return out;
}

void WriteIndex(const std::string& prefix, const std::vector<std::pair<std::string, std::string>>& entries) {
  TableBuilder b;
  for (const auto& [k, v] : entries) REQUIRE(b.Add(k, v).ok());
  WriteFile(IndexFilename(prefix), b.Finish());
}

// A two-shard V2 checkpoint made by merging two single-shard bundles (TF's
// merged layout: one index, entries carrying shard_id).
std::string WriteV2TwoShards(const std::string& dir) {
  std::string a = WriteV2(dir + "/pa", "a");
  std::string b;
  {
    b = dir + "/pb/b";
    StagedOutput out;
    auto w = BundleWriter::Create(&out, b);
    REQUIRE(w.ok());
    auto x = Pattern(64, 9);
    REQUIRE((*w)->Add("z/kernel", DataType::kFloat, {4, 4}, ByteSpan(x.data(), x.size())).ok());
    auto y = Pattern(16, 7);
    REQUIRE((*w)->Add("z/step", DataType::kInt64, {2}, ByteSpan(y.data(), y.size())).ok());
    REQUIRE((*w)->Finish().ok());
    REQUIRE(out.Commit().ok());
  }
  auto ia = ReadIndex(a), ib = ReadIndex(b);
  tensorflow::BundleHeaderProto h;
  REQUIRE(h.ParseFromString(ia[0].second));
  h.set_num_shards(2);
  std::map<std::string, std::string> merged;
  for (size_t i = 1; i < ia.size(); ++i) merged[ia[i].first] = ia[i].second;
  for (size_t i = 1; i < ib.size(); ++i) {
    tensorflow::BundleEntryProto e;
    REQUIRE(e.ParseFromString(ib[i].second));
    e.set_shard_id(1);
    merged[ib[i].first] = e.SerializeAsString();
  }
  std::vector<std::pair<std::string, std::string>> entries{{"", h.SerializeAsString()}};
  for (const auto& kv : merged) entries.push_back(kv);
  const std::string prefix = dir + "/model.ckpt";
  WriteIndex(prefix, entries);
  fs::copy_file(DataFilename(a, 0, 1), DataFilename(prefix, 0, 2));
  fs::copy_file(DataFilename(b, 0, 1), DataFilename(prefix, 1, 2));
  return prefix;
}

using V1Spec = testing::V1Tensor;

std::string WriteV1File(const std::string& path, const std::vector<V1Spec>& tensors) {
  WriteFile(path, testing::EncodeV1Checkpoint(tensors));
  return path;
}

// A small V1 checkpoint as TensorSliceWriter writes it: a float tensor in
// one slice, an int64 tensor saved as two slices.
std::vector<V1Spec> SmallV1() {
  tensorflow::TensorProto f;
  for (int i = 0; i < 12; ++i) f.add_float_val(0.5f * i);
  tensorflow::TensorProto top, bottom;
  for (int i = 0; i < 4; ++i) top.add_int64_val(1000 * i);
  for (int i = 0; i < 4; ++i) bottom.add_int64_val(-7 * i);
  TensorSlice full2(2, SliceExtent{0, -1});
  return {
      {"v1/weights", DataType::kFloat, {3, 4}, {{full2, f}}},
      {"v1/table",
       DataType::kInt64,
       {4, 2},
       {{TensorSlice{{0, 2}, {0, -1}}, top}, {TensorSlice{{2, 2}, {0, -1}}, bottom}}},
  };
}

// Opens `path` (anything OpenCheckpoint accepts) and reads every tensor.
Status OpenAndReadAll(const std::string& path) {
  auto r = OpenCheckpoint(path);
  if (!r.ok()) return r.status();
  for (const auto& e : (*r)->entries()) {
    auto d = (*r)->Read(e);
    if (!d.ok()) return d.status();
  }
  return Status::OK();
}

// The checkpoint at `path` must be rejected with a message naming a file in
// `dir` (a path under it).
void ExpectRejected(const std::string& path, const std::string& dir, const std::string& what) {
  Status s = OpenAndReadAll(path);
  INFO(what);
  INFO(s.ToString());
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find(dir) != std::string::npos);
}

// Every single-byte flip (two patterns) and every truncation of `file` must
// make `path` unreadable, with the message naming the checkpoint's files.
// Returns the number of cases checked.
int FlipAndTruncateEverywhere(const std::string& path, const std::string& file, const std::string& dir,
                              uint64_t begin = 0, uint64_t end = UINT64_MAX, bool truncate = true) {
  const std::string orig = ReadFile(file);
  end = std::min<uint64_t>(end, orig.size());
  int cases = 0;
  for (uint64_t i = begin; i < end; ++i) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0xff}}) {
      std::string bad = orig;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      WriteFile(file, bad);
      ExpectRejected(path, dir, file + ": byte " + std::to_string(i) + " ^ " + std::to_string(mask));
      ++cases;
    }
    if (truncate) {
      WriteFile(file, orig.substr(0, i));
      ExpectRejected(path, dir, file + ": truncated to " + std::to_string(i) + " bytes");
      ++cases;
    }
  }
  WriteFile(file, orig);
  REQUIRE(OpenAndReadAll(path).ok());
  return cases;
}

// Byte ranges of every tensor in the single data shard(s) of `prefix`.
std::vector<std::tuple<std::string, int, uint64_t, uint64_t>> TensorRanges(const std::string& prefix) {
  auto r = BundleReader::Open(prefix);
  REQUIRE(r.ok());
  std::vector<std::tuple<std::string, int, uint64_t, uint64_t>> out;
  for (const auto* list : {&(*r)->entries(), &(*r)->slice_entries()}) {
    for (const auto& e : *list) {
      if (e.shard_id >= 0 && e.size > 0) out.emplace_back(e.key, e.shard_id, e.offset, e.offset + e.size);
    }
  }
  return out;
}

void CopyDir(const std::string& from, const std::string& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from)) {
    if (e.is_regular_file()) {
      fs::copy_file(e.path(), fs::path(to) / e.path().filename());
      fs::permissions(fs::path(to) / e.path().filename(), fs::perms::owner_write, fs::perm_options::add);
    }
  }
}

// Rewrites one index entry (or the header, key "") of `prefix` in place.
template <typename Msg, typename Fn>
void MutateIndexEntry(const std::string& prefix, const std::string& key, Fn&& fn) {
  auto entries = ReadIndex(prefix);
  bool found = false;
  for (auto& [k, v] : entries) {
    if (k != key) continue;
    Msg m;
    REQUIRE(m.ParseFromString(v));
    fn(m);
    v = m.SerializeAsString();
    found = true;
  }
  REQUIRE(found);
  WriteIndex(prefix, entries);
}

}  // namespace

TEST_CASE("Matrix V2 single shard: every index byte flipped or truncated is rejected", "[corruption][matrix][v2]") {
  const std::string dir = testing::MakeTempDir("matrix-v2-index");
  const std::string prefix = WriteV2(dir);
  REQUIRE(OpenAndReadAll(prefix).ok());
  int n = FlipAndTruncateEverywhere(prefix, IndexFilename(prefix), dir);
  CHECK(n > 500);
}

TEST_CASE("Matrix V2 single shard: every byte of every tensor flipped, the data file truncated anywhere",
          "[corruption][matrix][v2]") {
  const std::string dir = testing::MakeTempDir("matrix-v2-data");
  const std::string prefix = WriteV2(dir);
  const std::string data = DataFilename(prefix, 0, 1);
  for (const auto& [key, shard, b, e] : TensorRanges(prefix)) {
    INFO(key);
    FlipAndTruncateEverywhere(prefix, data, dir, b, e, /*truncate=*/false);
    // The message names the data file and the tensor.
    std::string orig = ReadFile(data), bad = orig;
    bad[b] ^= 0x20;
    WriteFile(data, bad);
    Status s = OpenAndReadAll(prefix);
    CHECK(s.message().find(data) != std::string::npos);
    CHECK(s.message().find(key) != std::string::npos);
    WriteFile(data, orig);
  }
  const std::string orig = ReadFile(data);
  for (size_t len = 0; len < orig.size(); ++len) {
    WriteFile(data, orig.substr(0, len));
    ExpectRejected(prefix, dir, "data truncated to " + std::to_string(len));
  }
}

TEST_CASE("Matrix V2 two shards: index and both data files", "[corruption][matrix][v2]") {
  const std::string dir = testing::MakeTempDir("matrix-v2-2shards");
  const std::string prefix = WriteV2TwoShards(dir);
  REQUIRE(OpenAndReadAll(prefix).ok());
  FlipAndTruncateEverywhere(prefix, IndexFilename(prefix), dir);
  for (const auto& [key, shard, b, e] : TensorRanges(prefix)) {
    INFO(key);
    FlipAndTruncateEverywhere(prefix, DataFilename(prefix, shard, 2), dir, b, e, false);
  }
  for (int shard = 0; shard < 2; ++shard) {
    const std::string data = DataFilename(prefix, shard, 2);
    const std::string orig = ReadFile(data);
    for (size_t len = 0; len < orig.size(); len += 3) {
      WriteFile(data, orig.substr(0, len));
      ExpectRejected(prefix, dir, data + " truncated to " + std::to_string(len));
    }
    WriteFile(data, orig);
  }
}

TEST_CASE("Matrix V2 two shards from the corpus (copied to a temp dir)", "[corruption][matrix][v2][corpus]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  const std::string dir = testing::MakeTempDir("matrix-ruan");
  CopyDir(corpus + "/v2_sharded_ruan", dir);
  const std::string prefix = dir + "/model.ckpt";
  REQUIRE(OpenAndReadAll(prefix).ok());
  FlipAndTruncateEverywhere(prefix, IndexFilename(prefix), dir);
  int checked = 0;
  for (const auto& [key, shard, b, e] : TensorRanges(prefix)) {
    // First, middle and last byte of every tensor (the files are 14 KB).
    const std::string data = DataFilename(prefix, shard, 2);
    for (uint64_t at : {b, b + (e - b) / 2, e - 1}) {
      FlipAndTruncateEverywhere(prefix, data, dir, at, at + 1, false);
      ++checked;
    }
  }
  CHECK(checked > 0);
  // Missing shard.
  fs::rename(DataFilename(prefix, 1, 2), dir + "/moved");
  Status s = OpenAndReadAll(prefix);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == StatusCode::kNotFound);
  CHECK(s.message().find("model.ckpt.data-00001-of-00002") != std::string::npos);
  fs::rename(dir + "/moved", DataFilename(prefix, 1, 2));
}

TEST_CASE("Matrix V2: missing, extra and disagreeing shards", "[corruption][matrix][v2]") {
  const std::string dir = testing::MakeTempDir("matrix-shards");
  const std::string prefix = WriteV2TwoShards(dir);
  const std::string s0 = DataFilename(prefix, 0, 2), s1 = DataFilename(prefix, 1, 2);

  SECTION("a missing shard is NotFound naming it and the index") {
    fs::remove(s1);
    Status s = OpenAndReadAll(prefix);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == StatusCode::kNotFound);
    CHECK(s.message().find(s1) != std::string::npos);
    CHECK(s.message().find(IndexFilename(prefix)) != std::string::npos);
  }
  SECTION("an empty shard file: entries lie outside it") {
    WriteFile(s0, "");
    ExpectRejected(prefix, dir, "empty shard");
  }
  SECTION("num_shards larger than the files on disk") {
    MutateIndexEntry<tensorflow::BundleHeaderProto>(prefix, "", [](auto& h) { h.set_num_shards(3); });
    Status s = OpenAndReadAll(prefix);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("data-00000-of-00003") != std::string::npos);
  }
  SECTION("num_shards smaller than the files on disk (an extra shard)") {
    MutateIndexEntry<tensorflow::BundleHeaderProto>(prefix, "", [](auto& h) { h.set_num_shards(1); });
    // The -of-00001 name does not exist; with it present, shard_id 1 is out of range.
    ExpectRejected(prefix, dir, "num_shards 1");
    fs::copy_file(s0, DataFilename(prefix, 0, 1));
    Status s = OpenAndReadAll(prefix);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("shard_id 1") != std::string::npos);
  }
  SECTION("absurd num_shards values are rejected before any file is opened") {
    for (int32_t n : {0, -1, -2147483647 - 1, 65537, 2147483647}) {
      MutateIndexEntry<tensorflow::BundleHeaderProto>(prefix, "", [&](auto& h) { h.set_num_shards(n); });
      Status s = OpenAndReadAll(prefix);
      INFO(n);
      REQUIRE_FALSE(s.ok());
      CHECK(s.message().find("num_shards") != std::string::npos);
    }
  }
  SECTION("a stray shard of another checkpoint next to it is ignored") {
    fs::copy_file(s0, DataFilename(prefix, 0, 1));
    CHECK(OpenAndReadAll(prefix).ok());
  }
}

TEST_CASE("Matrix V2: entries pointing outside their shard, overlapping, or inconsistent", "[corruption][matrix][v2]") {
  const std::string dir = testing::MakeTempDir("matrix-entries");
  const std::string prefix = WriteV2(dir);
  const std::string orig_index = ReadFile(IndexFilename(prefix));
  const uint64_t data_size = fs::file_size(DataFilename(prefix, 0, 1));
  using Entry = tensorflow::BundleEntryProto;
  struct Case {
    std::string what;
    std::string key;
    std::function<void(Entry&)> fn;
    std::string expect;  // substring of the message
  };
  const int64_t kMax = INT64_MAX;
  std::vector<Case> cases = {
      {"offset past the end", "a/weights", [&](Entry& e) { e.set_offset(data_size); }, "outside"},
      {"offset + size past the end", "b/biases", [&](Entry& e) { e.set_offset(data_size - 4); }, "outside"},
      {"offset + size overflows 64 bits", "a/weights", [&](Entry& e) { e.set_offset(kMax - 10); }, "outside"},
      {"huge size", "c/names", [&](Entry& e) { e.set_size(kMax); }, "outside"},
      {"negative offset", "a/weights", [&](Entry& e) { e.set_offset(-48); }, "negative"},
      {"negative size", "a/weights", [&](Entry& e) { e.set_size(-1); }, "negative"},
      {"overlapping tensors", "b/biases", [&](Entry& e) { e.set_offset(4); }, "overlap"},
      {"size != dtype x elements (small)", "a/weights", [&](Entry& e) { e.set_size(44); }, "does not match"},
      {"size != dtype x elements (shape)", "a/weights",
       [&](Entry& e) { e.mutable_shape()->mutable_dim(0)->set_size(5); }, "does not match"},
      {"negative dimension", "a/weights", [&](Entry& e) { e.mutable_shape()->mutable_dim(0)->set_size(-4); },
       "negative dimension"},
      {"element count overflows 64 bits", "a/weights",
       [&](Entry& e) {
         e.mutable_shape()->mutable_dim(0)->set_size(int64_t{1} << 32);
         e.mutable_shape()->mutable_dim(1)->set_size(int64_t{1} << 32);
       },
       "2^63"},
      {"byte count overflows 64 bits (2^62 floats)", "a/weights",
       [&](Entry& e) {
         e.mutable_shape()->clear_dim();
         e.mutable_shape()->add_dim()->set_size(int64_t{1} << 62);
       },
       "2^63"},
      {"2^60 floats (4 EiB) in a 48-byte entry", "a/weights",
       [&](Entry& e) {
         e.mutable_shape()->clear_dim();
         e.mutable_shape()->add_dim()->set_size(int64_t{1} << 60);
       },
       "does not match"},
      {"2^60 strings", "c/names", [&](Entry& e) { e.mutable_shape()->mutable_dim(0)->set_size(int64_t{1} << 60); },
       "too small"},
      {"unknown rank", "a/weights", [&](Entry& e) { e.mutable_shape()->set_unknown_rank(true); }, "unknown rank"},
      {"rank 255 (TensorFlow allows 254)", "d/scalar",
       [&](Entry& e) {
         for (int i = 0; i < 255; ++i) e.mutable_shape()->add_dim()->set_size(1);
       },
       "at most 254"},
      {"dtype 0 (invalid)", "a/weights", [&](Entry& e) { e.set_dtype(static_cast<tensorflow::DataType>(0)); },
       "unknown dtype"},
      {"dtype 1000", "a/weights", [&](Entry& e) { e.set_dtype(static_cast<tensorflow::DataType>(1000)); },
       "unknown dtype"},
      {"dtype -5", "a/weights", [&](Entry& e) { e.set_dtype(static_cast<tensorflow::DataType>(-5)); }, "unknown dtype"},
      {"shard_id out of range", "a/weights", [&](Entry& e) { e.set_shard_id(1); }, "shard_id"},
      {"negative shard_id", "a/weights", [&](Entry& e) { e.set_shard_id(-1); }, "shard_id"},
      {"wrong crc32c", "d/scalar", [&](Entry& e) { e.set_crc32c(e.crc32c() ^ 1); }, "checksum"},
      {"dtype changed to int64 (same size)", "d/scalar",
       [&](Entry& e) { e.set_dtype(static_cast<tensorflow::DataType>(DataType::kInt64)); }, ""},
      {"slice outside the shape", "a/weights",
       [&](Entry& e) {
         auto* s = e.add_slices();
         s->add_extent()->set_start(3);
         s->add_extent()->set_length(7);
       },
       "slice"},
  };
  for (const auto& c : cases) {
    WriteFile(IndexFilename(prefix), orig_index);
    MutateIndexEntry<Entry>(prefix, c.key, c.fn);
    Status s = OpenAndReadAll(prefix);
    INFO(c.what);
    INFO(s.ToString());
    if (c.what.find("same size") != std::string::npos) {
      // Reinterpreting bytes with a same-size dtype cannot be detected by
      // the format (the crc covers bytes only); it must not crash.
      continue;
    }
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find(dir) != std::string::npos);
    CHECK(s.message().find(c.expect) != std::string::npos);
  }
  WriteFile(IndexFilename(prefix), orig_index);
  REQUIRE(OpenAndReadAll(prefix).ok());
}

TEST_CASE("Matrix V2: bad headers", "[corruption][matrix][v2]") {
  const std::string dir = testing::MakeTempDir("matrix-header");
  const std::string prefix = WriteV2(dir);
  const std::string orig = ReadFile(IndexFilename(prefix));
  using H = tensorflow::BundleHeaderProto;
  std::vector<std::pair<std::string, std::function<void(H&)>>> cases = {
      {"big-endian", [](H& h) { h.set_endianness(H::BIG); }},
      {"endianness 7", [](H& h) { h.set_endianness(static_cast<H::Endianness>(7)); }},
      {"min_consumer 2", [](H& h) { h.mutable_version()->set_min_consumer(2); }},
      {"bad consumer 1", [](H& h) { h.mutable_version()->add_bad_consumers(1); }},
      {"negative producer", [](H& h) { h.mutable_version()->set_producer(-1); }},
  };
  for (const auto& [what, fn] : cases) {
    WriteFile(IndexFilename(prefix), orig);
    MutateIndexEntry<H>(prefix, "", fn);
    INFO(what);
    ExpectRejected(prefix, dir, what);
  }
  // No header at all / a header that is not a BundleHeaderProto.
  auto entries = ReadIndex(prefix);
  entries.erase(entries.begin());
  WriteIndex(prefix, entries);
  ExpectRejected(prefix, dir, "no header");
  entries.insert(entries.begin(), {"", "\xff\xff\xff"});
  WriteIndex(prefix, entries);
  ExpectRejected(prefix, dir, "garbage header");
  // An entry that does not parse.
  entries[0] = {"", ReadIndex(WriteV2(testing::MakeTempDir("matrix-header2")))[0].second};
  entries[1].second = "\x0a\xff";
  WriteIndex(prefix, entries);
  ExpectRejected(prefix, dir, "garbage entry");
}

TEST_CASE("Matrix V2: a snappy block claiming a huge uncompressed size is rejected without allocating it",
          "[corruption][matrix][table]") {
  const std::string dir = testing::MakeTempDir("matrix-snappy");
  const std::string path = dir + "/t.index";
  // Hand-made table: one snappy "data block" whose varint length says 2 GiB.
  std::string block = "\x80\x80\x80\x80\x08";  // uncompressed length 2^31
  block += std::string(8, '\0');
  auto trailer = [](const std::string& b, char type) {
    std::string t(1, type);
    uint32_t crc = crc32c::Mask(crc32c::Extend(crc32c::Value(b.data(), b.size()), &type, 1));
    t.append(reinterpret_cast<const char*>(&crc), 4);
    return t;
  };
  std::string file = block + trailer(block, 1);
  // Index block with one entry pointing at it; empty metaindex.
  std::string handle;
  PutVarint64(&handle, 0);
  PutVarint64(&handle, block.size());
  std::string index;
  index += '\0';
  index += '\x01';
  index += static_cast<char>(handle.size());
  index += "a";
  index += handle;
  uint32_t restart0 = 0, one = 1;
  index.append(reinterpret_cast<const char*>(&restart0), 4);
  index.append(reinterpret_cast<const char*>(&one), 4);
  std::string meta(reinterpret_cast<const char*>(&restart0), 4);
  meta.append(reinterpret_cast<const char*>(&one), 4);
  uint64_t meta_off = file.size();
  file += meta + trailer(meta, 0);
  uint64_t index_off = file.size();
  file += index + trailer(index, 0);
  std::string footer;
  PutVarint64(&footer, meta_off);
  PutVarint64(&footer, meta.size());
  PutVarint64(&footer, index_off);
  PutVarint64(&footer, index.size());
  footer.resize(40, '\0');
  uint64_t magic = kTableMagicNumber;
  footer.append(reinterpret_cast<const char*>(&magic), 4);
  footer.append(reinterpret_cast<const char*>(&magic) + 4, 4);
  WriteFile(path, file + footer);
  auto f = MappedFile::Open(path);
  REQUIRE(f.ok());
  auto t = TableReader::Open(f->get());
  INFO(t.status().ToString());
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message().find(path) != std::string::npos);
  CHECK(t.status().message().find("snappy") != std::string::npos);
}

TEST_CASE("Matrix V1: every table byte flipped or truncated is rejected", "[corruption][matrix][v1]") {
  const std::string dir = testing::MakeTempDir("matrix-v1");
  const std::string path = WriteV1File(dir + "/model.ckpt", SmallV1());
  REQUIRE(OpenAndReadAll(path).ok());
  int n = FlipAndTruncateEverywhere(path, path, dir);
  CHECK(n > 500);
}

TEST_CASE("Matrix V1 from the corpus (copied to a temp dir)", "[corruption][matrix][v1][corpus]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  const std::string dir = testing::MakeTempDir("matrix-neo");
  fs::copy_file(corpus + "/v1_neo_2016/model.ckpt", dir + "/model.ckpt");
  fs::permissions(dir + "/model.ckpt", fs::perms::owner_write, fs::perm_options::add);
  REQUIRE(OpenAndReadAll(dir + "/model.ckpt").ok());
  FlipAndTruncateEverywhere(dir + "/model.ckpt", dir + "/model.ckpt", dir);
}

TEST_CASE("Matrix V1: absurd shapes, unknown dtypes, inconsistent records", "[corruption][matrix][v1]") {
  const std::string dir = testing::MakeTempDir("matrix-v1-meta");
  struct Case {
    std::string what;
    std::function<void(std::vector<V1Spec>&)> fn;
    std::string expect;
  };
  std::vector<Case> cases = {
      {"negative dim", [](auto& t) { t[0].shape[0] = -3; }, "negative"},
      {"2^60 elements", [](auto& t) { t[0].shape = {int64_t{1} << 60}; }, "more than the file has bytes"},
      {"2^32 x 2^32 elements",
       [](auto& t) {
         t[0].shape = {int64_t{1} << 32, int64_t{1} << 32};
       },
       "2^63"},
      {"dtype 0", [](auto& t) { t[0].dtype = static_cast<DataType>(0); }, "unknown dtype"},
      {"dtype 999", [](auto& t) { t[0].dtype = static_cast<DataType>(999); }, "unknown dtype"},
      {"dtype -1", [](auto& t) { t[0].dtype = static_cast<DataType>(-1); }, "unknown dtype"},
      {"shape bigger than the stored values",
       [](auto& t) {
         t[0].shape = {3, 5};
       },
       "values"},
      {"values for a different dtype", [](auto& t) { t[0].dtype = DataType::kInt32; }, ""},
      {"slices that do not cover the tensor", [](auto& t) { t[1].slices.pop_back(); }, ""},
      {"duplicate tensor", [](auto& t) { t.push_back(t[0]); }, ""},
  };
  for (const auto& c : cases) {
    auto spec = SmallV1();
    c.fn(spec);
    std::string path = dir + "/case.ckpt";
    // Duplicate keys cannot be written to a table: emulate with the meta only.
    if (c.what == "duplicate tensor") {
      tensorflow::SavedTensorSlices meta;
      auto base = SmallV1();
      WriteV1File(path, base);
      auto f = MappedFile::Open(path);
      auto t = TableReader::Open(f->get());
      REQUIRE(meta.ParseFromString(std::string((*t)->Find("")->value)));
      *meta.mutable_meta()->add_tensor() = meta.meta().tensor(0);
      TableBuilder b;
      REQUIRE(b.Add("", meta.SerializeAsString()).ok());
      for (size_t i = 1; i < (*t)->entries().size(); ++i) {
        REQUIRE(b.Add((*t)->entries()[i].key, (*t)->entries()[i].value).ok());
      }
      t->reset();
      f->reset();
      WriteFile(path, b.Finish());
    } else {
      WriteV1File(path, spec);
    }
    Status s = OpenAndReadAll(path);
    INFO(c.what);
    INFO(s.ToString());
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find(path) != std::string::npos);
    CHECK(s.message().find(c.expect) != std::string::npos);
  }
}

TEST_CASE("Matrix meta graph: not a MetaGraphDef, flips and truncations never crash", "[corruption][matrix][meta]") {
  const std::string dir = testing::MakeTempDir("matrix-meta");
  // Things that are not meta graphs, each rejected naming the file.
  const std::string v2 = WriteV2(dir);
  std::vector<std::pair<std::string, std::string>> not_meta = {
      {"empty.meta", ""},
      {"index.meta", ReadFile(IndexFilename(v2))},
      {"text.meta", "model_checkpoint_path: \"model.ckpt\"\n"},
      {"yaml.meta", "source: {checkpoint: a}\n"},
      {"zeros.meta", std::string(64, '\0')},
      {"ff.meta", std::string(64, '\xff')},
      {"png.meta", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)},
  };
  for (const auto& [name, bytes] : not_meta) {
    WriteFile(dir + "/" + name, bytes);
    auto r = ReadMetaGraph(dir + "/" + name);
    INFO(name);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find(dir + "/" + name) != std::string::npos);
  }
  // A small real meta graph: every flip and truncation must parse or fail
  // cleanly, and whatever parses must summarize.
  std::string meta_bytes;
  if (auto corpus = testing::CorpusDir()) {
    meta_bytes = ReadFile(*corpus + "/v1_neo_2016/model.ckpt.meta");
  } else {
    tensorflow::MetaGraphDef mg;
    mg.mutable_meta_info_def()->set_tensorflow_version("1.15.0");
    auto* n = mg.mutable_graph_def()->add_node();
    n->set_name("w");
    n->set_op("VariableV2");
    meta_bytes = mg.SerializeAsString();
  }
  REQUIRE(ParseMetaGraph(meta_bytes, "m.meta").ok());
  google::protobuf::LogSilencer
      quiet;  // protobuf logs each invalid UTF-8 string a flip makes; the result is what counts
  // Every byte of a small graph; a stride keeping it to ~4000 cases otherwise.
  const size_t step = std::max<size_t>(1, meta_bytes.size() / 4000);
  for (size_t i = 0; i < meta_bytes.size(); i += step) {
    std::string bad = meta_bytes;
    bad[i] ^= 0xff;
    auto r = ParseMetaGraph(bad, "m.meta");
    if (r.ok()) {
      (void)SummarizeMetaGraph(*r);
      (void)ComputeVariableFeeds(r->graph_def());
    } else {
      CHECK(r.status().message().find("m.meta") != std::string::npos);
    }
    auto t = ParseMetaGraph(std::string_view(meta_bytes).substr(0, i), "m.meta");
    if (t.ok()) (void)SummarizeMetaGraph(*t);
  }
}

TEST_CASE("Matrix SavedModel: saved_model.pb that is not a SavedModel, flips and truncations never crash",
          "[corruption][matrix][meta][saved_model]") {
  const std::string dir = testing::MakeTempDir("matrix-saved-model");
  // A SavedModel with no meta graph, and files that are no SavedModel at
  // all, each rejected naming the file.
  const std::vector<std::pair<std::string, std::string>> not_saved_model = {
      {"empty", ""},
      {"no_graph",
       [] {
         tensorflow::SavedModel sm;
         sm.set_saved_model_schema_version(1);
         return sm.SerializeAsString();
       }()},
      {"text", "saved_model_schema_version: 1\n"},
      {"ff", std::string(64, '\xff')},
  };
  for (const auto& [sub, bytes] : not_saved_model) {
    const std::string path = dir + "/" + sub + "/saved_model.pb";
    std::filesystem::create_directories(dir + "/" + sub);
    WriteFile(path, bytes);
    auto r = ReadMetaGraph(path);
    INFO(sub);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find(path) != std::string::npos);
  }
  std::string bytes;
  if (auto corpus = testing::CorpusDir()) {
    bytes = ReadFile(*corpus + "/tf2_savedmodel_mnist/saved_model.pb");
  } else {
    WARN("SKIPPED part: corpus not found, using a synthetic SavedModel");
    tensorflow::SavedModel sm;
    sm.set_saved_model_schema_version(1);
    auto* n = sm.add_meta_graphs()->mutable_graph_def()->add_node();
    n->set_name("dense/kernel");
    n->set_op("VarHandleOp");
    bytes = sm.SerializeAsString();
  }
  REQUIRE(ParseMetaGraph(bytes, "saved_model.pb", /*saved_model=*/true).ok());
  google::protobuf::LogSilencer quiet;
  const size_t step = std::max<size_t>(1, bytes.size() / 3000);
  for (size_t i = 0; i < bytes.size(); i += step) {
    std::string bad = bytes;
    bad[i] ^= 0xff;
    auto r = ParseMetaGraph(bad, "saved_model.pb", true);
    if (r.ok()) {
      (void)SummarizeMetaGraph(*r);
      (void)ComputeVariableFeeds(r->graph_def());
    } else {
      CHECK(r.status().message().find("saved_model.pb") != std::string::npos);
    }
    auto t = ParseMetaGraph(std::string_view(bytes).substr(0, i), "saved_model.pb", true);
    if (t.ok()) (void)SummarizeMetaGraph(*t);
  }
}

}  // namespace surgeon
