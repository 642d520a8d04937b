// The Keras 3 whole-model archive (`model.save("m.keras")`): a zip holding
// config.json (the model's architecture), metadata.json and
// model.weights.h5 (the .weights.h5 layout, see keras_h5.h). Private to the
// format layer (used by the Keras HDF5 reader and the source sniffer).
#ifndef SURGEON_FORMAT_KERAS_ARCHIVE_H_
#define SURGEON_FORMAT_KERAS_ARCHIVE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "surgeon/base/status.h"

namespace surgeon {

// True when `path` is a zip with members model.weights.h5 and config.json.
bool IsKerasArchive(const std::string& path);

struct KerasArchive {
  std::vector<uint8_t> weights_h5;  // The whole member, in memory.
  std::string config_json;
};

// Reads both members; DataLoss naming the archive and member when either is
// missing or damaged (libzip checks each member's CRC-32 as it is read).
Result<KerasArchive> ReadKerasArchive(const std::string& path);

// What config.json says of one layer: its class and the names of the
// variables it creates, in creation order (the order of its vars/<i>).
struct KerasLayerVars {
  std::string class_name;          // "Dense", "BatchNormalization", ...
  std::vector<std::string> roles;  // {"kernel"} for Dense(use_bias=False); empty: class unknown here
};

// Layer name -> its class and variable roles, for every layer of the model
// and of nested models. InvalidArgument when config.json is not a Keras
// model config.
Result<std::map<std::string, KerasLayerVars>> KerasLayersFromConfig(const std::string& config_json);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_KERAS_ARCHIVE_H_
