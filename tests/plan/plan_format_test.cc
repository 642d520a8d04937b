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
        "drop    global_step                                                                              not matched "
        "by keep\n"
        "total: 2 target variables (1 copied, 32.0 MiB; 1 initialized, 160.0 KiB), 1 frozen, 1 dropped\n");
}

TEST_CASE("FormatPlanTable: fits a width, groups long runs of drops unless --all", "[plan][format]") {
  Plan p = SmallPlan();
  p.actions[0].rule =
      "keep[0] 'vgg_16/*' (t.yaml:4:8), rename[0] 'vgg_16/' -> 'mycls/' (t.yaml:6:5), frozen by "
      "freeze[0] 'mycls/fc7/*' (t.yaml:9:10)";
  p.dropped.clear();
  for (int i = 0; i < 62; ++i)
    p.dropped.push_back({"v" + std::to_string(100 + i) + "/Momentum", "drop_optimizer_slots: true (t.yaml:12:23)"});
  p.dropped.push_back({"z/extra", "drop[0] 'z/*' (t.yaml:5:8)"});
  PlanTableOptions narrow;
  narrow.width = 120;
  const std::string table = FormatPlanTable(p, narrow);
  INFO(table);
  size_t start = 0, longest = 0;
  for (size_t end; (end = table.find('\n', start)) != std::string::npos; start = end + 1) {
    if (table.compare(start, 6, "total:") != 0 && table.compare(start, 5, "plan:") != 0)
      longest = std::max(longest, end - start);
  }
  CHECK(longest <= 120);
  CHECK(table.find("drop    (62 optimizer slots)") != std::string::npos);
  CHECK(table.find("drop_optimizer_slots: true (t.yaml:12:23)") != std::string::npos);
  CHECK(table.find("drop    z/extra") != std::string::npos);
  CHECK(table.find("63 dropped (62 in groups; --all lists them)") != std::string::npos);
  CHECK(table.find("warning") == std::string::npos);  // printed once, on stderr, by the CLI
  PlanTableOptions all;
  all.all = true;
  const std::string full = FormatPlanTable(p, all);
  CHECK(full.find("v161/Momentum") != std::string::npos);
  CHECK(full.find("in groups") == std::string::npos);
}

TEST_CASE("PlanToJson follows docs/plan.schema.json (PlanJsonSchema)", "[plan][format]") {
  const nlohmann::json schema = nlohmann::json::parse(PlanJsonSchema());
  CHECK(schema == nlohmann::json::parse(testing::ReadFile(std::string(SURGEON_SOURCE_DIR) + "/docs/plan.schema.json")));
  Plan p = SmallPlan();
  p.actions[1].seed = (uint64_t{1} << 53) + 1;  // not exact as a double
  p.actions[1].replaced_shape = {1, 1, 4096, 1000};
  p.expectations.push_back({"expect.initialized", "c.yaml:3:4", "only 'a/*'", "1 initialized", true, {}});
  p.frozen_batch_norms.push_back({"bn1", "name: scope 'bn1'", {"bn1/gamma"}, {"bn1/moving_mean"}});
  const nlohmann::json j = PlanToJson(p);
  auto check_object = [](const nlohmann::json& value, const nlohmann::json& def, const std::string& where) {
    for (const auto& key : def["required"]) {
      INFO(where << " requires " << key);
      CHECK(value.contains(key.get<std::string>()));
    }
    for (const auto& [key, v] : value.items()) {
      INFO(where << " has " << key);
      CHECK(def["properties"].contains(key));
    }
  };
  check_object(j, schema, "plan");
  for (const auto& a : j["actions"]) check_object(a, schema["$defs"]["action"], "action");
  for (const char* list : {"expectations", "frozen_batch_norms"}) {
    REQUIRE(j[list].size() == 1);
    check_object(j[list][0], schema["properties"][list]["items"], list);
  }
  CHECK(j["actions"][1]["seed"] == "9007199254740993");
  CHECK(j["seed"] == 7);
  CHECK(j["actions"][1]["replaces"] ==
        nlohmann::json{{"source", "vgg_16/fc8/weights"}, {"dtype", "float32"}, {"shape", {1, 1, 4096, 1000}}});
  CHECK(j["actions"][1]["initializer"].is_object());
}

TEST_CASE("PlanToJson: every field", "[plan][format]") {
  nlohmann::json j = PlanToJson(SmallPlan());
  CHECK(j["source"]["checkpoint"] == "in/model.ckpt");
  CHECK(j["target"]["meta_graph"] == "fresh");
  REQUIRE(j["actions"].size() == 2);
  CHECK(j["actions"][0]["action"] == "copy");
  CHECK(j["actions"][0]["source_dtype"] == "float32");
  CHECK(j["actions"][0]["dtype"] == "float16");
  CHECK(j["actions"][0]["frozen"] == true);
  CHECK(j["actions"][1]["initializer"]["type"] == "truncated_normal");
  CHECK(j["actions"][1]["initializer"]["stddev"] == 0.01);
  CHECK(j["actions"][1]["seed"] == 42);
  CHECK(j["actions"][1]["replaces"]["source"] == "vgg_16/fc8/weights");
  CHECK(j["dropped"][0]["rule"] == "not matched by keep");
  CHECK(j["totals"]["bytes"] == 4096ull * 4096 * 2 + 4096 * 10 * 4);
  CHECK(j["warnings"][0] == "careful");
}

}  // namespace
}  // namespace surgeon
