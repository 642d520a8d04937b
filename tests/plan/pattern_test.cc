#include "surgeon/plan/pattern.h"

#include "testing.h"

namespace surgeon {
namespace {

TEST_CASE("GlobMatch: * and ? also match '/'", "[plan][pattern]") {
  CHECK(GlobMatch("vgg_16/conv*", "vgg_16/conv1/conv1_1/weights"));
  CHECK(GlobMatch("*/Momentum", "vgg_16/fc8/weights/Momentum"));
  CHECK(GlobMatch("vgg_16/fc?/*", "vgg_16/fc7/biases"));
  CHECK(GlobMatch("global_step", "global_step"));
  CHECK(GlobMatch("*", ""));
  CHECK(GlobMatch("a*b*c", "a/x/b/y/c"));
  CHECK_FALSE(GlobMatch("global_step", "global_step_1"));
  CHECK_FALSE(GlobMatch("vgg_16/conv*", "mycls/conv1"));
  CHECK_FALSE(GlobMatch("?", ""));
  CHECK_FALSE(GlobMatch("a*b", "a/x/c"));
  // No exponential blowup on pathological patterns.
  CHECK_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*b", std::string(200, 'a')));
}

TEST_CASE("Pattern: re: is a whole-name ECMAScript regex", "[plan][pattern]") {
  auto p = Pattern::Parse("re:vgg_16/fc[67]/.*");
  REQUIRE(p.ok());
  CHECK(p->is_regex());
  CHECK(p->Matches("vgg_16/fc6/weights"));
  CHECK_FALSE(p->Matches("x/vgg_16/fc6/weights"));  // whole name, not search
  CHECK_FALSE(p->Matches("vgg_16/fc8/weights"));
}

TEST_CASE("Pattern: literal detection and either-name matching", "[plan][pattern]") {
  auto lit = Pattern::Parse("dense/kernel");
  REQUIRE(lit.ok());
  CHECK(lit->is_literal());
  CHECK(lit->MatchesEither("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", "dense/kernel"));
  CHECK_FALSE(lit->MatchesEither("dense/bias", ""));
  CHECK_FALSE(Pattern::Parse("dense/*")->is_literal());
}

TEST_CASE("Pattern: errors", "[plan][pattern]") {
  auto bad = Pattern::Parse("re:(");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().rfind("invalid regex '(': ", 0) == 0);
  CHECK(Pattern::Parse("").status().message() == "empty pattern");
}

TEST_CASE("Pattern: numbers std::regex would overflow or blow up on are refused before compiling", "[plan][pattern]") {
  // The config fuzzer's find: a 40-digit back-reference is undefined
  // behaviour inside libstdc++'s regex compiler.
  auto backref = Pattern::Parse("re:(a)\\1111111111111111111111111111111111111111");
  REQUIRE_FALSE(backref.ok());
  CHECK(backref.status().message().find("back-reference") != std::string::npos);
  auto repeat = Pattern::Parse("re:a{99999999999999999999}");
  REQUIRE_FALSE(repeat.ok());
  CHECK(repeat.status().message().find("repetition count above 1000") != std::string::npos);
  CHECK_FALSE(Pattern::Parse("re:a{2,5000}").ok());
  // Its second find: `\c` takes the next backslash as its operand, so in
  // `\c\\4444...` the digits are a back-reference although an escape
  // count says "escaped backslash, then digits". Any backslash before 4+
  // digits is refused (TF names never contain a backslash), and so is any
  // brace count, escaped or not.
  auto control = Pattern::Parse("re:/\\\\\\c\\\\44444444444444444444444444444444B");
  REQUIRE_FALSE(control.ok());
  CHECK(control.status().message().find("back-reference") != std::string::npos);
  CHECK_FALSE(Pattern::Parse("re:x\\\\12345").ok());
  CHECK_FALSE(Pattern::Parse("re:\\c\\{99999}").ok());
  // Deep group nesting would overflow the stack in std::regex's compiler.
  auto deep = Pattern::Parse("re:" + std::string(50000, '(') + "v" + std::string(50000, ')'));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.status().message().find("groups nested deeper than 100") != std::string::npos);
  CHECK(Pattern::Parse("re:" + std::string(100, '(') + "v" + std::string(100, ')'))->Matches("v"));
  std::string many_groups;  // 300 groups side by side: depth 1, accepted
  for (int i = 0; i < 300; ++i) many_groups += "(v)";
  CHECK(Pattern::Parse("re:" + many_groups)->Matches(std::string(300, 'v')));
  // Ordinary numbers stay fine.
  CHECK(Pattern::Parse("re:(a)b{2,3}\\1")->Matches("abbba"));
  CHECK(Pattern::Parse("re:conv{1000}").ok());
  CHECK(Pattern::Parse("re:x\\\\123")->Matches("x\\123"));
  CHECK(Pattern::Parse("re:layer_\\d{1,3}/w")->Matches("layer_12/w"));
  auto rule = CompileRegex("^(layer)_\\d{1,3}$");
  REQUIRE(rule.ok());
  CHECK(std::regex_match("layer_12", **rule));
}

}  // namespace
}  // namespace surgeon
