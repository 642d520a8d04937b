#include "surgeon/exec/diff.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "surgeon/base/numeric_cast.h"
#include "surgeon/plan/cast.h"

namespace surgeon {
namespace {

// Widens one element of a float tensor to double.
double ElementAsDouble(ByteSpan bytes, DataType dtype, size_t i) {
  FloatFormat f = *FloatFormatOf(dtype);
  return LoadFloat(bytes.data() + i * FloatFormatSize(f), f);
}

std::string ValueDetail(ByteSpan a, ByteSpan b, DataType dtype) {
  size_t elem = static_cast<size_t>(DataTypeSize(dtype));
  size_t differing = 0;
  if (elem == 0) return "bytes differ";
  size_t n = a.size() / elem;
  double max_abs = 0;
  for (size_t i = 0; i < n; ++i) {
    if (std::memcmp(a.data() + i * elem, b.data() + i * elem, elem) == 0) continue;
    differing++;
    if (IsFloatingPoint(dtype)) {
      double d = std::fabs(ElementAsDouble(a, dtype, i) - ElementAsDouble(b, dtype, i));
      if (!(d <= max_abs)) max_abs = d;  // NaN propagates.
    }
  }
  char buf[128];
  if (IsFloatingPoint(dtype)) {
    std::snprintf(buf, sizeof buf, "%zu of %zu elements differ, max |a-b| = %.6g", differing, n, max_abs);
  } else {
    std::snprintf(buf, sizeof buf, "%zu of %zu elements differ", differing, n);
  }
  return buf;
}

}  // namespace

std::string_view TensorDiffKindName(TensorDiff::Kind kind) {
  switch (kind) {
    case TensorDiff::Kind::kOnlyInA: return "only-in-a";
    case TensorDiff::Kind::kOnlyInB: return "only-in-b";
    case TensorDiff::Kind::kDtype: return "dtype";
    case TensorDiff::Kind::kShape: return "shape";
    case TensorDiff::Kind::kValues: return "values";
  }
  return "?";
}

Result<DiffResult> DiffCheckpoints(const CheckpointReader& a, const CheckpointReader& b, bool values) {
  DiffResult r;
  const auto& ea = a.entries();
  const auto& eb = b.entries();
  size_t i = 0, j = 0;
  while (i < ea.size() || j < eb.size()) {
    if (j == eb.size() || (i < ea.size() && ea[i].key < eb[j].key)) {
      r.diffs.push_back({TensorDiff::Kind::kOnlyInA, ea[i].key, DataTypeName(ea[i].dtype) + " " + ShapeToString(ea[i].shape)});
      i++;
      continue;
    }
    if (i == ea.size() || eb[j].key < ea[i].key) {
      r.diffs.push_back({TensorDiff::Kind::kOnlyInB, eb[j].key, DataTypeName(eb[j].dtype) + " " + ShapeToString(eb[j].shape)});
      j++;
      continue;
    }
    const TensorEntry& x = ea[i++];
    const TensorEntry& y = eb[j++];
    if (x.dtype != y.dtype) {
      r.diffs.push_back({TensorDiff::Kind::kDtype, x.key, DataTypeName(x.dtype) + " vs " + DataTypeName(y.dtype)});
      continue;
    }
    if (x.shape != y.shape) {
      r.diffs.push_back({TensorDiff::Kind::kShape, x.key, ShapeToString(x.shape) + " vs " + ShapeToString(y.shape)});
      continue;
    }
    r.compared++;
    if (!values) continue;
    SURGEON_ASSIGN_OR_RETURN(TensorData dx, a.Read(x));
    SURGEON_ASSIGN_OR_RETURN(TensorData dy, b.Read(y));
    ByteSpan bx = dx.bytes(), by = dy.bytes();
    if (bx.size() == by.size() && std::memcmp(bx.data(), by.data(), bx.size()) == 0) {
      r.identical++;
      continue;
    }
    std::string detail = bx.size() == by.size() ? ValueDetail(bx, by, x.dtype) : "encoded sizes differ";
    r.diffs.push_back({TensorDiff::Kind::kValues, x.key, detail});
  }
  return r;
}

}  // namespace surgeon
