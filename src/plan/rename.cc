// The rename rules of a config (see config.h for the ordering contract).
#include "surgeon/plan/config.h"

namespace surgeon {
namespace {

// One rule on one name; nullopt when the rule does not match.
std::optional<std::string> ApplyRule(const RenameRule& rule, const std::string& name) {
  switch (rule.kind) {
    case RenameRule::Kind::kPrefix:
      if (name.compare(0, rule.from.size(), rule.from) != 0) return std::nullopt;
      return rule.to + name.substr(rule.from.size());
    case RenameRule::Kind::kRegex: {
      std::smatch m;
      if (!std::regex_search(name, m, *rule.regex)) return std::nullopt;
      // std::regex's format syntax is "$1"; configs write "\1" (Python's
      // re.sub spelling, used in the contract). Expand \0-\9 here and copy
      // everything else literally.
      std::string replacement;
      for (size_t i = 0; i < rule.to.size(); ++i) {
        char c = rule.to[i];
        if (c == '\\' && i + 1 < rule.to.size() && rule.to[i + 1] >= '0' && rule.to[i + 1] <= '9') {
          size_t group = rule.to[++i] - '0';
          if (group < m.size()) replacement += m[group].str();
        } else {
          replacement += c;
        }
      }
      return m.prefix().str() + replacement + m.suffix().str();
    }
    case RenameRule::Kind::kScope: {
      // tf.train.init_from_checkpoint: {"old_scope/": "new_scope/"}, with
      // "" (written "/") the root; a scope without '/' may also name one
      // variable exactly.
      std::string rest;
      if (rule.from.empty()) {
        rest = name;
      } else if (name == rule.from) {
        return rule.to;
      } else if (name.size() > rule.from.size() && name.compare(0, rule.from.size(), rule.from) == 0 &&
                 name[rule.from.size()] == '/') {
        rest = name.substr(rule.from.size() + 1);
      } else {
        return std::nullopt;
      }
      return rule.to.empty() ? rest : rule.to + "/" + rest;
    }
  }
  return std::nullopt;
}

// Whether `rule` names a bookkeeping tensor by its word: prefix rules and
// named scopes spell the start of the name they move; the root scope and a
// regex move bookkeeping only when they spell the word.
bool RuleNames(const RenameRule& rule, std::string_view word) {
  if (word.empty()) return true;
  switch (rule.kind) {
    case RenameRule::Kind::kPrefix: return true;
    case RenameRule::Kind::kScope: return !rule.from.empty();
    case RenameRule::Kind::kRegex: return rule.from.find(word) != std::string::npos;
  }
  return true;
}

}  // namespace

std::string ApplyRenameRules(const std::vector<RenameRule>& rules, const std::string& name,
                             std::vector<size_t>* rules_applied) {
  return ApplyRenameRules(rules, name, rules_applied, "");
}

std::string ApplyRenameRules(const std::vector<RenameRule>& rules, const std::string& name,
                             std::vector<size_t>* rules_applied, std::string_view bookkeeping_word) {
  std::string current = name;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!RuleNames(rules[i], bookkeeping_word)) continue;
    if (auto renamed = ApplyRule(rules[i], current)) {
      current = std::move(*renamed);
      if (rules_applied) rules_applied->push_back(i);
    }
  }
  return current;
}

}  // namespace surgeon
