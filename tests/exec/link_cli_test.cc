// `surgeon run --link` through the CLI: the target's first shard is the
// source's data file (a hard link here, or a reflink: either way the same
// bytes), tensors copied unchanged keep their offsets, new and cast ones go
// into the second shard; the target reads back, stays readable once the
// source is deleted, a corrupt source byte fails the run with nothing
// written, and a source that cannot be shared is copied with a note.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "format/v1_fixture.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "testing.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;
using testing::Quote;
using testing::ReadFile;
using testing::Run;
using testing::WriteFile;

// net/conv/{weights,biases} are kept, net/fc/weights is cast to float16,
// net/out/weights (64 bytes) is dropped.
void WriteSource(const std::string& prefix) {
  StagedOutput out;
  auto w = BundleWriter::Create(&out, prefix);
  REQUIRE(w.ok());
  auto add = [&](const std::string& key, DataType dtype, const Shape& shape, size_t bytes, int seed) {
    std::vector<uint8_t> data(bytes);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * seed + 1);
    REQUIRE((*w)->Add(key, dtype, shape, ByteSpan(data.data(), data.size())).ok());
  };
  add("net/conv/weights", DataType::kFloat, {4, 3}, 48, 7);
  add("net/out/weights", DataType::kFloat, {4, 4}, 64, 3);
  add("net/conv/biases", DataType::kInt32, {5}, 20, 13);
  std::vector<float> fc = {0.5f, -1.25f, 2.0f, 3.5f};
  REQUIRE(
      (*w)->Add("net/fc/weights", DataType::kFloat, {2, 2}, ByteSpan(reinterpret_cast<uint8_t*>(fc.data()), 16)).ok());
  REQUIRE((*w)->Finish().ok());
  REQUIRE(out.Commit().ok());
}

const char kSurgery[] =
    "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/model.ckpt-0}\nseed: 1\n"
    "cast: [{match: 'net/fc/*', to: float16}]\ndrop: ['net/out/*']\nnew:\n"
    "  - {name: net/head/bias, shape: [3], initializer: zeros}\n";

std::string Surgeon() { return testing::SurgeonBinary(); }

std::string Setup(const std::string& tag) {
  const std::string dir = testing::MakeTempDir(tag);
  WriteSource(dir + "/src/model.ckpt");
  WriteFile(dir + "/surgery.yaml", kSurgery);
  return dir;
}

ino_t Inode(const std::string& path) {
  struct stat st = {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.push_back(e.path().string());
  return out;
}

}  // namespace

TEST_CASE("run --link: the source's data file is the target's shard 0; new and cast tensors are in shard 1",
          "[cli][link]") {
  const std::string dir = Setup("link");
  auto [prc, pout] = Run("cd " + Quote(dir) + " && " + Surgeon() + " plan surgery.yaml --link 2>&1");
  INFO(pout);
  REQUIRE(prc == 0);
  CHECK(pout.find("with --link: 1 source data shard(s) shared (reflink or hard link), 2 tensor(s) (68 B) left in "
                  "place, 80 B of dead bytes") != std::string::npos);
  auto [rc, out] = Run("cd " + Quote(dir) + " && " + Surgeon() + " run -q surgery.yaml --link --report r.json 2>&1");
  INFO(out);
  REQUIRE(rc == 0);
  const std::string src_data = dir + "/src/model.ckpt.data-00000-of-00001";
  const std::string shard0 = dir + "/out/model.ckpt-0.data-00000-of-00002";
  const std::string shard1 = dir + "/out/model.ckpt-0.data-00001-of-00002";
  REQUIRE(fs::exists(shard0));
  REQUIRE(fs::exists(shard1));
  CHECK(!fs::exists(dir + "/out/model.ckpt-0.data-00000-of-00001"));
  CHECK(ReadFile(shard0) == ReadFile(src_data));
  const auto report = nlohmann::json::parse(ReadFile(dir + "/r.json"));
  const std::string kind = report["run"]["link"]["kind"];
  // ext4 (the usual CI disk) has no reflink: there the shard is the same inode.
  if (kind == "hard link") CHECK(Inode(shard0) == Inode(src_data));
  CHECK((kind == "hard link" || kind == "reflink"));
  CHECK(report["run"]["link"]["shared"] == 2);
  CHECK(report["run"]["link"]["dead_bytes"] == 64 + 16);  // dropped net/out, cast net/fc
  CHECK(out.find("linked: 1 source data shard(s) shared as a " + kind) != std::string::npos);
  CHECK(out.find("80 B of dead bytes") != std::string::npos);

  auto ckpt = BundleReader::Open(dir + "/out/model.ckpt-0");
  REQUIRE(ckpt.ok());
  CHECK((*ckpt)->header().num_shards == 2);
  auto source = BundleReader::Open(dir + "/src/model.ckpt");
  REQUIRE(source.ok());
  for (const std::string key : {"net/conv/weights", "net/conv/biases"}) {
    INFO(key);
    const TensorEntry* t = (*ckpt)->Find(key);
    const TensorEntry* s = (*source)->Find(key);
    REQUIRE(t != nullptr);
    CHECK(t->shard_id == 0);
    CHECK(t->offset == s->offset);
  }
  CHECK((*ckpt)->Find("net/fc/weights")->shard_id == 1);
  CHECK((*ckpt)->Find("net/fc/weights")->dtype == DataType::kHalf);
  CHECK((*ckpt)->Find("net/head/bias")->shard_id == 1);
  CHECK((*ckpt)->Find("net/out/weights") == nullptr);
  ckpt->reset();
  source->reset();

  auto [vrc, vout] = Run(Surgeon() + " verify " + Quote(dir + "/out/model.ckpt-0") + " 2>&1");
  INFO(vout);
  CHECK(vrc == 0);
  auto [irc, iout] = Run(Surgeon() + " inspect " + Quote(dir + "/out/model.ckpt-0") + " 2>&1");
  INFO(iout);
  CHECK(irc == 0);
  CHECK(iout.find("net/conv/weights") != std::string::npos);

  // The target does not depend on the source's names.
  fs::remove_all(dir + "/src");
  auto [arc, aout] = Run(Surgeon() + " verify " + Quote(dir + "/out/model.ckpt-0") + " 2>&1");
  INFO(aout);
  CHECK(arc == 0);
}

TEST_CASE("run --link: a corrupt byte in a shared tensor fails the run, nothing written; --no-verify skips the check",
          "[cli][link]") {
  const std::string dir = Setup("link-corrupt");
  const std::string src_data = dir + "/src/model.ckpt.data-00000-of-00001";
  std::string bytes = ReadFile(src_data);
  bytes[5] ^= 0x40;  // inside net/conv/weights, a tensor the target keeps
  WriteFile(src_data, bytes);
  auto [rc, out] = Run("cd " + Quote(dir) + " && " + Surgeon() + " run -q surgery.yaml --link 2>&1");
  INFO(out);
  CHECK(rc != 0);
  CHECK(out.find("model.ckpt.data-00000-of-00001") != std::string::npos);
  CHECK(out.find("checksum mismatch") != std::string::npos);
  CHECK(FilesUnder(dir + "/out").empty());
  CHECK(!fs::exists(dir + "/checkpoint"));

  // --no-verify trusts the source: the run succeeds and `verify` finds it.
  auto [nrc, nout] = Run("cd " + Quote(dir) + " && " + Surgeon() + " run -q surgery.yaml --link --no-verify 2>&1");
  INFO(nout);
  CHECK(nrc == 0);
  CHECK(nout.find("checksums not verified (--no-verify)") != std::string::npos);
  auto [vrc, vout] = Run(Surgeon() + " verify " + Quote(dir + "/out/model.ckpt-0") + " 2>&1");
  CHECK(vrc != 0);

  // --no-verify alone is refused: only --link skips reading.
  auto [urc, uout] = Run("cd " + Quote(dir) + " && " + Surgeon() + " run -q surgery.yaml --no-verify 2>&1");
  CHECK(urc != 0);
  CHECK(uout.find("--link") != std::string::npos);
}

TEST_CASE("run --link from a V1 checkpoint copies instead and says why", "[cli][link]") {
  const std::string dir = testing::MakeTempDir("link-v1");
  fs::create_directories(dir + "/src");
  testing::V1Tensor w{"net/conv/weights", DataType::kFloat, {2}, {}};
  w.slices.push_back({testing::Full(1), testing::Floats({1.5f, -2.0f}), "", false});
  WriteFile(dir + "/src/model.ckpt", testing::EncodeV1Checkpoint({w}));
  WriteFile(dir + "/surgery.yaml", "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/model.ckpt-0}\n");
  auto [prc, pout] = Run("cd " + Quote(dir) + " && " + Surgeon() + " plan surgery.yaml --link 2>&1");
  CHECK(pout.find("with --link: cannot link: ") != std::string::npos);
  auto [rc, out] = Run("cd " + Quote(dir) + " && " + Surgeon() + " run -q surgery.yaml --link 2>&1");
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(out.find("cannot link: ") != std::string::npos);
  CHECK(out.find("is a v1 checkpoint") != std::string::npos);
  CHECK(out.find("copying instead") != std::string::npos);
  CHECK(fs::exists(dir + "/out/model.ckpt-0.data-00000-of-00001"));
  auto [vrc, vout] = Run(Surgeon() + " verify " + Quote(dir + "/out/model.ckpt-0") + " 2>&1");
  INFO(vout);
  CHECK(vrc == 0);
}

TEST_CASE("run --link to another filesystem copies instead and says why", "[cli][link]") {
  const std::string other = "/dev/shm";
  struct stat a = {};
  struct stat b = {};
  const std::string dir = Setup("link-xdev");
  if (::stat(other.c_str(), &a) != 0 || ::stat(dir.c_str(), &b) != 0 || a.st_dev == b.st_dev) {
    WARN("SKIPPED: no second filesystem at /dev/shm");
    return;
  }
  const std::string target = other + "/surgeon-link-test-" + std::to_string(::getpid());
  fs::remove_all(target);
  std::string yaml = kSurgery;
  yaml.replace(yaml.find("out/model.ckpt-0"), 16, target + "/model.ckpt-0");
  WriteFile(dir + "/surgery.yaml", yaml);
  auto [prc, pout] = Run("cd " + Quote(dir) + " && " + Surgeon() + " plan surgery.yaml --link 2>&1");
  CHECK(pout.find("with --link: cannot link: the target directory is on another filesystem") != std::string::npos);
  auto [rc, out] = Run("cd " + Quote(dir) + " && " + Surgeon() + " run -q surgery.yaml --link 2>&1");
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("cannot link: ") != std::string::npos);
  CHECK(out.find("hard link: Invalid cross-device link") != std::string::npos);
  CHECK(fs::exists(target + "/model.ckpt-0.data-00000-of-00001"));
  fs::remove_all(target);
}

TEST_CASE("run --link from a checkpoint of two shards shares both; the new tensors are in a third", "[cli][link]") {
  const std::string dir = Setup("link-chain");
  auto [rc, out] = Run("cd " + Quote(dir) + " && " + Surgeon() + " run -q surgery.yaml --link 2>&1");
  INFO(out);
  REQUIRE(rc == 0);
  // The two-shard result is the next source: keep everything, add one.
  WriteFile(dir + "/next.yaml",
            "source: {checkpoint: out/model.ckpt-0}\ntarget: {checkpoint: next/model.ckpt-1}\nseed: 2\n"
            "new:\n  - {name: net/head2/bias, shape: [2], initializer: ones}\n");
  auto [nrc, nout] = Run("cd " + Quote(dir) + " && " + Surgeon() + " run -q next.yaml --link --report next.json 2>&1");
  INFO(nout);
  REQUIRE(nrc == 0);
  CHECK(nout.find("linked: 2 source data shard(s) shared") != std::string::npos);
  const auto report = nlohmann::json::parse(ReadFile(dir + "/next.json"));
  CHECK(report["run"]["link"]["dead_bytes"] == 80);  // still the first source's dropped bytes
  for (int i = 0; i < 2; ++i) {
    CHECK(ReadFile(DataFilename(dir + "/next/model.ckpt-1", i, 3)) ==
          ReadFile(DataFilename(dir + "/out/model.ckpt-0", i, 2)));
  }
  auto ckpt = BundleReader::Open(dir + "/next/model.ckpt-1");
  REQUIRE(ckpt.ok());
  CHECK((*ckpt)->header().num_shards == 3);
  CHECK((*ckpt)->Find("net/conv/weights")->shard_id == 0);
  CHECK((*ckpt)->Find("net/fc/weights")->shard_id == 1);
  CHECK((*ckpt)->Find("net/head2/bias")->shard_id == 2);
  ckpt->reset();
  auto [vrc, vout] = Run(Surgeon() + " verify " + Quote(dir + "/next/model.ckpt-1") + " 2>&1");
  INFO(vout);
  CHECK(vrc == 0);
}

}  // namespace surgeon
