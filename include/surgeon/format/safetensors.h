// safetensors (huggingface/safetensors): one file,
//
//   [8 bytes]  N, the header size, uint64 little-endian
//   [N bytes]  JSON: {"<name>": {"dtype": "F32", "shape": [3, 4],
//                                "data_offsets": [begin, end]}, ...,
//                     "__metadata__": {"<key>": "<string>", ...}}   (optional)
//   [rest]     the data buffer; tensor bytes are row-major little-endian at
//              [begin, end) of the buffer.
//
// The reader validates the header as the bundle reader validates index
// entries: known dtype, rank at most kMaxRank, non-negative dims, byte size =
// dtype size x elements, every range inside the file and no two overlapping.
// Errors name the file and the tensor. The writer pads the header with
// spaces to a multiple of 8 bytes (as the safetensors library does) so every
// tensor starts 8-byte aligned.
#ifndef SURGEON_FORMAT_SAFETENSORS_H_
#define SURGEON_FORMAT_SAFETENSORS_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/file.h"
#include "surgeon/base/status.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/tensor_writer.h"

namespace surgeon {

// "F32" <-> DataType::kFloat, ...; nullopt / "" for types safetensors lacks.
std::optional<DataType> SafetensorsDtype(std::string_view name);
std::string SafetensorsDtypeName(DataType dtype);

struct SafetensorsHeader {
  // Sorted by key; offset is the absolute file offset of the tensor's bytes.
  std::vector<TensorEntry> entries;
  std::map<std::string, std::string> metadata;
  uint64_t header_size = 0;
};

// Parses and validates the header of the safetensors file whose bytes are
// `file` (named `path` in errors). Reads no tensor data.
Result<SafetensorsHeader> ParseSafetensorsHeader(ByteSpan file, const std::string& path);

Result<std::unique_ptr<CheckpointReader>> OpenSafetensors(const std::string& path);

// Writes `specs` (every tensor, in Add order) as one safetensors file.
Result<std::unique_ptr<TensorWriter>> CreateSafetensorsWriter(StagedOutput* out, const std::string& path,
                                                              const std::vector<TensorSpec>& specs);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_SAFETENSORS_H_
