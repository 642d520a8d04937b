#include "surgeon/plan/config.h"

#include <filesystem>

#include "testing.h"

namespace surgeon {
namespace {

Result<PlanConfig> Parse(const std::string& yaml) { return ParseConfig(yaml, "test.yaml", "/base/configs"); }

// The config contract as the README states it, verbatim apart from the `new` list layout.
const char kContract[] = R"(source: {checkpoint: pretrained/vgg_16.ckpt, meta_graph: pretrained/vgg_16.ckpt.meta}
target: {checkpoint: out/mycls/model.ckpt-0, meta_graph: true}
seed: 1234
keep: ["vgg_16/conv*", "vgg_16/fc6/*", "vgg_16/fc7/*"]
drop: ["*/Momentum", "global_step"]
drop_optimizer_slots: true
global_step: reset
rename:
  - {from: "vgg_16/", to: "mycls/"}
  - {regex: "^mycls/fc(6|7)/", to: "mycls/dense\\1/"}
  - {scope: "vgg_16/", to: "mycls/"}
new:
  - {name: mycls/fc8/weights, shape: [1,1,4096,10], dtype: float32, initializer: {type: truncated_normal, stddev: 0.01}, feeds_from: mycls/dense7/weights}
  - {name: mycls/fc8/biases, shape: [10], initializer: zeros}
freeze: ["mycls/conv*"]
cast: [{match: "*", to: float16}]
allow_shape_change: ["mycls/fc8/*"]
)";

TEST_CASE("ParseConfig: the issue's contract", "[plan][config]") {
  auto c = Parse(kContract);
  REQUIRE(c.ok());
  CHECK(c->path == "test.yaml");
  CHECK(c->source_checkpoint == "/base/configs/pretrained/vgg_16.ckpt");
  REQUIRE(c->source_meta_graph.has_value());
  CHECK(*c->source_meta_graph == "/base/configs/pretrained/vgg_16.ckpt.meta");
  CHECK(c->target_checkpoint == "/base/configs/out/mycls/model.ckpt-0");
  CHECK(c->target_meta_graph == MetaGraphMode::kFresh);
  CHECK(c->seed == 1234);
  CHECK(c->has_seed);
  REQUIRE(c->keep.has_value());
  REQUIRE(c->keep->size() == 3);
  CHECK((*c->keep)[1].pattern.text() == "vgg_16/fc6/*");
  CHECK((*c->keep)[1].key_path == "keep[1]");
  CHECK((*c->keep)[1].pos.ToString() == "test.yaml:4:24");
  CHECK(c->drop.size() == 2);
  CHECK(c->drop_optimizer_slots);
  CHECK(c->global_step == GlobalStepMode::kReset);
  REQUIRE(c->rename.size() == 3);
  CHECK(c->rename[0].kind == RenameRule::Kind::kPrefix);
  CHECK(c->rename[1].kind == RenameRule::Kind::kRegex);
  CHECK(c->rename[1].to == "mycls/dense\\1/");
  CHECK(c->rename[2].kind == RenameRule::Kind::kScope);
  CHECK(c->rename[2].from == "vgg_16");
  CHECK(c->rename[2].to == "mycls");
  CHECK(c->rename[0].pos.ToString() == "test.yaml:9:5");
  REQUIRE(c->new_variables.size() == 2);
  const NewVariableConfig& fc8 = c->new_variables[0];
  CHECK(fc8.name == "mycls/fc8/weights");
  CHECK(fc8.shape == Shape{1, 1, 4096, 10});
  CHECK(fc8.dtype == DataType::kFloat);
  CHECK(fc8.initializer.kind == InitializerKind::kTruncatedNormal);
  CHECK(fc8.initializer.stddev == 0.01);
  CHECK(fc8.feeds_from == std::optional<std::string>("mycls/dense7/weights"));
  CHECK(c->new_variables[1].initializer.kind == InitializerKind::kZeros);
  CHECK(c->new_variables[1].dtype == DataType::kFloat);  // default
  CHECK(c->freeze.size() == 1);
  REQUIRE(c->cast.size() == 1);
  CHECK(c->cast[0].to == DataType::kHalf);
  CHECK(c->allow_shape_change.size() == 1);
}

TEST_CASE("ParseConfig: defaults and alternative spellings", "[plan][config]") {
  auto c = Parse("source: a/model.ckpt\ntarget: {checkpoint: /abs/out, meta_graph: {from: source}}\n");
  REQUIRE(c.ok());
  CHECK(c->source_checkpoint == "/base/configs/a/model.ckpt");
  CHECK_FALSE(c->source_meta_graph.has_value());
  CHECK(c->target_checkpoint == "/abs/out");
  CHECK(c->target_meta_graph == MetaGraphMode::kFromSource);
  CHECK_FALSE(c->keep.has_value());  // keep everything
  CHECK_FALSE(c->has_seed);
  CHECK(c->global_step == GlobalStepMode::kDefault);

  auto d = Parse(
      "source: {checkpoint: ../x}\ntarget: {checkpoint: y, meta_graph: false}\nkeep: 'a/*'\n"
      "rename: [{scope: /, to: top}]\n");
  REQUIRE(d.ok());
  CHECK(d->source_checkpoint == "/base/x");  // ".." resolved lexically
  CHECK(d->target_meta_graph == MetaGraphMode::kNone);
  REQUIRE(d->keep->size() == 1);     // a single string is a list of one
  CHECK(d->rename[0].from.empty());  // "/" is the root scope
  CHECK(d->rename[0].to == "top");
  CHECK(d->target_max_shard_bytes == 0);  // one data file

  for (auto [text, bytes] :
       {std::pair{"2GiB", uint64_t{1} << 31}, {"'500 MB'", uint64_t{500'000'000}}, {"1000000", uint64_t{1'000'000}}}) {
    INFO(text);
    auto e = Parse(std::string("source: s\ntarget: {checkpoint: t, max_shard_bytes: ") + text + "}\n");
    REQUIRE(e.ok());
    CHECK(e->target_max_shard_bytes == bytes);
  }
}

TEST_CASE("ParseConfig: errors name file:line:col and the key path", "[plan][config]") {
  const std::string kHead = "source: s\ntarget: t\n";
  struct Case {
    std::string yaml;
    std::string error;
  };
  // Exact text, as users read it (after ninja's ParserTest.Errors).
  const Case cases[] = {
      {"", "test.yaml: expected a map with source, target, ..., got nothing"},
      {"- a\n", "test.yaml:1:1: expected a map with source, target, ..., got a list"},
      {"source: s\n", "test.yaml:1:1: target: required key is missing"},
      {"source: [\n",
       "test.yaml:1:9: invalid YAML: this '[' is never closed: missing ']' (the parser noticed at line 2)"},
      // yaml-cpp notices a missing '}' at the next line; point at the '{'.
      {kHead + "new:\n  - {name: x, shape: [2], initializer: zeros\nfreeze: ['x # not a comment']\n",
       "test.yaml:4:5: invalid YAML: this '{' is never closed: missing '}' (the parser noticed at line 5)"},
      {kHead + "rename: [{scope: '', to: a}]\n",
       "test.yaml:3:18: rename[0].scope: expected a scope, got ''; the root scope is written \"/\""},
      {kHead + "target: out/dir/\n", "test.yaml:3:1: target: key appears twice"},
      {"source: s\ntarget: {checkpoint: out/dir/}\n",
       "test.yaml:2:22: target.checkpoint: 'out/dir/' names a directory, not a checkpoint prefix (TensorFlow would "
       "write hidden files '.index', '.data-00000-of-00001' there); name the checkpoint inside it, e.g. "
       "'out/dir/model.ckpt-0'"},
      {kHead + "kep: ['a']\n", "test.yaml:3:1: kep: unknown key; did you mean 'keep'?"},
      {kHead + "frobnicate: 1\n",
       "test.yaml:3:1: frobnicate: unknown key (expected one of: source, target, seed, keep, drop, "
       "drop_optimizer_slots, global_step, rename, new, freeze, cast, allow_shape_change, reshape, classes, "
       "input_channels, expect, also_from)"},
      {kHead + "keep: [a]\nkeep: [b]\n", "test.yaml:4:1: keep: key appears twice"},
      {"source: {chekpoint: x}\ntarget: t\n",
       "test.yaml:1:10: source.chekpoint: unknown key; did you mean 'checkpoint'?"},
      {"source: {meta_graph: x}\ntarget: t\n", "test.yaml:1:9: source.checkpoint: required key is missing"},
      {"source: s\ntarget: {checkpoint: t, meta_graph: maybe}\n",
       "test.yaml:2:37: target.meta_graph: expected true, false or {from: source}, got 'maybe'"},
      {"source: s\ntarget: {checkpoint: t, meta_graph: {from: target}}\n",
       "test.yaml:2:44: target.meta_graph.from: expected 'source', got 'target'"},
      {"source: s\ntarget: {checkpoint: t, max_shard_bytes: 2 G}\n",
       "test.yaml:2:42: target.max_shard_bytes: expected a size above 0 such as 2GiB, 500MB or 1000000 (bytes; "
       "units: B, kB, MB, GB, TB, KiB, MiB, GiB, TiB), got '2 G'"},
      {"source: s\ntarget: {checkpoint: t, max_shard_bytes: 0}\n",
       "test.yaml:2:42: target.max_shard_bytes: expected a size above 0 such as 2GiB, 500MB or 1000000 (bytes; "
       "units: B, kB, MB, GB, TB, KiB, MiB, GiB, TiB), got '0'"},
      {"source: s\ntarget: {checkpoint: t, max_shard_bytes: [1]}\n",
       "test.yaml:2:42: target.max_shard_bytes: expected a size above 0 such as 2GiB, 500MB or 1000000 (bytes; "
       "units: B, kB, MB, GB, TB, KiB, MiB, GiB, TiB), got a list"},
      {"source: s\ntarget: {checkpoint: t.safetensors, max_shard_bytes: 1GB}\n",
       "test.yaml:2:54: target.max_shard_bytes: a safetensors target is one file; max_shard_bytes applies to "
       "tf_checkpoint targets"},
      {kHead + "seed: -1\n", "test.yaml:3:7: seed: expected a non-negative integer below 2^64, got '-1'"},
      {kHead + "keep: {a: b}\n", "test.yaml:3:7: keep: expected a list of patterns, got a map"},
      {kHead + "keep: ['re:(']\n",
       "test.yaml:3:8: keep[0]: invalid regex '(': Mismatched '(' and ')' in regular expression"},
      {kHead + "drop: [[a]]\n", "test.yaml:3:8: drop[0]: expected a non-empty string, got a list"},
      {kHead + "drop_optimizer_slots: sure\n",
       "test.yaml:3:23: drop_optimizer_slots: expected true or false, got 'sure'"},
      {kHead + "global_step: zero\n", "test.yaml:3:14: global_step: expected keep, drop or reset, got 'zero'"},
      {kHead + "rename: {from: a, to: b}\n", "test.yaml:3:9: rename: expected a list of rename rules, got a map"},
      {kHead + "rename:\n  - {from: a}\n", "test.yaml:4:5: rename[0].to: required key is missing"},
      {kHead + "rename:\n  - {from: a, regex: b, to: c}\n",
       "test.yaml:4:5: rename[0]: expected exactly one of from, regex or scope"},
      {kHead + "rename:\n  - {form: a, to: b}\n", "test.yaml:4:6: rename[0].form: unknown key; did you mean 'from'?"},
      {kHead + "rename:\n  - {regex: 'a(', to: b}\n",
       "test.yaml:4:13: rename[0].regex: invalid regex 'a(': Mismatched '(' and ')' in regular expression"},
      {kHead + "new:\n  - {name: a, shape: abc, initializer: zeros}\n",
       "test.yaml:4:22: new[0].shape: expected a list of integers, got 'abc'"},
      {kHead + "new:\n  - {name: a, shape: [1, x], initializer: zeros}\n",
       "test.yaml:4:26: new[0].shape[1]: expected a non-negative integer, got 'x'"},
      {kHead + "new:\n  - {name: a, shape: [1" +
           [] {
             std::string s;
             for (int i = 1; i < 255; ++i) s += ", 1";
             return s;
           }() +
           "], initializer: zeros}\n",
       "test.yaml:4:22: new[0].shape: 255 dimensions; TensorFlow allows at most 254"},
      {kHead + "new:\n  - {name: a, shape: [-3], initializer: zeros}\n",
       "test.yaml:4:23: new[0].shape[0]: expected a non-negative integer, got '-3'"},
      {kHead + "new:\n  - {name: a, shape: [3]}\n", "test.yaml:4:5: new[0].initializer: required key is missing"},
      {kHead + "new:\n  - {shape: [3], initializer: zeros}\n", "test.yaml:4:5: new[0].name: required key is missing"},
      {kHead + "new:\n  - {name: a, shape: [3], dtype: flaot32, initializer: zeros}\n",
       "test.yaml:4:34: new[0].dtype: unknown dtype 'flaot32'; did you mean 'float32'?"},
      {kHead + "new:\n  - {name: a, shape: [3], initializer: zeroes}\n",
       "test.yaml:4:40: new[0].initializer: unknown initializer 'zeroes'; did you mean 'zeros'?"},
      {kHead + "new:\n  - {name: a, shape: [3], initializer: {type: xavier}}\n",
       "test.yaml:4:47: new[0].initializer.type: unknown initializer 'xavier' (expected one of: zeros, ones, "
       "constant, random_normal, truncated_normal, random_uniform, glorot_uniform, glorot_normal, he_uniform, "
       "he_normal, lecun_uniform, lecun_normal, variance_scaling, orthogonal)"},
      {kHead + "new:\n  - {name: a, shape: [3], initializer: {stddev: 1}}\n",
       "test.yaml:4:40: new[0].initializer.type: required key is missing"},
      {kHead + "new:\n  - {name: a, shape: [3], initializer: {truncated_normal: {stddev: 0.01}}}\n",
       "test.yaml:4:40: new[0].initializer: initializer name 'truncated_normal' written as a key; write "
       "{type: truncated_normal, ...} with its parameters beside 'type', or just truncated_normal"},
      {kHead + "new:\n  - {name: a, shape: [3], initializer: {type: zeros, stddev: 1}}\n",
       "test.yaml:4:54: new[0].initializer.stddev: not a parameter of zeros (its parameters: none)"},
      {kHead + "new:\n  - {name: a, shape: [3], initializer: {type: truncated_normal, stdev: 1}}\n",
       "test.yaml:4:65: new[0].initializer.stdev: not a parameter of truncated_normal (its parameters: mean, stddev)"},
      {kHead + "new:\n  - {name: a, shape: [3], initializer: {type: truncated_normal, stddev: big}}\n",
       "test.yaml:4:73: new[0].initializer.stddev: expected a number, got 'big'"},
      {kHead + "new:\n  - {name: a, shape: [3], initializer: zeros, trainable: 2}\n",
       "test.yaml:4:58: new[0].trainable: expected true or false, got '2'"},
      {kHead + "cast: [{match: '*', to: int32}]\n",
       "test.yaml:3:25: cast[0].to: casts are only among float16, bfloat16, float32 and float64, got 'int32'"},
      {kHead + "cast: [{match: '*'}]\n", "test.yaml:3:8: cast[0].to: required key is missing"},
  };
  for (const Case& c : cases) {
    INFO(c.yaml);
    auto r = Parse(c.yaml);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    CHECK(r.status().message() == c.error);
  }
}

TEST_CASE("LoadConfig: reads the file and resolves paths against its directory", "[plan][config]") {
  std::string dir = testing::MakeTempDir("plan-config");
  testing::WriteFile(dir + "/c.yaml", "source: ckpt/model\ntarget: {checkpoint: ../out/m}\n");
  auto c = LoadConfig(dir + "/c.yaml");
  REQUIRE(c.ok());
  CHECK(c->source_checkpoint == dir + "/ckpt/model");
  CHECK(c->target_checkpoint == std::filesystem::path(dir + "/../out/m").lexically_normal().string());

  auto missing = LoadConfig(dir + "/nope.yaml");
  REQUIRE_FALSE(missing.ok());
  INFO(missing.status().message());
  CHECK(missing.status().code() != StatusCode::kInvalidArgument);
  CHECK(missing.status().message().find(dir + "/nope.yaml") != std::string::npos);
  CHECK(missing.status().message().find(" (reading the config)") != std::string::npos);

  testing::WriteFile(dir + "/bad.yaml", "source: s\ntarget: t\nseed: x\n");
  auto bad = LoadConfig(dir + "/bad.yaml");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == dir + "/bad.yaml:3:7: seed: expected a non-negative integer below 2^64, got 'x'");
}

TEST_CASE("ApplyRenameRules: prefix, regex with groups, scope, in order", "[plan][config]") {
  auto c = Parse(kContract);
  REQUIRE(c.ok());
  std::vector<size_t> applied;
  CHECK(ApplyRenameRules(c->rename, "vgg_16/fc7/weights", &applied) == "mycls/dense7/weights");
  CHECK(applied == std::vector<size_t>{0, 1});
  applied.clear();
  CHECK(ApplyRenameRules(c->rename, "vgg_16/conv1/conv1_1/weights", &applied) == "mycls/conv1/conv1_1/weights");
  CHECK(applied == std::vector<size_t>{0});
  CHECK(ApplyRenameRules(c->rename, "global_step", nullptr) == "global_step");

  auto scopes = Parse(
      "source: s\ntarget: t\nrename:\n  - {scope: /, to: outer/}\n  - {scope: outer/old, to: /}\n"
      "  - {scope: outer/x/w, to: outer/y/w}\n");
  REQUIRE(scopes.ok());
  CHECK(ApplyRenameRules(scopes->rename, "old/a", nullptr) == "a");
  CHECK(ApplyRenameRules(scopes->rename, "b", nullptr) == "outer/b");
  CHECK(ApplyRenameRules(scopes->rename, "oldish/a", nullptr) == "outer/oldish/a");  // whole components only
  CHECK(ApplyRenameRules(scopes->rename, "x/w", nullptr) == "outer/y/w");            // exact variable
}

}  // namespace
}  // namespace surgeon
