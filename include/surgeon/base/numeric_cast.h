// Conversions between the four floating-point element formats surgeon writes
// (float16, bfloat16, float32, float64), element by element and for whole
// tensors in V2 data layout (little-endian, densely packed).
//
// Narrowing rounds to nearest, ties to even, and is correctly rounded from
// the exact source value (float64 -> float16/bfloat16 does not double-round
// through float32; see DoubleToFloatRoundToOdd in half.h). NaN stays NaN and
// +-inf stays +-inf; a *finite* value that becomes inf is an error in
// CastTensorBytes, because silently turning weights into inf corrupts a model.
//
// The base layer does not know TF's DataType; callers map it to FloatFormat
// (surgeon/plan/cast.h does).
#ifndef SURGEON_BASE_NUMERIC_CAST_H_
#define SURGEON_BASE_NUMERIC_CAST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/bytes.h"
#include "surgeon/base/status.h"

namespace surgeon {

enum class FloatFormat { kF16, kBF16, kF32, kF64 };

// "float16", "bfloat16", "float32", "float64" (the config spellings).
std::string_view FloatFormatName(FloatFormat f);
// Bytes per element: 2, 2, 4, 8.
int FloatFormatSize(FloatFormat f);
// Largest finite value: 65504, 3.3895313892515355e38, FLT_MAX, DBL_MAX.
double FloatFormatMax(FloatFormat f);

// Rounds `v` to `to` (nearest even) and stores it little-endian at `out`
// (FloatFormatSize(to) bytes). Returns false iff `v` is finite and the
// rounded value is infinite (the value is still stored, as +-inf).
bool StoreFloat(double v, FloatFormat to, uint8_t* out);
// Reads one little-endian element; exact.
double LoadFloat(const uint8_t* in, FloatFormat from);
// True iff `v` is finite and stays finite when rounded to `to`.
bool FitsFinite(double v, FloatFormat to);

// Shortest decimal that round-trips `v`: plain for 1e-4 <= |v| < 1e16
// ("300", "100000", "0.1"), scientific otherwise ("1e+39"); "inf", "nan".
std::string FormatDouble(double v);

// Converts a whole tensor. `src.size()` must be a multiple of the source
// element size (InvalidArgument otherwise). InvalidArgument naming
// `tensor_name`, the first offending element index and its value when a
// finite value overflows `to`. from == to returns a copy.
Result<std::vector<uint8_t>> CastTensorBytes(ByteSpan src, FloatFormat from, FloatFormat to,
                                             std::string_view tensor_name);

}  // namespace surgeon

#endif  // SURGEON_BASE_NUMERIC_CAST_H_
