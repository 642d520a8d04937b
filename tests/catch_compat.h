// Catch2 2.x (Debian 12) and 3.x (Debian 13) behind one include.
// The tests are written against the 2.x spelling; under 3.x the few names
// they use are mapped to their 3.x equivalents.
#ifndef SURGEON_TESTS_CATCH_COMPAT_H_
#define SURGEON_TESTS_CATCH_COMPAT_H_

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#include <string>

namespace Catch {
// 2.x's string matchers lived in namespace Catch; 3.x names the substring
// matcher ContainsSubstring (3.x's Matchers::Contains is a range matcher).
inline Matchers::StringContainsMatcher Contains(const std::string& s) { return Matchers::ContainsSubstring(s); }
inline Matchers::StartsWithMatcher StartsWith(const std::string& s) { return Matchers::StartsWith(s); }
}  // namespace Catch
using Catch::Approx;
#else
#include <catch2/catch.hpp>
#endif

#endif  // SURGEON_TESTS_CATCH_COMPAT_H_
