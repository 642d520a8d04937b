// Rewrite mode and the shape constants TF folds into gradient scopes
// (graph/shape_constants.h): logits = x + b with b [5] -> [3].
#include <google/protobuf/text_format.h>

#include "graph_test_util.h"
#include "surgeon/graph/rewrite_graph.h"

namespace surgeon {
namespace {

// x + b, and what TF's gradient of the Add holds when b's shape is static:
// gradients/logits_grad/Shape_1 = Const [5] (of `int_type`) feeding a
// Reshape. "reshape_5" is a Const [5] outside any gradient scope. `b` is a
// ref variable read by Identity, or a resource variable read by
// ReadVariableOp (OpDefs for those in the stripped op list, as TF writes).
std::string Graph(bool resource, const std::string& int_type) {
  const std::string val = int_type == "DT_INT64" ? "int64_val" : "int_val";
  const std::string var = resource ? R"(node { name: "b" op: "VarHandleOp"
                         attr { key: "dtype" value { type: DT_FLOAT } }
                         attr { key: "shape" value { shape { dim { size: 5 } } } }
                         attr { key: "container" value { s: "" } }
                         attr { key: "shared_name" value { s: "b" } } }
                 node { name: "b/read" op: "ReadVariableOp" input: "b"
                        attr { key: "dtype" value { type: DT_FLOAT } } })"
                                   : R"(node { name: "b" op: "VariableV2"
                         attr { key: "dtype" value { type: DT_FLOAT } }
                         attr { key: "shape" value { shape { dim { size: 5 } } } }
                         attr { key: "container" value { s: "" } }
                         attr { key: "shared_name" value { s: "" } } }
                 node { name: "b/read" op: "Identity" input: "b" attr { key: "T" value { type: DT_FLOAT } } })";
  const std::string ops = resource ? R"(meta_info_def { stripped_op_list {
           op { name: "VarHandleOp" output_arg { name: "resource" type: DT_RESOURCE }
                attr { name: "container" type: "string" default_value { s: "" } }
                attr { name: "shared_name" type: "string" default_value { s: "" } }
                attr { name: "dtype" type: "type" } attr { name: "shape" type: "shape" } is_stateful: true }
           op { name: "ReadVariableOp" input_arg { name: "resource" type: DT_RESOURCE }
                output_arg { name: "value" type_attr: "dtype" } attr { name: "dtype" type: "type" } is_stateful: true }
           op { name: "AssignVariableOp" input_arg { name: "resource" type: DT_RESOURCE }
                input_arg { name: "value" type_attr: "dtype" } attr { name: "dtype" type: "type" } is_stateful: true } } })"
                                   : "";
  return ops + R"(graph_def {
    node { name: "x" op: "Const"
           attr { key: "dtype" value { type: DT_FLOAT } }
           attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 5 } } float_val: 1 } } } }
    )" + var +
         R"(
    node { name: "logits" op: "Add" input: "x" input: "b/read" attr { key: "T" value { type: DT_FLOAT } } }
    node { name: "gradients/logits_grad/Shape_1" op: "Const" input: "^x"
           attr { key: "_output_shapes" value { list { shape { dim { size: 1 } } } } }
           attr { key: "dtype" value { type: )" +
         int_type + R"( } }
           attr { key: "value" value { tensor { dtype: )" +
         int_type + R"( tensor_shape { dim { size: 1 } } )" + val + R"(: 5 } } } }
    node { name: "gradients/logits_grad/Reshape" op: "Reshape"
           input: "logits" input: "gradients/logits_grad/Shape_1"
           attr { key: "T" value { type: DT_FLOAT } } attr { key: "Tshape" value { type: )" +
         int_type + R"( } } }
    node { name: "reshape_5" op: "Const"
           attr { key: "dtype" value { type: DT_INT32 } }
           attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape { dim { size: 1 } } int_val: 5 } } } }
    node { name: "other" op: "Reshape" input: "logits" input: "reshape_5"
           attr { key: "T" value { type: DT_FLOAT } } attr { key: "Tshape" value { type: DT_INT32 } } }
  })";
}

const tensorflow::NodeDef& NodeNamed(const tensorflow::MetaGraphDef& mg, const std::string& name) {
  for (const auto& n : mg.graph_def().node()) {
    if (n.name() == name) return n;
  }
  FAIL("no node " << name);
  std::abort();
}

RewriteResult Rewrite(const std::string& text) {
  tensorflow::MetaGraphDef source;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &source));
  RewriteSpec spec;
  spec.new_shapes = {{"b", {3}}};
  spec.checkpoint = {{"b", DataType::kFloat, {3}}};
  auto out = RewriteMetaGraph(source, spec);
  INFO((out.ok() ? "" : out.status().message()));
  REQUIRE(out.ok());
  return *out;
}

TEST_CASE("rewrite: a folded gradient shape of a reshaped variable becomes a Shape op") {
  RewriteResult out = Rewrite(Graph(false, "DT_INT32"));
  const tensorflow::NodeDef shape = NodeNamed(out.meta_graph, "gradients/logits_grad/Shape_1");
  CHECK(shape.op() == "Shape");
  REQUIRE(shape.input_size() == 2);
  CHECK(shape.input(0) == "b/read");  // what TF measures when the shape is not static
  CHECK(shape.input(1) == "^x");      // control inputs kept
  CHECK(shape.attr().at("T").type() == tensorflow::DT_FLOAT);
  CHECK_FALSE(shape.attr().count("out_type"));  // int32, the default
  CHECK_FALSE(shape.attr().count("value"));
  CHECK_FALSE(shape.attr().count("dtype"));
  CHECK_FALSE(shape.attr().count("_output_shapes"));
  bool listed = false;
  for (const auto& op : out.meta_graph.meta_info_def().stripped_op_list().op()) listed |= op.name() == "Shape";
  CHECK(listed);
  auto problems = CheckGraph(out.meta_graph, std::vector<CheckpointTensorInfo>{{"b", DataType::kFloat, {3}}});
  INFO(testing::Join(problems));
  CHECK(problems.empty());
  // A constant outside a gradient scope is only reported.
  CHECK(NodeNamed(out.meta_graph, "reshape_5").op() == "Const");
  INFO(testing::Join(out.warnings));
  REQUIRE(out.warnings.size() == 1);
  CHECK(out.warnings[0].find("'reshape_5'") != std::string::npos);
}

TEST_CASE("rewrite: an int64 folded shape of a resource variable's read becomes Shape {out_type: int64}") {
  RewriteResult out = Rewrite(Graph(true, "DT_INT64"));
  const tensorflow::NodeDef shape = NodeNamed(out.meta_graph, "gradients/logits_grad/Shape_1");
  CHECK(shape.op() == "Shape");
  CHECK(shape.input(0) == "b/read");
  CHECK(shape.attr().at("out_type").type() == tensorflow::DT_INT64);
}

TEST_CASE("rewrite: a gradient-scope constant that is not the variable's old shape stays") {
  std::string text = Graph(false, "DT_INT32");
  const std::string five = "int_val: 5 } } } }\n    node { name: \"gradients/logits_grad/Reshape\"";
  auto p = text.find(five);
  REQUIRE(p != std::string::npos);
  text.replace(p, 10, "int_val: 4");  // [4]: not b's shape
  RewriteResult out = Rewrite(text);
  CHECK(NodeNamed(out.meta_graph, "gradients/logits_grad/Shape_1").op() == "Const");
}

}  // namespace
}  // namespace surgeon
