// AverageCheckpoints on small bundles written here: the weighted mean of
// float tensors, the rules for other dtypes, and every refusal leaving
// nothing written (tests/tf/test_average.py judges the values against
// TensorFlow-written checkpoints and numpy).
#include "surgeon/exec/average.h"

#include <cstring>
#include <filesystem>

#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "testing.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;

template <typename T>
ByteSpan Bytes(const std::vector<T>& v) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(T));
}

struct Tensors {
  std::vector<float> w;
  std::vector<int64_t> step;
};

std::string Write(const std::string& dir, const std::string& name, const Tensors& t, Shape w_shape = {2, 2}) {
  const std::string prefix = dir + "/" + name + "/model.ckpt";
  StagedOutput out;
  auto w = BundleWriter::Create(&out, prefix);
  REQUIRE(w.ok());
  REQUIRE((*w)->Add("global_step", DataType::kInt64, {}, Bytes(t.step)).ok());
  REQUIRE((*w)->Add("net/w", DataType::kFloat, w_shape, Bytes(t.w)).ok());
  REQUIRE((*w)->Finish().ok());
  REQUIRE(out.Commit().ok());
  return prefix;
}

TEST_CASE("average: weighted float mean; other dtypes equal or from the first", "[average]") {
  const std::string dir = testing::MakeTempDir("average");
  const std::string a = Write(dir, "a", {{1, 2, 3, 4}, {7}});
  const std::string b = Write(dir, "b", {{3, 6, 9, 12}, {7}});
  AverageOptions options;
  options.weights = {1, 3};
  auto r = AverageCheckpoints({a, b}, dir + "/out/m.ckpt-0", options);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->averaged == 1);
  CHECK(r->equal == 1);
  auto out = BundleReader::Open(dir + "/out/m.ckpt-0");
  REQUIRE(out.ok());
  CHECK(testing::ReadFloats(**out, "net/w") == std::vector<float>{2.5f, 5, 7.5f, 10});  // (1*a + 3*b) / 4

  const std::string c = Write(dir, "c", {{0, 0, 0, 0}, {9}});
  auto refused = AverageCheckpoints({a, c}, dir + "/out2/m.ckpt-0", AverageOptions{});
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(),
             Catch::Contains("tensor 'global_step' (DT_INT64) differs between " + a + " and " + c));
  CHECK_FALSE(fs::exists(dir + "/out2"));
  options = AverageOptions{};
  options.non_float_from_first = true;
  auto first = AverageCheckpoints({a, c}, dir + "/out2/m.ckpt-0", options);
  REQUIRE(first.ok());
  CHECK(first->from_first == std::vector<std::string>{"global_step"});
}

TEST_CASE("average: refusals name the tensors and files, and write nothing", "[average]") {
  const std::string dir = testing::MakeTempDir("average_bad");
  const std::string a = Write(dir, "a", {{1, 2, 3, 4}, {1}});
  const std::string wide = Write(dir, "wide", {{1, 2, 3, 4}, {1}}, {4});
  const std::string target = dir + "/out/m.ckpt-0";
  auto shape = AverageCheckpoints({a, wide}, target, AverageOptions{});
  REQUIRE_FALSE(shape.ok());
  CHECK_THAT(shape.status().message(),
             Catch::Contains("tensor 'net/w' is DT_FLOAT [2, 2] in " + a + " but DT_FLOAT [4] in " + wide));
  AverageOptions options;
  options.weights = {1};
  auto count = AverageCheckpoints({a, a}, target, options);
  REQUIRE_FALSE(count.ok());
  CHECK_THAT(count.status().message(), Catch::Contains("1 weights for 2 checkpoints"));
  options.weights = {1, -1};
  CHECK_THAT(AverageCheckpoints({a, a}, target, options).status().message(), Catch::Contains("weight -1"));
  CHECK_THAT(AverageCheckpoints({a}, target, AverageOptions{}).status().message(), Catch::Contains("at least two"));
  options = AverageOptions{};
  options.exclude.push_back(*Pattern::Parse("*"));
  CHECK_THAT(AverageCheckpoints({a, a}, target, options).status().message(), Catch::Contains("no tensor"));
  const std::string before = testing::ReadFile(IndexFilename(a));
  auto self = AverageCheckpoints({a, a}, a, AverageOptions{});  // The target is a source.
  REQUIRE_FALSE(self.ok());
  INFO(self.status().ToString());
  CHECK(testing::ReadFile(IndexFilename(a)) == before);
  CHECK_FALSE(fs::exists(dir + "/out"));
}

}  // namespace
}  // namespace surgeon
