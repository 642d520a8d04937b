// The text form of one slice of a saved tensor, as the `shape_and_slices`
// input of SaveV2/RestoreV2 and Variable.SaveSliceInfo.spec spell it
// (docs/formats.md, "Slice specs"):
//
//   "10 20 0,5:-"   full shape [10, 20]; rows [0, 5), every column
//
// The full shape's dimensions, separated by spaces, then the slice: one
// extent per dimension, "start,length" or "-" (the whole dimension), joined
// by ':'. An empty spec means the whole tensor and is not parsed here.
#ifndef SURGEON_FORMAT_SLICE_SPEC_H_
#define SURGEON_FORMAT_SLICE_SPEC_H_

#include <string>
#include <string_view>

#include "surgeon/base/status.h"
#include "surgeon/format/tensor_entry.h"

namespace surgeon {

struct ShapeAndSlice {
  Shape full_shape;
  TensorSlice slice;  // One extent per dimension of full_shape.

  // The slice's own shape: each extent's length, or the full dimension.
  Shape SliceShape() const;
};

// "10 20 0,5:-" for full shape [10, 20] and slice {0,5}, {whole}.
std::string FormatShapeAndSlice(const Shape& full_shape, const TensorSlice& slice);

// The inverse, for specs read from an untrusted graph: InvalidArgument
// (quoting the spec) for fewer than two fields, a dimension or extent that is
// not a non-negative integer, or a slice whose rank differs from the shape's.
Result<ShapeAndSlice> ParseShapeAndSlice(std::string_view spec);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_SLICE_SPEC_H_
