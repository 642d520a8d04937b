// Every corpus checkpoint (V2, sharded, TF2, SavedModel, V1) as the source
// of a surgery: identity, rename-all and drop-slots runs, with every copied
// tensor checked against expected.json's sha256 (the independent reader).
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "surgeon/exec/surgery.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/meta_graph.h"
#include "surgeon/graph/graph_checker.h"
#include "surgeon/plan/planner.h"
#include "testing.h"

namespace surgeon {
namespace {

using nlohmann::json;

struct Expected {
  std::string checkpoint;
  std::map<std::string, json> tensors;  // whole tensors by name
};

Expected ExpectedOf(const std::string& dir) {
  json e = testing::LoadExpected(dir);
  Expected out;
  out.checkpoint = dir + "/" + e["checkpoint"].get<std::string>();
  for (const auto& t : e["tensors"]) {
    if (!t.contains("slice_of")) out.tensors[t["name"].get<std::string>()] = t;
  }
  return out;
}

// Writes `yaml` next to a fresh output dir and runs the whole pipeline.
struct RunOutcome {
  Surgery surgery;
  RunReport report;
  std::unique_ptr<CheckpointReader> output;
};

RunOutcome RunSurgery(const std::string& yaml) {
  std::string dir = testing::MakeTempDir("surgery");
  testing::WriteFile(dir + "/config.yaml", yaml);
  auto s = PrepareSurgery(dir + "/config.yaml");
  INFO(s.status().ToString());
  REQUIRE(s.ok());
  RunOptions options;
  options.report_path = dir + "/report.json";
  auto r = ExecuteSurgery(*s, options);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  auto out = OpenCheckpoint(s->plan.target_prefix);
  REQUIRE(out.ok());
  return {std::move(s).value(), std::move(r).value(), std::move(out).value()};
}

std::string Sha(const CheckpointReader& r, const TensorEntry& e) {
  auto d = r.Read(e);
  REQUIRE(d.ok());
  return testing::Sha256Hex(d->bytes().data(), d->bytes().size());
}

}  // namespace

TEST_CASE("Corpus sources: identity surgery copies every tensor byte for byte", "[corpus][surgery]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  for (const auto& dir : testing::CorpusCases()) {
    INFO("case " << dir);
    Expected exp = ExpectedOf(dir);
    RunOutcome run =
        RunSurgery("source: {checkpoint: " + exp.checkpoint + "}\ntarget: {checkpoint: out/model.ckpt-0}\n");
    const auto& entries = run.output->entries();
    CHECK(entries.size() == exp.tensors.size());
    for (const auto& e : entries) {
      INFO("tensor " << e.key);
      auto it = exp.tensors.find(e.key);
      REQUIRE(it != exp.tensors.end());
      CHECK(DataTypeName(e.dtype) == it->second["dtype"].get<std::string>());
      CHECK(e.shape == it->second["shape"].get<Shape>());
      CHECK(Sha(*run.output, e) == it->second["sha256"].get<std::string>());
    }
  }
}

TEST_CASE("Corpus sources: rename everything under a new scope", "[corpus][surgery]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  for (const auto& dir : testing::CorpusCases()) {
    INFO("case " << dir);
    Expected exp = ExpectedOf(dir);
    RunOutcome run = RunSurgery("source: {checkpoint: " + exp.checkpoint +
                                "}\ntarget: {checkpoint: out/model.ckpt-0}\n"
                                "rename:\n  - {regex: '^(.*)$', to: 'moved/\\1'}\n");
    size_t matched = 0;
    for (const auto& [name, t] : exp.tensors) {
      const TensorEntry* e = run.output->Find("moved/" + name);
      if (e == nullptr) {
        // Bookkeeping stays where it is: a regex that does not spell it
        // does not move it.
        CHECK(!BookkeepingWord(name).empty());
        if (name == "_CHECKPOINTABLE_OBJECT_GRAPH") continue;  // Copied or not: it names stale keys.
        e = run.output->Find(name);
        REQUIRE(e != nullptr);
      }
      matched++;
      CHECK(Sha(*run.output, *e) == t["sha256"].get<std::string>());
    }
    CHECK(matched + 2 >= exp.tensors.size());
  }
}

TEST_CASE("Corpus sources: dropping optimizer slots keeps exactly the model variables", "[corpus][surgery]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  int with_slots = 0;
  for (const auto& dir : testing::CorpusCases()) {
    INFO("case " << dir);
    Expected exp = ExpectedOf(dir);
    size_t slots = 0;
    for (const auto& [name, t] : exp.tensors) slots += IsOptimizerSlot(name) ? 1 : 0;
    if (slots == 0) continue;
    with_slots++;
    RunOutcome run = RunSurgery("source: {checkpoint: " + exp.checkpoint +
                                "}\ntarget: {checkpoint: out/model.ckpt-0}\ndrop_optimizer_slots: true\n");
    CHECK(run.output->entries().size() == exp.tensors.size() - slots);
    for (const auto& e : run.output->entries()) {
      INFO("tensor " << e.key);
      CHECK_FALSE(IsOptimizerSlot(e.key));
      CHECK(Sha(*run.output, e) == exp.tensors.at(e.key)["sha256"].get<std::string>());
    }
  }
  CHECK(with_slots >= 5);
}

}  // namespace surgeon

namespace surgeon {

TEST_CASE("Rewrite mode: a corpus graph with a new head passes the checker", "[corpus][surgery][rewrite]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  RunOutcome run =
      RunSurgery("source: {checkpoint: " + corpus +
                 "/v2_fc2_int32_step}\n"
                 "target: {checkpoint: out/model.ckpt-0, meta_graph: {from: source}}\n"
                 "seed: 7\ndrop_optimizer_slots: true\ndrop: ['output/*']\n"
                 "rename:\n  - {from: 'h1/', to: 'body/h1/'}\n"
                 "new:\n  - {name: output/w, shape: [25, 3], initializer: glorot_uniform}\n"
                 "  - {name: output/b, shape: [3], initializer: zeros}\n"
                 "  - {name: extra/scale, shape: [3], initializer: {type: random_uniform, minval: 0.5, maxval: 1.5}}\n"
                 "freeze: ['body/*']\n");
  auto graph = ReadMetaGraph(run.surgery.plan.target_prefix + ".meta");
  REQUIRE(graph.ok());
  std::vector<CheckpointTensorInfo> keys;
  for (const auto& e : run.output->entries()) keys.push_back({e.key, e.dtype, e.shape});
  auto problems = CheckGraph(*graph, keys);
  for (const auto& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());
  for (const auto& v : SummarizeMetaGraph(*graph).variables) {
    const TensorEntry* e = run.output->Find(v.name);
    REQUIRE(e != nullptr);
    CHECK(v.shape == e->shape);
    CHECK(v.trainable == (v.name.rfind("body/", 0) != 0 && v.name != "global_step"));
  }
  CHECK_FALSE(run.report.warnings.empty());  // The stale gradient shapes are reported by node.
  // A variable with no source node gets its configured initializer's chain, not zeros (output/w
  // takes the dropped output/w's node and keeps that node's initializer, reshaped).
  bool uniform = false;
  for (const auto& n : graph->graph_def().node())
    uniform |= n.name() == "extra/scale/Initializer/random_uniform/RandomUniform";
  CHECK(uniform);
}

TEST_CASE("Fresh graphs carry the source graph's TensorFlow version", "[corpus][surgery]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  int carried = 0;
  for (const auto& dir : testing::CorpusCases()) {
    INFO("case " << dir);
    Expected exp = ExpectedOf(dir);
    RunOutcome run = RunSurgery("source: {checkpoint: " + exp.checkpoint +
                                "}\ntarget: {checkpoint: out/model.ckpt-0, meta_graph: true}\n"
                                "drop_optimizer_slots: true\n");
    auto graph = ReadMetaGraph(run.surgery.plan.target_prefix + ".meta");
    REQUIRE(graph.ok());
    const auto& info = graph->meta_info_def();
    const auto& source = run.surgery.source_graph;
    if (source && !source->meta_info_def().tensorflow_version().empty()) {
      CHECK(info.tensorflow_version() == source->meta_info_def().tensorflow_version());
      CHECK(info.tensorflow_git_version() == source->meta_info_def().tensorflow_git_version());
      carried++;
    } else {  // no graph, or one from before TF 1.0: the README's fixed values
      CHECK(info.tensorflow_version() == "1.14.0");
      CHECK(info.tensorflow_git_version() == "unknown");
    }
  }
  CHECK(carried >= 5);
}

}  // namespace surgeon
