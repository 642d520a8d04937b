#include "surgeon/exec/new_variable.h"

#include <algorithm>
#include <future>
#include <vector>

#include "surgeon/plan/initial_value_stream.h"

namespace surgeon {

Result<uint64_t> WriteNewVariable(const PlanAction& a, TensorWriter* writer) {
  SURGEON_ASSIGN_OR_RETURN(InitialValueStream stream,
                           InitialValueStream::Create(a.initializer, a.dtype, a.shape, a.seed, a.target));
  const size_t piece = static_cast<size_t>(std::min<uint64_t>(kNewVariablePieceBytes, stream.total_bytes()));
  std::vector<uint8_t> buffers[2] = {std::vector<uint8_t>(piece), std::vector<uint8_t>(piece)};
  int ready = 0;
  auto generate = [&stream, &buffers](int i) { return stream.Next(buffers[i]); };
  // Declared after what it uses: its destructor waits for a generation still
  // running when the writer fails.
  std::future<Result<size_t>> pending = std::async(std::launch::async, generate, 0);
  auto next = [&]() -> Result<ByteSpan> {
    SURGEON_ASSIGN_OR_RETURN(const size_t n, pending.get());
    const int current = ready;
    ready ^= 1;
    if (n > 0) pending = std::async(std::launch::async, generate, ready);
    return ByteSpan(buffers[current].data(), n);
  };
  SURGEON_RETURN_IF_ERROR(writer->AddPieces(a.target, a.dtype, a.shape, next));
  return stream.total_bytes();
}

}  // namespace surgeon
