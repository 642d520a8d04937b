// A frozen batch norm's moving statistics. The graph says
// which variables form a layer (ComputeBatchNormVariables), and rewrite mode
// removes the ops that update frozen statistics, with their UPDATE_OPS
// entries, so the source's train op no longer changes them.
#include <algorithm>

#include "graph_test_util.h"
#include "surgeon/format/batch_norm.h"
#include "surgeon/graph/fresh_graph.h"
#include "surgeon/graph/rewrite_graph.h"

namespace surgeon {
namespace {

tensorflow::NodeDef* AddNode(tensorflow::MetaGraphDef* mg, const std::string& name, const std::string& op,
                             std::vector<std::string> inputs) {
  auto* n = mg->mutable_graph_def()->add_node();
  n->set_name(name);
  n->set_op(op);
  for (auto& in : inputs) n->add_input(in);
  return n;
}

// Two tf.layers-style batch norms over ref variables, each with
// FusedBatchNormV3 and the AssignMovingAvg chains (sub, mul, AssignSub) in
// UPDATE_OPS, as tf.compat.v1.layers.batch_normalization(training=True)
// builds them (bn2 reads its variables through a tf.cond's Switch).
tensorflow::MetaGraphDef BatchNormGraph() {
  std::vector<FreshVariable> vars;
  for (const std::string bn : {"bn1", "bn2"}) {
    for (const std::string v : {"gamma", "beta", "moving_mean", "moving_variance"}) {
      vars.push_back(FreshVariable{bn + "/" + v, DataType::kFloat, {4}, v == "gamma" || v == "beta", std::nullopt});
    }
  }
  auto mg = BuildFreshMetaGraph(vars, FreshGraphOptions{});
  REQUIRE(mg.ok());
  AddNode(&*mg, "x", "Placeholder", {});
  AddNode(&*mg, "pred", "Placeholder", {});
  auto* updates = (*mg->mutable_collection_def())["update_ops"].mutable_node_list();
  for (const std::string bn : {"bn1", "bn2"}) {
    std::vector<std::string> in = {"x"};
    for (const std::string v : {"gamma", "beta", "moving_mean", "moving_variance"}) {
      std::string read = bn + "/" + v + "/read";
      if (bn == "bn2") {
        AddNode(&*mg, bn + "/cond/Switch_" + v, "Switch", {read, "pred"});
        read = bn + "/cond/Switch_" + v + ":1";
      }
      in.push_back(read);
    }
    AddNode(&*mg, bn + "/FusedBatchNormV3", "FusedBatchNormV3", in);
    AddNode(&*mg, bn + "/Relu", "Relu", {bn + "/FusedBatchNormV3"});
    for (const auto& [suffix, stat, out] : {std::tuple{"", "moving_mean", 1}, std::tuple{"_1", "moving_variance", 2}}) {
      const std::string s = bn + "/AssignMovingAvg" + suffix;
      AddNode(&*mg, s + "/sub", "Sub", {bn + "/" + stat + "/read", bn + "/FusedBatchNormV3:" + std::to_string(out)});
      AddNode(&*mg, s + "/mul", "Mul", {s + "/sub", "x"});
      AddNode(&*mg, s, "AssignSub", {bn + "/" + stat, s + "/mul"});
      updates->add_value(s + ":0");
    }
  }
  AddNode(&*mg, "train", "NoOp",
          {"^bn1/AssignMovingAvg", "^bn1/AssignMovingAvg_1", "^bn2/AssignMovingAvg", "^bn2/AssignMovingAvg_1"});
  // OpDefs (by name only) for the ops the rewrite's op list must carry.
  for (const char* op : {"Placeholder", "Switch", "FusedBatchNormV3", "Relu", "Sub", "Mul", "AssignSub", "NoOp"}) {
    mg->mutable_meta_info_def()->mutable_stripped_op_list()->add_op()->set_name(op);
  }
  return *mg;
}

TEST_CASE("ComputeBatchNormVariables: FusedBatchNorm inputs name gamma, beta and the statistics",
          "[graph][batch_norm]") {
  const auto layers = ComputeBatchNormVariables(BatchNormGraph().graph_def());
  REQUIRE(layers.size() == 2);
  CHECK(layers[0].scale == "bn1/gamma");
  CHECK(layers[0].offset == "bn1/beta");
  CHECK(layers[0].mean == "bn1/moving_mean");
  CHECK(layers[0].variance == "bn1/moving_variance");
  CHECK(layers[0].evidence == "FusedBatchNormV3 'bn1/FusedBatchNormV3'");
  // Through the cond's Switch.
  CHECK(layers[1].scale == "bn2/gamma");
  CHECK(layers[1].variance == "bn2/moving_variance");
}

TEST_CASE("ComputeBatchNormVariables: branches of one layer merge; constants are not variables",
          "[graph][batch_norm]") {
  tensorflow::MetaGraphDef mg = BatchNormGraph();
  // A training branch fed empty statistics (constants), reading bn1's gamma/beta.
  AddNode(&mg, "empty", "Const", {});
  AddNode(&mg, "bn1/cond/FusedBatchNormV3", "FusedBatchNormV3",
          {"x", "bn1/gamma/read", "bn1/beta/read", "empty", "empty"});
  // A batch norm with constant scale/offset and no statistics: not a layer.
  AddNode(&mg, "plain/FusedBatchNorm", "FusedBatchNorm", {"x", "empty", "empty", "empty", "empty"});
  const auto layers = ComputeBatchNormVariables(mg.graph_def());
  REQUIRE(layers.size() == 2);
  CHECK(layers[0].mean == "bn1/moving_mean");
  CHECK(layers[0].evidence == "FusedBatchNormV3 'bn1/FusedBatchNormV3'");
}

TEST_CASE("rewrite: frozen statistics lose their AssignMovingAvg and UPDATE_OPS entries", "[graph][batch_norm]") {
  const tensorflow::MetaGraphDef mg = BatchNormGraph();
  RewriteSpec spec;
  for (const auto& v : SummarizeMetaGraph(mg).variables) spec.checkpoint.push_back({v.name, v.dtype, v.shape});
  spec.non_trainable = {"bn1/gamma", "bn1/beta", "bn1/moving_mean", "bn1/moving_variance"};
  spec.frozen_statistics = {"bn1/moving_mean", "bn1/moving_variance"};
  auto out = RewriteMetaGraph(mg, spec);
  INFO(out.status().message());
  REQUIRE(out.ok());
  std::set<std::string> nodes;
  for (const auto& n : out->meta_graph.graph_def().node()) nodes.insert(n.name());
  for (const std::string gone : {"bn1/AssignMovingAvg", "bn1/AssignMovingAvg/mul", "bn1/AssignMovingAvg/sub",
                                 "bn1/AssignMovingAvg_1", "bn1/AssignMovingAvg_1/mul"}) {
    INFO(gone);
    CHECK_FALSE(nodes.count(gone));
  }
  // The unfrozen layer and the frozen layer's own initializers stay.
  for (const std::string kept : {"bn2/AssignMovingAvg", "bn2/AssignMovingAvg_1", "bn1/moving_mean/Assign",
                                 "bn1/moving_mean", "bn1/FusedBatchNormV3"}) {
    INFO(kept);
    CHECK(nodes.count(kept));
  }
  const auto& col = out->meta_graph.collection_def().at("update_ops").node_list().value();
  CHECK(std::vector<std::string>(col.begin(), col.end()) ==
        std::vector<std::string>{"bn2/AssignMovingAvg:0", "bn2/AssignMovingAvg_1:0"});
  for (const auto& n : out->meta_graph.graph_def().node()) {
    if (n.name() != "train") continue;
    CHECK(std::vector<std::string>(n.input().begin(), n.input().end()) ==
          std::vector<std::string>{"^bn2/AssignMovingAvg", "^bn2/AssignMovingAvg_1"});
  }
  // One warning says what happened; no per-entry collection warnings.
  REQUIRE(out->warnings.size() == 1);
  CHECK(out->warnings[0] ==
        "freeze: removed 2 moving-average update(s) of frozen batch-norm statistics ('bn1/AssignMovingAvg', "
        "'bn1/AssignMovingAvg_1') and their UPDATE_OPS entries; the graph's train op no longer changes them");
}

}  // namespace
}  // namespace surgeon
