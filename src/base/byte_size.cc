#include "surgeon/base/byte_size.h"

#include <string>

namespace surgeon {
namespace {

struct Unit {
  std::string_view name;
  uint64_t bytes;
  bool listed;  // false: an alias, left out of ByteSizeExpectation's list
};
constexpr Unit kUnits[] = {
    {"B", 1, true},
    {"kB", 1000, true},
    {"KB", 1000, false},
    {"MB", 1000 * 1000, true},
    {"GB", 1000 * 1000 * 1000, true},
    {"TB", uint64_t{1000} * 1000 * 1000 * 1000, true},
    {"KiB", uint64_t{1} << 10, true},
    {"MiB", uint64_t{1} << 20, true},
    {"GiB", uint64_t{1} << 30, true},
    {"TiB", uint64_t{1} << 40, true},
};

// Wide enough for every product below: whole <= 2^63 / factor, 10^18 scale.
using U128 = unsigned __int128;
constexpr U128 kMaxBytes = U128{1} << 63;

// Digits only, at most 30 of them (no overflow below), at least one.
std::optional<U128> Digits(std::string_view s) {
  if (s.empty() || s.size() > 30) return std::nullopt;
  U128 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v;
}

}  // namespace

std::optional<uint64_t> ParseByteSize(std::string_view text) {
  const size_t number_end = text.find_first_not_of("0123456789.");
  const std::string_view number = text.substr(0, number_end);
  std::string_view unit = number_end == std::string_view::npos ? "" : text.substr(number_end);
  if (unit.size() > 1 && unit.front() == ' ') unit.remove_prefix(1);
  uint64_t factor = 0;
  for (const Unit& u : kUnits) {
    if (unit == u.name) factor = u.bytes;
  }
  if (unit.empty()) factor = 1;
  const size_t dot = number.find('.');
  if (factor == 0 || (dot != std::string_view::npos && unit.empty())) return std::nullopt;
  // whole.fraction × factor, exactly: (whole × 10^k + fraction) × factor / 10^k.
  const auto whole = Digits(number.substr(0, dot));
  const std::string_view fraction_text = dot == std::string_view::npos ? "0" : number.substr(dot + 1);
  const auto fraction = Digits(fraction_text);
  if (!whole || !fraction || fraction_text.size() > 18 || *whole > kMaxBytes / factor) return std::nullopt;
  U128 scale = 1;
  for (size_t i = 0; i < fraction_text.size(); ++i) scale *= 10;
  const U128 bytes = (*whole * scale + *fraction) * factor / scale;
  if (bytes > kMaxBytes) return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

std::string ByteSizeExpectation() {
  std::string units;
  for (const Unit& u : kUnits) {
    if (u.listed) units += (units.empty() ? "" : ", ") + std::string(u.name);
  }
  return "a size above 0 such as 2GiB, 500MB or 1000000 (bytes; units: " + units + ")";
}

}  // namespace surgeon
