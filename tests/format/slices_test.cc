// Partitioned tensors in V2 bundles: written with BundleWriter::AddSlice in
// TF's layout (full entry with `slices`, data entries under binary
// EncodeTensorNameSlice keys) and assembled by BundleReader::Read.
#include <cstring>

#include "format/tensor_slices.h"
#include "proto/tensor_bundle.pb.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/ordered_code.h"
#include "surgeon/format/string_tensor.h"
#include "surgeon/format/table.h"
#include "testing.h"

namespace surgeon {
namespace {

// Row-major float values v[i] = i of `full`, restricted to `slice`.
std::vector<uint8_t> SliceOfIota(const TensorSlice& slice, const Shape& full) {
  int64_t n = NumElements(full).value();
  std::vector<float> all(n);
  for (int64_t i = 0; i < n; ++i) all[i] = static_cast<float>(i);
  // Gather: the inverse of CopySliceInto.
  std::vector<float> part(NumElements(SliceShape(slice, full)).value());
  ForEachSliceRun(slice, full, [&](int64_t s, int64_t d, int64_t k) {
    std::copy(all.begin() + d, all.begin() + d + k, part.begin() + s);
  });
  std::vector<uint8_t> out(part.size() * 4);
  if (!out.empty()) std::memcpy(out.data(), part.data(), out.size());
  return out;
}

std::vector<uint8_t> Iota(int64_t n) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  std::vector<uint8_t> out(n * 4);
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

ByteSpan Span(const std::vector<uint8_t>& v) { return ByteSpan(v.data(), v.size()); }

struct Written {
  std::string prefix;
};

}  // namespace

TEST_CASE("Partitioned V2: multi-slice variables round-trip", "[slices]") {
  const std::string prefix = testing::MakeTempDir("slices") + "/model.ckpt";
  const Shape full = {6, 4};
  // Three partitions along dim 0 (as tf.fixed_size_partitioner) added out of
  // order, plus a 3-D variable split along dims 1 and 2.
  std::vector<TensorSlice> parts = {{{4, 2}, {0, -1}}, {{0, 2}, {0, -1}}, {{2, 2}, {0, -1}}};
  const Shape full3 = {2, 3, 4};
  std::vector<TensorSlice> parts3 = {{{0, -1}, {0, 2}, {0, 4}}, {{0, -1}, {2, 1}, {0, 1}}, {{0, -1}, {2, 1}, {1, 3}}};
  {
    StagedOutput out;
    auto w = BundleWriter::Create(&out, prefix);
    REQUIRE(w.ok());
    REQUIRE((*w)->Add("global_step", DataType::kInt64, {}, Span(std::vector<uint8_t>(8, 0))).ok());
    for (const auto& s : parts) {
      Status st = (*w)->AddSlice("dnn/hiddenlayer_0/kernel", DataType::kFloat, full, s, Span(SliceOfIota(s, full)));
      INFO(st.ToString());
      REQUIRE(st.ok());
    }
    for (const auto& s : parts3) {
      REQUIRE((*w)->AddSlice("emb", DataType::kFloat, full3, s, Span(SliceOfIota(s, full3))).ok());
    }
    // A slice covering everything is an ordinary entry (IsFullSlice).
    TensorSlice whole = {{0, 3}};
    REQUIRE((*w)->AddSlice("bias", DataType::kFloat, {3}, whole, Span(Iota(3))).ok());
    REQUIRE((*w)->Finish().ok());
    REQUIRE(out.Commit().ok());
  }

  // The index as TF lays it out: "" header, binary slice keys (they start
  // with 0x00), then the full names.
  auto index_file = MappedFile::Open(IndexFilename(prefix));
  REQUIRE(index_file.ok());
  auto table = TableReader::Open(index_file->get());
  REQUIRE(table.ok());
  const auto& all = (*table)->entries();
  REQUIRE(all.size() == 1 + 3 + 3 + 3 + 1);
  CHECK(all[0].key.empty());
  for (int i = 1; i <= 6; ++i) CHECK(all[i].key[0] == '\0');
  CHECK(all[7].key == "bias");
  const auto* kernel = (*table)->Find("dnn/hiddenlayer_0/kernel");
  REQUIRE(kernel != nullptr);
  tensorflow::BundleEntryProto full_entry;
  REQUIRE(full_entry.ParseFromArray(kernel->value.data(), static_cast<int>(kernel->value.size())));
  CHECK(full_entry.dtype() == tensorflow::DT_FLOAT);
  CHECK(full_entry.shape().dim_size() == 2);
  CHECK(full_entry.slices_size() == 3);
  CHECK(full_entry.size() == 0);
  CHECK(full_entry.offset() == 0);
  // A partial extent has start and length; a full one is empty (AsProto).
  CHECK(full_entry.slices(0).extent(0).start() == 4);
  CHECK(full_entry.slices(0).extent(0).length() == 2);
  CHECK(full_entry.slices(0).extent(1).has_length_case() == tensorflow::TensorSliceProto::Extent::HAS_LENGTH_NOT_SET);
  const auto* part = (*table)->Find(EncodeTensorNameSlice("dnn/hiddenlayer_0/kernel", parts[1]));
  REQUIRE(part != nullptr);
  tensorflow::BundleEntryProto part_entry;
  REQUIRE(part_entry.ParseFromArray(part->value.data(), static_cast<int>(part->value.size())));
  CHECK(part_entry.shape().dim(0).size() == 2);
  CHECK(part_entry.shape().dim(1).size() == 4);
  CHECK(part_entry.size() == 32);

  auto reader = BundleReader::Open(prefix);
  INFO(reader.status().ToString());
  REQUIRE(reader.ok());
  const auto& entries = (*reader)->entries();
  REQUIRE(entries.size() == 4);  // bias, dnn/.../kernel, emb, global_step
  CHECK((*reader)->slice_entries().size() == 6);
  const TensorEntry* k = (*reader)->Find("dnn/hiddenlayer_0/kernel");
  REQUIRE(k != nullptr);
  CHECK(k->slices == parts);
  CHECK(k->shape == full);
  CHECK_FALSE(k->stored_whole());
  auto data = (*reader)->Read(*k);
  INFO(data.status().ToString());
  REQUIRE(data.ok());
  std::vector<uint8_t> got(data->bytes().begin(), data->bytes().end());
  CHECK(got == Iota(24));
  CHECK(data->masked_crc32c == crc32c::Mask(crc32c::Value(got.data(), got.size())));
  auto emb = (*reader)->Read(*(*reader)->Find("emb"));
  REQUIRE(emb.ok());
  CHECK(std::vector<uint8_t>(emb->bytes().begin(), emb->bytes().end()) == Iota(24));
  const TensorEntry* bias = (*reader)->Find("bias");
  REQUIRE(bias != nullptr);
  CHECK(bias->stored_whole());
}

TEST_CASE("Partitioned V2: string and int64 slices", "[slices]") {
  const std::string prefix = testing::MakeTempDir("slices") + "/s";
  {
    StagedOutput out;
    auto w = BundleWriter::Create(&out, prefix);
    REQUIRE(w.ok());
    auto a = EncodeStringTensor({"x", "yy"});
    auto b = EncodeStringTensor({"", "zzz", "w"});
    REQUIRE((*w)->AddSlice("vocab", DataType::kString, {5}, {{2, 3}}, Span(b.bytes)).ok());
    REQUIRE((*w)->AddSlice("vocab", DataType::kString, {5}, {{0, 2}}, Span(a.bytes)).ok());
    std::vector<int64_t> lo = {1, 2}, hi = {3, 4};
    std::vector<uint8_t> lob(16), hib(16);
    std::memcpy(lob.data(), lo.data(), 16);
    std::memcpy(hib.data(), hi.data(), 16);
    REQUIRE((*w)->AddSlice("ids", DataType::kInt64, {2, 2}, {{0, 1}, {0, -1}}, Span(lob)).ok());
    REQUIRE((*w)->AddSlice("ids", DataType::kInt64, {2, 2}, {{1, 1}, {0, -1}}, Span(hib)).ok());
    REQUIRE((*w)->Finish().ok());
    REQUIRE(out.Commit().ok());
  }
  auto reader = BundleReader::Open(prefix);
  REQUIRE(reader.ok());
  auto v = (*reader)->Read(*(*reader)->Find("vocab"));
  REQUIRE(v.ok());
  auto want = EncodeStringTensor({"x", "yy", "", "zzz", "w"});
  CHECK(std::vector<uint8_t>(v->bytes().begin(), v->bytes().end()) == want.bytes);
  CHECK(v->masked_crc32c == want.masked_crc32c);
  auto ids = (*reader)->Read(*(*reader)->Find("ids"));
  REQUIRE(ids.ok());
  std::vector<int64_t> all(4);
  REQUIRE(ids->bytes().size() == 32);
  std::memcpy(all.data(), ids->bytes().data(), 32);
  CHECK(all == std::vector<int64_t>{1, 2, 3, 4});
}

TEST_CASE("Partitioned V2: the writer rejects inconsistent slices", "[slices]") {
  StagedOutput out;
  auto w = BundleWriter::Create(&out, testing::MakeTempDir("slices") + "/bad");
  REQUIRE(w.ok());
  const Shape full = {4, 2};
  REQUIRE((*w)->AddSlice("w", DataType::kFloat, full, {{0, 2}, {0, -1}}, Span(Iota(4))).ok());
  // Overlap, dtype / shape disagreement, wrong byte count, out of bounds, rank.
  CHECK((*w)->AddSlice("w", DataType::kFloat, full, {{1, 2}, {0, -1}}, Span(Iota(4))).code() ==
        StatusCode::kInvalidArgument);
  CHECK((*w)->AddSlice("w", DataType::kDouble, full, {{2, 1}, {0, -1}}, Span(Iota(4))).code() ==
        StatusCode::kInvalidArgument);
  CHECK((*w)->AddSlice("w", DataType::kFloat, {5, 2}, {{2, 1}, {0, -1}}, Span(Iota(2))).code() ==
        StatusCode::kInvalidArgument);
  CHECK((*w)->AddSlice("w", DataType::kFloat, full, {{2, 2}, {0, -1}}, Span(Iota(3))).code() ==
        StatusCode::kInvalidArgument);
  CHECK((*w)->AddSlice("w", DataType::kFloat, full, {{3, 2}, {0, -1}}, Span(Iota(4))).code() ==
        StatusCode::kInvalidArgument);
  CHECK((*w)->AddSlice("w", DataType::kFloat, full, {{2, 2}}, Span(Iota(4))).code() == StatusCode::kInvalidArgument);
  // Whole and sliced under the same name.
  REQUIRE((*w)->Add("b", DataType::kFloat, {2}, Span(Iota(2))).ok());
  CHECK((*w)->AddSlice("b", DataType::kFloat, {4}, {{2, 2}}, Span(Iota(2))).code() == StatusCode::kInvalidArgument);
  CHECK_FALSE((*w)->Add("w", DataType::kFloat, full, Span(Iota(8))).ok());
  // The failed calls left nothing behind: completing "w" still works.
  REQUIRE((*w)->AddSlice("w", DataType::kFloat, full, {{2, 2}, {0, -1}}, Span(Iota(4))).ok());
  REQUIRE((*w)->Finish().ok());
}

TEST_CASE("Partitioned V2: corrupt or missing slices are reported", "[slices][corruption]") {
  const std::string prefix = testing::MakeTempDir("slices") + "/c";
  const Shape full = {4};
  {
    StagedOutput out;
    auto w = BundleWriter::Create(&out, prefix);
    REQUIRE(w.ok());
    REQUIRE((*w)->AddSlice("w", DataType::kFloat, full, {{0, 2}}, Span(Iota(2))).ok());
    REQUIRE((*w)->AddSlice("w", DataType::kFloat, full, {{2, 2}}, Span(Iota(2))).ok());
    REQUIRE((*w)->AddSlice("gap", DataType::kFloat, full, {{0, 2}}, Span(Iota(2))).ok());  // Never completed.
    REQUIRE((*w)->Finish().ok());
    REQUIRE(out.Commit().ok());
  }
  SECTION("incomplete") {
    auto reader = BundleReader::Open(prefix);
    REQUIRE(reader.ok());
    auto r = (*reader)->Read(*(*reader)->Find("gap"));
    CHECK(r.status().code() == StatusCode::kDataLoss);
    CHECK_THAT(r.status().message(), Catch::Contains("'gap'"));
  }
  SECTION("flipped data byte") {
    std::string data_path = DataFilename(prefix, 0, 1);
    std::string bytes = testing::ReadFile(data_path);
    bytes[9] ^= 0x40;  // Inside the second slice of "w".
    testing::WriteFile(data_path, bytes);
    auto reader = BundleReader::Open(prefix);
    REQUIRE(reader.ok());
    auto r = (*reader)->Read(*(*reader)->Find("w"));
    CHECK(r.status().code() == StatusCode::kDataLoss);
    CHECK_THAT(r.status().message(), Catch::Contains("checksum"));
    CHECK_THAT(r.status().message(), Catch::Contains("tensor 'w', slice 2,2"));
  }
}

TEST_CASE("Partitioned variable names in a TF 1.4 Estimator checkpoint", "[slices][corpus]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  // One partition per variable: TF stored each `.../weights/part_0` whole
  // under its full name, while the Ftrl slots keep `part_0` in their names.
  auto reader = BundleReader::Open(corpus + "/v2_estimator_partnames_hose/model.ckpt-300");
  REQUIRE(reader.ok());
  CHECK((*reader)->slice_entries().empty());
  const TensorEntry* w = (*reader)->Find("linear/linear_model/Field_1/weights");
  REQUIRE(w != nullptr);
  CHECK(w->stored_whole());
  CHECK((*reader)->Find("linear/linear_model/Field_1/weights/part_0") == nullptr);
  CHECK((*reader)->Find("linear/linear_model/Field_1/weights/part_0/Ftrl") != nullptr);
  CHECK((*reader)->Find("linear/linear_model/Field_1/weights/part_0/Ftrl_1") != nullptr);
  for (const TensorEntry& e : (*reader)->entries()) {
    INFO(e.key);
    CHECK(e.slices.empty());
    CHECK((*reader)->Read(e).ok());
  }
}

}  // namespace surgeon
