// target.max_shard_bytes and `convert --max-shard-bytes` through the CLI:
// the output's data files hold at most the limit (a larger tensor alone),
// filled in write order; it reads back byte for byte and passes `verify`;
// with --link the source's file stays shard 0; --force replaces a
// checkpoint of another file count without leaving old files; bad sizes are
// refused with nothing written. (TensorFlow reads such outputs: tests/tf.)
#include <filesystem>

#include "fixture.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "testing.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;
using testing::Quote;
using testing::Run;
using testing::WriteFile;

// Six float32 tensors of 4 KiB each (data in this order) and a 256-byte
// one that the surgeries drop.
std::vector<testing::FixtureTensor> SourceTensors() {
  std::vector<testing::FixtureTensor> t;
  for (int i = 0; i < 6; ++i) {
    t.push_back({"net/l" + std::to_string(i) + "/w",
                 DataType::kFloat,
                 {1024},
                 testing::PatternBytes(4096, static_cast<uint8_t>(i + 1))});
  }
  t.push_back({"net/old/w", DataType::kFloat, {64}, testing::PatternBytes(256, 99)});
  return t;
}

std::string Setup(const std::string& tag, const std::string& target) {
  const std::string dir = testing::MakeTempDir(tag);
  testing::WriteFixture(dir + "/src/model.ckpt", SourceTensors());
  WriteFile(dir + "/surgery.yaml", "source: src/model.ckpt\ntarget: " + target +
                                       "\nseed: 1\ndrop: ['net/old/*']\n"
                                       "new: [{name: net/head/w, shape: [1500], initializer: zeros}]\n");
  return dir;
}

std::vector<std::string> DataFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().find(".data-") != std::string::npos) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every source tensor but net/old/w is in `prefix` with the same bytes.
void CheckCopiedValues(const std::string& source, const std::string& prefix) {
  auto src = BundleReader::Open(source);
  auto out = BundleReader::Open(prefix);
  REQUIRE(src.ok());
  REQUIRE(out.ok());
  for (const TensorEntry& e : (*src)->entries()) {
    if (e.key == "net/old/w") continue;
    INFO(e.key);
    const TensorEntry* o = (*out)->Find(e.key);
    REQUIRE(o != nullptr);
    auto a = (*src)->Read(e);
    auto b = (*out)->Read(*o);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(std::equal(a->bytes().begin(), a->bytes().end(), b->bytes().begin(), b->bytes().end()));
  }
}

}  // namespace

TEST_CASE("run with target.max_shard_bytes: data files of at most the limit, in write order", "[cli][shards]") {
  const std::string dir = Setup("shards_run", "{checkpoint: out/model.ckpt-0, max_shard_bytes: 10kB}");
  const std::string cd = "cd " + Quote(dir) + " && ";
  auto [prc, plan] = Run(cd + testing::SurgeonBinary() + " plan surgery.yaml 2>&1");
  INFO(plan);
  CHECK(prc == 0);
  CHECK(plan.find("data files of at most 9.8 KiB") != std::string::npos);
  auto [jrc, json] = Run(cd + testing::SurgeonBinary() + " plan --json surgery.yaml 2>/dev/null");
  REQUIRE(jrc == 0);
  CHECK(nlohmann::json::parse(json)["target"]["max_shard_bytes"] == 10000);

  auto [rc, out] = Run(cd + testing::SurgeonBinary() + " run surgery.yaml 2>&1");
  INFO(out);
  REQUIRE(rc == 0);
  // 6 x 4096 copied, two per file (8192 <= 10000), then the 6000-byte head.
  const std::vector<std::string> files = DataFiles(dir + "/out");
  REQUIRE(files.size() == 4);
  for (int i = 0; i < 4; ++i) {
    CHECK(files[i] == DataFilename(dir + "/out/model.ckpt-0", i, 4));
    CHECK(fs::file_size(files[i]) == (i < 3 ? 8192u : 6000u));
    CHECK(out.find("out/" + fs::path(files[i]).filename().string()) != std::string::npos);  // listed as written
  }
  CheckCopiedValues(dir + "/src/model.ckpt", dir + "/out/model.ckpt-0");
  auto [vrc, vout] = Run(testing::SurgeonBinary() + " verify " + Quote(dir + "/out/model.ckpt-0") + " 2>&1");
  INFO(vout);
  CHECK(vrc == 0);

  // Replaced by a one-file checkpoint, and back: no file of the other count stays.
  WriteFile(dir + "/one.yaml", "source: src/model.ckpt\ntarget: out/model.ckpt-0\nseed: 1\n");
  REQUIRE(Run(cd + testing::SurgeonBinary() + " run --force one.yaml 2>&1").first == 0);
  CHECK(DataFiles(dir + "/out") == std::vector<std::string>{DataFilename(dir + "/out/model.ckpt-0", 0, 1)});
  REQUIRE(Run(cd + testing::SurgeonBinary() + " run --force surgery.yaml 2>&1").first == 0);
  CHECK(DataFiles(dir + "/out").size() == 4);
}

TEST_CASE("run --link with target.max_shard_bytes: shard 0 is the source's file, the rest is split",
          "[cli][shards][link]") {
  const std::string dir = Setup("shards_link", "{checkpoint: out/model.ckpt-0, max_shard_bytes: 4000}");
  auto [rc, out] = Run("cd " + Quote(dir) + " && " + testing::SurgeonBinary() + " run --link surgery.yaml 2>&1");
  INFO(out);
  REQUIRE(rc == 0);
  const std::string prefix = dir + "/out/model.ckpt-0";
  // Copied tensors stay in the shared file; the 6000-byte head is over the
  // limit: a file of its own (there is nothing else to write).
  CHECK(DataFiles(dir + "/out") == std::vector<std::string>{DataFilename(prefix, 0, 2), DataFilename(prefix, 1, 2)});
  CHECK(fs::equivalent(DataFilename(prefix, 0, 2), DataFilename(dir + "/src/model.ckpt", 0, 1)));
  CheckCopiedValues(dir + "/src/model.ckpt", prefix);
}

TEST_CASE("convert --max-shard-bytes: the same tensors over several files; bad sizes refused", "[cli][shards]") {
  const std::string dir = testing::MakeTempDir("shards_convert");
  testing::WriteFixture(dir + "/src/model.ckpt", SourceTensors());
  const std::string convert = testing::SurgeonBinary() + " convert " + Quote(dir + "/src/model.ckpt") + " ";
  auto [rc, out] = Run(convert + Quote(dir + "/out/model.ckpt") + " --max-shard-bytes 8KiB 2>&1");
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(DataFiles(dir + "/out").size() == 4);  // 4096+4096 | ... | ... | 256
  auto src = BundleReader::Open(dir + "/src/model.ckpt");
  auto dst = BundleReader::Open(dir + "/out/model.ckpt");
  REQUIRE(src.ok());
  REQUIRE(dst.ok());
  for (const TensorEntry& e : (*src)->entries()) {
    INFO(e.key);
    auto a = (*src)->Read(e);
    auto b = (*dst)->Read(*(*dst)->Find(e.key));
    REQUIRE(b.ok());
    CHECK(std::equal(a->bytes().begin(), a->bytes().end(), b->bytes().begin(), b->bytes().end()));
  }

  for (const char* bad : {"0", "8 Ki", "-1", "lots"}) {
    INFO(bad);
    auto [brc, bout] = Run(convert + Quote(dir + "/bad/model.ckpt") + " --max-shard-bytes " + Quote(bad) + " 2>&1");
    CHECK(brc != 0);
    CHECK(bout.find("--max-shard-bytes '" + std::string(bad) + "'") != std::string::npos);
    CHECK(!fs::exists(dir + "/bad"));
  }
  auto [src_rc, sout] = Run(convert + Quote(dir + "/w.safetensors") + " --max-shard-bytes 8KiB 2>&1");
  CHECK(src_rc != 0);
  CHECK(sout.find("tf_checkpoint output only") != std::string::npos);
  CHECK(!fs::exists(dir + "/w.safetensors"));
}

TEST_CASE("convert into more data files than the process may hold open, fsynced", "[cli][shards]") {
  const std::string dir = testing::MakeTempDir("shards_many");
  std::vector<testing::FixtureTensor> tensors;
  for (int i = 0; i < 600; ++i) {
    tensors.push_back({"t" + std::to_string(1000 + i), DataType::kUint8, {8}, testing::PatternBytes(8, i)});
  }
  testing::WriteFixture(dir + "/src/model.ckpt", tensors);
  // A file per tensor, with 256 descriptors: each data file is closed when
  // the next is begun, and --fsync syncs the closed ones by name.
  auto [rc, out] =
      Run("ulimit -n 256 && " + testing::SurgeonBinary() + " convert --fsync " + Quote(dir + "/src/model.ckpt") + " " +
          Quote(dir + "/out/model.ckpt") + " --max-shard-bytes 8 2>&1");
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(DataFiles(dir + "/out").size() == 600);
  auto r = BundleReader::Open(dir + "/out/model.ckpt");
  REQUIRE(r.ok());
  CHECK((*r)->Find("t1599")->shard_id == 599);
  CHECK((*r)->Read(*(*r)->Find("t1599")).ok());
}

}  // namespace surgeon
