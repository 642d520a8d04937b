// Fresh graphs: checker-clean, structurally equal to what TF wrote in the
// corpus for the same kinds of node, and round-trip through protobuf.
#include "surgeon/graph/fresh_graph.h"

#include <google/protobuf/util/message_differencer.h>

#include <cstring>

#include "graph_test_util.h"
#include "surgeon/graph/op_registry.h"

namespace surgeon {
namespace {

using Dist = ResolvedInitializer::Distribution;

std::vector<FreshVariable> Vgg16Mycls() {
  std::vector<FreshVariable> v;
  const std::vector<std::pair<std::string, Shape>> convs = {
      {"conv1/conv1_1", {3, 3, 3, 64}},    {"conv1/conv1_2", {3, 3, 64, 64}},
      {"conv2/conv2_1", {3, 3, 64, 128}},  {"conv2/conv2_2", {3, 3, 128, 128}},
      {"conv3/conv3_1", {3, 3, 128, 256}}, {"conv3/conv3_2", {3, 3, 256, 256}},
      {"conv3/conv3_3", {3, 3, 256, 256}}, {"conv4/conv4_1", {3, 3, 256, 512}},
      {"conv4/conv4_2", {3, 3, 512, 512}}, {"conv4/conv4_3", {3, 3, 512, 512}},
      {"conv5/conv5_1", {3, 3, 512, 512}}, {"conv5/conv5_2", {3, 3, 512, 512}},
      {"conv5/conv5_3", {3, 3, 512, 512}}, {"fc6", {7, 7, 512, 4096}},
      {"fc7", {1, 1, 4096, 4096}},         {"fc8", {1, 1, 4096, 10}}};
  for (const auto& [name, shape] : convs) {
    const bool head = name == "fc8";
    ResolvedInitializer glorot{Dist::kUniform, -0.03, 0.03};
    v.push_back(
        {"vgg_16/" + name + "/weights", DataType::kFloat, shape, head, head ? std::optional(glorot) : std::nullopt});
    v.push_back({"vgg_16/" + name + "/biases", DataType::kFloat, {shape.back()}, head, std::nullopt});
  }
  v.push_back({"global_step", DataType::kInt64, {}, false, std::nullopt});
  return v;
}

std::vector<CheckpointTensorInfo> CheckpointFor(const std::vector<FreshVariable>& vars) {
  std::vector<CheckpointTensorInfo> out;
  for (const auto& v : vars) out.push_back({v.name, v.dtype, v.shape});
  return out;
}

const tensorflow::NodeDef* Node(const tensorflow::MetaGraphDef& mg, const std::string& name) {
  for (const auto& n : mg.graph_def().node()) {
    if (n.name() == name) return &n;
  }
  return nullptr;
}

std::set<std::string> AttrKeys(const tensorflow::NodeDef& n, bool drop_class = false) {
  std::set<std::string> keys;
  for (const auto& [k, v] : n.attr()) {
    if (k == "_output_shapes" || (drop_class && k == "_class")) continue;
    keys.insert(k);
  }
  return keys;
}

// Inputs with `from` prefixes replaced, so corpus and our names compare.
std::vector<std::string> Inputs(const tensorflow::NodeDef& n,
                                const std::vector<std::pair<std::string, std::string>>& subst) {
  std::vector<std::string> out;
  for (std::string in : n.input()) {
    for (const auto& [a, b] : subst) {
      std::string::size_type p = in.find(a);
      if (p != std::string::npos && (p == 0 || in[p - 1] == '^')) in.replace(p, a.size(), b);
    }
    out.push_back(in);
  }
  return out;
}

TEST_CASE("fresh graph for a small model passes the checker with every initializer kind") {
  std::vector<FreshVariable> vars = {
      {"dense/kernel", DataType::kFloat, {4, 3}, true, ResolvedInitializer{Dist::kUniform, -0.5, 0.5}},
      {"dense/bias", DataType::kFloat, {3}, true, std::nullopt},
      {"conv/kernel", DataType::kFloat, {3, 3, 2, 8}, true, ResolvedInitializer{Dist::kTruncatedNormal, 0, 0.1}},
      {"conv/bias", DataType::kHalf, {8}, true, ResolvedInitializer{Dist::kConstant, 0.5, 0}},
      {"emb", DataType::kDouble, {10, 4}, false, ResolvedInitializer{Dist::kNormal, 0, 1}},
      {"rnn/kernel", DataType::kFloat, {6, 6}, true, ResolvedInitializer{Dist::kOrthogonal, 1.0, 0}},
      {"wide/kernel", DataType::kDouble, {3, 3, 2, 40}, true, ResolvedInitializer{Dist::kOrthogonal, 2.0, 0}},
      {"half/kernel", DataType::kHalf, {4, 4}, true, ResolvedInitializer{Dist::kOrthogonal, 1.0, 0}},
      {"ones", DataType::kBfloat16, {2}, true, ResolvedInitializer{Dist::kConstant, 1.0, 0}},
      {"step", DataType::kInt32, {}, false, std::nullopt},
      {"global_step", DataType::kInt64, {}, false, std::nullopt},
  };
  auto mg = BuildFreshMetaGraph(vars, FreshGraphOptions{});
  REQUIRE(mg.ok());
  auto problems = CheckGraph(*mg, CheckpointFor(vars), {true});
  INFO(testing::Join(problems));
  CHECK(problems.empty());

  // Initializer value tensors, per TF's names.
  CHECK(Node(*mg, "dense/kernel/Initializer/random_uniform")->op() == "Add");
  CHECK(Node(*mg, "conv/kernel/Initializer/truncated_normal/TruncatedNormal") != nullptr);
  CHECK(Node(*mg, "emb/Initializer/random_normal/RandomStandardNormal") != nullptr);
  // Orthogonal: init_ops.Orthogonal's chain; [18, 40] is generated as [40, 18] and transposed.
  CHECK(Node(*mg, "rnn/kernel/Assign")->input(1) == "rnn/kernel/Initializer/mul_1");
  CHECK(Node(*mg, "rnn/kernel/Initializer/Qr")->input(0) == "rnn/kernel/Initializer/random_normal");
  CHECK(Node(*mg, "rnn/kernel/Initializer/DiagPart")->input(0) == "rnn/kernel/Initializer/Qr:1");
  CHECK(Node(*mg, "rnn/kernel/Initializer/matrix_transpose/transpose") == nullptr);
  CHECK(Node(*mg, "wide/kernel/Initializer/Reshape")->input(0) == "wide/kernel/Initializer/matrix_transpose/transpose");
  {
    auto ints = [&](const std::string& node) {  // an int32 vector Const: tensor_content, little-endian
      const std::string& b = Node(*mg, node)->attr().at("value").tensor().tensor_content();
      std::vector<int32_t> v(b.size() / 4);
      std::memcpy(v.data(), b.data(), v.size() * 4);
      return v;
    };
    CHECK(ints("wide/kernel/Initializer/random_normal/shape") == std::vector<int32_t>{40, 18});
    CHECK(ints("wide/kernel/Initializer/Reshape/shape") == std::vector<int32_t>{3, 3, 2, 40});
    CHECK(Node(*mg, "wide/kernel/Initializer/mul_1/x")->attr().at("value").tensor().double_val(0) == 2.0);
  }
  // Half: the orthogonal chain in float (Qr has no half kernel), then Cast.
  CHECK(Node(*mg, "half/kernel/Initializer/Qr")->attr().at("T").type() == tensorflow::DT_FLOAT);
  CHECK(Node(*mg, "half/kernel/Initializer/Cast")->input(0) == "half/kernel/Initializer/mul_1");
  CHECK(Node(*mg, "half/kernel/Initializer/Cast")->attr().at("DstT").type() == tensorflow::DT_HALF);
  CHECK(Node(*mg, "half/kernel/Assign")->input(1) == "half/kernel/Initializer/Cast");
  CHECK(Node(*mg, "conv/bias/Initializer/Const") != nullptr);
  CHECK(Node(*mg, "ones/Initializer/ones") != nullptr);
  CHECK(Node(*mg, "dense/bias/Initializer/zeros")->attr().at("value").tensor().float_val_size() == 1);
  // No _output_shapes anywhere.
  for (const auto& n : mg->graph_def().node()) CHECK_FALSE(n.attr().count("_output_shapes"));

  // Collections and summary.
  auto s = SummarizeMetaGraph(*mg);
  REQUIRE(s.variables.size() == vars.size());
  for (size_t i = 0; i < vars.size(); ++i) {
    CHECK(s.variables[i].name == vars[i].name);
    CHECK(s.variables[i].shape == vars[i].shape);
    CHECK(s.variables[i].dtype == vars[i].dtype);
    CHECK(s.variables[i].trainable == vars[i].trainable);
  }
  CHECK(mg->collection_def().at("global_step").node_list().value(0) == "global_step:0");
  CHECK(s.tensorflow_version == "1.14.0");
  CHECK(s.producer == 38);
  // stripped_op_list: sorted, every op used and nothing else.
  std::set<std::string> used;
  for (const auto& n : mg->graph_def().node()) used.insert(n.op());
  CHECK(std::set<std::string>(s.stripped_ops.begin(), s.stripped_ops.end()) == used);
  CHECK(std::is_sorted(s.stripped_ops.begin(), s.stripped_ops.end()));
}

TEST_CASE("fresh graph for VGG16 -> mycls: 32 variables + global_step, fc8 [1,1,4096,10], frozen prefix") {
  auto vars = Vgg16Mycls();
  REQUIRE(vars.size() == 33);
  auto mg = BuildFreshMetaGraph(vars, FreshGraphOptions{});
  REQUIRE(mg.ok());
  auto problems = CheckGraph(*mg, CheckpointFor(vars), {true});
  INFO(testing::Join(problems));
  CHECK(problems.empty());
  auto s = SummarizeMetaGraph(*mg);
  int trainable = 0;
  for (const auto& v : s.variables) trainable += v.trainable;
  CHECK(trainable == 2);
  CHECK(mg->collection_def().at("trainable_variables").bytes_list().value_size() == 2);
  CHECK(mg->collection_def().at("variables").bytes_list().value_size() == 33);
  const auto* fc8 = Node(*mg, "vgg_16/fc8/weights");
  REQUIRE(fc8);
  Shape fc8_shape;
  for (const auto& d : fc8->attr().at("shape").shape().dim()) fc8_shape.push_back(d.size());
  CHECK(fc8_shape == Shape{1, 1, 4096, 10});
  // The saver lists the keys sorted.
  const auto& names = Node(*mg, "save/SaveV2/tensor_names")->attr().at("value").tensor().string_val();
  CHECK(std::is_sorted(names.begin(), names.end()));
  CHECK(names.size() == 33);
  // Round trip: bytes -> parse -> equal message.
  auto bytes = SerializeMetaGraph(*mg);
  REQUIRE(bytes.ok());
  auto back = ParseMetaGraph(*bytes, "vgg.meta");
  REQUIRE(back.ok());
  CHECK(google::protobuf::util::MessageDifferencer::Equals(*mg, *back));
  // Small: no weights embedded.
  CHECK(bytes->size() < 200000);
}

TEST_CASE("fresh graph rejects bad input") {
  CHECK_FALSE(BuildFreshMetaGraph({}, {}).ok());
  FreshVariable a{"a", DataType::kFloat, {2}, true, std::nullopt};
  CHECK(BuildFreshMetaGraph({a, a}, {}).status().message().find("'a' listed twice") != std::string::npos);
  FreshVariable bad{"-x", DataType::kFloat, {2}, true, std::nullopt};
  CHECK(BuildFreshMetaGraph({bad}, {}).status().code() == StatusCode::kInvalidArgument);
  FreshVariable i{"i", DataType::kInt32, {2}, true, ResolvedInitializer{Dist::kUniform, 0, 1}};
  CHECK(BuildFreshMetaGraph({i}, {}).status().message().find("floating") != std::string::npos);
  FreshVariable r{"a/read", DataType::kFloat, {2}, true, std::nullopt};
  CHECK_FALSE(BuildFreshMetaGraph({a, r}, {}).ok());
}

// --- Structure against TF-written graphs -------------------------------

TEST_CASE("fresh nodes match TF 1.14's VariableV2/Assign/read and saver nodes (corpus v2_alzi_dnn)") {
  SURGEON_REQUIRE_CORPUS(corpus);
  auto tf = ReadMetaGraph(corpus + "/v2_alzi_dnn/model.ckpt.meta");
  REQUIRE(tf.ok());
  // Same variables as alzi (tf.Variable names), so names compare directly.
  std::vector<FreshVariable> vars = {
      {"Variable", DataType::kFloat, {784, 256}, true, ResolvedInitializer{Dist::kNormal, 0, 1}},
      {"Variable_1", DataType::kFloat, {256, 10}, true, ResolvedInitializer{Dist::kNormal, 0, 1}},
      {"Variable_2", DataType::kFloat, {256}, true, ResolvedInitializer{Dist::kNormal, 0, 1}},
      {"Variable_3", DataType::kFloat, {10}, true, ResolvedInitializer{Dist::kNormal, 0, 1}}};
  auto ours = BuildFreshMetaGraph(vars, FreshGraphOptions{});
  REQUIRE(ours.ok());

  for (const auto& v : vars) {
    for (const std::string suffix : {"", "/Assign", "/read"}) {
      INFO(v.name + suffix);
      const auto* a = Node(*tf, v.name + suffix);
      const auto* b = Node(*ours, v.name + suffix);
      REQUIRE(a);
      REQUIRE(b);
      CHECK(a->op() == b->op());
      CHECK(a->device() == b->device());
      // tf.Variable(tensor) puts no _class on the VariableV2 (get_variable does, docs/formats.md §5.1).
      CHECK(AttrKeys(*a, suffix.empty()) == AttrKeys(*b, suffix.empty()));
      for (const auto& [k, val] : a->attr()) {
        if (k == "_output_shapes" || k == "_class") continue;
        CHECK(google::protobuf::util::MessageDifferencer::Equals(val, b->attr().at(k)));
      }
      if (suffix != "") CHECK(a->attr().at("_class").DebugString() == b->attr().at("_class").DebugString());
      if (suffix != "/Assign") CHECK(Inputs(*a, {}) == Inputs(*b, {}));
    }
    // alzi's initial value is the top-level random_normal_k chain; ours V/Initializer/random_normal.
    const std::string k = v.name == "Variable" ? "" : "_" + v.name.substr(9);
    const std::string tf_root = "random_normal" + k, our_root = v.name + "/Initializer/random_normal";
    for (const std::string part : {"", "/shape", "/mean", "/stddev", "/RandomStandardNormal", "/mul"}) {
      INFO(tf_root + part);
      const auto* a = Node(*tf, tf_root + part);
      const auto* b = Node(*ours, our_root + part);
      REQUIRE(a);
      REQUIRE(b);
      CHECK(a->op() == b->op());
      CHECK(AttrKeys(*a, true) == AttrKeys(*b, true));
      CHECK(Inputs(*a, {{tf_root, "R"}}) == Inputs(*b, {{our_root, "R"}}));
      for (const auto& [key, val] : a->attr()) {
        if (key == "_output_shapes") continue;
        CHECK(val.DebugString() == b->attr().at(key).DebugString());
      }
    }
  }
  // Saver: alzi's is save_6/, ours save/. Every node equal in op, device, attrs, inputs.
  int saver_nodes = 0;
  for (const auto& a : tf->graph_def().node()) {
    if (a.name().rfind("save_6/", 0) != 0) continue;
    const std::string name = "save/" + a.name().substr(7);
    INFO(a.name());
    const auto* b = Node(*ours, name);
    REQUIRE(b);
    CHECK(a.op() == b->op());
    CHECK(a.device() == b->device());
    CHECK(AttrKeys(a) == AttrKeys(*b));
    CHECK(Inputs(a, {{"save_6/", "save/"}}) == Inputs(*b, {}));
    for (const auto& [key, val] : a.attr()) {
      if (key == "_output_shapes") continue;
      std::string want = val.DebugString();
      for (size_t p; (p = want.find("save_6/")) != std::string::npos;) want.replace(p, 7, "save/");
      CHECK(want == b->attr().at(key).DebugString());
    }
    ++saver_nodes;
  }
  CHECK(saver_nodes == 15);
  int ours_saver = 0;
  for (const auto& n : ours->graph_def().node()) ours_saver += n.name().rfind("save/", 0) == 0;
  CHECK(ours_saver == saver_nodes);
  // saver_def equal up to the scope name.
  std::string want = tf->saver_def().DebugString();
  for (size_t p; (p = want.find("save_6/")) != std::string::npos;) want.replace(p, 7, "save/");
  CHECK(want == ours->saver_def().DebugString());
  // VariableDefs: alzi's initial_value_name is its random_normal chain; the rest equal.
  for (int i = 0; i < 4; ++i) {
    tensorflow::VariableDef a, b;
    REQUIRE(a.ParseFromString(tf->collection_def().at("variables").bytes_list().value(i)));
    REQUIRE(b.ParseFromString(ours->collection_def().at("variables").bytes_list().value(i)));
    CHECK(a.variable_name() == b.variable_name());
    CHECK(a.initializer_name() == b.initializer_name());
    CHECK(a.snapshot_name() == b.snapshot_name());
    CHECK(a.trainable() == b.trainable());
    CHECK(a.is_resource() == b.is_resource());
  }
  // The OpDefs we emit equal TF 1.14's for every op both graphs use.
  std::map<std::string, const tensorflow::OpDef*> tf_ops;
  for (const auto& op : tf->meta_info_def().stripped_op_list().op()) tf_ops[op.name()] = &op;
  for (const auto& op : ours->meta_info_def().stripped_op_list().op()) {
    INFO(op.name());
    REQUIRE(tf_ops.count(op.name()));
    CHECK(google::protobuf::util::MessageDifferencer::Equals(op, *tf_ops[op.name()]));
  }
  CHECK(ours->graph_def().versions().producer() == tf->graph_def().versions().producer());
}

TEST_CASE("fresh zeros and truncated_normal nodes match TF's (corpus v2_fc2_int32_step, TF 1.5)") {
  SURGEON_REQUIRE_CORPUS(corpus);
  auto tf = ReadMetaGraph(corpus + "/v2_fc2_int32_step/fc2.ckpt.meta");
  REQUIRE(tf.ok());
  std::vector<FreshVariable> vars = {
      {"h1/w", DataType::kFloat, {784, 100}, true, ResolvedInitializer{Dist::kTruncatedNormal, 0, 0.1}},
      {"h1/w/Adam", DataType::kFloat, {784, 100}, false, std::nullopt}};
  auto ours = BuildFreshMetaGraph(vars, FreshGraphOptions{});
  REQUIRE(ours.ok());
  // Broadcast zeros Const (same value tensor, minus the _class target, which is the same here).
  const auto* a = Node(*tf, "h1/w/Adam/Initializer/zeros");
  const auto* b = Node(*ours, "h1/w/Adam/Initializer/zeros");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->op() == b->op());
  CHECK(AttrKeys(*a) == AttrKeys(*b));
  CHECK(a->attr().at("value").DebugString() == b->attr().at("value").DebugString());
  // The truncated_normal chain: fc2 builds it as h1/truncated_normal (tf.Variable(tf.truncated_normal(...))), ours
  // under V/Initializer.
  const std::string our_root = "h1/w/Initializer/truncated_normal";
  for (const std::string part : {"", "/shape", "/mean", "/stddev", "/TruncatedNormal", "/mul"}) {
    INFO(part);
    const auto* x = Node(*tf, "h1/truncated_normal" + part);
    const auto* y = Node(*ours, our_root + part);
    REQUIRE(x);
    REQUIRE(y);
    CHECK(x->op() == y->op());
    CHECK(AttrKeys(*x, true) == AttrKeys(*y, true));
    CHECK(Inputs(*x, {{"h1/truncated_normal", "R"}}) == Inputs(*y, {{our_root, "R"}}));
    for (const auto& [key, val] : x->attr()) {
      if (key == "_output_shapes" || key == "_class" || key == "value") continue;
      CHECK(val.DebugString() == y->attr().at(key).DebugString());
    }
  }
  // shape Const: int32 [2] = [784, 100] as tensor_content in both.
  CHECK(Node(*tf, "h1/truncated_normal/shape")->attr().at("value").DebugString() ==
        Node(*ours, our_root + "/shape")->attr().at("value").DebugString());
  // The TruncatedNormal OpDef is TF's.
  for (const auto& op : tf->meta_info_def().stripped_op_list().op()) {
    if (op.name() == "TruncatedNormal") {
      CHECK(google::protobuf::util::MessageDifferencer::Equals(op, *FindRegisteredOp("TruncatedNormal")));
    }
  }
}

}  // namespace
}  // namespace surgeon
