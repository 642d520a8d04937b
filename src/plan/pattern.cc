#include "surgeon/plan/pattern.h"

#include <algorithm>
#include <cctype>

namespace surgeon {
namespace {

// The numbers std::regex would parse: after a backslash (back-references)
// and inside {...} (repetition counts); libstdc++ multiplies them up in a
// `long` without an overflow check. Every backslash and every brace is
// looked at, escaped or not: whether a character is escaped depends on how
// the scanner reads the escapes before it (in `\c\\1234`, `\c` takes the
// first backslash of `\\` as its operand, so \1234 is a back-reference), and
// guessing that differently from libstdc++ is what let a fuzzer through.
// TF names never hold a backslash, so refusing a 4-digit run after any
// backslash costs nothing.
//
// Group nesting is bounded too: libstdc++ compiles a group by recursion, and
// some 50,000 nested groups overflow an 8 MiB stack. Every '(' counts,
// escaped or not, for the same reason as above.
Status CheckRegexLimits(const std::string& text) {
  auto bad = [&](const std::string& why) { return Status::InvalidArgument("invalid regex '" + text + "': " + why); };
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(' && ++depth > kMaxRegexNesting) {
      return bad("groups nested deeper than " + std::to_string(kMaxRegexNesting));
    } else if (text[i] == ')' && depth > 0) {
      --depth;
    } else if (text[i] == '\\') {
      size_t j = i + 1;
      while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
      if (j - (i + 1) > 3) return bad("back-reference \\" + text.substr(i + 1, j - i - 1) + " is too large");
    } else if (text[i] == '{') {
      std::string number;
      for (size_t j = i + 1; j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == ',');
           ++j) {
        if (text[j] == ',') {
          number.clear();
          continue;
        }
        number += text[j];
        if (number.size() > 4 || std::stoi(number) > kMaxRegexRepeat) {
          return bad("repetition count above " + std::to_string(kMaxRegexRepeat));
        }
      }
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::shared_ptr<const std::regex>> CompileRegex(const std::string& text) {
  SURGEON_RETURN_IF_ERROR(CheckRegexLimits(text));
  try {
    return std::make_shared<const std::regex>(text, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return Status::InvalidArgument("invalid regex '" + text + "': " + e.what());
  }
}

Result<Pattern> Pattern::Parse(std::string_view text) {
  Pattern p;
  p.text_ = std::string(text);
  if (text.substr(0, 3) == "re:") {
    SURGEON_ASSIGN_OR_RETURN(p.regex_, CompileRegex(std::string(text.substr(3))));
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
