// WriteNewVariable (exec/new_variable.h): a new variable written in pieces,
// the next generated while the last is written, reads back as exactly
// GenerateInitialValue's bytes, with its CRC; a sample that is not finite
// fails the write with GenerateInitialValue's message and leaves nothing.
#include "surgeon/exec/new_variable.h"

#include <filesystem>
#include <vector>

#include "surgeon/format/bundle.h"
#include "surgeon/plan/initializer.h"
#include "testing.h"

namespace surgeon {
namespace {

PlanAction NewVariable(InitializerKind kind, DataType dtype, const Shape& shape, double stddev = 1) {
  PlanAction a;
  a.kind = PlanAction::Kind::kInitialize;
  a.target = "head/kernel";
  a.dtype = dtype;
  a.shape = shape;
  a.initializer.kind = kind;
  a.initializer.stddev = stddev;
  a.seed = 7;
  return a;
}

// Writes `a` alone into a bundle in `dir`; returns the status of the write
// and, when it worked, the tensor as read back (its CRC checked).
Result<std::vector<uint8_t>> WriteAndRead(const PlanAction& a, const std::string& dir) {
  const std::string prefix = dir + "/ckpt";
  {
    StagedOutput out;
    SURGEON_ASSIGN_OR_RETURN(auto writer, BundleWriter::Create(&out, prefix));
    SURGEON_ASSIGN_OR_RETURN(const uint64_t written, WriteNewVariable(a, writer.get()));
    CHECK(written == *FixedTensorBytes(a.dtype, a.shape));
    SURGEON_RETURN_IF_ERROR(writer->Finish());
    SURGEON_RETURN_IF_ERROR(out.Commit());
  }
  SURGEON_ASSIGN_OR_RETURN(auto reader, BundleReader::Open(prefix));
  const TensorEntry* e = reader->Find(a.target);
  REQUIRE(e != nullptr);
  SURGEON_ASSIGN_OR_RETURN(TensorData data, reader->Read(*e));
  return std::vector<uint8_t>(data.bytes().begin(), data.bytes().end());
}

}  // namespace

TEST_CASE("WriteNewVariable: many pieces read back as GenerateInitialValue's bytes", "[exec][init]") {
  // 4096 x 1100 float32 is 18 MB: four whole 4 MiB pieces and a partial one.
  const std::vector<PlanAction> cases = {
      NewVariable(InitializerKind::kTruncatedNormal, DataType::kFloat, {4096, 1100}, 0.02),
      NewVariable(InitializerKind::kGlorotUniform, DataType::kHalf, {3, 3, 512, 1001}),
      NewVariable(InitializerKind::kOrthogonal, DataType::kFloat, {600, 1800}),  // 4.3 MB: two pieces
      NewVariable(InitializerKind::kOnes, DataType::kDouble, {1024, 700}),
      NewVariable(InitializerKind::kZeros, DataType::kFloat, {3}),
  };
  for (const PlanAction& a : cases) {
    INFO(InitializerKindName(a.initializer.kind) << " " << DataTypeShortName(a.dtype) << " " << ShapeToString(a.shape));
    auto want = GenerateInitialValue(a.initializer, a.dtype, a.shape, a.seed, a.target);
    REQUIRE(want.ok());
    auto got = WriteAndRead(a, testing::MakeTempDir("new_variable"));
    REQUIRE(got.ok());
    CHECK(*got == *want);
  }
}

TEST_CASE("WriteNewVariable: a sample that overflows fails with its index and leaves nothing", "[exec][init]") {
  // stddev 20000: beyond 3.3 sigma a float16 overflows, about one sample in
  // 1000 of these 16 MB (four pieces).
  const PlanAction a = NewVariable(InitializerKind::kRandomNormal, DataType::kHalf, {8, 1 << 20}, 20000);
  auto want = GenerateInitialValue(a.initializer, a.dtype, a.shape, a.seed, a.target);
  REQUIRE_FALSE(want.ok());
  const std::string dir = testing::MakeTempDir("new_variable_bad");
  auto got = WriteAndRead(a, dir);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == StatusCode::kDataLoss);
  CHECK(got.status().message() == want.status().message());
  CHECK(std::filesystem::is_empty(dir));
}

}  // namespace surgeon
