#include "surgeon/plan/plan_format.h"

#include "testing.h"

namespace surgeon {
namespace {

Plan SmallPlan() {
  Plan p;
  p.config_path = "t.yaml";
  p.source_checkpoint = "in/model.ckpt";
  p.target_prefix = "out/model.ckpt-0";
  p.seed = 7;
  PlanAction copy;
  copy.kind = PlanAction::Kind::kCopy;
  copy.source = "vgg_16/fc7/weights";
  copy.target = "mycls/fc7/weights";
  copy.shape = {1, 1, 4096, 4096};
  copy.dtype = DataType::kHalf;
  copy.source_dtype = DataType::kFloat;
  copy.bytes = 4096ull * 4096 * 2;
  copy.frozen = true;
  copy.trainable = false;
  copy.rule = "keep[0]";
  PlanAction init;
  init.kind = PlanAction::Kind::kInitialize;
  init.target = "mycls/fc8/weights";
  init.shape = {1, 1, 4096, 10};
  init.initializer.kind = InitializerKind::kTruncatedNormal;
  init.initializer.stddev = 0.01;
  init.seed = 42;
  init.bytes = 4096 * 10 * 4;
  init.replaces = "vgg_16/fc8/weights";
  init.rule = "new[0]";
  p.actions = {copy, init};
  p.dropped = {{"global_step", "not matched by keep"}};
  p.renames = {{"vgg_16/fc7/weights", "mycls/fc7/weights"}};
  p.warnings = {"careful"};
  return p;
}

TEST_CASE("FormatPlanTable: rows, dropped, totals, warnings", "[plan][format]") {
  CHECK(FormatPlanTable(SmallPlan()) ==
        "plan: in/model.ckpt -> out/model.ckpt-0  (seed 7, meta graph: fresh)\n"
        "action  source                  target             shape               dtype             frozen  rule\n"
        "copy    vgg_16/fc7/weights  ->  mycls/fc7/weights  [1, 1, 4096, 4096]  float32->float16  frozen  keep[0]\n"
        "init    (truncated_normal)  ->  mycls/fc8/weights  [1, 1, 4096, 10]    float32                   new[0]\n"
        "drop    global_step                                                                              not matched by keep\n"
        "total: 2 target variables (1 copied, 32.0 MiB; 1 initialized, 160.0 KiB), 1 frozen, 1 dropped\n"
        "warning: careful\n");
}

TEST_CASE("PlanToJson: every field", "[plan][format]") {
  nlohmann::json j = PlanToJson(SmallPlan());
  CHECK(j["source"]["checkpoint"] == "in/model.ckpt");
  CHECK(j["target"]["meta_graph"] == "fresh");
  REQUIRE(j["actions"].size() == 2);
  CHECK(j["actions"][0]["kind"] == "copy");
  CHECK(j["actions"][0]["source_dtype"] == "float32");
  CHECK(j["actions"][0]["dtype"] == "float16");
  CHECK(j["actions"][0]["frozen"] == true);
  CHECK(j["actions"][1]["initializer"]["type"] == "truncated_normal");
  CHECK(j["actions"][1]["initializer"]["stddev"] == 0.01);
  CHECK(j["actions"][1]["seed"] == 42);
  CHECK(j["actions"][1]["replaces"] == "vgg_16/fc8/weights");
  CHECK(j["dropped"][0]["rule"] == "not matched by keep");
  CHECK(j["totals"]["bytes"] == 4096ull * 4096 * 2 + 4096 * 10 * 4);
  CHECK(j["warnings"][0] == "careful");
}

}  // namespace
}  // namespace surgeon
