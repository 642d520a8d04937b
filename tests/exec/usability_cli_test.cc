// User trial fixes, "comparing through a surgery", "errors and warnings" and "output
// and docs": each item end to end through the binary.
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "proto/meta_graph.pb.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/plan/config_reference.h"
#include "testing.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ReadFile;
using testing::Run;
using testing::WriteFile;

std::string Q(const std::string& s) { return "'" + s + "'"; }
bool Contains(const std::string& s, const std::string& x) { return s.find(x) != std::string::npos; }

// A small model with optimizer slots and a step counter.
void WriteModel(const std::string& prefix, int slots = 0) {
  StagedOutput out;
  auto w = BundleWriter::Create(&out, prefix);
  REQUIRE(w.ok());
  std::vector<std::pair<std::string, Shape>> tensors = {
      {"net/fc/kernel", {4, 3}}, {"net/fc/bias", {3}}, {"net/out/kernel", {3, 2}}, {"net/out/bias", {2}}};
  for (int i = 0; i < slots; ++i) tensors.push_back({"net/v" + std::to_string(10 + i) + "/Momentum", {2}});
  std::sort(tensors.begin(), tensors.end());
  for (const auto& [key, shape] : tensors) {
    std::vector<float> values(*FixedTensorBytes(DataType::kFloat, shape) / 4);
    for (size_t i = 0; i < values.size(); ++i) values[i] = 0.25f * static_cast<float>(i + key.size());
    std::vector<uint8_t> data(values.size() * 4);
    std::memcpy(data.data(), values.data(), data.size());
    REQUIRE((*w)->Add(key, DataType::kFloat, shape, ByteSpan(data.data(), data.size())).ok());
  }
  REQUIRE((*w)->Finish().ok());
  REQUIRE(out.Commit().ok());
}

const char kSurgery[] =
    "source: {checkpoint: src/model.ckpt}\ntarget: {checkpoint: out/model.ckpt-0}\nseed: 1\n"
    "rename: [{scope: net, to: mymodel}]\ncast: [{match: 'net/fc/*', to: float16}]\n"
    "drop: ['net/out/*']\nnew:\n"
    "  - {name: mymodel/out/kernel, shape: [3, 5], initializer: zeros}\n"
    "  - {name: mymodel/out/bias, shape: [5], initializer: zeros}\n";

}  // namespace

TEST_CASE("diff follows a surgery (--report, --config); --metadata-only says what it compared", "[cli][diff]") {
  const std::string s = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("ux-diff");
  WriteModel(dir + "/src/model.ckpt");
  WriteFile(dir + "/c.yaml", kSurgery);
  auto [rrc, rout] = Run(s + " run -q " + Q(dir + "/c.yaml") + " --report " + Q(dir + "/r.json") + " 2>&1");
  INFO(rout);
  REQUIRE(rrc == 0);
  // By name: nothing in common, and the hint says how to compare.
  auto [prc, pout] = Run(s + " diff " + Q(dir + "/src/model.ckpt") + " " + Q(dir + "/out/model.ckpt-0") + " 2>&1");
  INFO(pout);
  CHECK(prc == 1);
  CHECK(Contains(pout, "pass --config CONFIG or --report FILE"));
  for (const std::string& how : {" --report " + Q(dir + "/r.json"), " --config " + Q(dir + "/c.yaml")}) {
    auto [rc, out] = Run(s + " diff" + how + " 2>&1");
    INFO(out);
    CHECK(rc == 0);
    CHECK(Contains(out, "0 differences; 2 tensors compared, 2 identical (copies compared with their targets)"));
    CHECK(Contains(out, "renamed    net/fc/kernel: mymodel/fc/kernel"));
    CHECK(Contains(out, "cast       net/fc/kernel -> mymodel/fc/kernel: DT_FLOAT -> DT_HALF"));
    CHECK(Contains(out, "dropped    net/out/kernel:"));
    CHECK(Contains(out, "new        mymodel/out/kernel: DT_FLOAT [3, 5], zeros"));
  }
  auto [mrc, mout] = Run(s + " diff --metadata-only --report " + Q(dir + "/r.json") + " 2>&1");
  INFO(mout);
  CHECK(mrc == 0);
  CHECK(Contains(mout, "2 tensors compared by name, dtype and shape (values not read)"));
  CHECK_FALSE(Contains(mout, "identical"));
  // A and B given explicitly with --report: an identical copy of the source
  // still compares equal through the mapping.
  WriteModel(dir + "/src2/model.ckpt");
  auto [crc, cout] = Run(s + " diff " + Q(dir + "/src2/model.ckpt") + " " + Q(dir + "/out/model.ckpt-0") +
                         " --report " + Q(dir + "/r.json") + " 2>&1");
  INFO(cout);
  CHECK(crc == 0);  // Same values as src: every copy still equal.
}

TEST_CASE("plan --json and the run report share one row schema", "[cli][json]") {
  const std::string s = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("ux-json");
  WriteModel(dir + "/src/model.ckpt");
  WriteFile(dir + "/c.yaml", std::string(kSurgery) + "\n");
  auto [prc, pout] = Run("(" + s + " plan --json " + Q(dir + "/c.yaml") + " 2>/dev/null)");
  REQUIRE(prc == 0);
  auto [rrc, rout] = Run(s + " run -q " + Q(dir + "/c.yaml") + " --report " + Q(dir + "/r.json") + " 2>&1");
  INFO(rout);
  REQUIRE(rrc == 0);
  json plan = json::parse(pout), report = json::parse(ReadFile(dir + "/r.json"));
  CHECK(plan["actions"] == report["actions"]);
  CHECK(plan["dropped"] == report["dropped"]);
  CHECK(report["actions"][0]["action"] == "copy");
  CHECK(report["actions"][0]["dtype"] == "float16");
  CHECK(report.contains("run"));
  auto [src, schema] = Run(s + " plan --json-schema");
  CHECK(src == 0);
  CHECK(json::parse(schema) == json::parse(ReadFile(std::string(SURGEON_SOURCE_DIR) + "/docs/plan.schema.json")));
  auto [irc, iout] = Run(s + " inspect --json " + Q(dir + "/src/model.ckpt"));
  REQUIRE(irc == 0);
  json inspect = json::parse(iout);
  CHECK(inspect["header"]["num_shards"].is_number());
  CHECK(inspect["header"]["index_blocks"].is_number());
}

TEST_CASE("plan fits the terminal, groups long runs of drops, warns once on stderr", "[cli][table]") {
  const std::string s = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("ux-table");
  WriteModel(dir + "/src/model.ckpt", /*slots=*/20);
  WriteFile(dir + "/c.yaml", std::string(kSurgery) + "drop_optimizer_slots: true\n");
  const std::string seedless = dir + "/noseed.yaml";
  std::string yaml = std::string(kSurgery) + "drop_optimizer_slots: true\n";
  yaml.replace(yaml.find("seed: 1\n"), 8, "");
  WriteFile(seedless, yaml);
  auto [rc, out] = Run("(COLUMNS=90 " + s + " plan " + Q(seedless) + " 2>" + Q(dir + "/err") + ")");
  INFO(out);
  REQUIRE(rc == 0);
  size_t start = 0;
  for (size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1) {
    std::string line = out.substr(start, end - start);
    if (line.rfind("plan:", 0) == 0 || line.rfind("total:", 0) == 0) continue;
    INFO(line);
    CHECK(line.size() <= 90);
  }
  CHECK(Contains(out, "(20 optimizer slots)"));
  CHECK(Contains(out, "--all lists them"));
  CHECK_FALSE(Contains(out, "warning"));
  const std::string err = ReadFile(dir + "/err");
  CHECK(Contains(err, "surgeon: warning: " + seedless + ": no seed given"));
  CHECK(err.find("no seed given") == err.rfind("no seed given"));  // once
  auto [arc, aout] = Run("(COLUMNS=90 " + s + " plan --all " + Q(dir + "/c.yaml") + " 2>/dev/null)");
  CHECK(Contains(aout, "net/v29/Momentum"));
  // Both streams on one pipe: the warning comes after the table, not inside it.
  auto [mrc, mixed] = Run(s + " plan " + Q(seedless) + " 2>&1");
  CHECK(mixed.find("surgeon: warning") > mixed.find("total:"));
  // An existing target: plan warns that run would refuse it.
  REQUIRE(Run(s + " run -q " + Q(dir + "/c.yaml")).first == 0);
  auto [erc, eout] = Run("(" + s + " plan " + Q(dir + "/c.yaml") + " 2>&1 >/dev/null)");
  CHECK(erc == 0);
  CHECK(Contains(eout, "a checkpoint already exists there"));
  CHECK(Contains(eout, "will refuse it unless given --force"));
}

TEST_CASE("run -q silences graph-rewrite chatter", "[cli][corpus]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  const std::string s = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("ux-quiet");
  WriteFile(dir + "/c.yaml", "source: {checkpoint: " + corpus +
                                 "/v2_lenet_traffic/model.ckpt}\n"
                                 "target: {checkpoint: out/model.ckpt-0, meta_graph: {from: source}}\n"
                                 "drop_optimizer_slots: true\n");
  auto [rc, out] = Run(s + " run " + Q(dir + "/c.yaml") + " 2>&1");
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(Contains(out, "node(s) that used dropped"));
  auto [qrc, qout] = Run(s + " run -q --force " + Q(dir + "/c.yaml") + " 2>&1");
  INFO(qout);
  REQUIRE(qrc == 0);
  CHECK_FALSE(Contains(qout, "node(s) that used dropped"));
}

TEST_CASE("messages a new user needs", "[cli][errors]") {
  const std::string s = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("ux-msgs");
  WriteModel(dir + "/src/model.ckpt");
  auto expect = [&](const std::string& cmd, int code, const std::vector<std::string>& parts) {
    auto [rc, out] = Run(s + " " + cmd + " 2>&1");
    INFO(cmd << "\n" << out);
    CHECK(rc == code);
    for (const auto& p : parts) CHECK(Contains(out, p));
    return out;
  };
  expect("inpsect x", 2, {"unknown command 'inpsect'; did you mean 'inspect'?"});
  expect("plan " + Q(dir + "/src/model.ckpt.index"), 2,
         {"model.ckpt.index: this is a checkpoint file, not a surgery config"});
  WriteFile(dir + "/flow.yaml",
            "source: src/model.ckpt\ntarget: out/m\nnew:\n"
            "  - {name: x, shape: [2], initializer: zeros\nfreeze: [x]\n");
  expect("plan " + Q(dir + "/flow.yaml"), 2, {"flow.yaml:4:5: invalid YAML: this '{' is never closed"});
  WriteFile(dir + "/scope.yaml", "source: src/model.ckpt\ntarget: out/m\nrename: [{scope: '', to: a}]\n");
  expect("plan " + Q(dir + "/scope.yaml"), 2, {"the root scope is written \"/\""});
  WriteFile(dir + "/missing.yaml", "source: src/modl.ckpt\ntarget: out/m\n");
  expect("plan " + Q(dir + "/missing.yaml"), 1,
         {"missing.yaml:1:9: source.checkpoint", "checkpoints nearby: ", "src/model.ckpt"});
  WriteFile(dir + "/typo.yaml",
            "source: src/model.ckpt\ntarget: out/m\nkeep: ['net/fcx/*']\nnew:\n"
            "  - {name: head/k, shape: [3, 2], initializer: zeros, feeds_from: net/fc/kernel}\n"
            "freeze: ['net/fcc/*']\n");
  std::string out = expect("plan " + Q(dir + "/typo.yaml"), 2, {"keep[0]: 'net/fcx/*' matches no source variable"});
  CHECK(out.find("keep[0]") < out.find("feeds_from"));
  CHECK_FALSE(Contains(out, "did you mean 'head/"));
  // A directory with only a V1 file is found like a lone V2 checkpoint.
  SECTION("lone V1 file") {
    auto corpus = testing::CorpusDir();
    if (!corpus) return;
    fs::create_directories(dir + "/v1");
    fs::copy_file(*corpus + "/v1_neo_2016/model.ckpt", dir + "/v1/model.ckpt");
    expect("inspect " + Q(dir + "/v1"), 0, {"/v1/model.ckpt (v1)"});
  }
}

TEST_CASE("--help documents every config key; inspect says 'version not recorded'", "[cli][docs]") {
  const std::string s = testing::SurgeonBinary();
  auto [rc, help] = Run(s + " plan --help");
  CHECK(rc == 0);
  for (const ConfigKeyDoc& d : ConfigKeyReference()) {
    INFO(d.key);
    CHECK(Contains(help, (d.map.empty() ? "" : d.map + ".") + d.key + ":"));
  }
  for (const InitializerDoc& d : InitializerReference())
    CHECK(Contains(help, std::string(InitializerKindName(d.kind))));
  const std::string dir = testing::MakeTempDir("ux-version");
  WriteModel(dir + "/model.ckpt");
  tensorflow::MetaGraphDef mg;  // No meta_info_def: no TF version recorded.
  mg.mutable_graph_def();
  WriteFile(dir + "/model.ckpt.meta", mg.SerializeAsString());
  auto [irc, iout] = Run(s + " inspect " + Q(dir + "/model.ckpt") + " 2>&1");
  INFO(iout);
  CHECK(Contains(iout, "(TF version not recorded, 0 variables)"));
  CHECK_FALSE(Contains(iout, "TF ?"));
}

}  // namespace surgeon
