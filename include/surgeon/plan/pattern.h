// Pattern: how a config names variables.
//
// Two spellings:
//   glob   "vgg_16/conv*"   `*` matches any run of characters and `?` any one
//                           character; both also match '/', so "*/Momentum"
//                           reaches slots at any depth. Every other character
//                           is literal. The whole name must match.
//   regex  "re:^.*/fc[67]/.*$"  std::regex ECMAScript, whole-name match
//                           (std::regex_match), so anchors are optional.
//
// TF2 object-based checkpoints give a tensor two names: its key
// ("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE") and its object
// path ("dense/kernel"). MatchesEither() accepts a match on either one.
#ifndef SURGEON_PLAN_PATTERN_H_
#define SURGEON_PLAN_PATTERN_H_

#include <memory>
#include <regex>
#include <string>
#include <string_view>

#include "surgeon/base/status.h"

namespace surgeon {

class Pattern {
 public:
  // InvalidArgument naming the pattern when a "re:" pattern does not compile.
  static Result<Pattern> Parse(std::string_view text);

  // The pattern as written, including any "re:" prefix.
  const std::string& text() const { return text_; }
  bool is_regex() const { return regex_ != nullptr; }
  // True when the glob has no `*` or `?`: it names exactly one variable.
  bool is_literal() const { return !is_regex() && text_.find_first_of("*?") == std::string::npos; }

  bool Matches(std::string_view name) const;
  // Matches `key`, or `object_name` when that is non-empty.
  bool MatchesEither(std::string_view key, std::string_view object_name) const;

 private:
  std::string text_;
  std::shared_ptr<const std::regex> regex_;  // Shared so Pattern stays cheap to copy.
};

// Glob matching as described above, exposed for tests.
bool GlobMatch(std::string_view glob, std::string_view name);

// Compiles a config regex (ECMAScript). InvalidArgument, with std::regex's
// reason, when it does not compile, and before compiling when a repetition
// count ({n}, {n,m}) exceeds kMaxRegexRepeat or a back-reference number has
// more than 3 digits: libstdc++ parses those numbers into a `long` without
// an overflow check (undefined behaviour, found by the config fuzzer) and
// builds one automaton state per repetition. Groups nested deeper than
// kMaxRegexNesting are refused too (its compiler recurses per group).
inline constexpr int kMaxRegexRepeat = 1000;
inline constexpr int kMaxRegexNesting = 100;
Result<std::shared_ptr<const std::regex>> CompileRegex(const std::string& text);

}  // namespace surgeon

#endif  // SURGEON_PLAN_PATTERN_H_
