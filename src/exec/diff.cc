#include "surgeon/exec/diff.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>

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
    case TensorDiff::Kind::kDropped: return "dropped";
    case TensorDiff::Kind::kCreated: return "new";
    case TensorDiff::Kind::kRenamed: return "renamed";
    case TensorDiff::Kind::kCast: return "cast";
  }
  return "?";
}

namespace {

// Compares x (in a) with y (in b), whose shapes are equal; when their
// dtypes differ (a planned cast), x's values are cast to y's dtype first.
// Counts the pair; adds a kValues diff named `name` when values differ.
Status ComparePair(const CheckpointReader& a, const TensorEntry& x, const CheckpointReader& b, const TensorEntry& y,
                   bool values, const std::string& name, DiffResult* r) {
  r->compared++;
  if (!values) return Status::OK();
  SURGEON_ASSIGN_OR_RETURN(TensorData dx, a.Read(x));
  SURGEON_ASSIGN_OR_RETURN(TensorData dy, b.Read(y));
  ByteSpan bx = dx.bytes(), by = dy.bytes();
  std::vector<uint8_t> cast;
  if (x.dtype != y.dtype) {
    SURGEON_ASSIGN_OR_RETURN(cast, CastTensorBytes(bx, x.dtype, y.dtype, x.key));
    bx = ByteSpan(cast.data(), cast.size());
  }
  if (bx.size() == by.size() && std::memcmp(bx.data(), by.data(), bx.size()) == 0) {
    r->identical++;
    return Status::OK();
  }
  std::string detail = bx.size() == by.size() ? ValueDetail(bx, by, y.dtype) : "encoded sizes differ";
  r->diffs.push_back({TensorDiff::Kind::kValues, name, detail});
  return Status::OK();
}

std::string Describe(const TensorEntry& e) { return DataTypeName(e.dtype) + " " + ShapeToString(e.shape); }

Result<DiffResult> DiffByName(const CheckpointReader& a, const CheckpointReader& b, bool values) {
  DiffResult r;
  const auto& ea = a.entries();
  const auto& eb = b.entries();
  size_t i = 0, j = 0;
  while (i < ea.size() || j < eb.size()) {
    if (j == eb.size() || (i < ea.size() && ea[i].key < eb[j].key)) {
      r.diffs.push_back({TensorDiff::Kind::kOnlyInA, ea[i].key, Describe(ea[i])});
      i++;
      continue;
    }
    if (i == ea.size() || eb[j].key < ea[i].key) {
      r.diffs.push_back({TensorDiff::Kind::kOnlyInB, eb[j].key, Describe(eb[j])});
      j++;
      continue;
    }
    const TensorEntry& x = ea[i++];
    const TensorEntry& y = eb[j++];
    if (x.dtype != y.dtype) {
      r.diffs.push_back({TensorDiff::Kind::kDtype, x.key, DataTypeName(x.dtype) + " vs " + DataTypeName(y.dtype)});
    } else if (x.shape != y.shape) {
      r.diffs.push_back({TensorDiff::Kind::kShape, x.key, ShapeToString(x.shape) + " vs " + ShapeToString(y.shape)});
    } else {
      SURGEON_RETURN_IF_ERROR(ComparePair(a, x, b, y, values, x.key, &r));
    }
  }
  return r;
}

// One source tensor through the mapping: dropped, or copied (maybe renamed
// or cast) to a target that must be in b with its shape and values.
Status DiffOneMapped(const CheckpointReader& a, const TensorEntry& x, const CheckpointReader& b, const DiffMapping& m,
                     bool values, std::set<std::string>* matched, DiffResult* r) {
  if (auto d = m.dropped.find(x.key); d != m.dropped.end()) {
    r->planned.push_back({TensorDiff::Kind::kDropped, x.key, d->second});
    return Status::OK();
  }
  auto c = m.copies.find(x.key);
  const std::string target = c == m.copies.end() ? x.key : c->second;
  const TensorEntry* y = b.Find(target);
  if (y == nullptr) {
    std::string where = target == x.key ? "" : " (expected in B as '" + target + "')";
    r->diffs.push_back({TensorDiff::Kind::kOnlyInA, x.key, Describe(x) + where});
    return Status::OK();
  }
  matched->insert(target);
  const std::string name = target == x.key ? x.key : x.key + " -> " + target;
  if (target != x.key) r->planned.push_back({TensorDiff::Kind::kRenamed, x.key, target});
  const bool planned_cast = c != m.copies.end() && IsFloatingPoint(x.dtype) && IsFloatingPoint(y->dtype);
  if (x.dtype != y->dtype && !planned_cast) {
    r->diffs.push_back({TensorDiff::Kind::kDtype, name, DataTypeName(x.dtype) + " vs " + DataTypeName(y->dtype)});
    return Status::OK();
  }
  if (x.dtype != y->dtype) {
    r->planned.push_back({TensorDiff::Kind::kCast, name, DataTypeName(x.dtype) + " -> " + DataTypeName(y->dtype)});
  }
  if (x.shape != y->shape) {
    r->diffs.push_back({TensorDiff::Kind::kShape, name, ShapeToString(x.shape) + " vs " + ShapeToString(y->shape)});
    return Status::OK();
  }
  return ComparePair(a, x, b, *y, values, name, r);
}

Result<DiffResult> DiffMapped(const CheckpointReader& a, const CheckpointReader& b, bool values, const DiffMapping& m) {
  DiffResult r;
  std::set<std::string> matched;
  for (const TensorEntry& x : a.entries()) {
    SURGEON_RETURN_IF_ERROR(DiffOneMapped(a, x, b, m, values, &matched, &r));
  }
  for (const TensorEntry& y : b.entries()) {
    if (matched.count(y.key)) continue;
    if (auto c = m.created.find(y.key); c != m.created.end()) {
      r.planned.push_back({TensorDiff::Kind::kCreated, y.key, Describe(y) + ", " + c->second});
    } else {
      r.diffs.push_back({TensorDiff::Kind::kOnlyInB, y.key, Describe(y)});
    }
  }
  return r;
}

}  // namespace

Result<DiffResult> DiffCheckpoints(const CheckpointReader& a, const CheckpointReader& b, bool values,
                                   const DiffMapping* mapping) {
  SURGEON_ASSIGN_OR_RETURN(DiffResult r, mapping ? DiffMapped(a, b, values, *mapping) : DiffByName(a, b, values));
  r.values_read = values;
  return r;
}

DiffMapping DiffMappingFromPlan(const Plan& plan) {
  DiffMapping m;
  for (const PlanAction& a : plan.actions) {
    if (a.kind == PlanAction::Kind::kCopy && a.source_index > 0) {
      // Read from an also_from checkpoint, not from A: new to B, as A sees it.
      const std::string from = a.source_index < plan.sources.size() ? plan.sources[a.source_index].label : "also_from";
      m.created[a.target] = "copied from " + from + " by " + a.rule;
      if (!a.replaces.empty()) m.dropped[a.replaces] = "replaced by '" + a.target + "' (" + a.rule + ")";
    } else if (a.kind == PlanAction::Kind::kCopy) {
      m.copies[a.source] = a.target;
    } else {
      m.created[a.target] = std::string(InitializerKindName(a.initializer.kind)) + " by " + a.rule;
      if (!a.replaces.empty()) m.dropped[a.replaces] = "replaced by '" + a.target + "' (" + a.rule + ")";
    }
  }
  for (const DroppedTensor& d : plan.dropped) m.dropped.emplace(d.source, d.rule);
  return m;
}

Result<DiffMapping> DiffMappingFromReport(const nlohmann::json& report, const std::string& path) {
  auto bad = [&](const std::string& what) {
    return Status::InvalidArgument(path + ": not a surgeon run report (" + what + "; see docs/plan.schema.json)");
  };
  if (!report.is_object() || !report.contains("actions") || !report["actions"].is_array())
    return bad("no \"actions\" list");
  DiffMapping m;
  for (const auto& row : report["actions"]) {
    if (!row.is_object() || !row.contains("action") || !row.contains("target"))
      return bad("an action without action/target");
    const std::string target = row["target"].get<std::string>();
    const std::string rule = row.value("rule", "");
    if (row["action"] == "copy" && !row.contains("source_index")) {
      if (!row.contains("source")) return bad("copy '" + target + "' has no source");
      m.copies[row["source"].get<std::string>()] = target;
    } else {
      std::string init = row.contains("initializer") ? row["initializer"].value("type", "init") : "init";
      if (row["action"] == "copy") init = "copied from " + row.value("source_label", std::string("also_from"));
      m.created[target] = init + " by " + rule;
      if (row.contains("replaces") && row["replaces"].is_object()) {
        m.dropped[row["replaces"].value("source", "")] = "replaced by '" + target + "' (" + rule + ")";
      }
    }
  }
  if (report.contains("dropped") && report["dropped"].is_array()) {
    for (const auto& d : report["dropped"]) m.dropped.emplace(d.value("source", ""), d.value("rule", ""));
  }
  return m;
}

}  // namespace surgeon
