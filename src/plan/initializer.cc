// Initializers with TensorFlow's semantics; see initializer.h and
// docs/formats.md §6. TF sources cited below are
// python/ops/init_ops.py (VarianceScaling, Orthogonal, _compute_fans). The
// sampling lives in random_fill.cc and orthogonal.cc, constants in
// encode_constant.cc.
//
// Determinism: all sampling goes through src/plan/philox.h (integer math and
// exactly rounded IEEE operations only), samples are computed in double and
// rounded once to the output dtype (round to nearest even), and the Philox
// counter of every output group is a function of the group's index only, so
// the bytes do not depend on the machine or on how many threads fill them.
#include "surgeon/plan/initializer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "plan/encode_constant.h"
#include "surgeon/base/numeric_cast.h"
#include "surgeon/plan/cast.h"
#include "surgeon/plan/initial_value_stream.h"

namespace surgeon {
namespace {

using D = ResolvedInitializer::Distribution;

// Standard deviation of N(0, 1) truncated to [-2, 2]
// (scipy.stats.truncnorm.std(a=-2, b=2)); init_ops.py VarianceScaling divides
// the target stddev by it so the truncated samples have the intended variance.
constexpr double kTruncatedNormalStddev = 0.87962566103423978;

// A fixed VarianceScaling(scale, mode, distribution): what Keras's named
// initializers are (init_ops.py glorot_uniform & co.).
struct VarianceScalingPreset {
  double scale;
  std::string_view mode, distribution;
};

// The one table of initializer kinds: config name, the parameters the config
// may give beside `type`, and the VarianceScaling a named one stands for.
struct KindInfo {
  InitializerKind kind;
  std::string_view name;
  std::vector<std::string> params;
  std::optional<VarianceScalingPreset> preset;
};
const std::vector<KindInfo>& Kinds() {
  static const auto* kinds = new std::vector<KindInfo>{
      {InitializerKind::kZeros, "zeros", {}, std::nullopt},
      {InitializerKind::kOnes, "ones", {}, std::nullopt},
      {InitializerKind::kConstant, "constant", {"value"}, std::nullopt},
      {InitializerKind::kRandomNormal, "random_normal", {"mean", "stddev"}, std::nullopt},
      {InitializerKind::kTruncatedNormal, "truncated_normal", {"mean", "stddev"}, std::nullopt},
      {InitializerKind::kRandomUniform, "random_uniform", {"minval", "maxval"}, std::nullopt},
      {InitializerKind::kGlorotUniform, "glorot_uniform", {}, VarianceScalingPreset{1.0, "fan_avg", "uniform"}},
      {InitializerKind::kGlorotNormal, "glorot_normal", {}, VarianceScalingPreset{1.0, "fan_avg", "truncated_normal"}},
      {InitializerKind::kHeUniform, "he_uniform", {}, VarianceScalingPreset{2.0, "fan_in", "uniform"}},
      {InitializerKind::kHeNormal, "he_normal", {}, VarianceScalingPreset{2.0, "fan_in", "truncated_normal"}},
      {InitializerKind::kLecunUniform, "lecun_uniform", {}, VarianceScalingPreset{1.0, "fan_in", "uniform"}},
      {InitializerKind::kLecunNormal, "lecun_normal", {}, VarianceScalingPreset{1.0, "fan_in", "truncated_normal"}},
      {InitializerKind::kVarianceScaling, "variance_scaling", {"scale", "mode", "distribution"}, std::nullopt},
      {InitializerKind::kOrthogonal, "orthogonal", {"gain"}, std::nullopt},
  };
  return *kinds;
}

const KindInfo* FindKind(InitializerKind kind) {
  for (const KindInfo& k : Kinds()) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

// Every parameter's config key and the InitializerSpec field it sets.
struct ParamField {
  std::string_view name;
  double InitializerSpec::*number;
  std::string InitializerSpec::*text;
};
constexpr ParamField kParams[] = {
    {"value", &InitializerSpec::value, nullptr},   {"mean", &InitializerSpec::mean, nullptr},
    {"stddev", &InitializerSpec::stddev, nullptr}, {"minval", &InitializerSpec::minval, nullptr},
    {"maxval", &InitializerSpec::maxval, nullptr}, {"scale", &InitializerSpec::scale, nullptr},
    {"mode", nullptr, &InitializerSpec::mode},     {"distribution", nullptr, &InitializerSpec::distribution},
    {"gain", &InitializerSpec::gain, nullptr},
};

const ParamField* FindParam(std::string_view name) {
  for (const ParamField& p : kParams) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string Prefix(InitializerKind kind) { return "initializer '" + std::string(InitializerKindName(kind)) + "'"; }

Status Finite(InitializerKind kind, std::string_view param, double v) {
  if (std::isfinite(v)) return Status::OK();
  return Status::InvalidArgument(Prefix(kind) + ": " + std::string(param) + " must be finite, got " + FormatDouble(v));
}

// zeros, ones, constant: the value must be representable in the dtype.
Result<ResolvedInitializer> ResolveConstant(const InitializerSpec& spec, DataType dtype) {
  const InitializerKind kind = spec.kind;
  const double value = kind == InitializerKind::kZeros ? 0.0 : kind == InitializerKind::kOnes ? 1.0 : spec.value;
  SURGEON_RETURN_IF_ERROR(Finite(kind, "value", value));
  SURGEON_RETURN_IF_ERROR(EncodeConstant(kind, value, dtype).status());
  return ResolvedInitializer{D::kConstant, value, 0.0};
}

// VarianceScaling(scale, mode, distribution), init_ops.py.
Result<ResolvedInitializer> ResolveVarianceScaling(InitializerKind kind, const VarianceScalingPreset& vs,
                                                   const Shape& shape) {
  const std::string pre = Prefix(kind);
  SURGEON_RETURN_IF_ERROR(Finite(kind, "scale", vs.scale));
  if (!(vs.scale > 0)) return Status::InvalidArgument(pre + ": scale must be > 0, got " + FormatDouble(vs.scale));
  const Fans fans = ComputeFans(shape);
  double n;
  if (vs.mode == "fan_in") {
    n = fans.fan_in;
  } else if (vs.mode == "fan_out") {
    n = fans.fan_out;
  } else if (vs.mode == "fan_avg") {
    n = (fans.fan_in + fans.fan_out) / 2.0;
  } else {
    return Status::InvalidArgument(pre + ": mode must be fan_in, fan_out or fan_avg, got '" + std::string(vs.mode) +
                                   "'");
  }
  const double s = vs.scale / std::max(1.0, n);
  if (vs.distribution == "truncated_normal" || vs.distribution == "normal") {
    return ResolvedInitializer{D::kTruncatedNormal, 0.0, std::sqrt(s) / kTruncatedNormalStddev};
  }
  if (vs.distribution == "untruncated_normal") return ResolvedInitializer{D::kNormal, 0.0, std::sqrt(s)};
  if (vs.distribution == "uniform") {
    const double limit = std::sqrt(3.0 * s);
    return ResolvedInitializer{D::kUniform, -limit, limit};
  }
  return Status::InvalidArgument(pre +
                                 ": distribution must be truncated_normal, normal, untruncated_normal or uniform, "
                                 "got '" +
                                 std::string(vs.distribution) + "'");
}

// The random kinds, reduced to a distribution and its two parameters.
Result<ResolvedInitializer> ResolveRandom(const InitializerSpec& spec, const Shape& shape) {
  const InitializerKind kind = spec.kind;
  const std::string pre = Prefix(kind);
  const KindInfo* info = FindKind(kind);
  if (info != nullptr && info->preset) return ResolveVarianceScaling(kind, *info->preset, shape);
  switch (kind) {
    case InitializerKind::kRandomNormal:
    case InitializerKind::kTruncatedNormal:
      SURGEON_RETURN_IF_ERROR(Finite(kind, "mean", spec.mean));
      SURGEON_RETURN_IF_ERROR(Finite(kind, "stddev", spec.stddev));
      if (spec.stddev < 0) {
        return Status::InvalidArgument(pre + ": stddev must be >= 0, got " + FormatDouble(spec.stddev));
      }
      return ResolvedInitializer{kind == InitializerKind::kRandomNormal ? D::kNormal : D::kTruncatedNormal, spec.mean,
                                 spec.stddev};
    case InitializerKind::kRandomUniform:
      SURGEON_RETURN_IF_ERROR(Finite(kind, "minval", spec.minval));
      SURGEON_RETURN_IF_ERROR(Finite(kind, "maxval", spec.maxval));
      if (spec.maxval < spec.minval) {
        return Status::InvalidArgument(pre + ": minval must be <= maxval, got minval " + FormatDouble(spec.minval) +
                                       " and maxval " + FormatDouble(spec.maxval));
      }
      return ResolvedInitializer{D::kUniform, spec.minval, spec.maxval};
    case InitializerKind::kVarianceScaling:
      return ResolveVarianceScaling(kind, {spec.scale, spec.mode, spec.distribution}, shape);
    case InitializerKind::kOrthogonal:
      if (shape.size() < 2) {
        return Status::InvalidArgument(pre + " needs a tensor of rank >= 2, got shape " + ShapeToString(shape));
      }
      SURGEON_RETURN_IF_ERROR(Finite(kind, "gain", spec.gain));
      return ResolvedInitializer{D::kOrthogonal, spec.gain, 0.0};
    default: return Status::Internal(pre + ": unhandled initializer kind");
  }
}

// The parameters themselves must be finite in the output dtype (the samples
// are checked again when generated).
Status CheckParamsFit(InitializerKind kind, const ResolvedInitializer& r, DataType dtype, FloatFormat format) {
  auto fits = [&](std::string_view param, double v) -> Status {
    if (FitsFinite(v, format)) return Status::OK();
    return Status::InvalidArgument(Prefix(kind) + ": " + std::string(param) + " " + FormatDouble(v) + " overflows " +
                                   DataTypeShortName(dtype) + " (largest finite " +
                                   FormatDouble(FloatFormatMax(format)) + ")");
  };
  switch (r.distribution) {
    case D::kUniform: SURGEON_RETURN_IF_ERROR(fits("minval", r.a)); return fits("maxval", r.b);
    case D::kNormal:
    case D::kTruncatedNormal: SURGEON_RETURN_IF_ERROR(fits("mean", r.a)); return fits("stddev", r.b);
    case D::kOrthogonal: return fits("gain", r.a);
    case D::kConstant: return Status::OK();
  }
  return Status::OK();
}

}  // namespace

std::optional<InitializerKind> ParseInitializerKind(std::string_view name) {
  for (const KindInfo& k : Kinds()) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

std::string_view InitializerKindName(InitializerKind kind) {
  const KindInfo* k = FindKind(kind);
  return k ? k->name : "unknown";
}

const std::vector<std::string>& InitializerKindNames() {
  static const auto* names = [] {
    auto* v = new std::vector<std::string>;
    for (const KindInfo& k : Kinds()) v->emplace_back(k.name);
    return v;
  }();
  return *names;
}

const std::vector<std::string>& InitializerParams(InitializerKind kind) {
  static const std::vector<std::string> kNone;
  const KindInfo* k = FindKind(kind);
  return k ? k->params : kNone;
}

bool IsTextInitializerParam(std::string_view name) {
  const ParamField* p = FindParam(name);
  return p != nullptr && p->text != nullptr;
}

void SetInitializerParam(InitializerSpec* spec, std::string_view name, double value) {
  const ParamField* p = FindParam(name);
  if (p != nullptr && p->number != nullptr) spec->*(p->number) = value;
}

void SetInitializerParam(InitializerSpec* spec, std::string_view name, const std::string& text) {
  const ParamField* p = FindParam(name);
  if (p != nullptr && p->text != nullptr) spec->*(p->text) = text;
}

std::vector<std::pair<std::string, InitializerParamValue>> InitializerParamValues(const InitializerSpec& spec) {
  std::vector<std::pair<std::string, InitializerParamValue>> out;
  for (const std::string& name : InitializerParams(spec.kind)) {
    const ParamField* p = FindParam(name);
    if (p->number != nullptr) {
      out.emplace_back(name, spec.*(p->number));
    } else {
      out.emplace_back(name, spec.*(p->text));
    }
  }
  return out;
}

// init_ops.py _compute_fans.
Fans ComputeFans(const Shape& shape) {
  Fans f;
  if (shape.empty()) return f;
  if (shape.size() == 1) {
    f.fan_in = f.fan_out = static_cast<double>(shape[0]);
  } else if (shape.size() == 2) {
    f.fan_in = static_cast<double>(shape[0]);
    f.fan_out = static_cast<double>(shape[1]);
  } else {
    double receptive = 1;
    for (size_t i = 0; i + 2 < shape.size(); ++i) receptive *= static_cast<double>(shape[i]);
    f.fan_in = static_cast<double>(shape[shape.size() - 2]) * receptive;
    f.fan_out = static_cast<double>(shape.back()) * receptive;
  }
  return f;
}

Result<ResolvedInitializer> ResolveInitializer(const InitializerSpec& spec, DataType dtype, const Shape& shape) {
  SURGEON_RETURN_IF_ERROR(NumElements(shape).status());
  const InitializerKind kind = spec.kind;
  if (kind == InitializerKind::kZeros || kind == InitializerKind::kOnes || kind == InitializerKind::kConstant) {
    return ResolveConstant(spec, dtype);
  }
  const auto format = FloatFormatOf(dtype);
  if (!format) {
    return Status::InvalidArgument(Prefix(kind) +
                                   " needs a floating-point dtype (float16, bfloat16, float32 or float64), got " +
                                   DataTypeShortName(dtype));
  }
  SURGEON_ASSIGN_OR_RETURN(ResolvedInitializer r, ResolveRandom(spec, shape));
  SURGEON_RETURN_IF_ERROR(CheckParamsFit(kind, r, dtype, *format));
  return r;
}

Result<std::vector<uint8_t>> GenerateInitialValue(const InitializerSpec& spec, DataType dtype, const Shape& shape,
                                                  uint64_t seed, std::string_view variable_name) {
  SURGEON_ASSIGN_OR_RETURN(InitialValueStream stream,
                           InitialValueStream::Create(spec, dtype, shape, seed, variable_name));
  std::vector<uint8_t> out(static_cast<size_t>(stream.total_bytes()));
  SURGEON_RETURN_IF_ERROR(stream.Next(out).status());  // all of it: out holds what is left
  return out;
}

}  // namespace surgeon
