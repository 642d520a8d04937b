// TF2 object-based checkpoints: object_full_name from the
// _CHECKPOINTABLE_OBJECT_GRAPH tensor.
#include "surgeon/format/object_graph.h"

#include <nlohmann/json.hpp>

#include "proto/trackable_object_graph.pb.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/string_tensor.h"
#include "testing.h"

namespace surgeon {
namespace {

using nlohmann::json;

ByteSpan Span(const std::vector<uint8_t>& v) { return ByteSpan(v.data(), v.size()); }

}  // namespace

TEST_CASE("Object graph: checkpoint keys map to full names", "[object_graph]") {
  tensorflow::TrackableObjectGraph g;
  auto* root = g.add_nodes();
  auto* c = root->add_children();
  c->set_node_id(1);
  c->set_local_name("layer_with_weights-0");
  auto* layer = g.add_nodes();
  auto* k = layer->add_children();
  k->set_node_id(2);
  k->set_local_name("kernel");
  auto* var = g.add_nodes();
  auto* a = var->add_attributes();
  a->set_name("VARIABLE_VALUE");
  a->set_full_name("dense/kernel");
  a->set_checkpoint_key("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  auto* opt = g.add_nodes();
  auto* sv = opt->add_slot_variables();
  sv->set_original_variable_node_id(2);
  sv->set_slot_name("m");
  sv->set_slot_variable_node_id(0);

  auto parsed = ParseObjectGraph(g.SerializeAsString());
  REQUIRE(parsed.ok());
  CHECK(parsed->num_nodes == 4);
  CHECK(parsed->num_slot_variables == 1);
  REQUIRE(parsed->attributes.size() == 1);
  CHECK(parsed->attributes[0].node_id == 2);
  CHECK(parsed->full_names.at("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE") == "dense/kernel");

  // Written into a bundle next to the variable, then annotated on read.
  const std::string prefix = testing::MakeTempDir("objgraph") + "/ckpt";
  {
    StagedOutput out;
    auto w = BundleWriter::Create(&out, prefix);
    REQUIRE(w.ok());
    std::string serialized = g.SerializeAsString();
    auto graph_tensor = EncodeStringTensor({serialized});
    REQUIRE((*w)->Add(std::string(kObjectGraphKey), DataType::kString, {}, Span(graph_tensor.bytes)).ok());
    REQUIRE((*w)->Add("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", DataType::kFloat, {1},
                      Span(std::vector<uint8_t>(4, 0)))
                .ok());
    REQUIRE((*w)->Add("other", DataType::kFloat, {1}, Span(std::vector<uint8_t>(4, 0))).ok());
    REQUIRE((*w)->Finish().ok());
    REQUIRE(out.Commit().ok());
  }
  auto reader = BundleReader::Open(prefix);
  REQUIRE(reader.ok());
  std::vector<TensorEntry> entries = (*reader)->entries();
  REQUIRE(AnnotateObjectNames(**reader, entries).ok());
  for (const auto& e : entries) {
    INFO(e.key);
    if (e.key == "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE") {
      CHECK(e.object_full_name == "dense/kernel");
    } else {
      CHECK(e.object_full_name.empty());
    }
  }
  auto summary = ReadObjectGraph(**reader);
  REQUIRE(summary.ok());
  CHECK(summary->num_nodes == 4);
}

TEST_CASE("Object graph: malformed graphs are DataLoss", "[object_graph]") {
  CHECK(ParseObjectGraph("\x0a\x05garbage").status().code() == StatusCode::kDataLoss);
  tensorflow::TrackableObjectGraph g;
  auto* c = g.add_nodes()->add_children();
  c->set_node_id(7);
  c->set_local_name("dangling");
  auto r = ParseObjectGraph(g.SerializeAsString());
  CHECK(r.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(r.status().message(), Catch::Contains("dangling"));
}

TEST_CASE("Object graph: no graph tensor means nothing to annotate", "[object_graph]") {
  const std::string prefix = testing::MakeTempDir("objgraph") + "/plain";
  {
    StagedOutput out;
    auto w = BundleWriter::Create(&out, prefix);
    REQUIRE(w.ok());
    REQUIRE((*w)->Add("w", DataType::kFloat, {1}, Span(std::vector<uint8_t>(4, 0))).ok());
    REQUIRE((*w)->Finish().ok());
    REQUIRE(out.Commit().ok());
  }
  auto reader = BundleReader::Open(prefix);
  REQUIRE(reader.ok());
  std::vector<TensorEntry> entries = (*reader)->entries();
  CHECK(AnnotateObjectNames(**reader, entries).ok());
  CHECK(ReadObjectGraph(**reader).status().code() == StatusCode::kNotFound);
}

TEST_CASE("Object graph: TF2 corpus cases agree with expected.json", "[object_graph][corpus]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  int cases = 0, named = 0;
  for (const std::string& dir : testing::CorpusCases()) {
    json expected = json::parse(testing::ReadFile(dir + "/expected.json"));
    if (expected["format"] != "v2") continue;
    bool has_names = false;
    for (const auto& t : expected["tensors"]) has_names |= t.contains("object_full_name");
    INFO("case " << dir);
    auto reader = BundleReader::Open(dir + "/" + expected["checkpoint"].get<std::string>());
    REQUIRE(reader.ok());
    std::vector<TensorEntry> entries = (*reader)->entries();
    Status s = AnnotateObjectNames(**reader, entries);
    INFO(s.ToString());
    REQUIRE(s.ok());
    if (!has_names) {
      for (const auto& e : entries) CHECK(e.object_full_name.empty());
      continue;
    }
    ++cases;
    std::map<std::string, std::string> want;
    for (const auto& t : expected["tensors"]) {
      want[t["name"].get<std::string>()] = t.value("object_full_name", std::string());
    }
    REQUIRE(entries.size() == want.size());
    for (const auto& e : entries) {
      INFO("tensor " << e.key);
      CHECK(e.object_full_name == want.at(e.key));
      named += !e.object_full_name.empty();
    }
  }
  CHECK(cases == 3);  // v2_sharded_ruan, tf2_savedmodel_mnist, tf2_savedmodel_bn_2shards
  CHECK(named > 100);
}

}  // namespace surgeon
