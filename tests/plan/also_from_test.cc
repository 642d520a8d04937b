// Several sources in one surgery: `also_from` entries take tensors from
// more checkpoints; a taken name replaces the primary's tensor of that name.
#include <filesystem>

#include "surgeon/plan/plan_format.h"
#include "surgeon/plan/plan_json.h"
#include "surgeon/plan/planner.h"
#include "testing.h"
#include "vgg16_inventory.h"

namespace surgeon {
namespace {

using testing::Entry;
using testing::SlimVgg16;

const std::string kHead =
    "source: {checkpoint: ckpt/vgg_16.ckpt}\n"          // 1
    "target: {checkpoint: out/model.ckpt-0}\n"          // 2
    "seed: 1234\n"                                      // 3
    "rename: [{from: \"vgg_16/\", to: \"mycls/\"}]\n";  // 4

// A fine-tuned 10-class head, with its optimizer state and step.
std::vector<TensorEntry> FineTune() {
  return {Entry("global_step", {}, DataType::kInt64),
          Entry("mycls/fc8/biases", {10}),
          Entry("mycls/fc8/biases/Momentum", {10}),
          Entry("mycls/fc8/weights", {1, 1, 4096, 10}),
          Entry("mycls/fc8/weights/Momentum", {1, 1, 4096, 10}),
          Entry("old/fc7/weights", {1, 1, 4096, 4096})};
}

Inventory TwoSources(size_t also_from = 1) {
  Inventory inv = SlimVgg16();
  for (size_t i = 0; i < also_from; ++i) inv.also_from.push_back(FineTune());
  return inv;
}

using testing::ErrorOf;
using testing::PlanFor;

const std::string kFineTuneHead = kHead +
                                  "also_from:\n"                    // 5
                                  "  - name: finetune\n"            // 6
                                  "    checkpoint: runs/ft.ckpt\n"  // 7
                                  "    take: [\"mycls/fc8/*\"]\n";  // 8

TEST_CASE("also_from: taken tensors are copies from their own source", "[plan][also_from]") {
  auto plan =
      PlanFor(kFineTuneHead + "freeze: [\"mycls/fc8/biases\"]\ncast: [{match: \"mycls/fc8/weights\", to: float16}]\n",
              TwoSources());
  INFO((plan.ok() ? "" : plan.status().message()));
  REQUIRE(plan.ok());
  // 13 conv + fc6 + fc7 pairs and global_step from the primary, the fc8 pair
  // from the fine-tune (its Momentum slots, global_step and fc7 untaken).
  CHECK(plan->actions.size() == 33);
  REQUIRE(plan->sources.size() == 2);
  CHECK(plan->sources[0].label == "source");
  CHECK(plan->sources[0].checkpoint == "/w/ckpt/vgg_16.ckpt");
  CHECK(plan->sources[1].label == "also_from[0] 'finetune'");
  CHECK(plan->sources[1].name == "finetune");
  CHECK(plan->sources[1].checkpoint == "/w/runs/ft.ckpt");

  const PlanAction* w = plan->FindTarget("mycls/fc8/weights");
  REQUIRE(w != nullptr);
  CHECK(w->kind == PlanAction::Kind::kCopy);
  CHECK(w->source_index == 1);
  CHECK(w->source == "mycls/fc8/weights");
  CHECK(w->shape == Shape{1, 1, 4096, 10});
  CHECK(w->source_dtype == DataType::kFloat);
  CHECK(w->dtype == DataType::kHalf);
  CHECK(w->replaces == "vgg_16/fc8/weights");
  CHECK(w->replaced_shape == Shape{1, 1, 4096, 1000});
  CHECK(w->rule ==
        "also_from[0].take[0] 'mycls/fc8/*' (t.yaml:8:12) of 'finetune', replaces 'vgg_16/fc8/weights' [1, 1, 4096, "
        "1000] -> [1, 1, 4096, 10], cast float32 -> float16 by cast[0] 'mycls/fc8/weights' -> float16 (t.yaml:10:8)");
  const PlanAction* b = plan->FindTarget("mycls/fc8/biases");
  REQUIRE(b != nullptr);
  CHECK(b->source_index == 1);
  CHECK(b->frozen);
  const PlanAction* fc7 = plan->FindTarget("mycls/fc7/weights");
  REQUIRE(fc7 != nullptr);
  CHECK(fc7->source_index == 0);
  CHECK(fc7->source == "vgg_16/fc7/weights");
  const PlanAction* step = plan->FindTarget("global_step");
  REQUIRE(step != nullptr);
  CHECK(step->source_index == 0);
  CHECK(plan->FindTarget("mycls/fc8/weights/Momentum") == nullptr);

  // The primary's head is dropped, saying what replaced it.
  REQUIRE(plan->dropped.size() == 2);
  CHECK(plan->dropped[0].source == "vgg_16/fc8/biases");
  CHECK(plan->dropped[0].rule == "replaced by also_from[0] 'finetune' (t.yaml:6:5)");
  CHECK(plan->dropped[1].source == "vgg_16/fc8/weights");
  CHECK(plan->dropped[1].rule == "replaced by also_from[0] 'finetune' (t.yaml:6:5)");
  // renames are the primary's copies only.
  CHECK(plan->renames.size() == 31);
  CHECK(plan->renames.count("mycls/fc8/weights") == 0);
}

TEST_CASE("also_from: expect measures the primary source; a replaced tensor is not left out", "[plan][also_from]") {
  auto plan = PlanFor(kFineTuneHead + "expect: {initialized: [], dropped: [], min_copied_params: 1}\n", TwoSources());
  INFO((plan.ok() ? "" : plan.status().message()));
  REQUIRE(plan.ok());
  REQUIRE(plan->expectations.size() == 3);
  CHECK(plan->expectations[1].actual == "2 dropped");
  // fc8 (4096 * 1000 + 1000 elements) is not copied from the primary source.
  const uint64_t vgg = 138357544;
  CHECK(plan->expectations[2].actual == std::to_string(vgg - 4097000) + " of " + std::to_string(vgg) +
                                            " source model parameter elements copied (0.9704)");
  auto broken = ErrorOf(kFineTuneHead + "expect: {min_copied_fraction: 0.99}\n", TwoSources());
  CHECK(broken.find("expect.min_copied_fraction: 134260544 of 138357544 source model parameter elements copied "
                    "(0.9704), expected >= 0.9900") != std::string::npos);
  CHECK(broken.find("not copied, largest first: vgg_16/fc8/weights (4096000)") != std::string::npos);
}

TEST_CASE("also_from: the table and the JSON show the source", "[plan][also_from]") {
  auto plan = PlanFor(kFineTuneHead, TwoSources());
  REQUIRE(plan.ok());
  const std::string table = FormatPlanTable(*plan);
  INFO(table);
  CHECK(table.find("also from [finetune]: /w/runs/ft.ckpt  (also_from[0] 'finetune')\n") != std::string::npos);
  CHECK(table.find("[finetune] mycls/fc8/weights") != std::string::npos);
  CHECK(table.find("[finetune] mycls/fc7") == std::string::npos);
  CHECK(table.find("replaced by also_from[0] 'finetune' (t.yaml:6:5)") != std::string::npos);

  const nlohmann::json j = PlanToJson(*plan);
  REQUIRE(j["also_from"].size() == 1);
  CHECK(j["also_from"][0] == nlohmann::json{{"label", "also_from[0] 'finetune'"}, {"checkpoint", "/w/runs/ft.ckpt"}});
  const nlohmann::json schema = nlohmann::json::parse(PlanJsonSchema());
  CHECK(schema["properties"].contains("also_from"));
  bool seen = false;
  for (const auto& a : j["actions"]) {
    for (const auto& [key, v] : a.items()) {
      INFO(key);
      CHECK(schema["$defs"]["action"]["properties"].contains(key));
    }
    if (a["target"].get<std::string>().rfind("mycls/fc8/", 0) != 0) {
      CHECK_FALSE(a.contains("source_index"));
      continue;
    }
    if (a["target"] != "mycls/fc8/weights") continue;
    seen = true;
    CHECK(a["source_index"] == 1);
    CHECK(a["source_label"] == "also_from[0] 'finetune'");
    CHECK(a["replaces"]["source"] == "vgg_16/fc8/weights");
  }
  CHECK(seen);
  // A single-source plan's JSON is unchanged.
  auto single = PlanFor(kHead, SlimVgg16());
  REQUIRE(single.ok());
  CHECK_FALSE(PlanToJson(*single).contains("also_from"));
}

TEST_CASE("also_from: own rename rules; optimizer state only when spelled", "[plan][also_from]") {
  const std::string yaml = kHead +
                           "also_from:\n"
                           "  - checkpoint: runs/ft.ckpt\n"
                           "    take: [\"old/*\", \"mycls/fc8/weights*\", \"*/biases/Momentum\"]\n"
                           "    rename: [{from: \"old/\", to: \"mycls/\"}]\n"
                           "drop_optimizer_slots: true\n";
  auto plan = PlanFor(yaml, TwoSources());
  INFO((plan.ok() ? "" : plan.status().message()));
  REQUIRE(plan.ok());
  CHECK(plan->sources[1].label == "also_from[0]");
  CHECK(plan->sources[1].name == "also_from[0]");
  const PlanAction* fc7 = plan->FindTarget("mycls/fc7/weights");
  REQUIRE(fc7 != nullptr);
  CHECK(fc7->source_index == 1);
  CHECK(fc7->source == "old/fc7/weights");
  CHECK(fc7->rule ==
        "also_from[0].take[0] 'old/*' (t.yaml:7:12), also_from[0].rename[0] 'old/' -> 'mycls/' (t.yaml:8:14), "
        "replaces 'vgg_16/fc7/weights'");
  // "mycls/fc8/weights*" matches the Momentum slot but does not spell it.
  CHECK(plan->FindTarget("mycls/fc8/weights/Momentum") == nullptr);
  const PlanAction* slot = plan->FindTarget("mycls/fc8/biases/Momentum");
  REQUIRE(slot != nullptr);
  CHECK(slot->source_index == 1);
  CHECK_FALSE(slot->trainable);
  // The fine-tune's global_step is never taken: the primary's is copied.
  REQUIRE(plan->FindTarget("global_step") != nullptr);
  CHECK(plan->FindTarget("global_step")->source_index == 0);
}

TEST_CASE("also_from: every refusal has its whole message", "[plan][also_from]") {
  SECTION("a take pattern matching nothing, with did-you-mean") {
    CHECK(ErrorOf(kHead + "also_from:\n  - {name: ft, checkpoint: runs/ft.ckpt, take: [\"mycls/fc9/*\"]}\n",
                  TwoSources()) ==
          "t.yaml:6:49: also_from[0].take[0]: 'mycls/fc9/*' matches no tensor of '/w/runs/ft.ckpt'; did you mean "
          "'mycls/fc8/*'?");
  }
  SECTION("a take pattern matching only optimizer state") {
    CHECK(ErrorOf(kHead + "also_from:\n  - {checkpoint: runs/ft.ckpt, take: [\"*/Mom*\"]}\n", TwoSources()) ==
          "t.yaml:6:39: also_from[0].take[0]: '*/Mom*' matches only optimizer state or bookkeeping of "
          "'/w/runs/ft.ckpt', which a take pattern takes only when it names the tensor exactly or spells its word "
          "(e.g. 'Momentum', 'OPTIMIZER_SLOT', 'global_step')");
  }
  SECTION("an also_from rename rule matching nothing taken") {
    CHECK(ErrorOf(
              kHead + "also_from:\n  - {checkpoint: runs/ft.ckpt, take: [\"mycls/*\"], rename: [{from: x/, to: y/}]}\n",
              TwoSources()) ==
          "t.yaml:6:60: also_from[0].rename[0]: 'x/' matches no tensor taken from also_from[0] (its rename rules "
          "see only the names its take patterns select)");
  }
  SECTION("one target taken from two sources names both lines") {
    CHECK(ErrorOf(kHead + "also_from:\n"
                          "  - {name: a, checkpoint: runs/a.ckpt, take: [\"mycls/fc8/biases\"]}\n"
                          "  - {name: b, checkpoint: runs/b.ckpt, take: [\"mycls/fc8/*\"]}\n",
                  TwoSources(2)) ==
          "t.yaml:7:47: also_from[1].take[0]: target 'mycls/fc8/biases' would be taken twice: as "
          "'mycls/fc8/biases' of also_from[1] 'b' and as 'mycls/fc8/biases' of also_from[0] 'a' by "
          "also_from[0].take[0] 'mycls/fc8/biases' (t.yaml:6:47); take each name from one source only");
  }
  SECTION("a new variable with a taken name") {
    CHECK(ErrorOf(kFineTuneHead + "new: [{name: mycls/fc8/biases, shape: [10], initializer: zeros}]\n", TwoSources()) ==
          "t.yaml:9:7: new[0]: 'mycls/fc8/biases' is also taken from also_from[0] 'finetune' as 'mycls/fc8/biases' "
          "(also_from[0].take[0] 'mycls/fc8/*' (t.yaml:8:12) of 'finetune', replaces 'vgg_16/fc8/biases' [1000] -> "
          "[10]); remove "
          "new[0] to keep the taken value, or narrow also_from[0].take");
  }
  SECTION("rewrite mode: a taken tensor must stand in for a primary variable") {
    std::string yaml = kFineTuneHead;
    yaml.replace(yaml.find("target: {checkpoint: out/model.ckpt-0}"), 38,
                 "target: {checkpoint: out/model.ckpt-0, meta_graph: {from: source}}");
    yaml.replace(yaml.find("[\"mycls/fc8/*\"]"), 15, "[\"mycls/fc8/*\", \"old/*\"]");
    CHECK(ErrorOf(yaml, TwoSources()) ==
          "t.yaml:8:27: also_from[0].take[1]: 'old/fc7/weights' [1, 1, 4096, 4096] float32 (taken as "
          "'old/fc7/weights') replaces no variable of the primary source, and target.meta_graph: {from: source} "
          "only rewrites the primary graph's variables; take only names the primary source has; or use "
          "target.meta_graph: true for a fresh graph");
  }
  SECTION("config errors") {
    CHECK(ErrorOf(kHead + "also_from:\n  - {checkpoint: runs/ft.ckpt}\n", TwoSources()) ==
          "t.yaml:6:5: also_from[0].take: required key is missing");
    CHECK(ErrorOf(kHead + "also_from:\n  - {checkpoint: runs/ft.ckpt, take: []}\n", TwoSources()) ==
          "t.yaml:6:38: also_from[0].take: expected at least one pattern: an also_from source contributes only what "
          "it takes");
    CHECK(ErrorOf(kHead + "also_from:\n  - {checkpoint: runs/ft.ckpt, tkae: [a]}\n", TwoSources()) ==
          "t.yaml:6:32: also_from[0].tkae: unknown key; did you mean 'take'?");
  }
}

TEST_CASE("also_from: the target may not be an also_from checkpoint", "[plan][also_from]") {
  namespace fs = std::filesystem;
  const std::string dir = testing::MakeTempDir("also-from-same");
  fs::create_directories(dir + "/runs");
  testing::WriteFile(dir + "/runs/ft.ckpt.index", "");
  auto config = ParseConfig(
      "source: ckpt/vgg_16.ckpt\ntarget: runs/../runs/ft.ckpt\nalso_from:\n  - {name: ft, checkpoint: runs/ft.ckpt, "
      "take: [\"*\"]}\n",
      "t.yaml", dir);
  REQUIRE(config.ok());
  auto plan = BuildPlan(*config, TwoSources());
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.status().code() == StatusCode::kFailedPrecondition);
  CHECK(plan.status().message() == "t.yaml:2:9: target.checkpoint: '" + config->target_checkpoint +
                                       "' is the checkpoint of also_from[0] 'ft' (t.yaml:4:5) '" + dir +
                                       "/runs/ft.ckpt' (same file once symlinks and '..' are resolved); surgeon "
                                       "never overwrites its sources: choose another target prefix");
}

}  // namespace
}  // namespace surgeon
