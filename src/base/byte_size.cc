#include "surgeon/base/byte_size.h"

#include <utility>

namespace surgeon {
namespace {

constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
    {"B", 1},
    {"kB", 1000},
    {"KB", 1000},
    {"MB", 1000 * 1000},
    {"GB", 1000 * 1000 * 1000},
    {"TB", uint64_t{1000} * 1000 * 1000 * 1000},
    {"KiB", uint64_t{1} << 10},
    {"MiB", uint64_t{1} << 20},
    {"GiB", uint64_t{1} << 30},
    {"TiB", uint64_t{1} << 40},
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
  for (const auto& [name, f] : kUnits) {
    if (unit == name) factor = f;
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

std::string_view ByteSizeUnits() { return "B, kB, MB, GB, TB, KiB, MiB, GiB, TiB"; }

}  // namespace surgeon
