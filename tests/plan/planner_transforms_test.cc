// The planner's value transforms (reshape, classes, input_channels):
// resolved steps, and each refusal with its config position.
#include <algorithm>

#include "surgeon/plan/plan_json.h"
#include "surgeon/plan/planner.h"
#include "testing.h"
#include "vgg16_inventory.h"

namespace surgeon {
namespace {

using testing::Entry;
using testing::SlimVgg16;

const std::string kHead = "source: {checkpoint: ckpt/vgg_16.ckpt}\ntarget: {checkpoint: out/model.ckpt-0}\nseed: 7\n";

// A directory holding label files: imagenet.txt (5 labels), mine.txt.
struct LabelDir {
  std::string dir = testing::MakeTempDir("labels");
  LabelDir() {
    testing::WriteFile(dir + "/src.txt", "cat\ndog\nfish\nbird\nhorse\n");
    testing::WriteFile(dir + "/subset.txt", "fish\ncat\n");
    testing::WriteFile(dir + "/added.txt", "cat\ndog\nfish\nbird\nhorse\nzebra\n");
    testing::WriteFile(dir + "/dup.txt", "cat\ndog\ncat\n");
  }
};

Result<Plan> PlanIn(const std::string& dir, const std::string& yaml, const Inventory& inv) {
  auto config = ParseConfig(kHead + yaml, "t.yaml", dir);
  if (!config.ok()) return config.status();
  return BuildPlan(*config, inv);
}

std::string ErrorIn(const std::string& dir, const std::string& yaml, const Inventory& inv) {
  auto plan = PlanIn(dir, yaml, inv);
  return plan.ok() ? "(plan succeeded)" : plan.status().message();
}

// A small classifier: head/weights [4, 6] (6 = background + 5 classes), head/biases [6], conv [3, 3, 3, 8].
Inventory Head() {
  Inventory inv;
  inv.tensors = {Entry("conv/weights", {3, 3, 3, 8}), Entry("head/biases", {6}), Entry("head/weights", {4, 6})};
  return inv;
}

TEST_CASE("reshape: Dense fc6 -> 7x7 conv, both flatten orders, and a layout transpose", "[plan][transform]") {
  Inventory inv;
  inv.tensors = {Entry("fc6/weights", {25088, 4096}), Entry("conv1/weights", {64, 3, 3, 3})};
  auto plan = PlanIn("/w", R"(reshape:
  - {name: fc6/weights, shape: [7, 7, 512, 4096], flatten: chw}
  - {name: conv1/weights, layout: {from: OIHW, to: HWIO}}
)",
                     inv);
  REQUIRE(plan.ok());
  const PlanAction* fc6 = plan->FindTarget("fc6/weights");
  REQUIRE(fc6->transforms.size() == 1);
  CHECK(fc6->shape == Shape{7, 7, 512, 4096});
  CHECK(fc6->transforms[0].view == Shape{512, 7, 7, 4096});
  CHECK(fc6->transforms[0].permutation == std::vector<int>{1, 2, 0, 3});
  CHECK(fc6->rule.find("reshape [25088, 4096] -> [7, 7, 512, 4096] (flatten chw) by reshape[0] (t.yaml:5:5)") !=
        std::string::npos);
  const PlanAction* conv = plan->FindTarget("conv1/weights");
  CHECK(conv->shape == Shape{3, 3, 3, 64});
  CHECK(conv->transforms[0].permutation == std::vector<int>{2, 3, 1, 0});
  CHECK(PlanToJson(*plan)["actions"][1]["transforms"][0]["operation"] == "reshape");

  auto hwc = PlanIn("/w", "reshape: [{name: fc6/weights, shape: [7, 7, 512, 4096], flatten: hwc}]\n", inv);
  REQUIRE(hwc.ok());
  CHECK(hwc->FindTarget("fc6/weights")->transforms[0].permutation.empty());
}

TEST_CASE("reshape refusals name the config line and the tensor", "[plan][transform]") {
  Inventory inv;
  inv.tensors = {Entry("fc6/weights", {25088, 4096})};
  CHECK(ErrorIn("/w", "reshape: [{name: fc6/weights, shape: [7, 7, 512, 4095]}]\n", inv) ==
        "t.yaml:4:38: reshape[0].shape: 'fc6/weights' [25088, 4096] has 102760448 elements, [7, 7, 512, 4095] "
        "102735360");
  CHECK(ErrorIn("/w", "reshape: [{name: fc6/weights, permute: [0, 2]}]\n", inv) ==
        "t.yaml:4:40: reshape[0].permute: expected a permutation of 0..1");
  CHECK(ErrorIn("/w", "reshape: [{name: fc6/weights, permute: [2, 1, 0]}]\n", inv) ==
        "t.yaml:4:40: reshape[0].permute: 'fc6/weights' [25088, 4096] has 2 axes, the permutation 3");
  CHECK(ErrorIn("/w", "reshape: [{name: fc6/weight, shape: [4096, 25088]}]\n", inv) ==
        "t.yaml:4:11: reshape[0].name: 'fc6/weight' is not a target variable copied from the source; did you mean "
        "'fc6/weights'?");
  CHECK(ErrorIn("/w", "reshape: [{name: fc6/weights, shape: [7, 7, 500, 4096], flatten: hwc}]\n", inv)
            .find("flatten needs a Dense [H*W*C, N] and a conv [H, W, C, N]") != std::string::npos);
  CHECK(ErrorIn("/w", "reshape: [{name: fc6/weights, layout: {from: OI, to: IX}}]\n", inv) ==
        "t.yaml:4:39: reshape[0].layout: axis 'X' of 'IX' is not in 'OI'");
}

TEST_CASE("classes: rows by label, background dropped or kept, new classes initialized", "[plan][transform]") {
  LabelDir d;
  auto plan = PlanIn(d.dir, R"(classes:
  - {tensors: [head/weights, head/biases], source_labels: src.txt, target_labels: subset.txt, source_offset: 1}
)",
                     Head());
  REQUIRE(plan.ok());
  const PlanAction* w = plan->FindTarget("head/weights");
  CHECK(w->shape == Shape{4, 2});
  const TransformStep& s = w->transforms[0];
  CHECK(s.axis == 1);
  REQUIRE(s.sources.size() == 2);
  CHECK(s.sources[0].terms[0].index == 3);  // fish: row 1 + 2
  CHECK(s.sources[1].terms[0].index == 1);  // cat
  CHECK(s.labels == std::vector<std::string>{"fish", "cat"});
  CHECK(plan->FindTarget("head/biases")->shape == Shape{2});
  CHECK(w->rule.find("6 -> 2 rows: 2 copied by label, 0 initialized, 3 source classes dropped, offset row 0 "
                     "dropped") != std::string::npos);

  auto kept = PlanIn(d.dir, R"(classes:
  - {tensors: head/weights, source_labels: src.txt, target_labels: added.txt, source_offset: 1, target_offset: 1,
     initializer: {type: truncated_normal, stddev: 0.01}}
)",
                     Head());
  REQUIRE(kept.ok());
  const TransformStep& k = kept->FindTarget("head/weights")->transforms[0];
  REQUIRE(k.sources.size() == 7);
  CHECK(k.sources[0].terms[0].index == 0);                                           // background copied
  CHECK(k.sources[6].initialize);                                                    // zebra
  CHECK(kept->FindTarget("head/weights")->seed == VariableSeed(7, "head/weights"));  // as a new variable's
  auto json = PlanToJson(*kept)["actions"][2]["transforms"][0];
  CHECK(json["entries"][6] == nlohmann::json{{"index", 6}, {"label", "zebra"}, {"initialize", true}});
  CHECK(json["initializer"]["type"] == "truncated_normal");
}

TEST_CASE("classes refusals: label counts, duplicates, unknown map labels", "[plan][transform]") {
  LabelDir d;
  CHECK(ErrorIn(d.dir, "classes: [{tensors: [head/weights], source_labels: src.txt, target_labels: subset.txt}]\n",
                Head()) ==
        "t.yaml:4:22: classes[0].tensors[0]: 'head/weights' [4, 6] has 6 rows along axis 1, but source_labels (" +
            d.dir + "/src.txt) has 5 labels = 5");
  CHECK(ErrorIn(d.dir, "classes: [{tensors: [head/weights], source_labels: dup.txt, target_labels: subset.txt}]\n",
                Head()) ==
        "t.yaml:4:52: classes[0].source_labels: " + d.dir + "/dup.txt:3: label 'cat' already on line 1");
  CHECK(ErrorIn(d.dir, "classes: [{tensors: [head/weights], source_labels: nope.txt, target_labels: subset.txt}]\n",
                Head())
            .find("t.yaml:4:52: classes[0].source_labels: cannot read label file") == 0);
  CHECK(ErrorIn(d.dir, "classes: [{tensors: [head/weights], source_labels: /dev/zero, target_labels: subset.txt}]\n",
                Head()) == "t.yaml:4:52: classes[0].source_labels: /dev/zero is not a regular file");
  CHECK(ErrorIn(d.dir, R"(classes:
  - {tensors: [head/weights], source_labels: src.txt, target_labels: subset.txt, source_offset: 1,
     map: {fish: hors}}
)",
                Head()) ==
        "t.yaml:6:12: classes[0].map: 'hors' is not a label of " + d.dir + "/src.txt; did you mean 'horse'?");
  CHECK(ErrorIn(d.dir, R"(classes:
  - {tensors: [head/weights], axis: 2, source_labels: src.txt, target_labels: subset.txt, source_offset: 1}
)",
                Head()) == "t.yaml:5:37: classes[0].axis: 'head/weights' [4, 6] has no axis 2");
}

TEST_CASE("input_channels: RGB -> gray by sum, RGB -> RGB + depth, refusals", "[plan][transform]") {
  auto gray = PlanIn("/w", "input_channels: [{name: conv/weights, channels: [{sum: [0, 1, 2]}]}]\n", Head());
  REQUIRE(gray.ok());
  const PlanAction* g = gray->FindTarget("conv/weights");
  CHECK(g->shape == Shape{3, 3, 1, 8});
  CHECK(g->transforms[0].axis == 2);
  CHECK(g->rule.find("input_channels 3 -> 1 channels on axis 2 [sum(0,1,2)]") != std::string::npos);
  auto rgbd = PlanIn("/w", "input_channels: [{name: conv/weights, channels: [0, 1, 2, {mean: [0, 1, 2]}]}]\n", Head());
  REQUIRE(rgbd.ok());
  CHECK(rgbd->FindTarget("conv/weights")->shape == Shape{3, 3, 4, 8});
  CHECK(rgbd->FindTarget("conv/weights")->transforms[0].sources[3].terms[1].weight == 1.0 / 3);

  CHECK(ErrorIn("/w", "input_channels: [{name: conv/weights, channels: [0, 1, 3]}]\n", Head()) ==
        "t.yaml:4:56: input_channels[0].channels[2]: 'conv/weights' [3, 3, 3, 8]: source channel 3 is out of range "
        "(axis 2 has 3)");
  CHECK(ErrorIn("/w", "input_channels: [{name: conv/weights, channels: [red]}]\n", Head()) ==
        "t.yaml:4:50: input_channels[0].channels[0]: expected a source channel index, zero, initialize, {sum: [...]} "
        "or {mean: [...]}, got 'red'");
  CHECK(ErrorIn("/w", "input_channels: [{name: conv/weights, axis: 5, channels: [0]}]\n", Head()) ==
        "t.yaml:4:45: input_channels[0].axis: 'conv/weights' [3, 3, 3, 8] has no axis 5");
}

TEST_CASE("transforms compose in order and refuse rewrite-mode reshapes", "[plan][transform]") {
  Inventory inv;
  inv.tensors = {Entry("conv1/weights", {64, 3, 3, 3})};
  auto plan = PlanIn("/w", R"(reshape: [{name: conv1/weights, layout: {from: OIHW, to: HWIO}}]
input_channels: [{name: conv1/weights, channels: [0, 1, 2, zero]}]
)",
                     inv);
  REQUIRE(plan.ok());
  const PlanAction* a = plan->FindTarget("conv1/weights");
  REQUIRE(a->transforms.size() == 2);
  CHECK(a->transforms[1].in_shape == Shape{3, 3, 3, 64});
  CHECK(a->shape == Shape{3, 3, 4, 64});

  auto config = ParseConfig(
      "source: ckpt/x\ntarget: {checkpoint: out/y, meta_graph: {from: source}}\n"
      "reshape: [{name: conv1/weights, permute: [2, 3, 1, 0]}]\n",
      "t.yaml", "/w");
  REQUIRE(config.ok());
  auto refused = BuildPlan(*config, inv);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("t.yaml:3:11: reshape[0]: 'conv1/weights' [64, 3, 3, 3]: a rewritten source "
                                        "graph") == 0);
  auto channels = ParseConfig(
      "source: ckpt/x\ntarget: {checkpoint: out/y, meta_graph: {from: source}}\n"
      "input_channels: [{name: conv1/weights, axis: 1, channels: [0]}]\n",
      "t.yaml", "/w");
  REQUIRE(channels.ok());
  CHECK(BuildPlan(*channels, inv).status().message() ==
        "t.yaml:3:18: input_channels[0]: 'conv1/weights' [64, 3, 3, 3]: a rewritten source graph ({from: source}) "
        "keeps its input placeholders and their channel count; use meta_graph: true (a fresh graph) or false");
}

}  // namespace
}  // namespace surgeon
