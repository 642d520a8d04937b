// The `expect:` block turns a surprising plan into an error
// before anything is written.
#include "surgeon/plan/config.h"
#include "surgeon/plan/plan_format.h"
#include "surgeon/plan/planner.h"
#include "testing.h"
#include "vgg16_inventory.h"

namespace surgeon {
namespace {

using testing::SlimVgg16;

const std::string kHead = "source: {checkpoint: ckpt/vgg_16.ckpt}\ntarget: {checkpoint: out/model.ckpt-0}\nseed: 1\n";
// VGG16 -> 10 classes: fc8 is re-initialized (4,097,000 of 138,357,544 elements).
const std::string kMycls = kHead + R"(rename: [{from: "vgg_16/", to: "mycls/"}]
drop: ["vgg_16/fc8/*"]
new:
  - {name: mycls/fc8/weights, shape: [1, 1, 4096, 10], initializer: zeros}
  - {name: mycls/fc8/biases, shape: [10], initializer: zeros}
)";
constexpr uint64_t kVggElements = 138357544, kFc8Elements = 4096 * 1000 + 1000;

Result<Plan> PlanFor(const std::string& yaml, const Inventory& inv = SlimVgg16()) {
  return testing::PlanFor(yaml, inv);
}
std::string ErrorOf(const std::string& yaml) { return testing::ErrorOf(yaml, SlimVgg16()); }

TEST_CASE("ParseConfig: expect", "[plan][config][expect]") {
  auto c = ParseConfig(kHead +
                           "expect:\n  initialized: [\"a/*\"]\n  dropped: []\n  min_copied_params: 1000\n"
                           "  min_copied_fraction: 0.5\n",
                       "t.yaml", "/w");
  REQUIRE(c.ok());
  REQUIRE(c->expect);
  REQUIRE(c->expect->initialized);
  CHECK(c->expect->initialized->at(0).pattern.text() == "a/*");
  CHECK(c->expect->initialized_pos.ToString() == "t.yaml:5:16");
  REQUIRE(c->expect->dropped);
  CHECK(c->expect->dropped->empty());
  CHECK(c->expect->min_copied_params == uint64_t{1000});
  CHECK(c->expect->min_copied_fraction == 0.5);
  CHECK_FALSE(ParseConfig(kHead, "t.yaml", "/w")->expect);

  auto error = [](const std::string& body) {
    auto r = ParseConfig(kHead + body, "t.yaml", "/w");
    return r.ok() ? std::string("(parsed)") : r.status().message();
  };
  CHECK(error("expect:\n  min_copied_fraction: 1.5\n") ==
        "t.yaml:5:24: expect.min_copied_fraction: expected a fraction between 0 and 1, got '1.5'");
  CHECK(error("expect:\n  min_copied_params: -3\n") ==
        "t.yaml:5:22: expect.min_copied_params: expected a non-negative integer (tensor elements), got '-3'");
  CHECK(error("expect:\n  initialised: [x]\n") ==
        "t.yaml:5:3: expect.initialised: unknown key; did you mean 'initialized'?");
  CHECK(error("expect: [x]\n") == "t.yaml:4:9: expect: expected a map, got a list");
}

TEST_CASE("BuildPlan: expectations that hold are recorded in the plan", "[plan][planner][expect]") {
  auto plan = PlanFor(kMycls +
                      "expect:\n  initialized: [\"mycls/fc8/*\"]\n  dropped: [\"vgg_16/fc8/*\"]\n"
                      "  min_copied_params: 134000000\n  min_copied_fraction: 0.95\n");
  REQUIRE(plan.ok());
  REQUIRE(plan->expectations.size() == 4);
  for (const auto& e : plan->expectations) CHECK(e.met);
  CHECK(plan->expectations[0].key == "expect.initialized");
  CHECK(plan->expectations[0].config == "t.yaml:10:16");
  CHECK(plan->expectations[0].actual == "2 initialized");
  CHECK(plan->expectations[1].actual == "2 dropped");
  const std::string copied = std::to_string(kVggElements - kFc8Elements) + " of " + std::to_string(kVggElements) +
                             " source model parameter elements copied (0.9704)";
  CHECK(plan->expectations[2].actual == copied);
  CHECK(plan->expectations[3].expected == ">= 0.9500 of the source model parameters' elements");
  const std::string table = FormatPlanTable(*plan);
  CHECK(table.find("expect.min_copied_params (t.yaml:12:22): met, expected >= 134000000 elements: " + copied) !=
        std::string::npos);
  const auto j = PlanToJson(*plan);
  CHECK(j["expectations"][0]["met"] == true);
  CHECK(j["expectations"][3]["key"] == "expect.min_copied_fraction");
}

TEST_CASE("BuildPlan: a permissive config re-initializing the backbone is refused by expect",
          "[plan][planner][expect]") {
  // The failure users report most: shapes that "do not fit" are silently
  // re-initialized. Here a 4-channel first conv besides the new head.
  const std::string fixed = kHead + R"(rename: [{from: "vgg_16/", to: "mycls/"}]
drop: ["vgg_16/fc8/*", "vgg_16/conv1/conv1_1/weights"]
new:
  - {name: mycls/fc8/weights, shape: [1, 1, 4096, 10], initializer: zeros}
  - {name: mycls/fc8/biases, shape: [10], initializer: zeros}
  - {name: mycls/conv1/conv1_1/weights, shape: [3, 3, 4, 64], initializer: he_normal}
allow_shape_change: ["*"]
)";
  REQUIRE(PlanFor(fixed).ok());
  const std::string guarded = fixed +
                              "expect:\n  initialized: [\"mycls/fc8/*\"]\n  dropped: [\"vgg_16/fc8/*\"]\n"
                              "  min_copied_fraction: 0.99\n  min_copied_params: 1000\n";
  CHECK(ErrorOf(guarded) ==
        "t.yaml:12:16: expect.initialized: 1 target variable(s) would be initialized that no pattern allows "
        "('mycls/fc8/*'): mycls/conv1/conv1_1/weights\n"
        "t.yaml:13:12: expect.dropped: 1 source tensor(s) would be dropped that no pattern allows ('vgg_16/fc8/*'): "
        "vgg_16/conv1/conv1_1/weights\n"
        "t.yaml:14:24: expect.min_copied_fraction: " +
            std::to_string(kVggElements - kFc8Elements - 1728) + " of " + std::to_string(kVggElements) +
            " source model parameter elements copied (0.9704), expected >= 0.9900 of the source model parameters' "
            "elements; not copied, largest first: vgg_16/fc8/weights (4096000), vgg_16/conv1/conv1_1/weights (1728), "
            "vgg_16/fc8/biases (1000)");
}

TEST_CASE("BuildPlan: expect lists at most 10 offenders; [] allows nothing; slots do not count",
          "[plan][planner][expect]") {
  std::string many = kHead + "keep: [\"vgg_16/fc*\"]\nexpect:\n  dropped: []\n";
  const std::string error = ErrorOf(many);
  CHECK(
      error.rfind("t.yaml:6:12: expect.dropped: 27 source tensor(s) would be dropped that no pattern allows (nothing): "
                  "global_step, vgg_16/conv1/conv1_1/biases,",
                  0) == 0);
  CHECK(error.find(", ... (and 17 more)") != std::string::npos);
  // Optimizer slots are not model parameters: dropping them costs no fraction.
  auto plan = PlanFor(kHead + "drop_optimizer_slots: true\nexpect: {min_copied_fraction: 1}\n", SlimVgg16(true, true));
  REQUIRE(plan.ok());
  CHECK(plan->expectations[0].actual.find("(1.0000)") != std::string::npos);
  CHECK(ErrorOf(kMycls + "expect: {initialized: []}\n").find("2 target variable(s) would be initialized") !=
        std::string::npos);
  // global_step: reset initializes too.
  CHECK(ErrorOf(kHead + "global_step: reset\nexpect: {initialized: [\"mycls/*\"]}\n") ==
        "t.yaml:5:23: expect.initialized: 1 target variable(s) would be initialized that no pattern allows "
        "('mycls/*'): global_step");
}

}  // namespace
}  // namespace surgeon
