#include "format/keras_archive.h"

#include <zip.h>

#include <memory>
#include <nlohmann/json.hpp>

namespace surgeon {
namespace {

using nlohmann::json;

constexpr char kWeightsMember[] = "model.weights.h5";
constexpr char kConfigMember[] = "config.json";

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
using Zip = std::unique_ptr<zip_t, ZipCloser>;
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

Result<std::vector<uint8_t>> ReadMember(zip_t* z, const std::string& path, const char* member) {
  const std::string where = path + ": member " + member;
  zip_stat_t st;
  if (zip_stat(z, member, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
    return Status::DataLoss(where + ": not in the archive (a Keras .keras file has it)");
  }
  std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen(z, member, 0));
  if (!f) return Status::DataLoss(where + ": cannot open: " + zip_strerror(z));
  std::vector<uint8_t> data(st.size);
  uint64_t done = 0;
  while (done < data.size()) {
    const zip_int64_t got = zip_fread(f.get(), data.data() + done, data.size() - done);
    if (got < 0) return Status::DataLoss(where + ": " + zip_file_strerror(f.get()));
    if (got == 0)
      return Status::DataLoss(where + ": ends after " + std::to_string(done) + " of " + std::to_string(data.size()) +
                              " bytes");
    done += static_cast<uint64_t>(got);
  }
  // libzip verifies the CRC-32 when the member has been read to its end.
  char extra;
  if (zip_fread(f.get(), &extra, 1) < 0) return Status::DataLoss(where + ": " + zip_file_strerror(f.get()));
  return data;
}

bool Flag(const json& config, const char* key, bool default_value) {
  auto it = config.find(key);
  return it != config.end() && it->is_boolean() ? it->get<bool>() : default_value;
}

// The variables a built-in Keras 3 layer creates, in creation order (its
// build() methods); {} for a class not listed here.
std::vector<std::string> RolesOf(const std::string& cls, const json& config) {
  const bool bias = Flag(config, "use_bias", true);
  auto with_bias = [&](std::vector<std::string> roles) {
    if (bias) roles.push_back("bias");
    return roles;
  };
  if (cls == "Dense" || cls == "Conv1D" || cls == "Conv2D" || cls == "Conv3D" || cls == "Conv1DTranspose" ||
      cls == "Conv2DTranspose" || cls == "Conv3DTranspose" || cls == "DepthwiseConv1D" || cls == "DepthwiseConv2D") {
    return with_bias({"kernel"});
  }
  if (cls == "SeparableConv1D" || cls == "SeparableConv2D") return with_bias({"depthwise_kernel", "pointwise_kernel"});
  if (cls == "BatchNormalization") {
    std::vector<std::string> roles;
    if (Flag(config, "scale", true)) roles.push_back("gamma");
    if (Flag(config, "center", true)) roles.push_back("beta");
    roles.push_back("moving_mean");
    roles.push_back("moving_variance");
    return roles;
  }
  if (cls == "LayerNormalization" || cls == "GroupNormalization") {
    std::vector<std::string> roles;
    if (Flag(config, "scale", true)) roles.push_back("gamma");
    if (Flag(config, "center", true)) roles.push_back("beta");
    return roles;
  }
  if (cls == "Embedding") return {"embeddings"};
  if (cls == "PReLU") return {"alpha"};
  return {};
}

void CollectLayers(const json& model_config, std::map<std::string, KerasLayerVars>* out) {
  auto layers = model_config.find("layers");
  if (layers == model_config.end() || !layers->is_array()) return;
  for (const json& layer : *layers) {
    if (!layer.is_object() || !layer.contains("class_name") || !layer.contains("config")) continue;
    const json& config = layer["config"];
    if (!layer["class_name"].is_string() || !config.is_object()) continue;
    const std::string cls = layer["class_name"].get<std::string>();
    if (config.contains("name") && config["name"].is_string()) {
      (*out)[config["name"].get<std::string>()] = KerasLayerVars{cls, RolesOf(cls, config)};
    }
    CollectLayers(config, out);  // Nested Functional / Sequential models.
  }
}

}  // namespace

bool IsKerasArchive(const std::string& path) {
  int err = 0;
  Zip z(zip_open(path.c_str(), ZIP_RDONLY, &err));
  return z && zip_name_locate(z.get(), kWeightsMember, 0) >= 0 && zip_name_locate(z.get(), kConfigMember, 0) >= 0;
}

Result<KerasArchive> ReadKerasArchive(const std::string& path) {
  int err = 0;
  Zip z(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err));
  if (!z) {
    zip_error_t e;
    zip_error_init_with_code(&e, err);
    std::string msg = path + ": not a readable zip archive: " + zip_error_strerror(&e);
    zip_error_fini(&e);
    return Status::DataLoss(msg);
  }
  KerasArchive archive;
  SURGEON_ASSIGN_OR_RETURN(archive.weights_h5, ReadMember(z.get(), path, kWeightsMember));
  SURGEON_ASSIGN_OR_RETURN(std::vector<uint8_t> config, ReadMember(z.get(), path, kConfigMember));
  archive.config_json.assign(config.begin(), config.end());
  return archive;
}

Result<std::map<std::string, KerasLayerVars>> KerasLayersFromConfig(const std::string& config_json) {
  json root = json::parse(config_json, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object() || !root.contains("config") || !root["config"].is_object()) {
    return Status::InvalidArgument("config.json is not a Keras model config (no object 'config')");
  }
  std::map<std::string, KerasLayerVars> layers;
  CollectLayers(root["config"], &layers);
  return layers;
}

}  // namespace surgeon
