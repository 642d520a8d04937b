// Geometry of TF tensor slices (tensorflow/core/framework/tensor_slice.cc)
// and assembling a full row-major tensor from stored slices, shared by the V1
// reader and partitioned V2 tensors. Private to the format layer.
#ifndef SURGEON_FORMAT_TENSOR_SLICES_H_
#define SURGEON_FORMAT_TENSOR_SLICES_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "proto/tensor_slice.pb.h"
#include "surgeon/base/status.h"
#include "surgeon/format/tensor_entry.h"

namespace surgeon {

// TensorSlice(proto): an Extent without `length` (or with length -1) is a
// full dimension, kept as {start, -1}. Checks the rank against `full` and
// every extent against its dimension (TensorSlice::BuildTensorSlice plus
// bounds). Errors are InvalidArgument without context.
Result<TensorSlice> SliceFromProto(const tensorflow::TensorSliceProto& proto, const Shape& full);
// TensorSlice::AsProto: full dimensions become empty Extents.
tensorflow::TensorSliceProto SliceToProto(const TensorSlice& slice);

// Checks `slice` against `full` (rank, bounds, full extents start at 0).
Status ValidateSlice(const TensorSlice& slice, const Shape& full);
// The slice's own shape. REQUIRES: ValidateSlice(slice, full).ok()
Shape SliceShape(const TensorSlice& slice, const Shape& full);
// True when the slice covers all of `full` (TensorSlice::IsFull, or every
// extent spans its whole dimension).
bool SliceCoversAll(const TensorSlice& slice, const Shape& full);
// True when the two slices share at least one element. REQUIRES: both valid.
bool SlicesOverlap(const TensorSlice& a, const TensorSlice& b, const Shape& full);
// OK when the slices are pairwise disjoint and together cover `full`
// exactly (each element stored once). REQUIRES: every slice valid.
Status CheckExactCover(const std::vector<TensorSlice>& slices, const Shape& full);

// Calls fn(src_index, dst_index, count) for the contiguous runs that copy a
// slice's elements (row-major over the slice shape) into the full tensor
// (row-major over `full`). Indices count elements. REQUIRES: valid slice.
template <typename Fn>
void ForEachSliceRun(const TensorSlice& slice, const Shape& full, Fn&& fn) {
  const int rank = static_cast<int>(full.size());
  const Shape sshape = SliceShape(slice, full);
  for (int64_t d : sshape) {
    if (d == 0) return;
  }
  if (rank == 0) {
    fn(0, 0, 1);
    return;
  }
  // Row-major strides of the full tensor.
  std::vector<int64_t> stride(rank, 1);
  for (int d = rank - 2; d >= 0; --d) stride[d] = stride[d + 1] * full[d + 1];
  // Innermost dimension `k` such that every dimension after it is whole: one
  // run spans sshape[k] * stride[k] elements.
  int k = rank - 1;
  while (k > 0 && sshape[k] == full[k]) --k;
  const int64_t run = sshape[k] * stride[k];
  std::vector<int64_t> idx(k, 0);  // Position in dimensions [0, k).
  int64_t src = 0;
  while (true) {
    int64_t dst = slice[k].start * stride[k];
    for (int d = 0; d < k; ++d) dst += (slice[d].start + idx[d]) * stride[d];
    fn(src, dst, run);
    src += run;
    int d = k - 1;
    for (; d >= 0; --d) {
      if (++idx[d] < sshape[d]) break;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

// Copies a slice's elements (each `unit` T's wide) from `src` into `dst`.
template <typename T>
void CopySliceInto(const TensorSlice& slice, const Shape& full, size_t unit, const T* src, T* dst) {
  ForEachSliceRun(slice, full, [&](int64_t s, int64_t d, int64_t n) {
    std::copy(src + s * unit, src + (s + n) * unit, dst + d * unit);
  });
}

}  // namespace surgeon

#endif  // SURGEON_FORMAT_TENSOR_SLICES_H_
