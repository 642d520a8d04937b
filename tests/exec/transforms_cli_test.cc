// Value transforms (reshape, classes, input_channels) end to end through the
// binary: values written, the plan's JSON, and refusals that write nothing.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>

#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint.h"
#include "testing.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;
using testing::ReadFloats;
using testing::Run;
using testing::WriteFile;

// float32 tensors holding 0, 1, 2, ... in row-major order.
void WriteIota(const std::string& prefix, const std::vector<std::pair<std::string, Shape>>& tensors) {
  StagedOutput out;
  auto w = BundleWriter::Create(&out, prefix);
  REQUIRE(w.ok());
  for (const auto& [key, shape] : tensors) {
    std::vector<float> v(static_cast<size_t>(*NumElements(shape)));
    std::iota(v.begin(), v.end(), 0.0f);
    REQUIRE((*w)->Add(key, DataType::kFloat, shape, ByteSpan(reinterpret_cast<uint8_t*>(v.data()), v.size() * 4)).ok());
  }
  REQUIRE((*w)->Finish().ok());
  REQUIRE(out.Commit().ok());
}

struct Fixture {
  std::string dir = testing::MakeTempDir("transforms");
  Fixture() {
    WriteIota(dir + "/src/model.ckpt",
              {{"conv/weights", {1, 1, 3, 2}}, {"fc/weights", {8, 2}}, {"head/biases", {4}}, {"head/weights", {2, 4}}});
    WriteFile(dir + "/src.txt", "a\nb\nc\n");
    WriteFile(dir + "/dst.txt", "c\nnew\na\n");
  }
  std::pair<int, std::string> Surgeon(const std::string& cmd, const std::string& body,
                                      const std::string& target = "out/model.ckpt-0") {
    WriteFile(dir + "/c.yaml", "source: src/model.ckpt\ntarget: " + target + "\nseed: 3\n" + body);
    return Run(testing::SurgeonBinary() + " " + cmd + " '" + dir + "/c.yaml' 2>&1");
  }
};

const char kAll[] = R"(reshape:
  - {name: fc/weights, shape: [2, 2, 2, 2], flatten: chw}
classes:
  - {tensors: [head/weights, head/biases], source_labels: src.txt, target_labels: dst.txt, source_offset: 1,
     target_offset: 1, initializer: {type: constant, value: 5}}
input_channels:
  - {name: conv/weights, channels: [{sum: [0, 1, 2]}, 1, zero]}
)";

TEST_CASE("surgeon run writes reshaped, re-indexed and channel-mapped tensors", "[exec][cli]") {
  Fixture f;
  auto [rc, out] = f.Surgeon("run -q", kAll);
  INFO(out);
  REQUIRE(rc == 0);
  auto r = OpenCheckpoint(f.dir + "/out/model.ckpt-0");
  REQUIRE(r.ok());
  // fc rows (c, h, w) with C = H = W = 2 -> [h, w, c, n]: element (h, w, c, n) = 2 * (4c + 2h + w) + n.
  std::vector<float> fc = ReadFloats(**r, "fc/weights");
  std::vector<float> want;
  for (int h = 0; h < 2; ++h)
    for (int w = 0; w < 2; ++w)
      for (int c = 0; c < 2; ++c)
        for (int n = 0; n < 2; ++n) want.push_back(static_cast<float>(2 * (4 * c + 2 * h + w) + n));
  CHECK(fc == want);
  CHECK((*r)->Find("fc/weights")->shape == Shape{2, 2, 2, 2});
  // head [2, 4] rows = background, a, b, c -> background, c, new, a.
  CHECK(ReadFloats(**r, "head/weights") == std::vector<float>{0, 3, 5, 1, 4, 7, 5, 5});
  CHECK(ReadFloats(**r, "head/biases") == std::vector<float>{0, 3, 5, 1});
  // conv [1, 1, 3, 2] -> [1, 1, 3, 2]: sum of the 3 inputs, input 1, zero.
  CHECK(ReadFloats(**r, "conv/weights") == std::vector<float>{6, 9, 2, 3, 0, 0});
}

TEST_CASE("surgeon plan --json lists each transform with its rule and mapping", "[exec][cli]") {
  Fixture f;
  auto [rc, out] = f.Surgeon("plan --json", kAll);
  INFO(out);
  REQUIRE(rc == 0);
  auto j = nlohmann::json::parse(out.substr(out.find('{')));
  auto head = j["actions"][3];
  REQUIRE(head["target"] == "head/weights");
  auto t = head["transforms"][0];
  CHECK(t["operation"] == "classes");
  CHECK(t["rule"] == "classes[0] (" + f.dir + "/c.yaml:7:5)");
  CHECK(t["entries"][1] == nlohmann::json{{"index", 1}, {"label", "c"}, {"from", {{{"index", 3}, {"weight", 1.0}}}}});
  CHECK(t["entries"][2]["initialize"] == true);
  auto [trc, table] = f.Surgeon("plan", kAll);
  CHECK(table.find("copy+reshape") != std::string::npos);
  CHECK(table.find("copy+input_channels") != std::string::npos);
}

TEST_CASE("a transform that does not fit is refused before anything is written", "[exec][cli]") {
  Fixture f;
  auto [rc, out] = f.Surgeon("run -q",
                             "reshape: [{name: fc/weights, shape: [3, 5]}]\n"
                             "input_channels: [{name: conv/weights, channels: [4]}]\n");
  CHECK(rc != 0);
  INFO(out);
  CHECK(out.find("c.yaml:4:37: reshape[0].shape: 'fc/weights' [8, 2] has 16 elements, [3, 5] 15") != std::string::npos);
  CHECK(out.find("c.yaml:5:50: input_channels[0].channels[0]: 'conv/weights' [1, 1, 3, 2]: source channel 4 is out "
                 "of range (axis 2 has 3)") != std::string::npos);
  CHECK_FALSE(fs::exists(f.dir + "/out"));
  auto [rc2, out2] = f.Surgeon("run -q", "reshape: [{name: fc/weights, shape: [16]}]\n",
                               "{checkpoint: out/m, meta_graph: {from: source}}");
  CHECK(rc2 != 0);
  CHECK(out2.find("c.yaml:4:11: reshape[0]: 'fc/weights' [8, 2]: a rewritten source graph ({from: source}) keeps the "
                  "ops that read the variable in its old shape; use meta_graph: true (a fresh graph) or false") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(f.dir + "/out"));
}

}  // namespace
}  // namespace surgeon
