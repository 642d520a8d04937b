// Several sources in one surgery (`also_from`) through the binary: each
// target tensor holds the bytes of the source the plan names, by every copy
// path, and a corrupt also_from source fails leaving nothing written.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>

#include "surgeon/base/staged_output.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/checkpoint_path.h"
#include "testing.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;
using testing::Quote;
using testing::ReadFloats;
using testing::Run;
using testing::WriteFile;

// float32 tensors holding base, base + 1, ... in row-major order, one base
// per tensor so that every tensor's bytes differ.
void WriteCheckpoint(const std::string& prefix, const std::vector<std::pair<std::string, Shape>>& tensors, float base) {
  StagedOutput out;
  auto w = BundleWriter::Create(&out, prefix);
  REQUIRE(w.ok());
  for (const auto& [key, shape] : tensors) {
    std::vector<float> v(static_cast<size_t>(*NumElements(shape)));
    std::iota(v.begin(), v.end(), base);
    base += 1 << 20;
    REQUIRE((*w)->Add(key, DataType::kFloat, shape, ByteSpan(reinterpret_cast<uint8_t*>(v.data()), v.size() * 4)).ok());
  }
  REQUIRE((*w)->Finish().ok());
  REQUIRE(out.Commit().ok());
}

std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) files.push_back(e.path().string());
  return files;
}

// Two 4 MiB tensors back to back in each source: big enough for the
// copy_file_range runs of --copy-path kernel.
struct Fixture {
  std::string dir = testing::MakeTempDir("several-sources");
  Fixture() {
    WriteCheckpoint(dir + "/pretrained/model.ckpt",
                    {{"net/conv1", {1024, 1024}},
                     {"net/conv2", {1024, 1024}},
                     {"net/head/w", {1024, 8}},
                     {"net/head/b", {8}},
                     {"net/head/w/Momentum", {1024, 8}}},
                    0);
    WriteCheckpoint(dir + "/finetune/model.ckpt",
                    {{"old/conv1", {1024, 1024}},
                     {"old/head/b", {3}},
                     {"old/head/w", {1024, 3}},
                     {"old/head/w/Momentum", {1024, 3}},
                     {"old/extra", {1024, 1024}}},
                    8e6f);
  }
  std::pair<int, std::string> RunSurgeon(const std::string& flags, const std::string& body) {
    WriteFile(dir + "/c.yaml",
              "source: pretrained/model.ckpt\n"
              "target: {checkpoint: out/model.ckpt-0, meta_graph: true}\n" +
                  body);
    return Run(testing::SurgeonBinary() + " run -q " + flags + " " + Quote(dir + "/c.yaml") + " 2>&1");
  }
};

const char kTwoSources[] = R"(also_from:
  - name: finetune
    checkpoint: finetune/model.ckpt
    take: ["old/head/*", "old/extra"]
    rename: [{from: "old/", to: "net/"}]
drop: ["*/Momentum"]
)";

TEST_CASE("surgeon run takes each tensor from its own source, by every copy path", "[exec][cli][also_from]") {
  // --link shares the primary source's shard; the also_from copies go to the new one.
  for (const std::string flags : {"--copy-path per-tensor", "--copy-path kernel", "--copy-path write", "--link"}) {
    DYNAMIC_SECTION(flags) {
      Fixture f;
      auto [rc, out] = f.RunSurgeon(flags + " --report " + Quote(f.dir + "/report.json"), kTwoSources);
      INFO(out);
      REQUIRE(rc == 0);
      auto target = OpenCheckpoint(f.dir + "/out/model.ckpt-0");
      auto pre = OpenCheckpoint(f.dir + "/pretrained/model.ckpt");
      auto ft = OpenCheckpoint(f.dir + "/finetune/model.ckpt");
      REQUIRE(target.ok());
      REQUIRE(pre.ok());
      REQUIRE(ft.ok());
      // 2 convs from the pretrained checkpoint; head and extra from the fine-tune.
      CHECK((*target)->entries().size() == 5);
      const std::vector<std::pair<std::string, std::pair<const CheckpointReader*, std::string>>> expected = {
          {"net/conv1", {pre->get(), "net/conv1"}},
          {"net/conv2", {pre->get(), "net/conv2"}},
          {"net/head/w", {ft->get(), "old/head/w"}},
          {"net/head/b", {ft->get(), "old/head/b"}},
          {"net/extra", {ft->get(), "old/extra"}}};
      for (const auto& [key, from] : expected) {
        INFO(key);
        const TensorEntry* e = (*target)->Find(key);
        REQUIRE(e != nullptr);
        CHECK(e->shape == from.first->Find(from.second)->shape);
        CHECK(ReadFloats(**target, key) == ReadFloats(*from.first, from.second));
      }
      CHECK(ReadFloats(**target, "net/head/b") == std::vector<float>{9048576, 9048577, 9048578});
      const nlohmann::json report = nlohmann::json::parse(testing::ReadFile(f.dir + "/report.json"));
      REQUIRE(report["also_from"].size() == 1);
      CHECK(report["also_from"][0]["label"] == "also_from[0] 'finetune'");
      CHECK(report["also_from"][0]["format"] == "v2");
      CHECK(report["also_from"][0]["checkpoint"] == f.dir + "/finetune/model.ckpt");
      CHECK(report["run"]["copied"] == 5);
      size_t from_finetune = 0;
      for (const auto& a : report["actions"]) from_finetune += a.value("source_index", 0) == 1;
      CHECK(from_finetune == 3);
      bool replaced = false;
      for (const auto& d : report["dropped"]) {
        if (d["source"] == "net/head/w")
          replaced = d["rule"] == "replaced by also_from[0] 'finetune' (" + f.dir + "/c.yaml:4:5)";
      }
      CHECK(replaced);
      // The fine-tune's slot is never taken (the pattern does not spell it).
      CHECK((*target)->Find("net/head/w/Momentum") == nullptr);
      if (flags == "--link") {
        CHECK(fs::exists(f.dir + "/out/model.ckpt-0.data-00000-of-00002"));
        CHECK(testing::ReadFile(f.dir + "/out/model.ckpt-0.data-00000-of-00002") ==
              testing::ReadFile(f.dir + "/pretrained/model.ckpt.data-00000-of-00001"));
        CHECK(report["run"]["link"]["shared"] == 2);  // conv1, conv2
        CHECK((*target)->Find("net/conv1")->shard_id == 0);
        CHECK((*target)->Find("net/extra")->shard_id == 1);
      }
    }
  }
}

TEST_CASE("surgeon plan shows which source each copy reads", "[exec][cli][also_from]") {
  Fixture f;
  WriteFile(f.dir + "/c.yaml", std::string("source: pretrained/model.ckpt\ntarget: out/model.ckpt-0\n") + kTwoSources);
  auto [rc, out] = Run(testing::SurgeonBinary() + " plan " + Quote(f.dir + "/c.yaml") + " 2>&1");
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(out.find("also from [finetune]: " + f.dir + "/finetune/model.ckpt") != std::string::npos);
  CHECK(out.find("[finetune] old/head/w") != std::string::npos);
  CHECK(FilesUnder(f.dir + "/out").empty());
}

TEST_CASE("a corrupt or missing also_from source fails and writes nothing", "[exec][cli][also_from]") {
  for (const std::string path : {"per-tensor", "kernel"}) {
    DYNAMIC_SECTION("flipped data byte, " << path) {
      Fixture f;
      const std::string data = DataFilename(f.dir + "/finetune/model.ckpt", 0, 1);
      std::string bytes = testing::ReadFile(data);
      bytes[bytes.size() - 5] ^= 0x40;  // Inside old/extra, the last tensor (taken).
      WriteFile(data, bytes);
      auto [rc, out] = f.RunSurgeon("--copy-path " + path, kTwoSources);
      INFO(out);
      CHECK(rc != 0);
      CHECK(out.find("finetune/model.ckpt.data-00000-of-00001") != std::string::npos);
      CHECK(out.find("old/extra") != std::string::npos);
      CHECK(FilesUnder(f.dir + "/out").empty());
    }
  }
  SECTION("missing checkpoint names the config entry") {
    Fixture f;
    fs::remove_all(f.dir + "/finetune");
    auto [rc, out] = f.RunSurgeon("", kTwoSources);
    INFO(out);
    CHECK(rc != 0);
    CHECK(out.find(f.dir + "/c.yaml:4:5: also_from[0].checkpoint") != std::string::npos);
    CHECK(FilesUnder(f.dir + "/out").empty());
  }
  SECTION("the target may not be an also_from source") {
    Fixture f;
    WriteFile(f.dir + "/c.yaml",
              std::string("source: pretrained/model.ckpt\ntarget: finetune/model.ckpt\n") + kTwoSources);
    const std::string before = testing::ReadFile(f.dir + "/finetune/model.ckpt.index");
    auto [rc, out] = Run(testing::SurgeonBinary() + " run -q --force " + Quote(f.dir + "/c.yaml") + " 2>&1");
    INFO(out);
    CHECK(rc != 0);
    CHECK(out.find("is the checkpoint of also_from[0] 'finetune'") != std::string::npos);
    CHECK(testing::ReadFile(f.dir + "/finetune/model.ckpt.index") == before);
  }
}

}  // namespace
}  // namespace surgeon
