// Keras HDF5, safetensors and npz: round trips through surgeon's
// own writers and readers, and bad input. Every fixture is generated here:
// through the writers, then damaged (truncated at every offset, bytes
// flipped, headers rewritten), or built with libhdf5 / libzip directly for
// what the writers never produce (a string dataset, a non-.npy member).
// Each bad file must give an error naming the file (and the tensor where
// there is one), never a crash.
#include <hdf5.h>
#include <zip.h>

#include <cstring>
#include <filesystem>

#include "fixture.h"
#include "format/keras_archive.h"
#include "surgeon/base/file.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/keras_h5.h"
#include "surgeon/format/npz.h"
#include "surgeon/format/safetensors.h"
#include "testing.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::WriteFile;

using Tensor = testing::FixtureTensor;

std::vector<Tensor> SampleTensors() {
  auto fill = [](size_t n, uint8_t seed) { return testing::PatternBytes(n, seed, 37); };
  std::vector<Tensor> t = {
      {"dense/kernel", DataType::kFloat, {3, 4}, fill(48, 1)},
      {"dense/bias", DataType::kFloat, {4}, fill(16, 2)},
      {"conv/kernel", DataType::kDouble, {1, 1, 2, 2}, fill(32, 3)},
      {"bn/gamma", DataType::kHalf, {5}, fill(10, 4)},
      {"step/count", DataType::kInt64, {}, fill(8, 5)},
      {"emb/ids", DataType::kInt32, {2, 3}, fill(24, 6)},
      {"emb/raw", DataType::kUint8, {7}, fill(7, 7)},
      {"emb/small", DataType::kInt8, {3}, fill(3, 8)},
      {"mask/on", DataType::kBool, {2, 2}, {0, 1, 1, 0}},
      {"empty/kernel", DataType::kFloat, {0, 3}, {}},
  };
  return t;
}

std::string Write(OutputFormat format, const std::string& path, const std::vector<Tensor>& tensors) {
  return testing::WriteFixture(path, tensors, format);
}

void CheckRoundTrip(const std::string& path, CheckpointFormat format, const std::vector<Tensor>& tensors) {
  auto r = OpenCheckpoint(path);
  INFO(path << ": " << (r.ok() ? "" : r.status().message()));
  REQUIRE(r.ok());
  CHECK((*r)->format() == format);
  REQUIRE((*r)->entries().size() == tensors.size());
  for (const auto& t : tensors) {
    const TensorEntry* e = (*r)->Find(t.key);
    INFO(t.key);
    REQUIRE(e != nullptr);
    CHECK(e->dtype == t.dtype);
    CHECK(e->shape == t.shape);
    auto data = (*r)->Read(*e);
    REQUIRE(data.ok());
    CHECK(std::vector<uint8_t>(data->bytes().begin(), data->bytes().end()) == t.bytes);
  }
}

// The error for `path`: must exist, name the file, and (when given) `word`.
void CheckRefused(const std::string& path, const std::string& word = "") {
  auto r = OpenCheckpoint(path);
  Status s = r.ok() ? Status::OK() : r.status();
  if (r.ok()) {  // The damage may lie in tensor bytes: reading must find it.
    for (const auto& e : (*r)->entries()) {
      auto d = (*r)->Read(e);
      if (!d.ok()) {
        s = d.status();
        break;
      }
    }
  }
  INFO(path << " -> " << s.ToString());
  REQUIRE(!s.ok());
  CHECK(s.message().find(path) != std::string::npos);
  if (!word.empty()) CHECK(s.message().find(word) != std::string::npos);
}

TEST_CASE("weight files: every dtype round-trips through each writer and reader") {
  const std::string dir = testing::MakeTempDir("weights_rt");
  const auto tensors = SampleTensors();
  CheckRoundTrip(Write(OutputFormat::kSafetensors, dir + "/w.safetensors", tensors), CheckpointFormat::kSafetensors,
                 tensors);
  CheckRoundTrip(Write(OutputFormat::kNpz, dir + "/w.npz", tensors), CheckpointFormat::kNpz, tensors);
  CheckRoundTrip(Write(OutputFormat::kKerasH5, dir + "/w.h5", tensors), CheckpointFormat::kKerasH5, tensors);
  // Sniffed by content, not by name.
  fs::copy_file(dir + "/w.npz", dir + "/renamed.bin");
  CheckRoundTrip(dir + "/renamed.bin", CheckpointFormat::kNpz, tensors);
}

TEST_CASE("weight files: a dtype the format cannot hold is refused before writing") {
  const std::string dir = testing::MakeTempDir("weights_dtype");
  std::vector<TensorSpec> specs = {{"s", DataType::kString, {1}}};
  StagedOutput out;
  auto w = CreateSafetensorsWriter(&out, dir + "/x.safetensors", specs);
  REQUIRE(!w.ok());
  CHECK(w.status().message().find("'s'") != std::string::npos);
  CHECK(fs::is_empty(dir));
}

// ---- safetensors

std::string SafetensorsFile(const std::string& header, size_t data_bytes) {
  std::string size(8, '\0');
  for (int i = 0; i < 8; ++i) size[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return size + header + std::string(data_bytes, '\x01');
}

TEST_CASE("safetensors: bad headers name the file and the tensor") {
  const std::string dir = testing::MakeTempDir("st_bad");
  struct Case {
    const char* name;
    std::string header;
    size_t data;
    const char* word;
  } cases[] = {
      {"overlap",
       R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
       12, "'b' overlap"},
      {"outside", R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8, "outside the file"},
      {"size", R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8, "needs 12"},
      {"reversed", R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8, "end before begin"},
      {"dtype", R"({"a":{"dtype":"F4","shape":[1],"data_offsets":[0,1]}})", 8, "'F4'"},
      {"negative", R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", 8, "tensor 'a'"},
      {"missing", R"({"a":{"dtype":"F32","shape":[1]}})", 8, "data_offsets"},
      {"json", R"({"a":{"dtype":"F32",)", 8, "not valid JSON"},
      {"array", R"([1,2])", 8, "not a JSON object"},
      {"metadata", R"({"__metadata__":{"k":1}})", 0, "__metadata__"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      const std::string path = dir + "/" + c.name + ".safetensors";
      const std::string bytes = SafetensorsFile(c.header, c.data);
      WriteFile(path, bytes);
      auto h = ParseSafetensorsHeader(AsBytes(bytes), path);
      INFO(c.name << " -> " << h.status().ToString());
      REQUIRE(!h.ok());
      CHECK(h.status().message().find(c.word) != std::string::npos);
      // As a file: recognized as safetensors when the header starts with '{'.
      if (c.header[0] == '{') CheckRefused(path, c.word);
    }
  }
  SECTION("header size past the end") {
    std::string f = SafetensorsFile(R"({"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})", 4);
    f[0] = '\x7f';
    WriteFile(dir + "/past.safetensors", f);
    auto h = ParseSafetensorsHeader(AsBytes(f), dir + "/past.safetensors");
    REQUIRE(!h.ok());
    CHECK(h.status().message().find("past the end") != std::string::npos);
  }
}

TEST_CASE("safetensors: truncation at every offset is refused") {
  const std::string dir = testing::MakeTempDir("st_trunc");
  const std::string whole = ReadFile(Write(OutputFormat::kSafetensors, dir + "/w.safetensors", SampleTensors()));
  for (size_t n = 0; n < whole.size(); ++n) {
    auto h = ParseSafetensorsHeader(AsBytes(std::string_view(whole).substr(0, n)), "w.safetensors");
    INFO("truncated to " << n);
    // Data-only tensors at the very end can be cut only with the file: a
    // shorter file always loses some tensor's bytes or the header.
    CHECK(!h.ok());
  }
}

// ---- npz

TEST_CASE("npz: bad members name the file and the member") {
  const std::string dir = testing::MakeTempDir("npz_bad");
  const std::string good = Write(OutputFormat::kNpz, dir + "/good.npz", SampleTensors());
  SECTION("not a .npy member") {
    const std::string path = dir + "/extra.npz";
    fs::copy_file(good, path);
    int err = 0;
    zip_t* z = zip_open(path.c_str(), 0, &err);
    REQUIRE(z != nullptr);
    static const char kText[] = "hello";
    zip_source_t* src = zip_source_buffer(z, kText, 5, 0);
    REQUIRE(zip_file_add(z, "notes.txt", src, ZIP_FL_OVERWRITE) >= 0);
    REQUIRE(zip_close(z) == 0);
    CheckRefused(path, "'notes.txt' is not a .npy array");
  }
  SECTION("a damaged .npy header") {
    std::string bytes = ReadFile(good);
    const size_t at = bytes.find("{'descr'");
    REQUIRE(at != std::string::npos);
    bytes.replace(at + 2, 5, "dascr");  // CRC-32 now also wrong; the header is read first.
    WriteFile(dir + "/header.npz", bytes);
    CheckRefused(dir + "/header.npz", "member '");
  }
  SECTION("a flipped data byte fails the member's CRC-32") {
    std::string bytes = ReadFile(good);
    const size_t at = bytes.find("dense/kernel.npy");
    REQUIRE(at != std::string::npos);
    const size_t data = bytes.find('\n', bytes.find("{'descr'", at)) + 1;
    bytes[data + 5] ^= 0x40;
    WriteFile(dir + "/crc.npz", bytes);
    CheckRefused(dir + "/crc.npz", "dense/kernel.npy");
  }
  SECTION("truncation at every offset") {
    const std::string whole = ReadFile(good);
    for (size_t n = 0; n < whole.size(); n += 7) {
      const std::string path = dir + "/t" + std::to_string(n) + ".npz";
      WriteFile(path, whole.substr(0, n));
      CheckRefused(path);
      fs::remove(path);
    }
  }
}

// ---- Keras HDF5

TEST_CASE("keras h5: truncation is refused naming the file") {
  const std::string dir = testing::MakeTempDir("h5_trunc");
  const std::string whole = ReadFile(Write(OutputFormat::kKerasH5, dir + "/w.h5", SampleTensors()));
  for (size_t n = 0; n < whole.size(); n += 13) {
    const std::string path = dir + "/t.h5";
    WriteFile(path, whole.substr(0, n));
    INFO("truncated to " << n << " of " << whole.size());
    CheckRefused(path);
  }
}

// A Keras 2 layout whose only weight is a dataset of `type`.
void WriteOneDatasetKerasFile(const std::string& path, hid_t type, const void* data, hid_t mem_type = -1) {
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(f >= 0);
  auto string_attr = [](hid_t obj, const char* name, const char* value) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, std::strlen(value));
    hsize_t one = 1;
    hid_t s = H5Screate_simple(1, &one, nullptr);
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, value);
    H5Aclose(a), H5Sclose(s), H5Tclose(t);
  };
  string_attr(f, "layer_names", "d");
  hid_t g = H5Gcreate2(f, "d", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  string_attr(g, "weight_names", "d/kernel:0");
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  hsize_t dims = 2;
  hid_t s = H5Screate_simple(1, &dims, nullptr);
  hid_t d = H5Dcreate2(g, "d/kernel:0", type, s, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(d >= 0);
  H5Dwrite(d, mem_type >= 0 ? mem_type : type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(d), H5Sclose(s), H5Pclose(lcpl), H5Gclose(g), H5Fclose(f);
}

TEST_CASE("keras h5: datasets of unsupported types name the file and tensor") {
  const std::string dir = testing::MakeTempDir("h5_type");
  SECTION("fixed-length strings") {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 3);
    WriteOneDatasetKerasFile(dir + "/s.h5", t, "abcdef");
    H5Tclose(t);
    CheckRefused(dir + "/s.h5", "tensor 'd/kernel'");
    CheckRefused(dir + "/s.h5", "HDF5 string");
  }
  SECTION("compound (complex)") {
    hid_t t = H5Tcreate(H5T_COMPOUND, 8);
    H5Tinsert(t, "r", 0, H5T_IEEE_F32LE);
    H5Tinsert(t, "i", 4, H5T_IEEE_F32LE);
    float v[4] = {1, 2, 3, 4};
    WriteOneDatasetKerasFile(dir + "/c.h5", t, v);
    H5Tclose(t);
    CheckRefused(dir + "/c.h5", "HDF5 compound");
  }
  SECTION("big-endian floats are converted, not refused") {
    float v[2] = {1.5f, -2.0f};
    WriteOneDatasetKerasFile(dir + "/be.h5", H5T_IEEE_F32BE, v, H5T_NATIVE_FLOAT);  // Stored big-endian.
    auto r = OpenCheckpoint(dir + "/be.h5");
    REQUIRE(r.ok());
    auto d = (*r)->Read((*r)->entries()[0]);
    REQUIRE(d.ok());
    CHECK(std::memcmp(d->bytes().data(), v, 8) == 0);
  }
}

TEST_CASE("keras h5: a layer named in layer_names without its group is refused") {
  const std::string dir = testing::MakeTempDir("h5_missing");
  hid_t f = H5Fcreate((dir + "/m.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, 5);
  hsize_t one = 1;
  hid_t s = H5Screate_simple(1, &one, nullptr);
  hid_t a = H5Acreate2(f, "layer_names", t, s, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, t, "ghost");
  H5Aclose(a), H5Sclose(s), H5Tclose(t), H5Fclose(f);
  CheckRefused(dir + "/m.h5", "'ghost'");
}

}  // namespace
}  // namespace surgeon

namespace surgeon {
namespace {

TEST_CASE("keras archive: config.json names each layer's variables by class and options") {
  const std::string config = R"({"class_name": "Functional", "config": {"name": "m", "layers": [
    {"class_name": "InputLayer", "config": {"name": "img"}},
    {"class_name": "BatchNormalization", "config": {"name": "bn", "center": false}},
    {"class_name": "Dense", "config": {"name": "d", "use_bias": false}},
    {"class_name": "SeparableConv2D", "config": {"name": "sep"}},
    {"class_name": "Functional", "config": {"name": "inner", "layers": [
      {"class_name": "LayerNormalization", "config": {"name": "ln", "scale": false}}]}},
    {"class_name": "MyLayer", "config": {"name": "custom"}}]}})";
  auto layers = KerasLayersFromConfig(config);
  REQUIRE(layers.ok());
  CHECK(layers->at("bn").roles == std::vector<std::string>{"gamma", "moving_mean", "moving_variance"});
  CHECK(layers->at("d").roles == std::vector<std::string>{"kernel"});
  CHECK(layers->at("sep").roles == std::vector<std::string>{"depthwise_kernel", "pointwise_kernel", "bias"});
  CHECK(layers->at("ln").roles == std::vector<std::string>{"beta"});
  CHECK(layers->at("custom").class_name == "MyLayer");
  CHECK(layers->at("custom").roles.empty());  // Unknown class: the reader falls back to shapes.
  CHECK(layers->at("img").roles.empty());

  for (const char* bad : {"", "[1, 2]", "{\"config\": 3}", "{not json"}) {
    INFO(bad);
    auto r = KerasLayersFromConfig(bad);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("not a Keras model config"));
  }
}

}  // namespace
}  // namespace surgeon

namespace surgeon {
namespace {

TEST_CASE("safetensors: a tensor name that is not UTF-8 is refused before writing, naming it") {
  const std::string dir = testing::MakeTempDir("safetensors_utf8");
  StagedOutput out;
  const std::string bad = std::string("dense/\xff") + "kernel";
  auto w = CreateTensorWriter(OutputFormat::kSafetensors, &out, dir + "/w.safetensors", {{bad, DataType::kFloat, {1}}});
  REQUIRE_FALSE(w.ok());
  CHECK_THAT(w.status().message(), Catch::Contains("not valid UTF-8"));
  CHECK_THAT(w.status().message(), Catch::Contains(dir + "/w.safetensors"));
}

}  // namespace
}  // namespace surgeon
