#include "surgeon/plan/transform.h"

#include <cstring>
#include <numeric>

#include "testing.h"

namespace surgeon {
namespace {

std::vector<float> Iota(size_t n) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), 0.0f);
  return v;
}
ByteSpan Bytes(const std::vector<float>& v) { return {reinterpret_cast<const uint8_t*>(v.data()), v.size() * 4}; }
std::vector<float> Floats(const std::vector<uint8_t>& b) {
  std::vector<float> v(b.size() / 4);
  std::memcpy(v.data(), b.data(), b.size());
  return v;
}

TEST_CASE("TransposeBytes: numpy transpose semantics", "[plan][transform]") {
  // x[i][j][k], shape [2, 3, 4]; transpose (2, 0, 1) -> y[k][i][j] = x[i][j][k].
  auto x = Iota(24);
  auto y = Floats(TransposeBytes(Bytes(x), {2, 3, 4}, {2, 0, 1}, 4));
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      for (int k = 0; k < 4; ++k) CHECK(y[(k * 2 + i) * 3 + j] == x[(i * 3 + j) * 4 + k]);
    }
  }
  CHECK(Floats(TransposeBytes(Bytes(x), {2, 3, 4}, {0, 1, 2}, 4)) == x);
}

TEST_CASE("ApplyTransformStep: Dense rows flattened channels_first -> HWC conv", "[plan][transform]") {
  // Dense [C*H*W, N] with rows (c, h, w), C=2, H=W=2, N=1 -> conv [H, W, C, N].
  TransformStep s;
  s.in_shape = {8, 1};
  s.view = {2, 2, 2, 1};
  s.permutation = {1, 2, 0, 3};
  s.out_shape = {2, 2, 2, 1};
  auto dense = Iota(8);
  auto conv = ApplyTransformStep(s, Bytes(dense), DataType::kFloat, {});
  REQUIRE(conv.ok());
  auto y = Floats(*conv);
  for (int h = 0; h < 2; ++h) {
    for (int w = 0; w < 2; ++w) {
      for (int c = 0; c < 2; ++c) CHECK(y[(h * 2 + w) * 2 + c] == dense[(c * 2 + h) * 2 + w]);
    }
  }
}

TEST_CASE("ApplyTransformStep: rows gathered along the last axis, new rows from the initializer", "[plan][transform]") {
  TransformStep s;
  s.kind = TransformStep::Kind::kAlongAxis;
  s.in_shape = {2, 3};  // 2 inputs x 3 classes
  s.out_shape = {2, 3};
  s.axis = 1;
  s.sources = {{{{2, 1.0}}, false}, {{}, true}, {{{0, 1.0}}, false}};
  auto x = Iota(6);
  std::vector<float> init(6, 9.0f);
  auto y = ApplyTransformStep(s, Bytes(x), DataType::kFloat, Bytes(init));
  REQUIRE(y.ok());
  CHECK(Floats(*y) == std::vector<float>{2, 9, 0, 5, 9, 3});
  s.sources[0].terms[0].index = 3;
  CHECK(ApplyTransformStep(s, Bytes(x), DataType::kFloat, Bytes(init)).status().message().find("outside the axis") !=
        std::string::npos);
}

TEST_CASE("ApplyTransformStep: channel sums and means in float64, zero channels", "[plan][transform]") {
  // HWIO [1, 1, 3, 2] -> [1, 1, 3, 2]: sum(0,1,2), mean(0,2), zero.
  TransformStep s;
  s.kind = TransformStep::Kind::kAlongAxis;
  s.in_shape = {1, 1, 3, 2};
  s.out_shape = {1, 1, 3, 2};
  s.axis = 2;
  s.sources = {{{{0, 1.0}, {1, 1.0}, {2, 1.0}}, false}, {{{0, 0.5}, {2, 0.5}}, false}, {{}, false}};
  auto x = Iota(6);  // in channel i, out o: 2i + o
  auto y = ApplyTransformStep(s, Bytes(x), DataType::kFloat, {});
  REQUIRE(y.ok());
  CHECK(Floats(*y) == std::vector<float>{6, 9, 2, 3, 0, 0});
  std::vector<int32_t> ints(6, 1);
  auto bad = ApplyTransformStep(s, {reinterpret_cast<const uint8_t*>(ints.data()), 24}, DataType::kInt32, {});
  CHECK(bad.status().message().find("floating-point") != std::string::npos);
}

}  // namespace
}  // namespace surgeon
