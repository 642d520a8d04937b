#include "plan/suggest.h"

#include <algorithm>

namespace surgeon {

// Classic dynamic program over one row. A row whose minimum already exceeds
// max_distance cannot lead to a smaller result, so we stop there.
size_t EditDistance(std::string_view a, std::string_view b, size_t max_distance) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    size_t best = row[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j - 1] + 1, up + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
      best = std::min(best, row[j]);
    }
    if (best > max_distance) return max_distance + 1;
  }
  return row[b.size()];
}

std::optional<std::string> ClosestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  size_t limit = std::max<size_t>(2, word.size() / 3);
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const std::string& c : candidates) {
    size_t d = EditDistance(word, c, limit);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace surgeon

#include <set>

#include "surgeon/plan/pattern.h"

namespace surgeon {
namespace {

bool MatchesAny(std::string_view glob, const std::vector<std::string>& names) {
  for (const std::string& n : names) {
    if (GlobMatch(glob, n)) return true;
  }
  return false;
}

// Replaces the first whole-component occurrence of `from` with `to`.
std::optional<std::string> ReplaceComponent(const std::string& s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + 1)) {
    bool start_ok = pos == 0 || s[pos - 1] == '/';
    size_t end = pos + from.size();
    bool end_ok = end == s.size() || s[end] == '/' || s[end] == '*' || s[end] == ':';
    if (start_ok && end_ok) return s.substr(0, pos) + std::string(to) + s.substr(end);
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> SuggestPatterns(const Pattern& pattern, const std::vector<std::string>& names, size_t limit) {
  std::vector<std::string> out;
  if (pattern.is_regex() || names.empty()) return out;
  const std::string& p = pattern.text();
  std::set<std::string> seen;
  auto consider = [&](const std::string& candidate) {
    // A bare "*" (or "*/*") is never a useful correction.
    if (candidate.find_first_not_of("*?/") == std::string::npos) return;
    if (out.size() < limit && candidate != p && seen.insert(candidate).second && MatchesAny(candidate, names)) {
      out.push_back(candidate);
    }
  };
  // 1. TF1 slim vs Keras/TF2 spellings.
  static const std::pair<const char*, const char*> kRenames[] = {
      {"biases", "bias"}, {"bias", "biases"}, {"weights", "kernel"}, {"kernel", "weights"}};
  for (const auto& [from, to] : kRenames) {
    if (auto c = ReplaceComponent(p, from, to)) consider(*c);
  }
  // 2. Scopes: missing, extra, or a different first component.
  std::set<std::string> scopes;
  for (const std::string& n : names) {
    auto slash = n.find('/');
    if (slash != std::string::npos) scopes.insert(n.substr(0, slash));
  }
  //    Stop at the first kind that helps: a broader guess would only
  //    dilute a precise one ('fc7/*' -> 'vgg_16/fc7/*', not 'vgg_16/*').
  for (const std::string& s : scopes) consider(s + "/" + p);
  auto slash = p.find('/');
  if (out.empty() && slash != std::string::npos) consider(p.substr(slash + 1));
  if (out.empty() && slash != std::string::npos) {
    for (const std::string& s : scopes) consider(s + p.substr(slash));
  }
  // 3. Nearest literal prefix: compare the part before the first wildcard
  //    with every name's prefix of about the same length.
  if (out.empty()) {
    size_t wild = p.find_first_of("*?");
    std::string prefix = p.substr(0, wild);
    std::string rest = wild == std::string::npos ? "" : p.substr(wild);
    if (!prefix.empty()) {
      size_t limit_distance = std::max<size_t>(2, prefix.size() / 3);
      size_t best = limit_distance + 1;
      std::string best_candidate;
      for (const std::string& n : names) {
        size_t lo = prefix.size() > 2 ? prefix.size() - 2 : 0;
        size_t hi = wild == std::string::npos ? n.size() : std::min(n.size(), prefix.size() + 2);
        if (wild == std::string::npos) lo = n.size();
        for (size_t len = lo; len <= hi && len <= n.size(); ++len) {
          size_t d = EditDistance(prefix, std::string_view(n).substr(0, len), limit_distance);
          if (d < best && d > 0) {
            best = d;
            best_candidate = n.substr(0, len) + rest;
          }
        }
      }
      if (!best_candidate.empty()) consider(best_candidate);
    }
  }
  return out;
}

std::string DidYouMean(const std::vector<std::string>& suggestions) {
  if (suggestions.empty()) return "";
  std::string out = "; did you mean ";
  for (size_t i = 0; i < suggestions.size(); ++i) {
    if (i) out += i + 1 == suggestions.size() ? " or " : ", ";
    out += "'" + suggestions[i] + "'";
  }
  return out + "?";
}

}  // namespace surgeon
