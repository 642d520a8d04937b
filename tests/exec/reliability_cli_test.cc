// Reliability through the CLI: corrupt input gives a non-zero exit
// and a message naming the file, and leaves nothing behind at the target (no
// checkpoint files, no *.tempstate* temporaries); the source is never
// modified; writing over the source (directly, through a symlink or a ".."
// path) and over an existing checkpoint without --force is refused.
#include <filesystem>
#include <map>

#include "fixture.h"
#include "proto/tensor_bundle.pb.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/table.h"
#include "testing.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::Run;
using testing::WriteFile;

std::string WriteSmallV2(const std::string& prefix) {
  return testing::WriteFixture(prefix,
                               {{"net/conv/weights", DataType::kFloat, {4, 3}, testing::PatternBytes(4 * 3 * 4, 1, 7)},
                                {"net/conv/biases", DataType::kInt32, {5}, testing::PatternBytes(5 * 4, 5, 13)}});
}

using testing::Quote;

// Every regular file under dir (recursively), relative names.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_directory()) out.push_back(fs::relative(e.path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& f : FilesUnder(dir)) {
    std::string bytes = ReadFile(dir + "/" + f);
    out[f] = testing::Sha256Hex(bytes.data(), bytes.size());
  }
  return out;
}

struct Corruption {
  std::string what;
  std::function<void(const std::string& prefix)> apply;
  std::string names;  // file the message must name (suffix)
};

void RewriteEntry(const std::string& prefix, const std::string& key,
                  const std::function<void(tensorflow::BundleEntryProto&)>& fn) {
  std::vector<std::pair<std::string, std::string>> entries;
  {
    auto f = MappedFile::Open(IndexFilename(prefix));
    REQUIRE(f.ok());
    auto t = TableReader::Open(f->get());
    REQUIRE(t.ok());
    for (const auto& e : (*t)->entries()) entries.emplace_back(e.key, std::string(e.value));
  }
  for (auto& [k, v] : entries) {
    if (k != key) continue;
    tensorflow::BundleEntryProto p;
    REQUIRE(p.ParseFromString(v));
    fn(p);
    v = p.SerializeAsString();
  }
  TableBuilder b;
  for (const auto& [k, v] : entries) REQUIRE(b.Add(k, v).ok());
  WriteFile(IndexFilename(prefix), b.Finish());
}

std::vector<Corruption> Corruptions() {
  auto flip = [](const std::string& file, long at) {
    std::string s = ReadFile(file);
    size_t i = at >= 0 ? static_cast<size_t>(at) : s.size() + at;
    s[i] ^= 0x40;
    WriteFile(file, s);
  };
  return {
      {"index magic flipped", [=](const std::string& p) { flip(IndexFilename(p), -1); }, ".index"},
      {"index footer flipped", [=](const std::string& p) { flip(IndexFilename(p), -48); }, ".index"},
      {"index block flipped", [=](const std::string& p) { flip(IndexFilename(p), 3); }, ".index"},
      {"index truncated",
       [](const std::string& p) { WriteFile(IndexFilename(p), ReadFile(IndexFilename(p)).substr(0, 30)); }, ".index"},
      {"data flipped (last tensor)", [=](const std::string& p) { flip(DataFilename(p, 0, 1), -1); },
       ".data-00000-of-00001"},
      {"data flipped (first tensor)", [=](const std::string& p) { flip(DataFilename(p, 0, 1), 0); },
       ".data-00000-of-00001"},
      {"data truncated",
       [](const std::string& p) { WriteFile(DataFilename(p, 0, 1), ReadFile(DataFilename(p, 0, 1)).substr(0, 50)); },
       ".data-00000-of-00001"},
      {"data missing", [](const std::string& p) { fs::remove(DataFilename(p, 0, 1)); }, ".data-00000-of-00001"},
      {"2^60-element shape",
       [](const std::string& p) {
         RewriteEntry(p, "net/conv/weights", [](auto& e) {
           e.mutable_shape()->clear_dim();
           e.mutable_shape()->add_dim()->set_size(int64_t{1} << 60);
           e.set_size(int64_t{1} << 62);
         });
       },
       ".index"},
      {"unknown dtype",
       [](const std::string& p) {
         RewriteEntry(p, "net/conv/biases", [](auto& e) { e.set_dtype(static_cast<tensorflow::DataType>(77)); });
       },
       ".index"},
      {"overlapping entries",
       [](const std::string& p) { RewriteEntry(p, "net/conv/biases", [](auto& e) { e.set_offset(8); }); }, ".index"},
  };
}

void ExpectNothingWritten(const std::string& out_dir) {
  std::vector<std::string> left = FilesUnder(out_dir);
  std::string list;
  for (const auto& f : left) list += f + " ";
  INFO("left behind in " << out_dir << ": " << list);
  CHECK(left.empty());
}

}  // namespace

TEST_CASE("CLI: convert/run/verify on corrupt input fail naming the file and write nothing",
          "[reliability][cli][corruption]") {
  const std::string surgeon = testing::SurgeonBinary();
  for (const auto& c : Corruptions()) {
    DYNAMIC_SECTION(c.what) {
      const std::string dir = testing::MakeTempDir("cli-corrupt");
      const std::string src = WriteSmallV2(dir + "/src/model.ckpt");
      c.apply(src);
      auto before = Snapshot(dir + "/src");

      auto [rc, out] = Run(surgeon + " convert " + Quote(src) + " " + Quote(dir + "/out/model.ckpt-0") + " 2>&1");
      INFO(out);
      CHECK(rc != 0);
      CHECK(out.find("model.ckpt" + c.names) != std::string::npos);
      CHECK(out.find("terminate") == std::string::npos);
      ExpectNothingWritten(dir + "/out");

      auto [vrc, vout] = Run(surgeon + " verify " + Quote(src) + " 2>&1");
      INFO(vout);
      CHECK(vrc != 0);

      WriteFile(dir + "/surgery.yaml",
                "source: {checkpoint: src/model.ckpt}\n"
                "target: {checkpoint: out2/model.ckpt-0, meta_graph: false}\n");
      auto [rrc, rout] = Run(surgeon + " run -q " + Quote(dir + "/surgery.yaml") + " 2>&1");
      INFO(rout);
      CHECK(rrc != 0);
      CHECK(rout.find("model.ckpt" + c.names) != std::string::npos);
      ExpectNothingWritten(dir + "/out2");

      CHECK(Snapshot(dir + "/src") == before);  // The source is never touched.
    }
  }
}

TEST_CASE("CLI: the uncorrupted fixture converts and runs (control)", "[reliability][cli]") {
  const std::string surgeon = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("cli-control");
  const std::string src = WriteSmallV2(dir + "/src/model.ckpt");
  auto [rc, out] = Run(surgeon + " convert " + Quote(src) + " " + Quote(dir + "/out/model.ckpt-0") + " 2>&1");
  INFO(out);
  REQUIRE(rc == 0);
  WriteFile(dir + "/surgery.yaml",
            "source: {checkpoint: src/model.ckpt}\n"
            "target: {checkpoint: out2/model.ckpt-0, meta_graph: false}\n");
  auto [rrc, rout] = Run(surgeon + " run -q " + Quote(dir + "/surgery.yaml") + " 2>&1");
  INFO(rout);
  REQUIRE(rrc == 0);
  for (const auto& f : FilesUnder(dir)) CHECK(f.find(".tempstate") == std::string::npos);
}

TEST_CASE("CLI: YAML that is not a mapping or has wrong types is rejected naming the file",
          "[reliability][cli][config]") {
  const std::string surgeon = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("cli-yaml");
  WriteSmallV2(dir + "/src/model.ckpt");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty", ""},
      {"a scalar", "just a string\n"},
      {"a list", "- source\n- target\n"},
      {"not yaml", "source: {checkpoint: [unclosed\n"},
      {"binary", std::string("\x00\xff\xfe\x01garbage", 11)},
      {"source is a list", "source: [a, b]\ntarget: {checkpoint: out/m}\n"},
      {"checkpoint is a map", "source: {checkpoint: {x: 1}}\ntarget: {checkpoint: out/m}\n"},
      {"seed is text", "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/m}\nseed: many\n"},
      {"seed is negative", "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/m}\nseed: -4\n"},
      {"keep is a number", "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/m}\nkeep: 3\n"},
      {"new shape is text",
       "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/m}\n"
       "new: [{name: x, shape: abc, initializer: zeros}]\n"},
      {"new shape is negative",
       "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/m}\n"
       "new: [{name: x, shape: [-1, 4], initializer: zeros}]\n"},
      {"new shape overflows",
       "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/m}\n"
       "new: [{name: x, shape: [4294967296, 4294967296], initializer: zeros}]\n"},
      {"new shape is huge",
       "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/m}\n"
       "new: [{name: x, shape: [1152921504606846976], initializer: zeros}]\n"},
      {"unknown dtype",
       "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/m}\n"
       "new: [{name: x, shape: [2], dtype: float99, initializer: zeros}]\n"},
      {"unknown key", "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/m}\nfrobnicate: 1\n"},
      {"global_step bogus", "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/m}\nglobal_step: 7\n"},
      {"anchors bomb",
       "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"},
  };
  for (const auto& [what, yaml] : cases) {
    INFO(what);
    const std::string cfg = dir + "/bad.yaml";
    WriteFile(cfg, yaml);
    auto [rc, out] = Run(surgeon + " run -q " + Quote(cfg) + " 2>&1");
    INFO(out);
    CHECK(rc != 0);
    // A shape that validates but cannot be allocated fails at generation.
    CHECK((out.find("bad.yaml") != std::string::npos || out.find("out of memory") != std::string::npos));
    CHECK(out.find("terminate") == std::string::npos);
    ExpectNothingWritten(dir + "/out");
  }
}

TEST_CASE("CLI: refuses to write over the source, even through symlinks and '..'", "[reliability][cli][atomic]") {
  const std::string surgeon = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("cli-oversource");
  const std::string src = WriteSmallV2(dir + "/src/model.ckpt");
  WriteFile(dir + "/src/checkpoint", "model_checkpoint_path: \"model.ckpt\"\n");
  fs::create_directory_symlink(dir + "/src", dir + "/link");
  fs::create_directories(dir + "/other");
  auto before = Snapshot(dir + "/src");
  const std::vector<std::string> targets = {
      src,                               // the same prefix
      dir + "/link/model.ckpt",          // through a symlinked directory
      dir + "/other/../src/model.ckpt",  // through ..
      dir + "/src/./model.ckpt",         // through .
      dir + "/src/other-name",           // the source's `checkpoint` state file
  };
  for (const auto& t : targets) {
    for (const std::string force : {"", " --force"}) {
      INFO(t << force);
      auto [rc, out] = Run(surgeon + " convert " + Quote(src) + " " + Quote(t) + force + " 2>&1");
      INFO(out);
      CHECK(rc != 0);
      CHECK(out.find("source") != std::string::npos);
      WriteFile(dir + "/s.yaml",
                "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: " + t + ", meta_graph: false}\n");
      auto [rrc, rout] = Run(surgeon + " run -q " + Quote(dir + "/s.yaml") + force + " 2>&1");
      INFO(rout);
      CHECK(rrc != 0);
      CHECK(rout.find("source") != std::string::npos);
      CHECK(Snapshot(dir + "/src") == before);
    }
  }
  // Also when the source itself is given through the symlink.
  auto [rc, out] = Run(surgeon + " convert " + Quote(dir + "/link/model.ckpt") + " " + Quote(src) + " --force 2>&1");
  INFO(out);
  CHECK(rc != 0);
  CHECK(Snapshot(dir + "/src") == before);
  for (const auto& f : FilesUnder(dir)) CHECK(f.find(".tempstate") == std::string::npos);
}

TEST_CASE("CLI: an existing target is replaced only with --force", "[reliability][cli][atomic]") {
  const std::string surgeon = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("cli-force");
  const std::string src = WriteSmallV2(dir + "/src/model.ckpt");
  const std::string dst = dir + "/out/model.ckpt-0";
  REQUIRE(Run(surgeon + " convert " + Quote(src) + " " + Quote(dst)).first == 0);
  auto first = Snapshot(dir + "/out");
  auto [rc, out] = Run(surgeon + " convert " + Quote(src) + " " + Quote(dst) + " 2>&1");
  INFO(out);
  CHECK(rc != 0);
  CHECK(out.find("already exists") != std::string::npos);
  CHECK(out.find("--force") != std::string::npos);
  CHECK(Snapshot(dir + "/out") == first);
  // A failing --force run (corrupt source) leaves the old target intact.
  const std::string bad = WriteSmallV2(dir + "/bad/model.ckpt");
  std::string d = ReadFile(DataFilename(bad, 0, 1));
  d[0] ^= 1;
  WriteFile(DataFilename(bad, 0, 1), d);
  auto [brc, bout] = Run(surgeon + " convert " + Quote(bad) + " " + Quote(dst) + " --force 2>&1");
  INFO(bout);
  CHECK(brc != 0);
  CHECK(Snapshot(dir + "/out") == first);
  auto [frc, fout] = Run(surgeon + " convert " + Quote(src) + " " + Quote(dst) + " --force 2>&1");
  INFO(fout);
  CHECK(frc == 0);
  CHECK(Snapshot(dir + "/out") == first);  // Deterministic output.
}

TEST_CASE("CLI: temporaries a killed run left for the target are removed by the next run, no others",
          "[reliability][cli][atomic]") {
  const std::string surgeon = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("cli-stale");
  const std::string src = WriteSmallV2(dir + "/src/model.ckpt");
  const std::string dst = dir + "/out/model.ckpt-1";
  // What a SIGKILL mid-write leaves: partial files under temporary names.
  const std::vector<std::string> stale = {
      "model.ckpt-1.index.tempstate123", "model.ckpt-1.data-00000-of-00001.tempstate9876543210",
      "model.ckpt-1.meta.tempstate5", "model.ckpt-1.frozen.txt.tempstate6", "checkpoint.tempstate77"};
  // Not this target's: another checkpoint whose name extends ours, a user's
  // file, a name that only contains the marker.
  const std::vector<std::string> foreign = {"model.ckpt-10.index.tempstate1", "model.ckpt-1.index.tempstate",
                                            "model.ckpt-1.index.tempstate12x", "notes.txt.tempstate3",
                                            "model.ckpt-1.data-0-of-x.tempstate4"};
  for (const auto& f : stale) WriteFile(dir + "/out/" + f, "partial");
  for (const auto& f : foreign) WriteFile(dir + "/out/" + f, "keep me");
  auto [rc, out] = Run(surgeon + " convert " + Quote(src) + " " + Quote(dst) + " 2>&1");
  INFO(out);
  REQUIRE(rc == 0);
  for (const auto& f : stale) CHECK_FALSE(fs::exists(dir + "/out/" + f));
  for (const auto& f : foreign) CHECK(ReadFile(dir + "/out/" + f) == "keep me");
  CHECK(Run(surgeon + " verify -q " + Quote(dst)).first == 0);
  // A run that fails before committing removes nothing.
  WriteFile(dir + "/out/model.ckpt-1.index.tempstate42", "partial");
  auto [frc, fout] = Run(surgeon + " convert " + Quote(src) + " " + Quote(dst) + " 2>&1");  // no --force
  CHECK(frc != 0);
  CHECK(fs::exists(dir + "/out/model.ckpt-1.index.tempstate42"));
}

TEST_CASE("CLI: a target directory another process is writing into is refused, nothing written",
          "[reliability][cli][atomic]") {
  const std::string surgeon = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("cli-busy");
  const std::string src = WriteSmallV2(dir + "/src/model.ckpt");
  std::filesystem::create_directories(dir + "/out");
  auto before = Snapshot(dir + "/out");
  {
    StagedOutput other;  // this test process plays the other writer
    REQUIRE(other.Add(dir + "/out/other.index").ok());
    auto [rc, out] = Run(surgeon + " convert " + Quote(src) + " " + Quote(dir + "/out/model.ckpt-1") + " 2>&1");
    INFO(out);
    CHECK(rc != 0);
    CHECK(out.find(dir + "/out: another process is writing") != std::string::npos);
    CHECK(FilesUnder(dir + "/out").size() == 1);  // only the other writer's temporary
  }
  CHECK(Snapshot(dir + "/out") == before);
  CHECK(Run(surgeon + " convert " + Quote(src) + " " + Quote(dir + "/out/model.ckpt-1")).first == 0);
}

// Differential run: TF writes any bytes as a key; inspect --json
// threw nlohmann's "invalid UTF-8" and exited 1 on a checkpoint verify and
// convert accept. Invalid bytes now become U+FFFD in the JSON.
TEST_CASE("CLI: inspect --json lists a key that is not UTF-8", "[reliability][cli][differential]") {
  const std::string surgeon = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("cli-non-utf8");
  const std::string prefix = dir + "/model.ckpt";
  {
    StagedOutput out;
    auto w = BundleWriter::Create(&out, prefix);
    REQUIRE(w.ok());
    const uint8_t v[4] = {1, 2, 3, 4};
    REQUIRE((*w)->Add("u\xe9nt32/vector", DataType::kInt32, {1}, ByteSpan(v, 4)).ok());
    REQUIRE((*w)->Finish().ok());
    REQUIRE(out.Commit().ok());
  }
  auto [rc, out] = Run(surgeon + " inspect --json " + Quote(prefix) + " 2>&1");
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("\"name\": \"u\xef\xbf\xbdnt32/vector\"") != std::string::npos);
}

}  // namespace surgeon
