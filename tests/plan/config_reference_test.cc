// The README's config reference is the parser's own (config_reference.h):
// the section between the markers must equal ConfigReferenceMarkdown(), and
// every documented key must be one the parser accepts (and vice versa).
#include "surgeon/plan/config_reference.h"

#include "surgeon/plan/config.h"
#include "surgeon/plan/initializer.h"
#include "testing.h"

namespace surgeon {

TEST_CASE("README config reference == ConfigReferenceMarkdown()", "[plan][config][docs]") {
  const std::string readme = testing::ReadFile(std::string(SURGEON_SOURCE_DIR) + "/README.md");
  const std::string begin = "<!-- config-reference:begin (generated: ConfigReferenceMarkdown) -->\n";
  const std::string end = "<!-- config-reference:end -->";
  const size_t b = readme.find(begin), e = readme.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  const std::string section = readme.substr(b + begin.size(), e - b - begin.size());
  if (section != ConfigReferenceMarkdown()) {
    std::string fresh = testing::SurgeonBinary();
    fresh = fresh.substr(0, fresh.rfind('/') + 1) + "config-reference.md";
    testing::WriteFile(fresh, ConfigReferenceMarkdown());
    FAIL("README.md's config reference is stale; paste " << fresh << " between the markers");
  }
}

TEST_CASE("Every documented key parses; an undocumented one does not", "[plan][config][docs]") {
  const std::string head =
      "source: {checkpoint: s, meta_graph: s.meta}\n"
      "target: {checkpoint: t, format: tf_checkpoint, meta_graph: true, max_shard_bytes: 2GiB}\n";
  const std::string all =
      head +
      "seed: 1\nkeep: [a]\ndrop: [b]\ndrop_optimizer_slots: true\nglobal_step: keep\n"
      "rename: [{from: a, to: b}, {regex: a, to: b}, {scope: a, to: b}]\n"
      "new: [{name: n, shape: [2], dtype: float32, initializer: zeros, feeds_from: a, trainable: true}]\n"
      "freeze: [n]\ncast: [{match: a, to: float16}]\nallow_shape_change: [n]\n"
      "reshape: [{name: a, shape: [2], permute: [0]}, {name: b, layout: {from: AB, to: BA}},\n"
      "          {name: c, shape: [1], flatten: hwc}]\n"
      "classes: [{tensors: [a], axis: -1, source_labels: s.txt, target_labels: t.txt, source_offset: 1,\n"
      "           target_offset: 1, map: {x: y}, initializer: zeros}]\n"
      "input_channels: [{name: a, axis: 2, channels: [0, zero], initializer: zeros}]\n"
      "expect: {initialized: [n], dropped: [b], min_copied_params: 1, min_copied_fraction: 0.5}\n"
      "also_from: [{name: f, checkpoint: f.ckpt, take: [a], rename: [{from: a, to: b}]}]\n";
  const std::string dir = testing::MakeTempDir("reference");  // label files of `classes`
  testing::WriteFile(dir + "/s.txt", "y\n");
  testing::WriteFile(dir + "/t.txt", "x\n");
  auto config = ParseConfig(all, "t.yaml", dir);
  INFO((config.ok() ? "" : config.status().message()));
  REQUIRE(config.ok());
  size_t used = 0;
  for (const ConfigKeyDoc& d : ConfigKeyReference()) {
    INFO(d.map << "." << d.key);
    CHECK(all.find(d.key + ":") != std::string::npos);
    ++used;
  }
  CHECK(used == ConfigKeyReference().size());
  for (const InitializerDoc& d : InitializerReference()) {
    std::string init = "{type: " + std::string(InitializerKindName(d.kind));
    for (const auto& p : InitializerParams(d.kind))
      init += ", " + p + ": " + (p == "mode" ? "fan_in" : p == "distribution" ? "uniform" : "1");
    init += "}";
    INFO(init);
    CHECK(ParseConfig(head + "new: [{name: n, shape: [2, 2], initializer: " + init + "}]\n", "t.yaml", "/w").ok());
  }
  CHECK_FALSE(ParseConfig(head + "allow_dtype_change: [n]\n", "t.yaml", "/w").ok());
}

}  // namespace surgeon
