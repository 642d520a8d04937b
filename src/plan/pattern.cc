#include "surgeon/plan/pattern.h"

namespace surgeon {

Result<Pattern> Pattern::Parse(std::string_view text) {
  Pattern p;
  p.text_ = std::string(text);
  if (text.substr(0, 3) == "re:") {
    try {
      p.regex_ = std::make_shared<const std::regex>(std::string(text.substr(3)), std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Status::InvalidArgument("invalid regex '" + std::string(text.substr(3)) + "': " + e.what());
    }
  } else if (text.empty()) {
    return Status::InvalidArgument("empty pattern");
  }
  return p;
}

bool Pattern::Matches(std::string_view name) const {
  if (regex_) return std::regex_match(name.begin(), name.end(), *regex_);
  return GlobMatch(text_, name);
}

bool Pattern::MatchesEither(std::string_view key, std::string_view object_name) const {
  return Matches(key) || (!object_name.empty() && Matches(object_name));
}

// Iterative glob with single backtrack point: on a mismatch after a `*`,
// retry with the star absorbing one more character. Linear in practice and
// never exponential, unlike the naive recursive matcher.
bool GlobMatch(std::string_view glob, std::string_view name) {
  size_t g = 0, n = 0;
  size_t star_g = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (g < glob.size() && (glob[g] == '?' || glob[g] == name[n])) {
      ++g;
      ++n;
    } else if (g < glob.size() && glob[g] == '*') {
      star_g = g++;
      star_n = n;
    } else if (star_g != std::string_view::npos) {
      g = star_g + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

}  // namespace surgeon
