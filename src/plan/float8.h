// The ml_dtypes float8 formats TensorFlow stores (one byte each), for
// encoding an initializer's constant: DT_FLOAT8_E5M2 (IEEE-like, inf and
// NaN), E4M3FN (no inf; only S.1111.111 is NaN) and the *FNUZ variants (no
// inf, no negative zero; 0x80 is NaN).
#ifndef SURGEON_PLAN_FLOAT8_H_
#define SURGEON_PLAN_FLOAT8_H_

#include <cstdint>
#include <optional>

#include "surgeon/format/dtype.h"

namespace surgeon {

struct Float8Format {
  int man_bits;
  int bias;
  enum NanStyle { kIeee, kFn, kFnuz } style;  // e5m2: inf+NaN; e4m3fn: only S.1111.111 is NaN; *fnuz: 0x80 is NaN
};
// nullopt for dtypes that are not float8.
std::optional<Float8Format> Float8FormatOf(DataType dt);

// Magnitude of code 0..127; NaN/inf for the special codes.
double Float8Magnitude(const Float8Format& f, int code);
// The code of the largest finite magnitude.
int Float8MaxCode(const Float8Format& f);
// Round to nearest (ties to the even code); nullopt if |v| is at or beyond
// the midpoint between the largest finite value and the next step above it.
std::optional<uint8_t> EncodeFloat8(double v, const Float8Format& f);

}  // namespace surgeon

#endif  // SURGEON_PLAN_FLOAT8_H_
