// Test fixtures written through surgeon's own writers: for tests of the
// format layer and above (test_base does not link the writers).
#ifndef SURGEON_TESTS_FIXTURE_H_
#define SURGEON_TESTS_FIXTURE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "catch_compat.h"
#include "surgeon/base/staged_output.h"
#include "surgeon/format/tensor_writer.h"

namespace surgeon::testing {

// One tensor of a test fixture, with the bytes to write.
struct FixtureTensor {
  std::string key;
  DataType dtype = DataType::kFloat;
  Shape shape;
  std::vector<uint8_t> bytes;
};

// Writes `tensors` in `format` to `path` (a checkpoint prefix for
// kTfCheckpoint, else the file), REQUIRE-ing every step; returns `path`.
inline std::string WriteFixture(const std::string& path, const std::vector<FixtureTensor>& tensors,
                                OutputFormat format = OutputFormat::kTfCheckpoint) {
  std::vector<TensorSpec> specs;
  for (const FixtureTensor& t : tensors) specs.push_back({t.key, t.dtype, t.shape});
  StagedOutput out;
  auto w = CreateTensorWriter(format, &out, path, specs);
  INFO(path << ": " << (w.ok() ? "" : w.status().message()));
  REQUIRE(w.ok());
  for (const FixtureTensor& t : tensors) {
    Status s = (*w)->Add(t.key, t.dtype, t.shape, ByteSpan(t.bytes.data(), t.bytes.size()));
    INFO(t.key << ": " << s.message());
    REQUIRE(s.ok());
  }
  REQUIRE((*w)->Finish().ok());
  REQUIRE(out.Commit().ok());
  return path;
}

// n bytes of a counter pattern: byte i is seed + i * step (mod 256).
inline std::vector<uint8_t> PatternBytes(size_t n, uint8_t seed, uint8_t step = 31) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * step);
  return v;
}

}  // namespace surgeon::testing

#endif  // SURGEON_TESTS_FIXTURE_H_
