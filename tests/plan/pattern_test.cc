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

}  // namespace
}  // namespace surgeon
