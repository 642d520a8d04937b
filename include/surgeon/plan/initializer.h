// Initializers for new variables, with TensorFlow's semantics
// (python/ops/init_ops.py, init_ops_v2.py; see docs/formats.md §6).
//
// InitializerSpec is what a config says. Resolve() checks that it fits the
// variable (dtype, shape) and reduces it to one of five distributions, which
// is also what the graph builder needs to emit TF's initializer subgraph.
// Generate() produces the tensor bytes (V2 data layout, little-endian),
// deterministically: the same (spec, dtype, shape, seed, name) gives the same
// bytes on every machine, and each variable's stream depends only on the
// seed and its own name, so adding a variable never changes the others.
#ifndef SURGEON_PLAN_INITIALIZER_H_
#define SURGEON_PLAN_INITIALIZER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "surgeon/base/status.h"
#include "surgeon/format/dtype.h"
#include "surgeon/format/tensor_entry.h"

namespace surgeon {

enum class InitializerKind {
  kZeros,
  kOnes,
  kConstant,         // value (default 0)
  kRandomNormal,     // mean 0, stddev 1 (TF1 defaults)
  kTruncatedNormal,  // mean 0, stddev 1; |x - mean| > 2 stddev redrawn
  kRandomUniform,    // minval 0, maxval 1
  kGlorotUniform,    // VarianceScaling(1, fan_avg, uniform)
  kGlorotNormal,     // VarianceScaling(1, fan_avg, truncated_normal)
  kHeUniform,        // VarianceScaling(2, fan_in, uniform)
  kHeNormal,         // VarianceScaling(2, fan_in, truncated_normal)
  kLecunUniform,     // VarianceScaling(1, fan_in, uniform)
  kLecunNormal,      // VarianceScaling(1, fan_in, truncated_normal)
  kVarianceScaling,  // scale 1, mode fan_in, distribution truncated_normal
  kOrthogonal,       // gain 1; rank >= 2
};

// Config names: "zeros", "ones", "constant", "random_normal",
// "truncated_normal", "random_uniform", "glorot_uniform", "glorot_normal",
// "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
// "variance_scaling", "orthogonal".
std::optional<InitializerKind> ParseInitializerKind(std::string_view name);
std::string_view InitializerKindName(InitializerKind kind);
// Every kind's config name, in the enum's order.
const std::vector<std::string>& InitializerKindNames();
// The parameters a config may give beside `type` ("mean", "stddev"; none
// for most kinds).
const std::vector<std::string>& InitializerParams(InitializerKind kind);

struct InitializerSpec {
  InitializerKind kind = InitializerKind::kZeros;
  double value = 0.0;                             // constant
  double mean = 0.0, stddev = 1.0;                // random_normal, truncated_normal
  double minval = 0.0, maxval = 1.0;              // random_uniform
  double scale = 1.0;                             // variance_scaling
  std::string mode = "fan_in";                    // fan_in | fan_out | fan_avg
  std::string distribution = "truncated_normal";  // truncated_normal | normal (alias) | untruncated_normal | uniform
  double gain = 1.0;                              // orthogonal
};

// Parameters by their config key (the keys InitializerParams lists): `mode`
// and `distribution` are text, the others numbers. Setting a key of the
// other kind, or an unknown key, does nothing.
bool IsTextInitializerParam(std::string_view name);
void SetInitializerParam(InitializerSpec* spec, std::string_view name, double value);
void SetInitializerParam(InitializerSpec* spec, std::string_view name, const std::string& text);
using InitializerParamValue = std::variant<double, std::string>;
// The parameters of spec.kind with their values, for reports.
std::vector<std::pair<std::string, InitializerParamValue>> InitializerParamValues(const InitializerSpec& spec);

// What every initializer reduces to for a given shape.
struct ResolvedInitializer {
  enum class Distribution { kConstant, kUniform, kNormal, kTruncatedNormal, kOrthogonal };
  Distribution distribution = Distribution::kConstant;
  double a = 0.0;  // constant: value; uniform: minval; (truncated) normal: mean; orthogonal: gain
  double b = 0.0;  // uniform: maxval; (truncated) normal: stddev
};

// TF's _compute_fans: rank 0 -> (1,1); [n] -> (n,n); [in,out]; conv
// [.., in, out] -> in*receptive, out*receptive.
struct Fans {
  double fan_in = 1, fan_out = 1;
};
Fans ComputeFans(const Shape& shape);

// InvalidArgument when the spec does not fit: random initializers on
// non-floating dtypes, orthogonal below rank 2, bad mode/distribution,
// stddev < 0, maxval < minval, non-finite parameters, a constant not
// representable in the dtype.
Result<ResolvedInitializer> ResolveInitializer(const InitializerSpec& spec, DataType dtype, const Shape& shape);

// The tensor's bytes. Every value is checked finite (DataLoss otherwise).
Result<std::vector<uint8_t>> GenerateInitialValue(const InitializerSpec& spec, DataType dtype, const Shape& shape,
                                                  uint64_t seed, std::string_view variable_name);

}  // namespace surgeon

#endif  // SURGEON_PLAN_INITIALIZER_H_
