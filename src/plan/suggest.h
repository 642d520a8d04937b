// "Did you mean" helpers for config and plan messages (after ninja's
// SpellcheckString / edit_distance.cc).
#ifndef SURGEON_SRC_PLAN_SUGGEST_H_
#define SURGEON_SRC_PLAN_SUGGEST_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace surgeon {

// Levenshtein distance; stops early and returns max_distance + 1 once the
// distance is known to exceed max_distance.
size_t EditDistance(std::string_view a, std::string_view b, size_t max_distance = 1000);

// The candidate nearest to `word` if it is within max(2, |word| / 3) edits;
// ties go to the earlier candidate.
std::optional<std::string> ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

class Pattern;

// Corrected spellings of a glob pattern that matches none of `names`, each of
// which does match at least one name (at most `limit`, best first): common
// renames (biases<->bias, weights<->kernel), a missing or extra leading
// scope, a different leading scope, then the nearest literal prefix by edit
// distance. Empty for regex patterns or when nothing close exists.
std::vector<std::string> SuggestPatterns(const Pattern& pattern, const std::vector<std::string>& names,
                                         size_t limit = 2);

// "; did you mean 'a'?" / "; did you mean 'a' or 'b'?" / "".
std::string DidYouMean(const std::vector<std::string>& suggestions);

}  // namespace surgeon

#endif  // SURGEON_SRC_PLAN_SUGGEST_H_
