// Rewrite mode on the corpus graphs: rename every variable under a new
// scope, drop optimizer slots; the result must pass the checker against the
// rewritten checkpoint list with no dangling reference.
#include "surgeon/graph/rewrite_graph.h"

#include <algorithm>
#include <regex>

#include "graph_test_util.h"
#include "proto/control_flow.pb.h"
#include "surgeon/graph/fresh_graph.h"

namespace surgeon {
namespace {

bool IsSlot(const std::string& name) {
  static const std::regex re(
      R"((^|/)(Adam|Adam_1|Ftrl|Ftrl_1|RMSProp|RMSProp_1|Momentum|Adagrad|Adadelta|Adadelta_1)$|^beta[12]_power(_\d+)?$)");
  return std::regex_search(name, re);
}

// Every tensor a cond_context / while_context entry names is in the graph.
void CheckContextsResolve(const tensorflow::MetaGraphDef& mg) {
  std::set<std::string> nodes;
  for (const auto& n : mg.graph_def().node()) nodes.insert(n.name());
  auto check = [&](const std::string& tensor) {
    if (tensor.empty()) return;
    INFO("context tensor " << tensor);
    CHECK(nodes.count(ParseTensorRef(tensor).node));
  };
  auto values = [&](const tensorflow::ValuesDef& v) {
    for (const auto& t : v.values()) check(t);
    for (const auto& [o, i] : v.external_values()) {
      check(o);
      check(i);
    }
  };
  for (const auto& [key, col] : mg.collection_def()) {
    for (const auto& bytes : col.bytes_list().value()) {
      if (key == "cond_context") {
        tensorflow::CondContextDef c;
        REQUIRE(c.ParseFromString(bytes));
        check(c.pred_name());
        check(c.pivot_name());
        values(c.values_def());
      } else if (key == "while_context") {
        tensorflow::WhileContextDef w;
        REQUIRE(w.ParseFromString(bytes));
        check(w.pivot_name());
        for (const auto& t : w.loop_exit_names()) check(t);
        for (const auto& t : w.loop_enter_names()) check(t);
        values(w.values_def());
      }
    }
  }
}

TEST_CASE("rewrite corpus graphs: everything under a new scope, optimizer slots dropped") {
  SURGEON_REQUIRE_CORPUS(corpus);
  int n = 0;
  for (const auto& g : testing::CorpusGraphs()) {
    if (testing::IsTf2(g)) continue;  // Resource variables: rewrite mode is TF 1.x only.
    INFO(g.file);
    auto src = ReadMetaGraph(g.file);
    REQUIRE(src.ok());
    auto summary = SummarizeMetaGraph(*src);
    RewriteSpec spec;
    std::map<std::string, std::string> key_map;  // old key -> new key
    for (const auto& v : summary.variables) {
      if (IsSlot(v.name)) {
        spec.dropped.insert(v.name);
      } else {
        spec.renames[v.name] = "new_scope/" + v.name;
      }
    }
    for (const auto& t : testing::CheckpointOf(g.expected)) {
      if (IsSlot(t.key)) continue;
      CheckpointTensorInfo c = t;
      // Partitioned variables' keys are their full_name, renamed with the parts.
      c.key = "new_scope/" + t.key;
      spec.checkpoint.push_back(c);
    }
    auto out = RewriteMetaGraph(*src, spec);
    INFO(out.status().ToString());
    REQUIRE(out.ok());
    const auto& mg = out->meta_graph;
    auto problems = CheckGraph(mg, spec.checkpoint);
    INFO("warnings:\n" << testing::Join(out->warnings));
    INFO("problems:\n" << testing::Join(problems));
    CHECK(problems.empty());
    // Every variable renamed; no slot left; nothing mentions an old name.
    auto s = SummarizeMetaGraph(mg);
    for (const auto& v : s.variables) {
      CHECK(v.name.rfind("new_scope/", 0) == 0);
      CHECK_FALSE(IsSlot(v.name.substr(10)));
    }
    CHECK(s.variables.size() == spec.renames.size());
    for (const auto& node : mg.graph_def().node()) {
      for (const auto& in : node.input()) {
        TensorRef r = ParseTensorRef(in);
        CHECK_FALSE(spec.renames.count(r.node));
        CHECK_FALSE(spec.dropped.count(r.node));
      }
    }
    // cond/while contexts name only tensors that exist (import_meta_graph looks each up).
    CheckContextsResolve(mg);
    // Trainable flags preserved for kept variables.
    std::map<std::string, bool> before;
    for (const auto& v : summary.variables) before[v.name] = v.trainable;
    for (const auto& v : s.variables) CHECK(v.trainable == before[v.name.substr(10)]);
    ++n;
  }
  CHECK(n >= 10);
}

TEST_CASE("rewrite a head: new shape, frozen body, a new variable; warnings name the nodes") {
  SURGEON_REQUIRE_CORPUS(corpus);
  // alzi: x[784] -> Variable[784,256] + Variable_2 -> relu -> Variable_1[256,10] + Variable_3.
  auto src = ReadMetaGraph(corpus + "/v2_alzi_dnn/model.ckpt.meta");
  REQUIRE(src.ok());
  RewriteSpec spec;
  spec.renames = {{"Variable", "body/kernel"},
                  {"Variable_2", "body/bias"},
                  {"Variable_1", "head/kernel"},
                  {"Variable_3", "head/bias"}};
  spec.new_shapes = {{"head/kernel", {256, 3}}, {"head/bias", {3}}};
  spec.non_trainable = {"body/kernel", "body/bias"};
  spec.added = {{"global_step", DataType::kInt64, {}, false, std::nullopt}};
  spec.checkpoint = {{"body/kernel", DataType::kFloat, {784, 256}},
                     {"body/bias", DataType::kFloat, {256}},
                     {"head/kernel", DataType::kFloat, {256, 3}},
                     {"head/bias", DataType::kFloat, {3}},
                     {"global_step", DataType::kInt64, {}}};
  auto out = RewriteMetaGraph(*src, spec);
  REQUIRE(out.ok());
  auto problems = CheckGraph(out->meta_graph, spec.checkpoint);
  INFO(testing::Join(problems));
  CHECK(problems.empty());
  auto s = SummarizeMetaGraph(out->meta_graph);
  std::map<std::string, GraphVariableInfo> vars;
  for (const auto& v : s.variables) vars[v.name] = v;
  CHECK(vars.at("head/kernel").shape == Shape{256, 3});
  CHECK(vars.at("head/kernel").trainable);
  CHECK_FALSE(vars.at("body/kernel").trainable);
  CHECK(vars.count("global_step"));
  // No _output_shapes downstream of the reshaped head.
  for (const auto& n : out->meta_graph.graph_def().node()) {
    if (n.name() == "head/kernel/read" || n.name() == "MatMul_1" || n.name() == "Add_1") {
      CHECK_FALSE(n.attr().count("_output_shapes"));
    }
  }
  // The saver was rebuilt with the PlaceholderWithDefault form (source is TF 1.14).
  CHECK(out->meta_graph.saver_def().restore_op_name() == "save/restore_all");
  bool pwd = false;
  for (const auto& n : out->meta_graph.graph_def().node()) pwd |= n.name() == "save/filename";
  CHECK(pwd);
  // Old saver scopes are gone.
  for (const auto& n : out->meta_graph.graph_def().node()) CHECK(n.name().rfind("save_", 0) != 0);
  // The frozen body's ApplyGradientDescent ops are gone (alzi has 4 train
  // ops, 4 updates each); the head's stay, so its train ops still train it.
  std::map<std::string, int> updates;  // variable -> update ops left
  for (const auto& n : out->meta_graph.graph_def().node()) {
    if (n.op() == "ApplyGradientDescent") updates[ParseTensorRef(n.input(0)).node]++;
  }
  CHECK(updates == std::map<std::string, int>{{"head/bias", 4}, {"head/kernel", 4}});
  INFO(testing::Join(out->warnings));
  CHECK(std::any_of(out->warnings.begin(), out->warnings.end(), [](const std::string& w) {
    return w.rfind("freeze: removed 8 optimizer update(s) of frozen variables", 0) == 0;
  }));
}

TEST_CASE("rewrite reports constants that still carry the old class count") {
  SURGEON_REQUIRE_CORPUS(corpus);
  // fc2 (TF 1.5): labels placeholder [?,10] and h-layer out Variable [100,10].
  auto src = ReadMetaGraph(corpus + "/v2_fc2_int32_step/fc2.ckpt.meta");
  REQUIRE(src.ok());
  auto s = SummarizeMetaGraph(*src);
  std::string head;
  for (const auto& v : s.variables) {
    if (v.shape.size() == 2 && v.shape[1] == 10 && v.name.find("Adam") == std::string::npos) head = v.name;
  }
  REQUIRE_FALSE(head.empty());
  RewriteSpec spec;
  spec.new_shapes[head] = {s.variables[0].shape[0] == 0 ? 1 : 100, 3};
  for (const auto& v : s.variables) {
    if (v.name.find("Adam") != std::string::npos || v.name.find("beta") == 0) spec.dropped.insert(v.name);
  }
  // Find the head's real first dimension.
  for (const auto& v : s.variables) {
    if (v.name == head) spec.new_shapes[head] = {v.shape[0], 3};
  }
  auto ck = testing::CheckpointOf(testing::CorpusGraphs()[0].expected);  // placeholder, replaced below
  ck.clear();
  for (const auto& g : testing::CorpusGraphs()) {
    if (g.file.find("v2_fc2_int32_step") == std::string::npos) continue;
    for (auto t : testing::CheckpointOf(g.expected)) {
      if (spec.dropped.count(t.key)) continue;
      if (t.key == head) t.shape = spec.new_shapes[head];
      ck.push_back(t);
    }
  }
  spec.checkpoint = ck;
  auto out = RewriteMetaGraph(*src, spec);
  REQUIRE(out.ok());
  auto problems = CheckGraph(out->meta_graph, spec.checkpoint);
  INFO(testing::Join(problems));
  CHECK(problems.empty());
  INFO(testing::Join(out->warnings) + testing::Join(out->notes));
  // Dropping the Adam slots removes the Adam apply ops: noted by name.
  bool apply_reported = false;
  for (const auto& n : out->notes) apply_reported |= n.find(" ApplyAdam") != std::string::npos;
  CHECK(apply_reported);
}

TEST_CASE("a Const without 'value' downstream of a reshaped variable is skipped, not an abort") {
  // Protobuf's Map::at aborts on a missing key; a malformed graph must not
  // take the process down.
  FreshVariable w{"dense/kernel", DataType::kFloat, {4, 3}, true, std::nullopt};
  auto mg = BuildFreshMetaGraph({w}, FreshGraphOptions{});
  REQUIRE(mg.ok());
  auto* bare = mg->mutable_graph_def()->add_node();
  bare->set_name("bare_shape");
  bare->set_op("Const");
  auto* use = mg->mutable_graph_def()->add_node();
  use->set_name("reshape");
  use->set_op("Reshape");
  use->add_input("dense/kernel/read");
  use->add_input("bare_shape");
  RewriteSpec spec;
  spec.new_shapes["dense/kernel"] = {4, 5};
  spec.checkpoint = {{"dense/kernel", DataType::kFloat, {4, 5}}};
  auto out = RewriteMetaGraph(*mg, spec);
  INFO(out.status().message());
  REQUIRE(out.ok());
  bool kept = false;
  for (const auto& n : out->meta_graph.graph_def().node()) kept |= n.name() == "bare_shape";
  CHECK(kept);
}

TEST_CASE("rewrite errors name the variable") {
  SURGEON_REQUIRE_CORPUS(corpus);
  auto src = ReadMetaGraph(corpus + "/v2_alzi_dnn/model.ckpt.meta");
  REQUIRE(src.ok());
  RewriteSpec spec;
  spec.renames = {{"nope", "x"}};
  auto r = RewriteMetaGraph(*src, spec);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("'nope'") != std::string::npos);
  spec.renames = {{"Variable", "Variable_1"}};
  r = RewriteMetaGraph(*src, spec);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("would both be named 'Variable_1'") != std::string::npos);
  spec.renames.clear();
  spec.checkpoint = {{"missing", DataType::kFloat, {1}}};
  r = RewriteMetaGraph(*src, spec);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("'missing'") != std::string::npos);
  spec.checkpoint = {{"Variable", DataType::kDouble, {784, 256}}};
  r = RewriteMetaGraph(*src, spec);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("DT_DOUBLE") != std::string::npos);
}

}  // namespace
}  // namespace surgeon

namespace surgeon {
namespace {

// The nodes of TF's own saver scope, with what import/restore depends on:
// op, inputs, device and attrs (without _output_shapes, which TF adds on
// export and surgeon never writes).
std::map<std::string, std::string> SaverNodes(const tensorflow::MetaGraphDef& mg, const std::string& scope,
                                              const std::string& as_scope) {
  std::map<std::string, std::string> out;
  for (const auto& n : mg.graph_def().node()) {
    if (n.name().rfind(scope + "/", 0) != 0) continue;
    tensorflow::NodeDef copy = n;
    for (auto& in : *copy.mutable_input()) {
      size_t at = in[0] == '^' ? 1 : 0;
      if (in.compare(at, scope.size() + 1, scope + "/") == 0) in.replace(at, scope.size(), as_scope);
    }
    auto cls = copy.mutable_attr()->find("_class");
    if (cls != copy.mutable_attr()->end()) {
      for (auto& c : *cls->second.mutable_list()->mutable_s()) {
        if (c.rfind("loc:@" + scope + "/", 0) == 0) c.replace(5, scope.size(), as_scope);
      }
    }
    copy.mutable_attr()->erase("_output_shapes");
    copy.clear_name();
    // Control inputs carry no order: TF 1.5 serialized them as added, TF 2.0
    // (Graph::ToGraphDef) sorted by name. Data inputs stay in order.
    auto* in = copy.mutable_input();
    auto first_control = std::find_if(in->begin(), in->end(), [](const std::string& s) { return s[0] == '^'; });
    std::sort(first_control, in->end());
    out[n.name().substr(scope.size())] = copy.DebugString();
  }
  return out;
}

}  // namespace

TEST_CASE("an identity rewrite rebuilds the saver node for node as TensorFlow built it") {
  SURGEON_REQUIRE_CORPUS(corpus);
  int compared = 0;
  bool resource_compared = false;
  for (const auto& g : testing::CorpusGraphs()) {
    if (testing::IsTf2(g)) continue;
    auto src = ReadMetaGraph(g.file);
    REQUIRE(src.ok());
    const std::string restore = src->saver_def().restore_op_name();
    const std::string scope = restore.substr(0, restore.find('/'));
    // Comparable: one V2 bulk saver (graphs with several savers, a sharded,
    // V1 or per-tensor-restore saver are other structures).
    bool bulk = src->saver_def().version() == tensorflow::SaverDef::V2 && !src->saver_def().sharded();
    for (const auto& n : src->graph_def().node()) {
      // TF <= 1.1 restored each tensor with its own RestoreV2 (BaseSaverBuilder).
      if (n.op() == "RestoreV2" && n.name().rfind(scope + "/", 0) == 0 && n.name() != scope + "/RestoreV2")
        bulk = false;
    }
    if (!bulk) continue;
    INFO(g.file);
    RewriteSpec spec;
    spec.checkpoint = testing::CheckpointOf(g.expected);
    auto out = RewriteMetaGraph(*src, spec);
    REQUIRE(out.ok());
    REQUIRE(out->meta_graph.saver_def().restore_op_name() == "save/restore_all");
    // The rewrite removes every old saver and builds one named "save".
    auto want = SaverNodes(*src, scope, "save"), got = SaverNodes(out->meta_graph, "save", "save");
    CHECK(got.size() == want.size());
    for (const auto& [name, def] : want) {
      INFO("node " << scope << name);
      REQUIRE(got.count(name));
      CHECK(got[name] == def);
    }
    for (const auto& v : SummarizeMetaGraph(*src).variables) resource_compared |= v.op == "VarHandleOp";
    ++compared;
  }
  CHECK(compared >= 2);      // v2_alzi_dnn (TF 1.14, save_6) and v2_keras_estimator_conv2d_rmsprop
  CHECK(resource_compared);  // v2_keras_estimator_conv2d_rmsprop: Identity + AssignVariableOp restores
}

}  // namespace surgeon

namespace surgeon {

TEST_CASE("rewrite edits cond contexts: renamed names follow, contexts of a dropped global_step go") {
  SURGEON_REQUIRE_CORPUS(corpus);
  const std::string file = corpus + "/v2_estimator_partnames_hose/model.ckpt-300.meta";
  auto src = ReadMetaGraph(file);
  REQUIRE(src.ok());
  auto contexts = [](const tensorflow::MetaGraphDef& mg) {
    std::vector<tensorflow::CondContextDef> out;
    auto it = mg.collection_def().find("cond_context");
    if (it == mg.collection_def().end()) return out;
    for (const auto& b : it->second.bytes_list().value()) {
      REQUIRE(out.emplace_back().ParseFromString(b));
    }
    return out;
  };
  const auto before = contexts(*src);
  // TF's get_or_create_global_step builds two conds reading global_step
  // ("cond/cond_text", "cond/cond_text_1"; the corpus graph holds them).
  REQUIRE(before.size() >= 3);
  REQUIRE(before[0].values_def().external_values().count("global_step:0"));
  auto ckpt = [&](const std::function<std::string(const std::string&)>& key_of, bool with_step) {
    std::vector<CheckpointTensorInfo> out;
    for (const auto& g : testing::CorpusGraphs()) {
      if (g.file != file) continue;
      for (auto t : testing::CheckpointOf(g.expected)) {
        if (t.key == "global_step" && !with_step) continue;
        t.key = key_of(t.key);
        out.push_back(t);
      }
    }
    return out;
  };
  SECTION("global_step renamed: the contexts name the new node") {
    RewriteSpec spec;
    spec.renames["global_step"] = "train/step";
    spec.checkpoint = ckpt([](const std::string& k) { return k == "global_step" ? "train/step" : k; }, true);
    auto out = RewriteMetaGraph(*src, spec);
    REQUIRE(out.ok());
    auto after = contexts(out->meta_graph);
    REQUIRE(after.size() == before.size());
    CHECK(after[0].values_def().external_values().count("train/step:0"));
    CHECK_FALSE(after[0].values_def().external_values().count("global_step:0"));
    CHECK(std::count(after[1].values_def().values().begin(), after[1].values_def().values().end(),
                     "train/step/Initializer/zeros:0") == 1);
    CheckContextsResolve(out->meta_graph);
    CHECK(CheckGraph(out->meta_graph, spec.checkpoint).empty());
  }
  SECTION("global_step dropped: its conds are removed, with a warning naming them") {
    RewriteSpec spec;
    spec.dropped.insert("global_step");
    spec.checkpoint = ckpt([](const std::string& k) { return k; }, false);
    auto out = RewriteMetaGraph(*src, spec);
    REQUIRE(out.ok());
    auto after = contexts(out->meta_graph);
    CHECK(after.size() == before.size() - 2);
    for (const auto& c : after) CHECK(c.context_name().rfind("cond/", 0) != 0);
    int reported = 0;
    for (const auto& w : out->warnings) reported += w.find("context 'cond/cond_text") != std::string::npos;
    CHECK(reported == 2);
    CheckContextsResolve(out->meta_graph);
  }
}

}  // namespace surgeon
