// User trial fixes, "wrong results": each item end to end through the binary, on
// fixtures made here (and the TF2 corpus case when present).
#include <filesystem>

#include "fixture.h"
#include "proto/meta_graph.pb.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/checkpoint_state.h"
#include "surgeon/format/meta_graph.h"
#include "testing.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::Run;
using testing::WriteFile;

using testing::Quote;

struct Tensor {
  std::string key;
  DataType dtype;
  Shape shape;
};

// A V2 checkpoint with these tensors (bytes: a counter pattern).
void WriteCheckpoint(const std::string& prefix, const std::vector<Tensor>& tensors) {
  std::vector<testing::FixtureTensor> fixture;
  for (const Tensor& t : tensors) {
    auto bytes = FixedTensorBytes(t.dtype, t.shape);
    REQUIRE(bytes.ok());
    fixture.push_back({t.key, t.dtype, t.shape, testing::PatternBytes(*bytes, static_cast<uint8_t>(t.key.size()), 7)});
  }
  testing::WriteFixture(prefix, fixture);
}

tensorflow::NodeDef* AddNode(tensorflow::GraphDef* g, const std::string& name, const std::string& op,
                             std::vector<std::string> inputs = {}) {
  auto* n = g->add_node();
  n->set_name(name);
  n->set_op(op);
  for (auto& i : inputs) n->add_input(i);
  return n;
}

// A VariableV2 node plus its "<name>/read" Identity.
void AddVariable(tensorflow::GraphDef* g, const std::string& name, const Shape& shape) {
  auto* v = AddNode(g, name, "VariableV2");
  (*v->mutable_attr())["dtype"].set_type(tensorflow::DT_FLOAT);
  auto* s = (*v->mutable_attr())["shape"].mutable_shape();
  for (int64_t d : shape) s->add_dim()->set_size(d);
  AddNode(g, name + "/read", "Identity", {name});
}

void WriteMeta(const std::string& path, const tensorflow::MetaGraphDef& mg) { WriteFile(path, mg.SerializeAsString()); }

std::vector<std::string> Entries(const std::string& prefix) {
  auto r = OpenCheckpoint(prefix);
  REQUIRE(r.ok());
  std::vector<std::string> keys;
  for (const auto& e : (*r)->entries()) keys.push_back(e.key);
  return keys;
}

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.push_back(fs::relative(e.path(), dir).string());
  return out;
}

}  // namespace

TEST_CASE("a target prefix ending in '/' is refused with its config line; nothing written", "[cli]") {
  const std::string s = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("wrong-slash");
  WriteCheckpoint(dir + "/src/model.ckpt", {{"w", DataType::kFloat, {2, 3}}});
  WriteFile(dir + "/c.yaml", "source: {checkpoint: src/model.ckpt}\ntarget:\n  checkpoint: out/dir/\n");
  for (const std::string cmd : {"plan", "run"}) {
    auto [rc, out] = Run(s + " " + cmd + " " + Quote(dir + "/c.yaml") + " 2>&1");
    INFO(out);
    CHECK(rc == 2);
    CHECK(out.find("c.yaml:3:15: target.checkpoint: 'out/dir/' names a directory, not a checkpoint prefix") !=
          std::string::npos);
    CHECK(out.find("e.g. 'out/dir/model.ckpt-0'") != std::string::npos);
  }
  auto [rc, out] = Run(s + " convert " + Quote(dir + "/src/model.ckpt") + " " + Quote(dir + "/out2/dir/") + " 2>&1");
  INFO(out);
  CHECK(rc == 2);
  CHECK(out.find("names a directory, not a checkpoint prefix") != std::string::npos);
  CHECK_FALSE(fs::exists(dir + "/out"));
  CHECK_FALSE(fs::exists(dir + "/out2"));
}

TEST_CASE("a root scope rename leaves global_step where it is; the .meta keeps its collection", "[cli]") {
  const std::string s = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("wrong-scope");
  WriteCheckpoint(dir + "/src/model.ckpt",
                  {{"dense/kernel", DataType::kFloat, {4, 2}}, {"global_step", DataType::kInt64, {}}});
  WriteFile(dir + "/c.yaml",
            "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/model.ckpt-0}\n"
            "rename: [{scope: '/', to: 'mymodel/'}]\n");
  auto [rc, out] = Run(s + " run -q " + Quote(dir + "/c.yaml") + " 2>&1");
  INFO(out);
  REQUIRE(rc == 0);
  auto keys = Entries(dir + "/out/model.ckpt-0");
  CHECK(Has(keys, "global_step"));
  CHECK(Has(keys, "mymodel/dense/kernel"));
  auto mg = ReadMetaGraph(dir + "/out/model.ckpt-0.meta");
  REQUIRE(mg.ok());
  CHECK(mg->collection_def().count("global_step") == 1);
}

TEST_CASE("a TF2 variable replaced by its object path is replaced, not written beside", "[cli][corpus]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  const std::string s = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("wrong-tf2");
  const std::string src = corpus + "/tf2_savedmodel_mnist";
  const std::string head = "source: {checkpoint: " + src +
                           "}\ntarget: {checkpoint: out/model.ckpt-0}\n"
                           "drop_optimizer_slots: true\n";
  // Not dropped: the new name shadows the copied variable's object path.
  WriteFile(dir + "/shadow.yaml", head + "new:\n  - {name: dense_1/kernel, shape: [128, 5], initializer: zeros}\n");
  auto [rc, out] = Run(s + " plan " + Quote(dir + "/shadow.yaml") + " 2>&1");
  INFO(out);
  CHECK(rc == 2);
  CHECK(out.find("new[0]: 'dense_1/kernel' is the object path of source variable "
                 "'layer_with_weights-7/kernel/.ATTRIBUTES/VARIABLE_VALUE'") != std::string::npos);
  // Dropped: replaced, and the run writes one kernel for that layer.
  WriteFile(dir + "/replace.yaml", head +
                                       "drop: ['dense_1/*']\nnew:\n"
                                       "  - {name: dense_1/kernel, shape: [128, 5], initializer: zeros}\n"
                                       "  - {name: dense_1/bias, shape: [5], initializer: zeros}\n");
  auto [prc, pout] = Run(s + " plan " + Quote(dir + "/replace.yaml") + " 2>&1");
  INFO(pout);
  REQUIRE(prc == 0);
  CHECK(pout.find("replaces 'layer_with_weights-7/kernel/.ATTRIBUTES/VARIABLE_VALUE' (object path "
                  "'dense_1/kernel') [128, 10] -> [128, 5]") != std::string::npos);
  auto [rrc, rout] = Run(s + " run -q " + Quote(dir + "/replace.yaml") + " 2>&1");
  INFO(rout);
  REQUIRE(rrc == 0);
  auto keys = Entries(dir + "/out/model.ckpt-0");
  CHECK(Has(keys, "dense_1/kernel"));
  CHECK_FALSE(Has(keys, "layer_with_weights-7/kernel/.ATTRIBUTES/VARIABLE_VALUE"));
}

TEST_CASE("a replacement that changes the dtype is refused unless allowed, and listed", "[cli]") {
  const std::string s = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("wrong-dtype");
  WriteCheckpoint(dir + "/src/model.ckpt",
                  {{"fc/kernel", DataType::kFloat, {4, 3}}, {"fc/bias", DataType::kFloat, {3}}});
  const std::string yaml =
      "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/model.ckpt-0}\n"
      "drop: ['fc/bias']\nnew:\n  - {name: fc/bias, shape: [3], dtype: float64, initializer: zeros}\n";
  WriteFile(dir + "/c.yaml", yaml);
  auto [rc, out] = Run(s + " run -q " + Quote(dir + "/c.yaml") + " 2>&1");
  INFO(out);
  CHECK(rc == 2);
  CHECK(out.find("c.yaml:5:5: new[0].dtype: 'fc/bias' [3] float64 replaces source variable 'fc/bias' [3] float32: "
                 "the dtype changes") != std::string::npos);
  CHECK_FALSE(fs::exists(dir + "/out"));
  WriteFile(dir + "/c.yaml", yaml + "allow_shape_change: ['fc/bias']\n");
  auto [prc, pout] = Run(s + " plan " + Quote(dir + "/c.yaml") + " 2>&1");
  INFO(pout);
  CHECK(prc == 0);
  CHECK(pout.find("replaces 'fc/bias' float32 -> float64") != std::string::npos);
}

TEST_CASE("head shapes follow the graph op (conv2d_transpose, LSTM gates) or say what they assumed", "[cli]") {
  const std::string s = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("wrong-layout");
  WriteCheckpoint(dir + "/src/model.ckpt", {{"dec/kernel", DataType::kFloat, {3, 3, 64, 128}},
                                            {"rnn/kernel", DataType::kFloat, {56, 64}},
                                            {"rnn/bias", DataType::kFloat, {64}}});
  tensorflow::MetaGraphDef mg;
  auto* g = mg.mutable_graph_def();
  AddVariable(g, "dec/kernel", {3, 3, 64, 128});
  AddVariable(g, "rnn/kernel", {56, 64});
  AddVariable(g, "rnn/bias", {64});
  AddNode(g, "x", "Placeholder");
  AddNode(g, "sizes", "Const");
  AddNode(g, "dec/conv2d_transpose", "Conv2DBackpropInput", {"sizes", "dec/kernel/read", "x"});
  AddNode(g, "h", "Placeholder");
  AddNode(g, "axis", "Const");
  AddNode(g, "rnn/concat", "ConcatV2", {"x", "h", "axis"});
  AddNode(g, "rnn/MatMul", "MatMul", {"rnn/concat", "rnn/kernel/read"});
  AddNode(g, "rnn/BiasAdd", "BiasAdd", {"rnn/MatMul", "rnn/bias/read"});
  auto* split = AddNode(g, "rnn/split", "Split", {"axis", "rnn/BiasAdd"});
  (*split->mutable_attr())["num_split"].set_i(4);
  const std::string head =
      "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/model.ckpt-0}\n"
      "drop: ['dec/kernel']\nnew:\n  - {name: dec/kernel, shape: [3, 3, 10, 128], initializer: zeros}\n"
      "  - {name: head/w, shape: [16, 5], initializer: zeros, feeds_from: rnn/kernel}\n";
  WriteFile(dir + "/c.yaml", head);
  // Without a .meta: the Dense/Conv2D assumption, stated with its override.
  auto [rc, out] = Run(s + " plan " + Quote(dir + "/c.yaml") + " 2>&1");
  INFO(out);
  CHECK(rc == 2);
  CHECK(out.find("assumed the Dense/Conv2D layout [..., in, out] for 'dec/kernel'") != std::string::npos);
  CHECK(out.find("list it under allow_shape_change") != std::string::npos);
  // With it: output channels at dimension 2, 16 LSTM units (64 / 4 gates).
  WriteMeta(dir + "/src/model.ckpt.meta", mg);
  auto [grc, gout] = Run(s + " plan " + Quote(dir + "/c.yaml") + " 2>&1");
  INFO(gout);
  CHECK(grc == 0);
  WriteFile(dir + "/bad.yaml",
            head + "  - {name: head/v, shape: [64, 5], initializer: zeros, feeds_from: rnn/kernel}\n");
  auto [brc, bout] = Run(s + " plan " + Quote(dir + "/bad.yaml") + " 2>&1");
  INFO(bout);
  CHECK(brc == 2);
  CHECK(bout.find("has 16 outputs (shape[-1] / 4 gates) [MatMul 'rnn/MatMul']; use shape [16, 5]") !=
        std::string::npos);
}

TEST_CASE("writing model.ckpt-5 next to model.ckpt-0 keeps it in `checkpoint`", "[cli]") {
  const std::string s = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("wrong-state");
  WriteCheckpoint(dir + "/src/model.ckpt", {{"w", DataType::kFloat, {2}}});
  for (const std::string step : {"0", "5"}) {
    auto [rc, out] =
        Run(s + " convert " + Quote(dir + "/src/model.ckpt") + " " + Quote(dir + "/out/model.ckpt-" + step) + " 2>&1");
    INFO(out);
    REQUIRE(rc == 0);
  }
  auto state = ParseCheckpointState(ReadFile(dir + "/out/checkpoint"), "checkpoint");
  REQUIRE(state.ok());
  CHECK(state->model_checkpoint_path == "model.ckpt-5");
  CHECK(state->all_model_checkpoint_paths == std::vector<std::string>{"model.ckpt-0", "model.ckpt-5"});
  // Rewriting an older one makes it the newest, listed once.
  REQUIRE(
      Run(s + " convert --force " + Quote(dir + "/src/model.ckpt") + " " + Quote(dir + "/out/model.ckpt-0")).first ==
      0);
  state = ParseCheckpointState(ReadFile(dir + "/out/checkpoint"), "checkpoint");
  REQUIRE(state.ok());
  CHECK(state->model_checkpoint_path == "model.ckpt-0");
  CHECK(state->all_model_checkpoint_paths == std::vector<std::string>{"model.ckpt-5", "model.ckpt-0"});
}

TEST_CASE("a run that fails while copying removes the directories it created", "[cli]") {
  const std::string s = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("wrong-dirs");
  WriteCheckpoint(dir + "/src/model.ckpt", {{"w", DataType::kFloat, {64}}});
  std::string data = ReadFile(DataFilename(dir + "/src/model.ckpt", 0, 1));
  data[3] ^= 0x10;
  WriteFile(DataFilename(dir + "/src/model.ckpt", 0, 1), data);
  fs::create_directories(dir + "/existing");
  WriteFile(dir + "/c.yaml", "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: new/deeper/model.ckpt-0}\n");
  auto [rc, out] =
      Run(s + " run -q " + Quote(dir + "/c.yaml") + " --report " + Quote(dir + "/reports/r.json") + " 2>&1");
  INFO(out);
  CHECK(rc == 1);
  CHECK_FALSE(fs::exists(dir + "/new"));
  CHECK_FALSE(fs::exists(dir + "/reports"));
  auto [crc, cout] =
      Run(s + " convert " + Quote(dir + "/src/model.ckpt") + " " + Quote(dir + "/existing/a/b/m") + " 2>&1");
  INFO(cout);
  CHECK(crc == 1);
  CHECK(fs::exists(dir + "/existing"));  // Not created by the run: kept.
  CHECK(FilesUnder(dir + "/existing").empty());
}

}  // namespace surgeon
