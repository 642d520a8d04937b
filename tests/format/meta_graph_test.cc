// format/meta_graph.h against the real TF graphs of ../shared/tf-corpus.
#include "surgeon/format/meta_graph.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "testing.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string MetaFileOf(const std::string& dir, const json& expected) {
  if (expected["meta"].is_null()) return "";
  return dir + "/" + expected["meta"]["file"].get<std::string>();
}

TEST_CASE("corpus meta graphs: variables, shapes, trainable flags equal expected.json") {
  SURGEON_REQUIRE_CORPUS(corpus);
  int cases = 0;
  for (const auto& dir : testing::CorpusCases()) {
    json expected = testing::LoadExpected(dir);
    if (expected["meta_variables"].is_null()) continue;
    const std::string file = MetaFileOf(dir, expected);
    INFO("case " << dir << " file " << file);
    auto mg = ReadMetaGraph(file);
    REQUIRE(mg.ok());
    MetaGraphSummary s = SummarizeMetaGraph(*mg);
    const auto& ev = expected["meta_variables"];
    REQUIRE(s.variables.size() == ev.size());
    std::map<std::string, const GraphVariableInfo*> by_name;
    for (const auto& v : s.variables) by_name[v.name] = &v;
    for (const auto& e : ev) {
      const std::string name = e["name"];
      INFO("variable " << name);
      REQUIRE(by_name.count(name));
      const auto& v = *by_name[name];
      CHECK(DataTypeName(v.dtype) == e["dtype"].get<std::string>());
      CHECK(v.shape == e["shape"].get<Shape>());
      CHECK(v.trainable == e["trainable"].get<bool>());
      CHECK(v.op == e["op"].get<std::string>());
      if (e.contains("shared_name")) CHECK(v.shared_name == e["shared_name"].get<std::string>());
      if (e.contains("save_slice_info") && !e["save_slice_info"].is_null()) {
        REQUIRE(v.save_slice_info.has_value());
        CHECK(v.save_slice_info->full_name == e["save_slice_info"]["full_name"].get<std::string>());
        CHECK(v.save_slice_info->full_shape == e["save_slice_info"]["full_shape"].get<Shape>());
        CHECK(v.save_slice_info->var_offset == e["save_slice_info"]["var_offset"].get<std::vector<int64_t>>());
        CHECK(v.save_slice_info->var_shape == e["save_slice_info"]["var_shape"].get<std::vector<int64_t>>());
      } else {
        CHECK_FALSE(v.save_slice_info.has_value());
      }
    }
    // meta: version and saver_def.
    const auto& em = expected["meta"];
    CHECK(s.tensorflow_version == em["tensorflow_version"].get<std::string>());
    if (em["saver_def"].is_null()) {
      CHECK_FALSE(s.saver.has_value());
    } else {
      REQUIRE(s.saver.has_value());
      CHECK(s.saver->filename_tensor_name == em["saver_def"]["filename_tensor_name"].get<std::string>());
      CHECK(s.saver->save_tensor_name == em["saver_def"]["save_tensor_name"].get<std::string>());
      CHECK(s.saver->restore_op_name == em["saver_def"]["restore_op_name"].get<std::string>());
      CHECK(s.saver->max_to_keep == em["saver_def"]["max_to_keep"].get<int>());
      CHECK(s.saver->sharded == em["saver_def"]["sharded"].get<bool>());
      CHECK(s.saver->version == em["saver_def"]["version"].get<int>());
    }
    ++cases;
  }
  CHECK(cases >= 13);
}

TEST_CASE("corpus meta graphs round-trip through serialize/parse, unknown fields kept") {
  SURGEON_REQUIRE_CORPUS(corpus);
  for (const auto& dir : testing::CorpusCases()) {
    json expected = testing::LoadExpected(dir);
    const std::string file = MetaFileOf(dir, expected);
    if (file.empty()) continue;
    INFO(file);
    auto mg = ReadMetaGraph(file);
    REQUIRE(mg.ok());
    auto bytes = SerializeMetaGraph(*mg);
    REQUIRE(bytes.ok());
    auto again = ParseMetaGraph(*bytes, "roundtrip");
    REQUIRE(again.ok());
    auto bytes2 = SerializeMetaGraph(*again);
    REQUIRE(bytes2.ok());
    CHECK(*bytes == *bytes2);
    // Nothing lost: same size as the input's MetaGraphDef (for a .meta file,
    // byte-for-byte the same message content).
    if (fs::path(file).extension() == ".meta") {
      CHECK(bytes->size() == fs::file_size(file));
    }
  }
}

TEST_CASE("WriteMetaGraph writes what ReadMetaGraph reads") {
  SURGEON_REQUIRE_CORPUS(corpus);
  auto mg = ReadMetaGraph(corpus + "/v2_alzi_dnn/model.ckpt.meta");
  REQUIRE(mg.ok());
  const std::string out = testing::MakeTempDir("meta") + "/m.meta";
  {
    auto f = WritableFile::Create(out);
    REQUIRE(f.ok());
    REQUIRE(WriteMetaGraph(*mg, f->get()).ok());
    REQUIRE((*f)->Close().ok());
  }
  auto back = ReadMetaGraph(out);
  REQUIRE(back.ok());
  CHECK(back->graph_def().node_size() == mg->graph_def().node_size());
  CHECK(SummarizeMetaGraph(*back).variables.size() == 4);
}

TEST_CASE("non-meta-graph files are rejected with the file name") {
  const std::string dir = testing::MakeTempDir("badmeta");
  testing::WriteFile(dir + "/empty.meta", "");
  auto r = ReadMetaGraph(dir + "/empty.meta");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(r.status().message().find("empty.meta") != std::string::npos);

  testing::WriteFile(dir + "/junk.meta", std::string("\xff\xff\xff\xff garbage that is no protobuf"));
  r = ReadMetaGraph(dir + "/junk.meta");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kDataLoss);
  CHECK(r.status().message().find("junk.meta") != std::string::npos);

  // A valid protobuf that holds no graph (a SaverDef-like message).
  testing::WriteFile(dir + "/nograph.meta", std::string("\x1a\x02\x0a\x00", 4));
  r = ReadMetaGraph(dir + "/nograph.meta");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("nograph.meta") != std::string::npos);
}

TEST_CASE("missing file is NotFound or IoError naming it") {
  auto r = ReadMetaGraph("/nonexistent/dir/model.meta");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("/nonexistent/dir/model.meta") != std::string::npos);
}

TEST_CASE("ParseTensorRef") {
  CHECK(ParseTensorRef("a/b").node == "a/b");
  CHECK(ParseTensorRef("a/b").index == 0);
  CHECK(ParseTensorRef("a/b:3").index == 3);
  CHECK(ParseTensorRef("a/b:3").node == "a/b");
  CHECK(ParseTensorRef("^a/b").index == -1);
  CHECK(ParseTensorRef("^a/b").node == "a/b");
}

TEST_CASE("variable feeds: kernel -> bias links in corpus graphs") {
  SURGEON_REQUIRE_CORPUS(corpus);
  auto mg = ReadMetaGraph(corpus + "/v2_lenet_traffic/model.ckpt.meta");
  REQUIRE(mg.ok());
  auto feeds = ComputeVariableFeeds(mg->graph_def());
  REQUIRE_FALSE(feeds.empty());
  auto s = SummarizeMetaGraph(*mg);
  std::map<std::string, Shape> shapes;
  for (const auto& v : s.variables) shapes[v.name] = v.shape;
  for (const auto& f : feeds) {
    INFO(f.from << " -> " << f.to << " via " << f.via);
    REQUIRE(shapes.count(f.from));
    REQUIRE(shapes.count(f.to));
    // A bias is as long as the kernel's last dimension.
    REQUIRE(shapes[f.to].size() == 1);
    CHECK(shapes[f.to][0] == shapes[f.from].back());
  }
  // alzi: MatMul(x, Variable/read) + Variable_2/read.
  auto alzi = ReadMetaGraph(corpus + "/v2_alzi_dnn/model.ckpt.meta");
  REQUIRE(alzi.ok());
  auto af = ComputeVariableFeeds(alzi->graph_def());
  bool found = false;
  for (const auto& f : af) found |= f.from == "Variable" && f.to == "Variable_2";
  CHECK(found);
}

}  // namespace
}  // namespace surgeon
