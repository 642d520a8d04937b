#include "surgeon/plan/planner.h"

#include <filesystem>

#include "testing.h"
#include "vgg16_inventory.h"

namespace surgeon {
namespace {

using testing::Entry;
using testing::SlimVgg16;

const std::string kHead =
    "source: {checkpoint: ckpt/vgg_16.ckpt}\ntarget: {checkpoint: out/model.ckpt-0}\nseed: 1234\n";

using testing::ErrorOf;
using testing::PlanFor;

const char kMycls[] = R"(keep: ["vgg_16/conv*", "vgg_16/fc6/*", "vgg_16/fc7/*"]
rename:
  - {from: "vgg_16/", to: "mycls/"}
new:
  - {name: mycls/fc8/weights, shape: [1, 1, 4096, 10], initializer: {type: truncated_normal, stddev: 0.01}, feeds_from: mycls/fc7/weights}
  - {name: mycls/fc8/biases, shape: [10], initializer: zeros}
freeze: ["mycls/conv*"]
)";

TEST_CASE("BuildPlan: slim VGG16 -> 10-class mycls", "[plan][planner]") {
  auto plan = PlanFor(kHead + kMycls, SlimVgg16());
  REQUIRE(plan.ok());
  CHECK(plan->source_checkpoint == "/w/ckpt/vgg_16.ckpt");
  CHECK(plan->target_prefix == "/w/out/model.ckpt-0");
  CHECK(plan->meta_mode == Plan::MetaMode::kFresh);
  CHECK(plan->seed == 1234);
  REQUIRE(plan->actions.size() == 32);  // 13 conv + fc6 + fc7, weights and biases; new fc8 pair
  CHECK(std::is_sorted(plan->actions.begin(), plan->actions.end(),
                       [](const PlanAction& a, const PlanAction& b) { return a.target < b.target; }));
  int copies = 0, frozen = 0;
  for (const PlanAction& a : plan->actions) {
    if (a.kind == PlanAction::Kind::kCopy) {
      ++copies;
      CHECK(a.source.substr(0, 7) == "vgg_16/");
      CHECK(a.target == "mycls/" + a.source.substr(7));
      CHECK(a.dtype == a.source_dtype);
    }
    frozen += a.frozen;
    CHECK(a.frozen == (a.target.rfind("mycls/conv", 0) == 0));
    CHECK(a.trainable == !a.frozen);
  }
  CHECK(copies == 30);
  CHECK(frozen == 26);
  CHECK(plan->renames.size() == 30);
  CHECK(plan->renames.at("vgg_16/fc7/weights") == "mycls/fc7/weights");

  const PlanAction* w = plan->FindTarget("mycls/fc8/weights");
  REQUIRE(w != nullptr);
  CHECK(w->kind == PlanAction::Kind::kInitialize);
  CHECK(w->shape == Shape{1, 1, 4096, 10});
  CHECK(w->initializer.kind == InitializerKind::kTruncatedNormal);
  CHECK(w->initializer.stddev == 0.01);
  CHECK(w->replaces == "vgg_16/fc8/weights");
  CHECK(w->seed == VariableSeed(1234, "mycls/fc8/weights"));
  CHECK(w->bytes == 4096 * 10 * 4);
  CHECK(w->rule ==
        "new[0] truncated_normal (t.yaml:8:5), replaces 'vgg_16/fc8/weights' [1, 1, 4096, 1000] -> [1, 1, 4096, 10]");
  CHECK(w->replaced_shape == Shape{1, 1, 4096, 1000});
  const PlanAction* conv = plan->FindTarget("mycls/conv1/conv1_1/weights");
  REQUIRE(conv != nullptr);
  CHECK(conv->rule ==
        "keep[0] 'vgg_16/conv*' (t.yaml:4:8), rename[0] 'vgg_16/' -> 'mycls/' (t.yaml:6:5), "
        "frozen by freeze[0] 'mycls/conv*' (t.yaml:10:10)");

  REQUIRE(plan->dropped.size() == 3);
  CHECK(plan->dropped[0].source == "global_step");
  CHECK(plan->dropped[0].rule == "not matched by keep (t.yaml:4:7)");
  CHECK(plan->dropped[1].source == "vgg_16/fc8/biases");
  CHECK(plan->warnings.empty());
  CHECK(plan->FrozenNames().size() == 26);
}

TEST_CASE("BuildPlan: per-variable seeds are stable and independent", "[plan][planner]") {
  auto a = PlanFor(kHead + kMycls, SlimVgg16());
  std::string more = kMycls;
  more.insert(more.find("freeze:"), "  - {name: extra/v, shape: [3], initializer: ones}\n");
  auto b = PlanFor(kHead + more, SlimVgg16());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->FindTarget("mycls/fc8/weights")->seed == b->FindTarget("mycls/fc8/weights")->seed);
  CHECK(a->FindTarget("mycls/fc8/weights")->seed != a->FindTarget("mycls/fc8/biases")->seed);
  CHECK(VariableSeed(1, "x") != VariableSeed(2, "x"));
}

TEST_CASE("BuildPlan: rename-only moves a model under a new scope", "[plan][planner]") {
  auto plan = PlanFor(kHead + "rename: [{scope: /, to: outer/}]\n", SlimVgg16());
  REQUIRE(plan.ok());
  CHECK(plan->actions.size() == 33);
  CHECK(plan->dropped.empty());
  for (const PlanAction& a : plan->actions) {
    CHECK(a.kind == PlanAction::Kind::kCopy);
    // Bookkeeping stays at the root: the root scope does not name it.
    CHECK(a.target == (a.source == "global_step" ? a.source : "outer/" + a.source));
  }
  const PlanAction* step = plan->FindTarget("global_step");
  REQUIRE(step != nullptr);
  CHECK_FALSE(step->trainable);  // int64, not a trainable variable
  // A rule that spells it does move it.
  auto named = PlanFor(kHead + "rename: [{scope: /, to: outer/}, {scope: global_step, to: outer/step}]\n", SlimVgg16());
  REQUIRE(named.ok());
  CHECK(named->FindTarget("outer/step") != nullptr);
  auto regex = PlanFor(kHead + "rename: [{regex: '^', to: 'outer/'}]\n", SlimVgg16());
  REQUIRE(regex.ok());
  CHECK(regex->FindTarget("global_step") != nullptr);
  CHECK(regex->FindTarget("outer/vgg_16/fc8/biases") != nullptr);
}

TEST_CASE("BuildPlan: TF2 bookkeeping stays put under a root scope; the object-graph warning is true",
          "[plan][planner]") {
  Inventory inv;
  auto e = Entry("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", {4, 2});
  e.object_full_name = "dense/kernel";
  auto counter = Entry("save_counter/.ATTRIBUTES/VARIABLE_VALUE", {}, DataType::kInt64);
  counter.object_full_name = "save_counter";
  inv.tensors = {Entry("_CHECKPOINTABLE_OBJECT_GRAPH", {}, DataType::kString), e, counter};
  auto plan = PlanFor(kHead + "rename: [{scope: /, to: mymodel/}]\n", inv);
  REQUIRE(plan.ok());
  CHECK(plan->FindTarget("_CHECKPOINTABLE_OBJECT_GRAPH") != nullptr);
  CHECK(plan->FindTarget("save_counter/.ATTRIBUTES/VARIABLE_VALUE") != nullptr);
  CHECK(plan->FindTarget("mymodel/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE") != nullptr);
  REQUIRE(plan->warnings.size() == 1);
  CHECK(plan->warnings[0].find("is copied unchanged") != std::string::npos);
  auto dropped = PlanFor(kHead + "drop: [_CHECKPOINTABLE_OBJECT_GRAPH]\n", inv);
  REQUIRE(dropped.ok());
  REQUIRE(dropped->warnings.size() == 1);
  CHECK(dropped->warnings[0].find("_CHECKPOINTABLE_OBJECT_GRAPH is dropped") != std::string::npos);
  CHECK(dropped->warnings[0].find("copied unchanged") == std::string::npos);
  auto untouched = PlanFor(kHead, inv);
  REQUIRE(untouched.ok());
  CHECK(untouched->warnings.empty());
}

TEST_CASE("BuildPlan: one naming model: new and freeze see TF2 object paths too", "[plan][planner]") {
  Inventory inv;
  auto k = Entry("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", {4, 2});
  k.object_full_name = "dense/kernel";
  auto b = Entry("layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE", {2});
  b.object_full_name = "dense/bias";
  inv.tensors = {b, k};
  // A new variable named by the object path of a copied one: an error, not a
  // second tensor beside it.
  CHECK(
      ErrorOf(kHead + "new:\n  - {name: dense/kernel, shape: [4, 3], initializer: zeros}\n", inv) ==
      "t.yaml:5:5: new[0]: 'dense/kernel' is the object path of source variable "
      "'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE', which is copied to "
      "'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE' (keep: all (default)); to replace it, add "
      "'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE' to drop; to keep its pretrained value, remove new[0]");
  // Dropped, it is replaced (and the replacement is listed).
  auto plan = PlanFor(kHead +
                          "drop: ['dense/*']\nallow_shape_change: ['dense/*']\nfreeze: ['dense/bias']\nnew:\n"
                          "  - {name: dense/kernel, shape: [4, 3], initializer: zeros}\n"
                          "  - {name: dense/bias, shape: [3], initializer: zeros}\n",
                      inv);
  REQUIRE(plan.ok());
  const PlanAction* nk = plan->FindTarget("dense/kernel");
  REQUIRE(nk != nullptr);
  CHECK(nk->replaces == "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  CHECK(nk->rule.find("(object path 'dense/kernel') [4, 2] -> [4, 3]") != std::string::npos);
  CHECK(plan->FindTarget("dense/bias")->frozen);
  // freeze and feeds_from accept the object path of a copied variable.
  auto fr = PlanFor(kHead +
                        "freeze: ['dense/kernel']\nnew:\n"
                        "  - {name: head/w, shape: [2, 5], initializer: zeros, feeds_from: dense/kernel}\n",
                    inv);
  REQUIRE(fr.ok());
  CHECK(fr->FindTarget("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE")->frozen);
  CHECK(ErrorOf(kHead + "new:\n  - {name: head/w, shape: [3, 5], initializer: zeros, feeds_from: dense/kernel}\n", inv)
            .find("'head/w' [3, 5] takes 3 inputs (shape[-2]) but 'layer_with_weights-0/kernel/.ATTRIBUTES/"
                  "VARIABLE_VALUE' [4, 2]") != std::string::npos);
}

TEST_CASE("BuildPlan: a replacement may not change the dtype unless allowed", "[plan][planner]") {
  const std::string yaml = kHead +
                           "drop: ['vgg_16/fc8/*']\nnew:\n"
                           "  - {name: vgg_16/fc8/biases, shape: [1000], dtype: float64, initializer: zeros}\n";
  CHECK(ErrorOf(yaml, SlimVgg16()) ==
        "t.yaml:6:5: new[0].dtype: 'vgg_16/fc8/biases' [1000] float64 replaces source variable 'vgg_16/fc8/biases' "
        "[1000] float32: the dtype changes; write dtype: float32 or list 'vgg_16/fc8/biases' under "
        "allow_shape_change (which allows any shape or dtype change of a replacement)");
  auto plan = PlanFor(yaml + "allow_shape_change: ['vgg_16/fc8/biases']\n", SlimVgg16());
  REQUIRE(plan.ok());
  const PlanAction* b = plan->FindTarget("vgg_16/fc8/biases");
  CHECK(b->dtype == DataType::kDouble);
  CHECK(b->replaced_dtype == DataType::kFloat);
  CHECK(b->rule.find("replaces 'vgg_16/fc8/biases' float32 -> float64") != std::string::npos);
}

TEST_CASE("BuildPlan: the graph's op decides which axis is the output", "[plan][planner]") {
  Inventory inv;
  inv.tensors = {Entry("dec/deconv/kernel", {3, 3, 64, 128}), Entry("dec/deconv/bias", {64}),
                 Entry("rnn/lstm/kernel", {40 + 16, 64}), Entry("rnn/lstm/bias", {64})};
  const std::string replace = kHead +
                              "drop: ['dec/deconv/*']\nnew:\n"
                              "  - {name: dec/deconv/kernel, shape: [3, 3, 10, 128], initializer: zeros}\n"
                              "  - {name: dec/deconv/bias, shape: [10], initializer: zeros}\n";
  // Without a graph: the [..., in, out] assumption, said, with the override.
  std::string err = ErrorOf(replace, inv);
  CHECK(err.find("dimension 2 is 10 ≠ the 64 in the source") != std::string::npos);
  CHECK(err.find("assumed the Dense/Conv2D layout [..., in, out] for 'dec/deconv/kernel'") != std::string::npos);
  // With the graph's Conv2DBackpropInput: output channels are dimension 2.
  inv.layouts["dec/deconv/kernel"] = VariableLayout{-1, -2, 1, false, "Conv2DBackpropInput 'dec/conv2d_transpose'"};
  auto ok = PlanFor(replace, inv);
  INFO((ok.ok() ? "" : ok.status().message()));
  CHECK(ok.ok());
  err = ErrorOf(kHead +
                    "drop: ['dec/deconv/*']\nnew:\n"
                    "  - {name: dec/deconv/kernel, shape: [3, 3, 10, 100], initializer: zeros}\n",
                inv);
  CHECK(err.find("dimension 3 is 100 ≠ the 128 in the source; only the output dimension (shape[-2], per "
                 "Conv2DBackpropInput 'dec/conv2d_transpose') may change: use [3, 3, 10, 128]") != std::string::npos);
  // An LSTM kernel's output holds 4 gates: a head fed from it takes 16 inputs, not 64.
  inv.layouts["rnn/lstm/kernel"] = VariableLayout{-2, -1, 4, true, "MatMul 'rnn/lstm/MatMul'"};
  CHECK(PlanFor(kHead + "new:\n  - {name: head/w, shape: [16, 5], initializer: zeros, feeds_from: rnn/lstm/kernel}\n",
                inv)
            .ok());
  err = ErrorOf(kHead + "new:\n  - {name: head/w, shape: [64, 5], initializer: zeros, feeds_from: rnn/lstm/kernel}\n",
                inv);
  CHECK(err.find("has 16 outputs (shape[-1] / 4 gates) [MatMul 'rnn/lstm/MatMul']; use shape [16, 5]") !=
        std::string::npos);
}

TEST_CASE("BuildPlan: root causes come first; a freeze typo is never 'fixed' with a new name", "[plan][planner]") {
  const std::string yaml = kHead + R"(keep: ["vgg_16/conv*", "vgg_16/fc6/*", "vgg_16/fc7x/*"]
rename: [{from: "vgg_16/", to: "mycls/"}]
new:
  - {name: mycls/fc8/weights, shape: [1, 1, 4096, 10], initializer: zeros, feeds_from: mycls/fc7/weights}
  - {name: mycls/fc8/biases, shape: [10], initializer: zeros}
freeze: ["mycls/fc8x/*"]
)";
  std::string err = ErrorOf(yaml, SlimVgg16());
  INFO(err);
  CHECK(err.rfind("t.yaml:4:40: keep[2]: 'vgg_16/fc7x/*' matches no source variable", 0) == 0);
  CHECK(err.find("'mycls/fc7/weights' is not a variable of the target (source variable 'vgg_16/fc7/weights' "
                 "would be it, but it is dropped)") != std::string::npos);
  CHECK(err.find("did you mean 'mycls/fc8") == std::string::npos);
}

TEST_CASE("BuildPlan: drop_optimizer_slots removes every slot", "[plan][planner]") {
  Inventory inv = SlimVgg16(true, /*slots=*/true);
  for (const char* k : {"beta1_power", "beta2_power", "vgg_16/fc8/weights/Adam", "vgg_16/fc8/weights/Adam_1",
                        "vgg_16/fc8/weights/RMSProp_1", "vgg_16/fc8/weights/Ftrl", "vgg_16/fc8/weights/Ftrl_1",
                        "vgg_16/fc8/weights/Adagrad", "training/Adam/Variable_3", "Adam/iterations"}) {
    inv.tensors.push_back(Entry(k, {}));
  }
  auto plan = PlanFor(kHead + "drop_optimizer_slots: true\n", inv);
  REQUIRE(plan.ok());
  CHECK(plan->actions.size() == 33);  // 32 weights/biases + global_step
  CHECK(plan->dropped.size() == 32 + 10);
  for (const DroppedTensor& d : plan->dropped) CHECK(d.rule == "drop_optimizer_slots: true (t.yaml:4:23)");
  for (const PlanAction& a : plan->actions) CHECK_FALSE(IsOptimizerSlot(a.source));
  CHECK_FALSE(IsOptimizerSlot("Adam"));  // a top-level variable named Adam is not a slot
  CHECK_FALSE(IsOptimizerSlot("model/linear"));
  CHECK(IsOptimizerSlot("dense/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE"));
}

TEST_CASE("BuildPlan: global_step keep/drop/reset", "[plan][planner]") {
  auto reset = PlanFor(kHead + "keep: ['vgg_16/fc7/*']\nglobal_step: reset\n", SlimVgg16());
  REQUIRE(reset.ok());
  const PlanAction* step = reset->FindTarget("global_step");
  REQUIRE(step != nullptr);
  CHECK(step->kind == PlanAction::Kind::kInitialize);  // overrides keep
  CHECK(step->dtype == DataType::kInt64);
  CHECK(step->initializer.kind == InitializerKind::kZeros);
  CHECK(step->shape.empty());
  CHECK(step->rule == "global_step: reset (t.yaml:5:14)");

  auto drop = PlanFor(kHead + "global_step: drop\n", SlimVgg16());
  REQUIRE(drop.ok());
  CHECK(drop->FindTarget("global_step") == nullptr);
  REQUIRE(drop->dropped.size() == 1);
  CHECK(drop->dropped[0].rule == "global_step: drop (t.yaml:4:14)");

  auto none = PlanFor(kHead + "global_step: reset\n", SlimVgg16(/*with_global_step=*/false));
  REQUIRE(none.ok());
  REQUIRE(none->FindTarget("global_step") != nullptr);
  REQUIRE(none->warnings.size() == 1);
  CHECK(none->warnings[0] ==
        "t.yaml:4:14: global_step: reset, but the source has no global_step; writing an int64 scalar 0");
}

TEST_CASE("BuildPlan: casts are opt-in, float-only and reported", "[plan][planner]") {
  auto plan = PlanFor(kHead + "cast: [{match: 'vgg_16/fc*', to: float16}, {match: '*', to: bfloat16}]\n", SlimVgg16());
  REQUIRE(plan.ok());
  const PlanAction* fc7 = plan->FindTarget("vgg_16/fc7/weights");
  CHECK(fc7->dtype == DataType::kHalf);
  CHECK(fc7->source_dtype == DataType::kFloat);
  CHECK(fc7->bytes == 4096 * 4096 * 2);
  CHECK(fc7->rule == "keep: all (default), cast float32 -> float16 by cast[0] 'vgg_16/fc*' -> float16 (t.yaml:4:8)");
  CHECK(plan->FindTarget("vgg_16/conv1/conv1_1/weights")->dtype == DataType::kBfloat16);
  CHECK(plan->FindTarget("global_step")->dtype == DataType::kInt64);  // not a float: untouched

  auto no_cast = PlanFor(kHead, SlimVgg16());
  REQUIRE(no_cast.ok());
  for (const PlanAction& a : no_cast->actions) CHECK(a.dtype == a.source_dtype);
}

TEST_CASE("BuildPlan: TF2 object names are matched and renamed", "[plan][planner]") {
  Inventory inv;
  auto e = Entry("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", {4, 2});
  e.object_full_name = "dense/kernel";
  auto b = Entry("layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE", {2});
  b.object_full_name = "dense/bias";
  inv.tensors = {e, b, Entry("_CHECKPOINTABLE_OBJECT_GRAPH", {}, DataType::kString)};
  auto plan = PlanFor(kHead +
                          "keep: ['dense/*', '_CHECKPOINTABLE_OBJECT_GRAPH']\nrename: [{from: 'dense/', to: 'head/'}]\n"
                          "freeze: ['head/kernel']\n",
                      inv);
  REQUIRE(plan.ok());
  const PlanAction* k = plan->FindTarget("head/kernel");
  REQUIRE(k != nullptr);
  CHECK(k->source == "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  CHECK(k->source_object_name == "dense/kernel");
  CHECK(k->frozen);
  CHECK(plan->FindTarget("head/bias") != nullptr);
  REQUIRE(plan->warnings.size() == 1);
  CHECK(plan->warnings[0].rfind("TF2 object-based source: _CHECKPOINTABLE_OBJECT_GRAPH is copied unchanged", 0) == 0);
}

TEST_CASE("BuildPlan: the source graph decides trainable", "[plan][planner]") {
  Inventory inv = SlimVgg16();
  inv.graph_variables.push_back({"vgg_16/fc7/weights", DataType::kFloat, {1, 1, 4096, 4096}, false});
  inv.graph_variables.push_back({"vgg_16/fc6/weights", DataType::kFloat, {7, 7, 512, 4096}, true});
  auto plan = PlanFor(kHead, inv);
  REQUIRE(plan.ok());
  CHECK_FALSE(plan->FindTarget("vgg_16/fc7/weights")->trainable);
  CHECK(plan->FindTarget("vgg_16/fc6/weights")->trainable);
  CHECK_FALSE(plan->FindTarget("vgg_16/fc8/weights")->trainable);  // not a graph variable
}

TEST_CASE("BuildPlan: a new variable is trainable by default only when floating", "[plan][planner]") {
  auto plan = PlanFor(kHead + R"(new:
  - {name: head/w, shape: [2], dtype: float16, initializer: zeros}
  - {name: head/count, shape: [], dtype: int64, initializer: zeros}
  - {name: head/mask, shape: [2], dtype: bool, initializer: zeros}
  - {name: head/n, shape: [], dtype: int32, initializer: zeros, trainable: true}
  - {name: head/v, shape: [2], initializer: zeros, trainable: false}
)",
                      SlimVgg16());
  REQUIRE(plan.ok());
  CHECK(plan->FindTarget("head/w")->trainable);
  CHECK_FALSE(plan->FindTarget("head/count")->trainable);  // an optimizer refuses int64
  CHECK_FALSE(plan->FindTarget("head/mask")->trainable);
  CHECK(plan->FindTarget("head/n")->trainable);  // explicit wins
  CHECK_FALSE(plan->FindTarget("head/v")->trainable);
}

TEST_CASE("BuildPlan: shape changes beyond the last dimension need allow_shape_change", "[plan][planner]") {
  const std::string yaml = kHead + R"(keep: ["vgg_16/fc7/*"]
new:
  - {name: vgg_16/fc8/weights, shape: [1, 1, 4096, 10, 1], initializer: zeros}
)";
  CHECK(ErrorOf(yaml, SlimVgg16()) ==
        "t.yaml:6:39: new[0].shape: 'vgg_16/fc8/weights' [1, 1, 4096, 10, 1] replaces source variable "
        "'vgg_16/fc8/weights' [1, 1, 4096, 1000]: rank 5 ≠ 4; only the last (output) dimension may change; keep "
        "the rank or list 'vgg_16/fc8/weights' under allow_shape_change");
  CHECK(PlanFor(yaml + "allow_shape_change: ['vgg_16/fc8/*']\n", SlimVgg16()).ok());
}

TEST_CASE("BuildPlan: every failure class has an exact message", "[plan][planner]") {
  Inventory fed = SlimVgg16();
  fed.feeds = {{"vgg_16/fc7/weights", "vgg_16/fc8/weights"}, {"vgg_16/fc8/weights", "vgg_16/fc8/biases"}};
  struct Case {
    std::string name, yaml;
    Inventory inventory;
    std::string error;
  };
  const Case cases[] = {
      {"keep typo in the scope", kHead + "keep: ['vgg16/conv*']\n", SlimVgg16(),
       "t.yaml:4:8: keep[0]: 'vgg16/conv*' matches no source variable; did you mean 'vgg_16/conv*'?"},
      {"keep without the scope", kHead + "keep: ['fc7/*']\n", SlimVgg16(),
       "t.yaml:4:8: keep[0]: 'fc7/*' matches no source variable; did you mean 'vgg_16/fc7/*'?"},
      {"keep with bias for biases", kHead + "keep: ['vgg_16/fc7/bias']\n", SlimVgg16(),
       "t.yaml:4:8: keep[0]: 'vgg_16/fc7/bias' matches no source variable; did you mean 'vgg_16/fc7/biases'?"},
      {"keep with kernel for weights", kHead + "keep: ['vgg_16/fc7/kernel']\n", SlimVgg16(),
       "t.yaml:4:8: keep[0]: 'vgg_16/fc7/kernel' matches no source variable; did you mean 'vgg_16/fc7/weights'?"},
      {"keep with an extra scope", kHead + "keep: ['model/vgg_16/fc7/*']\n", SlimVgg16(),
       "t.yaml:4:8: keep[0]: 'model/vgg_16/fc7/*' matches no source variable; did you mean 'vgg_16/fc7/*'?"},
      {"drop matching nothing", kHead + "drop: ['*/Momentum']\n", SlimVgg16(),
       "t.yaml:4:8: drop[0]: '*/Momentum' matches no source variable (`surgeon inspect` lists them)"},
      {"rename matching nothing", kHead + "rename: [{from: 'vgg16/', to: 'x/'}]\n", SlimVgg16(),
       "t.yaml:4:10: rename[0]: prefix 'vgg16/' matches no source variable; did you mean 'vgg_16/'?"},
      {"later rename sees renamed names",
       kHead + "rename: [{from: 'vgg_16/', to: 'a/'}, {regex: '^vgg_16/fc', to: 'b'}]\n", SlimVgg16(),
       "t.yaml:4:39: rename[1]: regex '^vgg_16/fc' matches no source variable (rules see the names earlier rules "
       "produced) (`surgeon inspect` lists them)"},
      {"freeze with a source name", kHead + "rename: [{from: 'vgg_16/', to: 'mycls/'}]\nfreeze: ['vgg_16/conv*']\n",
       SlimVgg16(),
       "t.yaml:5:10: freeze[0]: 'vgg_16/conv*' matches no target variable (it matches source names, but freeze "
       "sees target names, after rename); did you mean 'mycls/conv*'?"},
      {"cast matching nothing", kHead + "cast: [{match: 'global_step', to: float16}]\n", SlimVgg16(),
       "t.yaml:4:8: cast[0]: 'global_step' matches no floating-point source variable"},
      {"allow_shape_change matching nothing", kHead + "allow_shape_change: ['head/*']\n", SlimVgg16(),
       "t.yaml:4:22: allow_shape_change[0]: 'head/*' matches no new variable"},
      {"two sources for one target", kHead + "rename: [{regex: '^vgg_16/fc(6|7)/', to: 'mycls/fc/'}]\n", SlimVgg16(),
       "t.yaml:4:10: rename[0]: target 'mycls/fc/biases' would be written from both 'vgg_16/fc6/biases' and "
       "'vgg_16/fc7/biases'; drop one of them (add it to drop) or rename it to a different name\n"
       "t.yaml:4:10: rename[0]: target 'mycls/fc/weights' would be written from both 'vgg_16/fc6/weights' and "
       "'vgg_16/fc7/weights'; drop one of them (add it to drop) or rename it to a different name"},
      {"new colliding with a kept variable",
       kHead + "rename: [{from: 'vgg_16/', to: 'mycls/'}]\nnew:\n  - {name: mycls/fc8/biases, shape: [10], "
               "initializer: zeros}\n",
       SlimVgg16(),
       "t.yaml:6:5: new[0]: 'mycls/fc8/biases' is also produced by source variable 'vgg_16/fc8/biases' (keep: all "
       "(default), rename[0] 'vgg_16/' -> 'mycls/' (t.yaml:4:10)); to replace it, add 'vgg_16/fc8/biases' to drop; "
       "to keep its pretrained value, remove new[0]"},
      {"new declared twice",
       kHead + "new:\n  - {name: x, shape: [10], initializer: zeros}\n  - {name: x, shape: [10], initializer: ones}\n",
       SlimVgg16(), "t.yaml:6:5: new[1]: 'x' is already declared by new[0] (t.yaml:5:5); remove one of them"},
      {"replacement changes the input dimension (graph link names fc7)",
       kHead + "drop: ['vgg_16/fc8/*']\nnew:\n  - {name: vgg_16/fc8/weights, shape: [1, 1, 2048, 10], initializer: "
               "zeros}\n",
       fed,
       "t.yaml:6:39: new[0].shape: 'vgg_16/fc8/weights' [1, 1, 2048, 10] replaces source variable "
       "'vgg_16/fc8/weights' [1, 1, 4096, 1000]: dimension 2 is 2048 ≠ the 4096 that 'vgg_16/fc7/weights' produces "
       "in the source; only the last (output) dimension may change: use [1, 1, 4096, 10] or list "
       "'vgg_16/fc8/weights' under allow_shape_change"
       " (this check assumed the Dense/Conv2D layout [..., in, out] for 'vgg_16/fc8/weights': no op of a source meta "
       "graph says "
       "otherwise; if it is a Conv2DTranspose, transposed-MatMul or RNN kernel, list it under allow_shape_change)"},
      {"replacement changes the input dimension (no graph)",
       kHead + "drop: ['vgg_16/fc8/*']\nnew:\n  - {name: vgg_16/fc8/weights, shape: [1, 1, 2048, 10], initializer: "
               "zeros}\n",
       SlimVgg16(),
       "t.yaml:6:39: new[0].shape: 'vgg_16/fc8/weights' [1, 1, 2048, 10] replaces source variable "
       "'vgg_16/fc8/weights' [1, 1, 4096, 1000]: dimension 2 is 2048 ≠ the 4096 in the source; only the last "
       "(output) dimension may change: use [1, 1, 4096, 10] or list 'vgg_16/fc8/weights' under allow_shape_change"
       " (this check assumed the Dense/Conv2D layout [..., in, out] for 'vgg_16/fc8/weights': no op of a source meta "
       "graph says "
       "otherwise; if it is a Conv2DTranspose, transposed-MatMul or RNN kernel, list it under allow_shape_change)"},
      {"feeds_from mismatch",
       kHead + "new:\n  - {name: head/weights, shape: [1, 1, 2048, 10], initializer: zeros, feeds_from: "
               "vgg_16/fc7/weights}\n",
       SlimVgg16(),
       "t.yaml:5:33: new[0].shape: 'head/weights' [1, 1, 2048, 10] takes 2048 inputs (shape[-2]) but "
       "'vgg_16/fc7/weights' [1, 1, 4096, 4096] (copied from 'vgg_16/fc7/weights'), which feeds it "
       "(new[0].feeds_from), "
       "has 4096 outputs (shape[-1]); use shape [1, 1, 4096, 10]"
       " (this check assumed the Dense/Conv2D layout [..., in, out] for 'vgg_16/fc7/weights': no op of a source meta "
       "graph says "
       "otherwise; if it is a Conv2DTranspose, transposed-MatMul or RNN kernel, list it under allow_shape_change)"},
      {"feeds_from naming no variable",
       kHead + "new:\n  - {name: head/weights, shape: [1, 1, 4096, 10], initializer: zeros, feeds_from: "
               "vgg_16/fc7/weight}\n",
       SlimVgg16(),
       "t.yaml:5:83: new[0].feeds_from: 'vgg_16/fc7/weight' is not a variable of the target; did you mean "
       "'vgg_16/fc7/weights'?"},
      {"bias does not match its new kernel",
       kHead +
           "drop: ['vgg_16/fc8/*']\nnew:\n  - {name: vgg_16/fc8/weights, shape: [1, 1, 4096, 10], initializer: zeros}\n"
           "  - {name: vgg_16/fc8/biases, shape: [1000], initializer: zeros}\n",
       SlimVgg16(),
       "t.yaml:7:38: new[1].shape: 'vgg_16/fc8/biases' [1000] has 1000 entries but 'vgg_16/fc8/weights' [1, 1, 4096, "
       "10], which feeds it (same scope), has 10 outputs (shape[-1]); use shape [10]"
       " (this check assumed the Dense/Conv2D layout [..., in, out] for 'vgg_16/fc8/weights': no op of a source meta "
       "graph says "
       "otherwise; if it is a Conv2DTranspose, transposed-MatMul or RNN kernel, list it under allow_shape_change)"},
      {"kept bias does not match a new kernel",
       kHead + "drop: ['vgg_16/fc8/weights']\nnew:\n  - {name: vgg_16/fc8/weights, shape: [1, 1, 4096, 10], "
               "initializer: zeros}\n",
       fed,
       "t.yaml:6:39: new[0].shape: 'vgg_16/fc8/biases' [1000] (copied from 'vgg_16/fc8/biases') has 1000 entries but "
       "'vgg_16/fc8/weights' [1, 1, 4096, 10], which feeds it (source graph: 'vgg_16/fc8/weights' -> "
       "'vgg_16/fc8/biases'), has 10 outputs (shape[-1]); make its shape[-1] 1000 or replace "
       "'vgg_16/fc8/biases' too"
       " (this check assumed the Dense/Conv2D layout [..., in, out] for 'vgg_16/fc8/weights': no op of a source meta "
       "graph says "
       "otherwise; if it is a Conv2DTranspose, transposed-MatMul or RNN kernel, list it under allow_shape_change)"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    auto plan = PlanFor(c.yaml, c.inventory);
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.status().code() == StatusCode::kInvalidArgument);
    CHECK(plan.status().message() == c.error);
  }
}

TEST_CASE("BuildPlan: an initializer that does not fit is rejected", "[plan][planner]") {
  auto plan = PlanFor(kHead + "new:\n  - {name: v, shape: [10], initializer: orthogonal}\n", SlimVgg16());
  REQUIRE_FALSE(plan.ok());
  INFO(plan.status().message());
  CHECK(plan.status().message().rfind("t.yaml:5:41: new[0].initializer: 'v' [10] float32: ", 0) == 0);
}

TEST_CASE("BuildPlan: refuses a target that is the source, also through symlinks and ..", "[plan][planner]") {
  namespace fs = std::filesystem;
  std::string dir = testing::MakeTempDir("plan-same");
  fs::create_directories(dir + "/real");
  testing::WriteFile(dir + "/real/m.ckpt.index", "");
  fs::create_directory_symlink(dir + "/real", dir + "/link");
  for (const std::string& target :
       {std::string("real/m.ckpt"), std::string("link/m.ckpt"), std::string("link/../real/m.ckpt")}) {
    INFO(target);
    auto config = ParseConfig("source: real/m.ckpt.index\ntarget: " + target + "\n", "t.yaml", dir);
    REQUIRE(config.ok());
    auto plan = BuildPlan(*config, SlimVgg16());
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.status().code() == StatusCode::kFailedPrecondition);
    CHECK(plan.status().message() ==
          "t.yaml:2:9: target.checkpoint: '" + config->target_checkpoint + "' is the source checkpoint '" + dir +
              "/real/m.ckpt.index' (same file once symlinks and '..' are resolved); surgeon never overwrites its "
              "sources: choose another target prefix");
  }
  auto other = ParseConfig("source: real/m.ckpt\ntarget: real/n.ckpt\n", "t.yaml", dir);
  REQUIRE(other.ok());
  CHECK(BuildPlan(*other, SlimVgg16()).ok());
}

TEST_CASE("BuildPlan: only `new` and global_step reset initialize", "[plan][planner]") {
  // A config that names nothing new copies everything: never a silent re-init.
  auto plan = PlanFor(kHead + "keep: ['vgg_16/*']\n", SlimVgg16());
  REQUIRE(plan.ok());
  for (const PlanAction& a : plan->actions) CHECK(a.kind == PlanAction::Kind::kCopy);
  REQUIRE(plan->dropped.size() == 1);
  CHECK(plan->dropped[0].source == "global_step");
}

}  // namespace
}  // namespace surgeon
