#include "format/tensor_slices.h"

#include <algorithm>
#include <limits>

namespace surgeon {

Status ValidateSlice(const TensorSlice& slice, const Shape& full) {
  if (slice.size() != full.size()) {
    return Status::InvalidArgument("slice " + SliceToString(slice) + " has rank " + std::to_string(slice.size()) +
                                   " but the tensor has rank " + std::to_string(full.size()));
  }
  for (size_t d = 0; d < full.size(); ++d) {
    const SliceExtent& e = slice[d];
    const bool ok = e.length == -1
                        ? e.start == 0
                        : e.start >= 0 && e.length >= 0 && e.start <= full[d] && e.length <= full[d] - e.start;
    if (!ok) {
      return Status::InvalidArgument("slice " + SliceToString(slice) + ": extent " + std::to_string(e.start) + "," +
                                     std::to_string(e.length) + " lies outside dimension " + std::to_string(d) +
                                     " of size " + std::to_string(full[d]));
    }
  }
  return Status::OK();
}

Result<TensorSlice> SliceFromProto(const tensorflow::TensorSliceProto& proto, const Shape& full) {
  TensorSlice slice;
  for (const auto& x : proto.extent()) {
    const bool has_length = x.has_length_case() == tensorflow::TensorSliceProto::Extent::kLength;
    slice.push_back({x.start(), has_length ? x.length() : -1});
  }
  SURGEON_RETURN_IF_ERROR(ValidateSlice(slice, full));
  return slice;
}

tensorflow::TensorSliceProto SliceToProto(const TensorSlice& slice) {
  tensorflow::TensorSliceProto p;
  for (const SliceExtent& e : slice) {
    auto* x = p.add_extent();
    if (e.length != -1) {  // TensorSlice::AsProto records only partial extents.
      x->set_start(e.start);
      x->set_length(e.length);
    }
  }
  return p;
}

Shape SliceShape(const TensorSlice& slice, const Shape& full) {
  Shape s(full.size());
  for (size_t d = 0; d < full.size(); ++d) s[d] = slice[d].length == -1 ? full[d] : slice[d].length;
  return s;
}

bool SliceCoversAll(const TensorSlice& slice, const Shape& full) {
  if (slice.size() != full.size()) return false;
  for (size_t d = 0; d < full.size(); ++d) {
    if (slice[d].length == -1) continue;
    if (slice[d].start != 0 || slice[d].length != full[d]) return false;
  }
  return true;
}

bool SlicesOverlap(const TensorSlice& a, const TensorSlice& b, const Shape& full) {
  // Two boxes intersect iff they overlap (non-emptily) in every dimension.
  for (size_t d = 0; d < full.size(); ++d) {
    const int64_t a0 = a[d].length == -1 ? 0 : a[d].start;
    const int64_t a1 = a[d].length == -1 ? full[d] : a0 + a[d].length;
    const int64_t b0 = b[d].length == -1 ? 0 : b[d].start;
    const int64_t b1 = b[d].length == -1 ? full[d] : b0 + b[d].length;
    if (std::max(a0, b0) >= std::min(a1, b1)) return false;
  }
  return true;
}

Status CheckExactCover(const std::vector<TensorSlice>& slices, const Shape& full) {
  // Element counts fit int64: each slice lies inside `full`, whose count fits.
  const int64_t total = NumElements(full).value();
  uint64_t covered = 0;  // Each term <= total < 2^63, checked after each: no overflow.
  for (size_t i = 0; i < slices.size(); ++i) {
    const Shape s = SliceShape(slices[i], full);
    for (size_t j = 0; j < i; ++j) {
      if (SlicesOverlap(slices[i], slices[j], full)) {
        return Status::InvalidArgument("slices " + SliceToString(slices[j]) + " and " + SliceToString(slices[i]) +
                                       " overlap");
      }
    }
    covered += static_cast<uint64_t>(NumElements(s).value());
    if (covered > static_cast<uint64_t>(total)) break;
  }
  if (covered != static_cast<uint64_t>(total)) {
    return Status::InvalidArgument("the " + std::to_string(slices.size()) + " stored slices hold " +
                                   std::to_string(covered) + " elements but the tensor " + ShapeToString(full) +
                                   " has " + std::to_string(total) + "; the checkpoint does not have complete slices");
  }
  return Status::OK();
}

}  // namespace surgeon
