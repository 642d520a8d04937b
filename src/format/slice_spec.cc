#include "surgeon/format/slice_spec.h"

#include <charconv>
#include <vector>

namespace surgeon {
namespace {

std::vector<std::string_view> Split(std::string_view s, char sep, bool skip_empty) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t end = std::min(s.find(sep, start), s.size());
    if (!skip_empty || end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// A whole non-negative decimal int64: no sign, no spaces, no overflow.
bool ParseCount(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && *out >= 0;
}

Status Bad(std::string_view spec, const std::string& why) {
  return Status::InvalidArgument("slice spec '" + std::string(spec) + "': " + why);
}

Result<SliceExtent> ParseExtent(std::string_view spec, std::string_view text) {
  if (text == "-") return SliceExtent{};
  const size_t comma = text.find(',');
  SliceExtent e;
  if (comma == std::string_view::npos || !ParseCount(text.substr(0, comma), &e.start) ||
      !ParseCount(text.substr(comma + 1), &e.length)) {
    return Bad(spec, "extent '" + std::string(text) + "' is not 'start,length' or '-'");
  }
  return e;
}

}  // namespace

Shape ShapeAndSlice::SliceShape() const {
  Shape out;
  for (size_t d = 0; d < slice.size(); ++d) out.push_back(slice[d].length < 0 ? full_shape[d] : slice[d].length);
  return out;
}

std::string FormatShapeAndSlice(const Shape& full_shape, const TensorSlice& slice) {
  std::string s;
  for (size_t i = 0; i < full_shape.size(); ++i) s += (i ? " " : "") + std::to_string(full_shape[i]);
  return s + " " + SliceToString(slice);
}

Result<ShapeAndSlice> ParseShapeAndSlice(std::string_view spec) {
  const std::vector<std::string_view> fields = Split(spec, ' ', /*skip_empty=*/true);
  if (fields.size() < 2) return Bad(spec, "expected the full shape's dimensions, then the slice");
  ShapeAndSlice out;
  for (size_t i = 0; i + 1 < fields.size(); ++i) {
    int64_t dim = 0;
    if (!ParseCount(fields[i], &dim)) return Bad(spec, "dimension '" + std::string(fields[i]) + "' is not a count");
    out.full_shape.push_back(dim);
  }
  for (std::string_view text : Split(fields.back(), ':', /*skip_empty=*/false)) {
    SURGEON_ASSIGN_OR_RETURN(SliceExtent e, ParseExtent(spec, text));
    out.slice.push_back(e);
  }
  if (out.slice.size() != out.full_shape.size()) {
    return Bad(spec, "the slice has " + std::to_string(out.slice.size()) + " extents for " +
                         std::to_string(out.full_shape.size()) + " dimensions");
  }
  return out;
}

}  // namespace surgeon
