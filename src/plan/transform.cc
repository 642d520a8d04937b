// The array math of value transforms (transform.h): transposes and
// along-axis gathers move bytes; weighted sums go through float64.
#include "surgeon/plan/transform.h"

#include <cstring>

#include "surgeon/plan/cast.h"

namespace surgeon {

bool TransformStep::NeedsInitializer() const {
  for (const AxisSource& s : sources) {
    if (s.initialize) return true;
  }
  return false;
}

bool TransformStep::IsGather() const {
  for (const AxisSource& s : sources) {
    if (s.terms.size() > 1 || (s.terms.size() == 1 && s.terms[0].weight != 1.0)) return false;
  }
  return true;
}

namespace {

int64_t Product(const Shape& shape, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t i = from; i < to; ++i) n *= shape[i];
  return n;
}

// A row-major tensor as [outer, axis, inner] blocks around `axis`.
struct AxisBlocks {
  int64_t outer, axis, inner;
};
AxisBlocks BlocksOf(const Shape& shape, int axis) {
  return {Product(shape, 0, axis), shape[axis], Product(shape, axis + 1, shape.size())};
}

Status CheckSize(ByteSpan in, const Shape& shape, size_t element_size, const char* what) {
  auto n = NumElements(shape);
  if (!n.ok() || in.size() != static_cast<uint64_t>(*n) * element_size) {
    return Status::InvalidArgument(std::string(what) + ": " + std::to_string(in.size()) +
                                   " bytes do not hold a tensor of shape " + ShapeToString(shape));
  }
  return Status::OK();
}

// Each output index along the axis copies one input index (or zero, or the
// initializer's slice): memcpy of `inner` elements per outer block.
std::vector<uint8_t> Gather(const TransformStep& s, ByteSpan in, size_t es, ByteSpan init) {
  const AxisBlocks src = BlocksOf(s.in_shape, s.axis), dst = BlocksOf(s.out_shape, s.axis);
  const size_t chunk = static_cast<size_t>(dst.inner) * es;
  std::vector<uint8_t> out(static_cast<size_t>(dst.outer * dst.axis) * chunk, 0);
  for (int64_t o = 0; o < dst.outer; ++o) {
    for (int64_t j = 0; j < dst.axis; ++j) {
      const AxisSource& from = s.sources[j];
      uint8_t* to = out.data() + static_cast<size_t>(o * dst.axis + j) * chunk;
      if (from.initialize) {
        std::memcpy(to, init.data() + (to - out.data()), chunk);
      } else if (!from.terms.empty()) {
        std::memcpy(to, in.data() + static_cast<size_t>(o * src.axis + from.terms[0].index) * chunk, chunk);
      }
    }
  }
  return out;
}

// Weighted sums in float64, each output element rounded once.
Result<std::vector<uint8_t>> Mix(const TransformStep& s, ByteSpan in, DataType dtype, ByteSpan init) {
  SURGEON_ASSIGN_OR_RETURN(auto in64, CastTensorBytes(in, dtype, DataType::kDouble, s.operation));
  const double* x = reinterpret_cast<const double*>(in64.data());
  std::vector<double> init64;
  if (s.NeedsInitializer()) {
    SURGEON_ASSIGN_OR_RETURN(auto bytes, CastTensorBytes(init, dtype, DataType::kDouble, s.operation));
    init64.resize(bytes.size() / sizeof(double));
    std::memcpy(init64.data(), bytes.data(), bytes.size());
  }
  const AxisBlocks src = BlocksOf(s.in_shape, s.axis), dst = BlocksOf(s.out_shape, s.axis);
  std::vector<double> y(static_cast<size_t>(dst.outer * dst.axis * dst.inner), 0.0);
  for (int64_t o = 0; o < dst.outer; ++o) {
    for (int64_t j = 0; j < dst.axis; ++j) {
      const AxisSource& from = s.sources[j];
      double* to = y.data() + (o * dst.axis + j) * dst.inner;
      if (from.initialize) {
        std::memcpy(to, init64.data() + (to - y.data()), dst.inner * sizeof(double));
        continue;
      }
      for (const AxisTerm& t : from.terms) {
        const double* row = x + (o * src.axis + t.index) * src.inner;
        for (int64_t i = 0; i < dst.inner; ++i) to[i] += t.weight * row[i];
      }
    }
  }
  ByteSpan y_bytes(reinterpret_cast<const uint8_t*>(y.data()), y.size() * sizeof(double));
  return CastTensorBytes(y_bytes, DataType::kDouble, dtype, s.operation);
}

}  // namespace

std::vector<uint8_t> TransposeBytes(ByteSpan in, const Shape& shape, const std::vector<int>& permutation,
                                    size_t element_size) {
  const size_t rank = shape.size();
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t i = rank; i-- > 1;) in_strides[i - 1] = in_strides[i] * shape[i];
  Shape out_shape(rank);
  std::vector<int64_t> strides(rank);  // input stride of each output axis
  for (size_t i = 0; i < rank; ++i) {
    out_shape[i] = shape[permutation[i]];
    strides[i] = in_strides[permutation[i]];
  }
  std::vector<uint8_t> out(in.size());
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;  // input element of `index`
  const size_t total = element_size ? in.size() / element_size : 0;
  for (size_t n = 0; n < total; ++n) {
    std::memcpy(out.data() + n * element_size, in.data() + offset * element_size, element_size);
    for (size_t i = rank; i-- > 0;) {  // odometer over the output index
      offset += strides[i];
      if (++index[i] < out_shape[i]) break;
      offset -= strides[i] * out_shape[i];
      index[i] = 0;
    }
  }
  return out;
}

Result<std::vector<uint8_t>> ApplyTransformStep(const TransformStep& step, ByteSpan in, DataType dtype, ByteSpan init) {
  const int es = DataTypeSize(dtype);
  if (es <= 0)
    return Status::InvalidArgument(step.rule + ": " + DataTypeShortName(dtype) + " tensors cannot be transformed");
  SURGEON_RETURN_IF_ERROR(CheckSize(in, step.in_shape, es, "transform input"));
  if (step.kind == TransformStep::Kind::kReshape) {
    if (step.permutation.empty()) return std::vector<uint8_t>(in.begin(), in.end());
    return TransposeBytes(in, step.view, step.permutation, es);
  }
  if (step.axis < 0 || step.axis >= static_cast<int>(step.out_shape.size()) ||
      static_cast<int64_t>(step.sources.size()) != step.out_shape[step.axis]) {
    return Status::InvalidArgument(step.rule + ": the step's axis does not fit its shapes");
  }
  for (const AxisSource& s : step.sources) {
    for (const AxisTerm& t : s.terms) {
      if (t.index < 0 || t.index >= step.in_shape[step.axis]) {
        return Status::InvalidArgument(step.rule + ": index " + std::to_string(t.index) + " is outside the axis");
      }
    }
  }
  if (step.NeedsInitializer()) SURGEON_RETURN_IF_ERROR(CheckSize(init, step.out_shape, es, "initial value"));
  if (step.IsGather()) return Gather(step, in, es, init);
  if (!IsFloatingPoint(dtype)) {
    return Status::InvalidArgument(step.rule + ": sums and means need a floating-point tensor, not " +
                                   DataTypeShortName(dtype));
  }
  return Mix(step, in, dtype, init);
}

}  // namespace surgeon
