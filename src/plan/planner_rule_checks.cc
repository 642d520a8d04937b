// Planner::CheckUnmatchedRules: a config rule that matches nothing is almost
// always a typo; each one is reported with its config line and the closest
// names that do exist (plan/suggest.h).
#include <algorithm>

#include "plan/planner_impl.h"
#include "plan/suggest.h"

namespace surgeon::plan_internal {

void Planner::CheckUnmatchedRules() {
  const std::vector<std::string> sources = SourceNames();
  const std::string kInspectHint = " (`surgeon inspect` lists them)";
  auto unmatched_source = [&](const PatternRule& r) {
    std::string hint = DidYouMean(SuggestPatterns(r.pattern, sources));
    Error(r.pos, r.key_path,
          Quote(r.pattern.text()) + " matches no source variable" + (hint.empty() ? kInspectHint : hint));
  };
  if (c_.keep) {
    for (size_t k = 0; k < c_.keep->size(); ++k) {
      if (!keep_hit_[k]) unmatched_source((*c_.keep)[k]);
    }
  }
  for (size_t d = 0; d < c_.drop.size(); ++d) {
    if (!drop_hit_[d]) unmatched_source(c_.drop[d]);
  }
  for (size_t k = 0; k < c_.cast.size(); ++k) {
    if (cast_hit_[k]) continue;
    const CastRule& r = c_.cast[k];
    std::string hint = DidYouMean(SuggestPatterns(r.match, sources));
    Error(r.pos, r.key_path, Quote(r.match.text()) + " matches no floating-point source variable" + hint);
  }
  CheckUnmatchedRenames(sources);
  CheckUnmatchedFreezes(sources);
  for (size_t k = 0; k < c_.allow_shape_change.size(); ++k) {
    if (allow_hit_[k]) continue;
    const PatternRule& r = c_.allow_shape_change[k];
    std::vector<std::string> names;
    for (const NewVariableConfig& n : c_.new_variables) names.push_back(n.name);
    Error(r.pos, r.key_path,
          Quote(r.pattern.text()) + " matches no new variable" + DidYouMean(SuggestPatterns(r.pattern, names)));
  }
}

void Planner::CheckUnmatchedRenames(const std::vector<std::string>& sources) {
  const std::string kInspectHint = " (`surgeon inspect` lists them)";
  for (size_t r = 0; r < c_.rename.size(); ++r) {
    if (rename_hit_[r]) continue;
    const RenameRule& rule = c_.rename[r];
    std::string hint;
    if (rule.kind != RenameRule::Kind::kRegex) {
      // Suggest a corrected prefix/scope via the glob suggester.
      std::string glob = rule.kind == RenameRule::Kind::kPrefix ? rule.from + "*" : rule.from + "/*";
      auto pattern = Pattern::Parse(glob);
      if (pattern.ok()) {
        auto suggestions = SuggestPatterns(*pattern, sources);
        for (std::string& s : suggestions) {
          if (!s.empty() && s.back() == '*') s.pop_back();
          if (rule.kind == RenameRule::Kind::kScope && !s.empty() && s.back() == '/') s.pop_back();
        }
        hint = DidYouMean(suggestions);
      }
    }
    std::string what = rule.kind == RenameRule::Kind::kPrefix  ? "prefix " + Quote(rule.from)
                       : rule.kind == RenameRule::Kind::kRegex ? "regex " + Quote(rule.from)
                                                               : "scope " + Quote(rule.from + "/");
    Error(rule.pos, rule.key_path,
          what + " matches no source variable" + (r > 0 ? " (rules see the names earlier rules produced)" : "") +
              (hint.empty() ? kInspectHint : hint));
  }
}

// A freeze typo is never "fixed" by a name the config itself creates: the
// suggestions come from carried variables only (freezing a fresh head is
// almost never what was meant).
void Planner::CheckUnmatchedFreezes(const std::vector<std::string>& sources) {
  const std::vector<std::string> targets = TargetNames(/*include_new=*/false);
  for (size_t f = 0; f < c_.freeze.size(); ++f) {
    if (freeze_hit_[f]) continue;
    const PatternRule& r = c_.freeze[f];
    std::vector<std::string> suggestions;
    // The usual mistake: writing the source name. Rename its literal prefix.
    bool matches_source =
        std::any_of(sources.begin(), sources.end(), [&](const std::string& s) { return r.pattern.Matches(s); });
    if (matches_source && !r.pattern.is_regex()) {
      const std::string& p = r.pattern.text();
      size_t wild = p.find_first_of("*?");
      std::string prefix = p.substr(0, wild);
      std::string renamed =
          ApplyRenameRules(c_.rename, prefix, nullptr) + (wild == std::string::npos ? "" : p.substr(wild));
      if (std::any_of(targets.begin(), targets.end(), [&](const std::string& t) { return GlobMatch(renamed, t); })) {
        suggestions.push_back(renamed);
      }
    }
    if (suggestions.empty()) suggestions = SuggestPatterns(r.pattern, targets);
    std::string what = Quote(r.pattern.text()) + " matches no target variable";
    if (matches_source) what += " (it matches source names, but freeze sees target names, after rename)";
    Error(r.pos, r.key_path, what + DidYouMean(suggestions));
  }
}

}  // namespace surgeon::plan_internal
