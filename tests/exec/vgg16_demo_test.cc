// The README demo, end to end through the CLI: slim VGG16 -> 10-class mycls
// with configs/vgg16_to_mycls.yaml. Checks the acceptance: kept
// tensors byte-identical, the new head's shape and statistics, zero biases,
// the frozen set, the report, and a meta graph that passes the checker.
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "surgeon/format/checkpoint.h"
#include "surgeon/format/meta_graph.h"
#include "surgeon/graph/graph_checker.h"
#include "testing.h"

namespace surgeon {
namespace {

using nlohmann::json;

std::vector<float> Floats(const CheckpointReader& r, const std::string& key) { return testing::ReadFloats(r, key); }

}  // namespace

TEST_CASE("VGG16 demo: surgeon run configs/vgg16_to_mycls.yaml", "[demo][vgg16]") {
  const std::string dir = testing::MakeTempDir("vgg16");
  auto [gen_rc, gen_out] = testing::Run(testing::MakeVgg16Binary() + " " + dir + "/vgg_16 --slots");
  INFO(gen_out);
  REQUIRE(gen_rc == 0);
  // The shipped config, pointed at this test's directory.
  std::string yaml = testing::ReadFile(std::string(SURGEON_SOURCE_DIR) + "/configs/vgg16_to_mycls.yaml");
  yaml = std::regex_replace(yaml, std::regex("\\.\\./demo/"), dir + "/");
  testing::WriteFile(dir + "/config.yaml", yaml);
  auto [rc, out] =
      testing::Run(testing::SurgeonBinary() + " run -q " + dir + "/config.yaml --report " + dir + "/report.json");
  INFO(out);
  REQUIRE(rc == 0);

  auto src = OpenCheckpoint(dir + "/vgg_16");
  auto dst = OpenCheckpoint(dir + "/out/mycls");
  REQUIRE(src.ok());
  REQUIRE(dst.ok());
  REQUIRE((*dst)->entries().size() == 32);

  // Every kept tensor is byte-identical to its source.
  int kept = 0;
  for (const auto& e : (*src)->entries()) {
    if (e.key.rfind("vgg_16/", 0) != 0 || e.key.find("Momentum") != std::string::npos ||
        e.key.find("/fc8/") != std::string::npos) {
      continue;
    }
    std::string target = "mycls/" + e.key.substr(7);
    const TensorEntry* t = (*dst)->Find(target);
    INFO(target);
    REQUIRE(t != nullptr);
    auto a = (*src)->Read(e);
    auto b = (*dst)->Read(*t);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    REQUIRE(a->bytes().size() == b->bytes().size());
    CHECK(std::memcmp(a->bytes().data(), b->bytes().data(), a->bytes().size()) == 0);
    kept++;
  }
  CHECK(kept == 30);

  // The new head: declared shape, truncated normal(0, 0.01) statistics.
  const TensorEntry* w = (*dst)->Find("mycls/fc8/weights");
  REQUIRE(w != nullptr);
  CHECK(w->shape == Shape{1, 1, 4096, 10});
  std::vector<float> v = Floats(**dst, "mycls/fc8/weights");
  double sum = 0, sq = 0, maxabs = 0;
  for (float x : v) {
    sum += x;
    sq += double(x) * x;
    maxabs = std::max(maxabs, std::fabs(double(x)));
  }
  double mean = sum / v.size(), stddev = std::sqrt(sq / v.size() - mean * mean);
  CHECK(std::fabs(mean) < 0.0005);
  CHECK(stddev == Approx(0.88 * 0.01).epsilon(0.03));
  CHECK(maxabs <= 0.02);
  for (float b : Floats(**dst, "mycls/fc8/biases")) CHECK(b == 0.0f);

  // Frozen: the conv layers (26 tensors), listed one per line.
  std::string frozen = testing::ReadFile(dir + "/out/mycls/model.ckpt-0.frozen.txt");
  CHECK(std::count(frozen.begin(), frozen.end(), '\n') == 26);
  CHECK(frozen.find("mycls/conv1/conv1_1/weights\n") != std::string::npos);
  CHECK(frozen.find("fc") == std::string::npos);

  // The report names every target variable and every dropped source tensor.
  json report = json::parse(testing::ReadFile(dir + "/report.json"));
  CHECK(report["actions"].size() == 32);
  CHECK(report["dropped"].size() == (*src)->entries().size() - 30);
  for (const auto& var : report["actions"]) {
    CHECK(var.contains("rule"));
    CHECK(var["frozen"].get<bool>() == (var["target"].get<std::string>().rfind("mycls/conv", 0) == 0));
  }

  // The meta graph: every checkpoint key restored, trainable = all - frozen.
  auto graph = ReadMetaGraph(dir + "/out/mycls/model.ckpt-0.meta");
  REQUIRE(graph.ok());
  std::vector<CheckpointTensorInfo> keys;
  for (const auto& e : (*dst)->entries()) keys.push_back({e.key, e.dtype, e.shape});
  std::vector<std::string> problems = CheckGraph(*graph, keys);
  for (const auto& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());
  MetaGraphSummary summary = SummarizeMetaGraph(*graph);
  CHECK(summary.variables.size() == 32);
  for (const auto& gv : summary.variables) {
    CHECK(gv.trainable == (gv.name.rfind("mycls/conv", 0) != 0));
    const TensorEntry* e = (*dst)->Find(gv.name);
    REQUIRE(e != nullptr);
    CHECK(gv.shape == e->shape);
  }

  // The source is untouched: it still verifies, and the target refuses to be overwritten.
  auto [rc2, out2] = testing::Run(testing::SurgeonBinary() + " run -q " + dir + "/config.yaml");
  CHECK(rc2 == 2);
  CHECK_THAT(out2, Catch::Contains("already exists"));
}

}  // namespace surgeon
