// Every example in configs/ loads and plans against a synthetic inventory of
// the model it is written for.
#include <filesystem>

#include "surgeon/plan/plan_format.h"
#include "surgeon/plan/planner.h"
#include "testing.h"
#include "vgg16_inventory.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;

// A fine-tuned 10-class mycls (what configs/vgg16_to_mycls.yaml starts,
// after training): slim VGG16 under mycls/ with a [.., 10] fc8, Momentum
// slots and a global_step.
std::vector<TensorEntry> MyclsFineTune() {
  std::vector<TensorEntry> tensors = testing::SlimVgg16(true, /*slots=*/true).tensors;
  for (TensorEntry& e : tensors) {
    if (e.key.rfind("vgg_16/", 0) == 0) e.key = "mycls/" + e.key.substr(7);
    if (e.key.rfind("mycls/fc8/", 0) == 0) e.shape.back() = 10;
  }
  return tensors;
}

TEST_CASE("configs/*.yaml load and plan", "[plan][configs]") {
  fs::path dir = fs::path(SURGEON_SOURCE_DIR) / "configs";
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 3);
  for (const std::string& f : files) {
    INFO(f);
    auto config = LoadConfig(f);
    REQUIRE(config.ok());
    // Keras-named sources live under demo/keras_vgg16/ (a TF checkpoint or an .h5).
    const bool keras_source = config->source_checkpoint.find("/keras_vgg16/") != std::string::npos;
    Inventory inv = keras_source ? testing::KerasVgg16() : testing::SlimVgg16();
    for (size_t i = 0; i < config->also_from.size(); ++i) inv.also_from.push_back(MyclsFineTune());
    auto plan = BuildPlan(*config, inv);
    if (!plan.ok()) FAIL(plan.status().ToString());
    CHECK_FALSE(FormatPlanTable(*plan).empty());
  }
}

TEST_CASE("configs/vgg16_to_mycls.yaml is the documented surgery", "[plan][configs]") {
  std::string path = std::string(SURGEON_SOURCE_DIR) + "/configs/vgg16_to_mycls.yaml";
  auto config = LoadConfig(path);
  REQUIRE(config.ok());
  CHECK(config->source_checkpoint ==
        (fs::path(SURGEON_SOURCE_DIR) / "configs/../demo/vgg_16/vgg_16.ckpt").lexically_normal().string());
  auto plan = BuildPlan(*config, testing::SlimVgg16());
  REQUIRE(plan.ok());
  CHECK(plan->actions.size() == 32);
  CHECK(plan->FrozenNames().size() == 26);
  CHECK(plan->FindTarget("mycls/fc8/weights")->shape == Shape{1, 1, 4096, 10});
  CHECK(plan->FindTarget("mycls/fc8/biases")->initializer.kind == InitializerKind::kZeros);
}

TEST_CASE("configs/keras_vgg16_to_mycls.yaml replaces the predictions head", "[plan][configs]") {
  auto config = LoadConfig(std::string(SURGEON_SOURCE_DIR) + "/configs/keras_vgg16_to_mycls.yaml");
  REQUIRE(config.ok());
  auto plan = BuildPlan(*config, testing::KerasVgg16());
  REQUIRE(plan.ok());
  CHECK(plan->actions.size() == 32);
  const PlanAction* head = plan->FindTarget("mycls/predictions/kernel");
  REQUIRE(head != nullptr);
  CHECK(head->replaces == "predictions/kernel");
  CHECK(plan->FindTarget("mycls/block1_conv1/kernel")->frozen);
}

TEST_CASE("configs/rename_scope.yaml moves everything and resets the step", "[plan][configs]") {
  auto config = LoadConfig(std::string(SURGEON_SOURCE_DIR) + "/configs/rename_scope.yaml");
  REQUIRE(config.ok());
  auto plan = BuildPlan(*config, testing::SlimVgg16(true, /*slots=*/true));
  REQUIRE(plan.ok());
  CHECK(plan->actions.size() == 33);
  CHECK(plan->dropped.size() == 32);
  CHECK(plan->FindTarget("backbone/fc8/weights") != nullptr);
  CHECK(plan->FindTarget("global_step")->kind == PlanAction::Kind::kInitialize);
}

TEST_CASE("configs/vgg16_two_sources.yaml: trunk from ImageNet, head from the fine-tune", "[plan][configs]") {
  auto config = LoadConfig(std::string(SURGEON_SOURCE_DIR) + "/configs/vgg16_two_sources.yaml");
  REQUIRE(config.ok());
  Inventory inv = testing::SlimVgg16(true, /*slots=*/true);
  inv.also_from.push_back(MyclsFineTune());
  auto plan = BuildPlan(*config, inv);
  INFO((plan.ok() ? "" : plan.status().message()));
  REQUIRE(plan.ok());
  CHECK(plan->actions.size() == 32);
  size_t from_finetune = 0;
  for (const PlanAction& a : plan->actions) {
    CHECK(a.kind == PlanAction::Kind::kCopy);
    from_finetune += a.source_index == 1;
  }
  CHECK(from_finetune == 2);
  const PlanAction* head = plan->FindTarget("mycls/fc8/weights");
  REQUIRE(head != nullptr);
  CHECK(head->source_index == 1);
  CHECK(head->shape == Shape{1, 1, 4096, 10});
  CHECK(head->replaces == "vgg_16/fc8/weights");
  CHECK(plan->FrozenNames().size() == 26);
}

}  // namespace
}  // namespace surgeon
