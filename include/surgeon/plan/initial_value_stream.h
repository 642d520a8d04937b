// InitialValueStream: a new variable's initial value, produced piece by
// piece, so that writing a large new head needs one piece of memory, not the
// whole tensor.
//
//   SURGEON_ASSIGN_OR_RETURN(auto stream, InitialValueStream::Create(spec, dtype, shape, seed, name));
//   std::vector<uint8_t> piece(4 << 20);
//   for (;;) {
//     SURGEON_ASSIGN_OR_RETURN(size_t n, stream.Next(piece));
//     if (n == 0) break;
//     ... use piece[0, n) ...
//   }
//
// The concatenated pieces are exactly GenerateInitialValue's bytes, for any
// piece size: random distributions sample each piece's elements from their
// place in the variable's stream, constants repeat their element, and an
// orthogonal matrix (a QR of the whole) is made whole on the first call.
#ifndef SURGEON_PLAN_INITIAL_VALUE_STREAM_H_
#define SURGEON_PLAN_INITIAL_VALUE_STREAM_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/status.h"
#include "surgeon/plan/initializer.h"

namespace surgeon {

class InitialValueStream {
 public:
  // InvalidArgument when the spec does not fit the variable (ResolveInitializer).
  static Result<InitialValueStream> Create(const InitializerSpec& spec, DataType dtype, const Shape& shape,
                                           uint64_t seed, std::string_view variable_name);

  uint64_t total_bytes() const { return total_bytes_; }

  // Writes the next bytes of the value at the start of `out` and returns how
  // many: out.size() rounded down to a multiple of kPieceAlignment, or all
  // that is left if less; 0 once everything was given.
  // REQUIRES: out.size() >= kPieceAlignment, or out.size() >= what is left.
  // DataLoss naming the variable and the element when a sample is not finite
  // in the dtype (e.g. a huge stddev for float16).
  Result<size_t> Next(std::span<uint8_t> out);

  // Piece sizes are multiples of this (every dtype's element and sample
  // group divide it).
  static constexpr size_t kPieceAlignment = 64;

 private:
  InitialValueStream() = default;
  Status NotFinite(int64_t element, double value) const;

  InitializerSpec spec_;
  ResolvedInitializer resolved_;
  DataType dtype_ = DataType::kInvalid;
  Shape shape_;
  std::string name_;
  uint64_t key_ = 0;
  uint64_t total_bytes_ = 0;
  uint64_t element_bytes_ = 0;
  uint64_t next_byte_ = 0;
  std::vector<uint8_t> constant_;  // a constant's element
  std::vector<uint8_t> whole_;     // an orthogonal value, made on the first Next
};

}  // namespace surgeon

#endif  // SURGEON_PLAN_INITIAL_VALUE_STREAM_H_
