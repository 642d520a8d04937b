// The checker validated on real TF graphs (must find nothing) and on
// deliberately broken ones (must find each problem).
#include "surgeon/graph/graph_checker.h"

#include "graph_test_util.h"
#include "surgeon/graph/fresh_graph.h"

namespace surgeon {
namespace {

TEST_CASE("checker reports nothing on the original corpus graphs, incl. their checkpoints") {
  SURGEON_REQUIRE_CORPUS(corpus);
  int n = 0;
  for (const auto& g : testing::CorpusGraphs()) {
    INFO(g.file);
    auto mg = ReadMetaGraph(g.file);
    REQUIRE(mg.ok());
    std::optional<std::vector<CheckpointTensorInfo>> ckpt;
    // TF2 SavedModels restore through functions; only the graph is checked.
    if (!testing::IsTf2(g)) ckpt = testing::CheckpointOf(g.expected);
    auto problems = CheckGraph(*mg, ckpt);
    INFO(testing::Join(problems));
    CHECK(problems.empty());
    ++n;
  }
  CHECK(n >= 13);
}

tensorflow::MetaGraphDef SmallGraph() {
  FreshVariable w{"dense/kernel", DataType::kFloat, {4, 3}, true, std::nullopt};
  FreshVariable b{"dense/bias", DataType::kFloat, {3}, true, std::nullopt};
  auto mg = BuildFreshMetaGraph({w, b}, FreshGraphOptions{});
  REQUIRE(mg.ok());
  return *mg;
}

std::vector<CheckpointTensorInfo> SmallCheckpoint() {
  return {{"dense/bias", DataType::kFloat, {3}}, {"dense/kernel", DataType::kFloat, {4, 3}}};
}

tensorflow::NodeDef* Find(tensorflow::MetaGraphDef* mg, const std::string& name) {
  for (auto& n : *mg->mutable_graph_def()->mutable_node()) {
    if (n.name() == name) return &n;
  }
  FAIL("no node " << name);
  return nullptr;
}

bool Mentions(const std::vector<std::string>& problems, const std::string& what) {
  for (const auto& p : problems) {
    if (p.find(what) != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("a slice spec the checker cannot parse is a reported problem, not an exception") {
  // std::stoll threw on these; the checker must report them and go on.
  const std::string spec =
      GENERATE(as<std::string>{}, "4 x 0,2:-", "99999999999999999999 0,1", "3", "4 3 0,2", "4 3 0,2:-:-", "4 3 a,b:-");
  auto mg = SmallGraph();
  auto* specs = Find(&mg, "save/RestoreV2/shape_and_slices")->mutable_attr();
  auto* values = (*specs)["value"].mutable_tensor()->mutable_string_val();
  for (auto& v : *values) v = spec;
  auto problems = CheckGraph(mg, SmallCheckpoint());
  INFO(testing::Join(problems));
  CHECK(Mentions(problems, "slice spec '" + spec + "': "));
}

TEST_CASE("checker finds broken graphs") {
  REQUIRE(CheckGraph(SmallGraph(), SmallCheckpoint(), {true}).empty());

  SECTION("dangling input") {
    auto mg = SmallGraph();
    Find(&mg, "dense/bias/read")->set_input(0, "nope");
    CHECK(Mentions(CheckGraph(mg), "input 'nope' names no node"));
  }
  SECTION("bad output index") {
    auto mg = SmallGraph();
    Find(&mg, "dense/bias/read")->set_input(0, "dense/bias:1");
    CHECK(Mentions(CheckGraph(mg), "refers to output 1"));
  }
  SECTION("data input after control input") {
    auto mg = SmallGraph();
    auto* n = Find(&mg, "save/control_dependency");
    n->clear_input();
    n->add_input("^save/SaveV2");
    n->add_input("save/Const");
    CHECK(Mentions(CheckGraph(mg), "after a control input"));
  }
  SECTION("undeclared attr, missing required attr, wrong attr kind, disallowed type") {
    auto mg = SmallGraph();
    (*Find(&mg, "dense/bias/read")->mutable_attr())["bogus"].set_i(1);
    Find(&mg, "dense/bias")->mutable_attr()->erase("dtype");
    (*Find(&mg, "dense/kernel/Assign")->mutable_attr())["use_locking"].set_i(1);
    (*Find(&mg, "dense/kernel/Initializer/zeros")->mutable_attr())["dtype"].set_type(tensorflow::DT_FLOAT_REF);
    auto p = CheckGraph(mg);
    CHECK(Mentions(p, "attr 'bogus' is not declared"));
    CHECK(Mentions(p, "required attr 'dtype' is missing"));
    CHECK(Mentions(p, "attr 'use_locking': value is not of type bool"));
    CHECK(Mentions(p, "not a valid non-ref DataType"));
  }
  SECTION("input count vs list attr") {
    auto mg = SmallGraph();
    Find(&mg, "save/SaveV2")->add_input("dense/bias");
    CHECK(Mentions(CheckGraph(mg), "has 6 data inputs, its OpDef expects 5"));
  }
  SECTION("non-ref value into a Ref input") {
    auto mg = SmallGraph();
    Find(&mg, "dense/kernel/Assign")->set_input(0, "dense/kernel/read");
    CHECK(Mentions(CheckGraph(mg), "expected DT_FLOAT_REF"));
  }
  SECTION("colocation target") {
    auto mg = SmallGraph();
    (*Find(&mg, "dense/bias/read")->mutable_attr())["_class"].mutable_list()->set_s(0, "loc:@gone");
    CHECK(Mentions(CheckGraph(mg), "colocation target 'loc:@gone'"));
  }
  SECTION("op missing from stripped_op_list and registry") {
    auto mg = SmallGraph();
    Find(&mg, "dense/bias/read")->set_op("Snapshot");
    auto p = CheckGraph(mg, std::nullopt, {true});
    CHECK(Mentions(p, "not in stripped_op_list"));
    CHECK(Mentions(p, "not in surgeon's op registry"));
  }
  SECTION("VariableDef names resolve") {
    auto mg = SmallGraph();
    Find(&mg, "dense/bias/read")->set_name("dense/bias/snapshot");
    CHECK(Mentions(CheckGraph(mg), "collection 'variables': 'dense/bias/read:0' names no node"));
  }
  SECTION("saver vs checkpoint: missing key, extra key, dtype, shape") {
    auto mg = SmallGraph();
    auto ck = SmallCheckpoint();
    ck.push_back({"global_step", DataType::kInt64, {}});
    CHECK(Mentions(CheckGraph(mg, ck), "checkpoint key 'global_step' is not restored"));
    ck = SmallCheckpoint();
    ck.pop_back();
    CHECK(Mentions(CheckGraph(mg, ck), "restores 'dense/kernel' (save/RestoreV2:1), which is not in the checkpoint"));
    ck = SmallCheckpoint();
    ck[0].dtype = DataType::kDouble;
    CHECK(Mentions(CheckGraph(mg, ck), "restores 'dense/bias' as DT_FLOAT, the checkpoint holds DT_DOUBLE"));
    ck = SmallCheckpoint();
    ck[1].shape = {4, 10};
    CHECK(Mentions(CheckGraph(mg, ck), "restores 'dense/kernel' of shape [4, 10] into 'dense/kernel' of shape [4, 3]"));
  }
  SECTION("initializer shape differs from the variable") {
    auto mg = SmallGraph();
    (*Find(&mg, "dense/bias")->mutable_attr())["shape"].mutable_shape()->mutable_dim(0)->set_size(7);
    CHECK(Mentions(CheckGraph(mg), "assigns a value of shape [3] to 'dense/bias' of shape [7]"));
  }
  // Gaps the differential run against TF's import_meta_graph found.
  SECTION("Const whose value dtype is not its dtype attr (TF import fails or aborts)") {
    auto mg = SmallGraph();
    tensorflow::NodeDef* c = nullptr;
    for (auto& n : *mg.mutable_graph_def()->mutable_node()) {
      if (n.op() == "Const" && n.attr().at("dtype").type() == 1 && !c) c = &n;
    }
    REQUIRE(c);
    (*c->mutable_attr())["value"].mutable_tensor()->set_dtype(tensorflow::DT_INT32);
    CHECK(Mentions(CheckGraph(mg), "value has dtype DT_INT32, attr dtype is DT_FLOAT"));
  }
  SECTION("garbage in a proto-valued collection (TF: DecodeError)") {
    auto mg = SmallGraph();
    (*mg.mutable_collection_def())["global_step"].mutable_bytes_list()->add_value("\xff\x01garbage");
    (*mg.mutable_collection_def())["cond_context"].mutable_bytes_list()->add_value("\xff\x01garbage");
    auto p = CheckGraph(mg);
    CHECK(Mentions(p, "collection 'global_step': a value is not a VariableDef"));
    CHECK(Mentions(p, "collection 'cond_context': a value is not a CondContextDef"));
  }
  SECTION("_class that is not a list (TF: TypeError in import_meta_graph)") {
    auto mg = SmallGraph();
    (*Find(&mg, "dense/bias")->mutable_attr())["_class"].set_i(7);
    CHECK(Mentions(CheckGraph(mg), "attr '_class' is not a list of strings"));
  }
  SECTION("min_consumer above the producer (TF: 'Please upgrade TensorFlow')") {
    auto mg = SmallGraph();
    mg.mutable_graph_def()->mutable_versions()->set_min_consumer(100000);
    CHECK(Mentions(CheckGraph(mg), "min_consumer 100000 is above producer"));
  }
}

}  // namespace
}  // namespace surgeon
