// Freezing a batch-norm layer's gamma/beta freezes its
// moving statistics, related by the source graph or, without one, by name.
#include "surgeon/plan/config.h"
#include "surgeon/plan/plan_format.h"
#include "surgeon/plan/planner.h"
#include "testing.h"
#include "vgg16_inventory.h"

namespace surgeon {
namespace {

using testing::Entry;

const std::string kHead = "source: {checkpoint: ckpt/m.ckpt}\ntarget: {checkpoint: out/m.ckpt-0}\nseed: 1\n";

// conv1 + bn1, conv2 + bn2 (tf.layers names), and a Momentum slot.
Inventory BnInventory(const std::string& stat_mean = "moving_mean", const std::string& stat_var = "moving_variance") {
  Inventory inv;
  for (const std::string l : {"1", "2"}) {
    inv.tensors.push_back(Entry("conv" + l + "/kernel", {3, 3, 3, 4}));
    for (const std::string& v : std::vector<std::string>{"gamma", "beta", stat_mean, stat_var})
      inv.tensors.push_back(Entry("bn" + l + "/" + v, {4}));
  }
  inv.tensors.push_back(Entry("bn1/gamma/Momentum", {4}));
  std::sort(inv.tensors.begin(), inv.tensors.end(),
            [](const TensorEntry& a, const TensorEntry& b) { return a.key < b.key; });
  return inv;
}

Result<Plan> PlanFor(const std::string& body, const Inventory& inv) {
  SURGEON_ASSIGN_OR_RETURN(PlanConfig config, ParseConfig(kHead + body, "t.yaml", "/w"));
  return BuildPlan(config, inv);
}

std::vector<std::string> Frozen(const Plan& p) { return p.FrozenNames(); }

TEST_CASE("BuildPlan: freezing gamma/beta freezes the layer's statistics, related by name",
          "[plan][planner][batch_norm]") {
  auto plan = PlanFor("drop_optimizer_slots: true\nfreeze: [\"bn1/gamma\", \"bn1/beta\"]\n", BnInventory());
  REQUIRE(plan.ok());
  CHECK(Frozen(*plan) == std::vector<std::string>{"bn1/beta", "bn1/gamma", "bn1/moving_mean", "bn1/moving_variance"});
  const PlanAction* mean = plan->FindTarget("bn1/moving_mean");
  REQUIRE(mean != nullptr);
  CHECK_FALSE(mean->trainable);
  CHECK(mean->rule ==
        "keep: all (default), frozen with batch norm 'bn1' ('bn1/gamma' is frozen; related by name: "
        "scope 'bn1')");
  REQUIRE(plan->frozen_batch_norms.size() == 1);
  const FrozenBatchNorm& b = plan->frozen_batch_norms[0];
  CHECK(b.layer == "bn1");
  CHECK(b.relation == "name: scope 'bn1'");
  CHECK(b.parameters == std::vector<std::string>{"bn1/gamma", "bn1/beta"});
  CHECK(b.statistics == std::vector<std::string>{"bn1/moving_mean", "bn1/moving_variance"});
  CHECK_FALSE(plan->FindTarget("bn2/moving_mean")->frozen);
  const std::string table = FormatPlanTable(*plan);
  CHECK(table.find("batch norm 'bn1' frozen with its moving statistics (bn1/gamma, bn1/beta, bn1/moving_mean, "
                   "bn1/moving_variance; related by name: scope 'bn1')\n") != std::string::npos);
  const auto j = PlanToJson(*plan);
  CHECK(j["frozen_batch_norms"][0]["relation"] == "name: scope 'bn1'");
  CHECK(j["frozen"].size() == 4);
}

TEST_CASE("BuildPlan: the graph relates statistics that names do not", "[plan][planner][batch_norm]") {
  // Statistics under names the name rule does not know; the graph's
  // FusedBatchNormV3 reads them.
  Inventory inv = BnInventory("mean_ema", "var_ema");
  inv.batch_norms.push_back(
      {"bn2/gamma", "bn2/beta", "bn2/mean_ema", "bn2/var_ema", "FusedBatchNormV3 'bn2/FusedBatchNormV3'"});
  auto plan = PlanFor("rename: [{from: bn2/, to: head/bn/}]\nfreeze: [\"head/bn/gamma\"]\n", inv);
  REQUIRE(plan.ok());
  CHECK(Frozen(*plan) == std::vector<std::string>{"head/bn/gamma", "head/bn/mean_ema", "head/bn/var_ema"});
  REQUIRE(plan->frozen_batch_norms.size() == 1);
  CHECK(plan->frozen_batch_norms[0].layer == "bn2");
  CHECK(plan->frozen_batch_norms[0].relation == "graph: FusedBatchNormV3 'bn2/FusedBatchNormV3'");
  CHECK(plan->frozen_batch_norms[0].statistics == std::vector<std::string>{"head/bn/mean_ema", "head/bn/var_ema"});
  // bn1 has no graph entry and its statistics have unknown names: not related.
  CHECK_FALSE(plan->FindTarget("bn1/mean_ema")->frozen);
}

TEST_CASE("BuildPlan: statistics frozen by a pattern are listed; unfrozen layers are not",
          "[plan][planner][batch_norm]") {
  auto plan = PlanFor("freeze: [\"*/moving_*\"]\n", BnInventory());
  REQUIRE(plan.ok());
  REQUIRE(plan->frozen_batch_norms.size() == 2);
  CHECK(plan->frozen_batch_norms[1].layer == "bn2");
  CHECK(plan->frozen_batch_norms[1].parameters.empty());
  CHECK(plan->frozen_batch_norms[1].statistics == std::vector<std::string>{"bn2/moving_mean", "bn2/moving_variance"});
  auto none = PlanFor("freeze: [\"conv*\"]\n", BnInventory());
  REQUIRE(none.ok());
  CHECK(none->frozen_batch_norms.empty());
  // A dropped statistic is not frozen (nothing is carried to freeze).
  auto dropped = PlanFor("drop: [\"bn1/moving_*\"]\nfreeze: [\"bn1/*\"]\n", BnInventory());
  REQUIRE(dropped.ok());
  CHECK(dropped->frozen_batch_norms.empty());
}

}  // namespace
}  // namespace surgeon
