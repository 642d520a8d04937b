// Parsing and validating a safetensors header (layout: safetensors.h).
#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "surgeon/format/safetensors.h"

namespace surgeon {
namespace {

using nlohmann::json;

// The safetensors library refuses larger headers (MAX_HEADER_SIZE).
constexpr uint64_t kMaxHeaderSize = 100'000'000;

struct DtypeName {
  const char* name;
  DataType dtype;
};
constexpr DtypeName kDtypes[] = {
    {"F64", DataType::kDouble},
    {"F32", DataType::kFloat},
    {"F16", DataType::kHalf},
    {"BF16", DataType::kBfloat16},
    {"I64", DataType::kInt64},
    {"I32", DataType::kInt32},
    {"I16", DataType::kInt16},
    {"I8", DataType::kInt8},
    {"U64", DataType::kUint64},
    {"U32", DataType::kUint32},
    {"U16", DataType::kUint16},
    {"U8", DataType::kUint8},
    {"BOOL", DataType::kBool},
    {"F8_E5M2", DataType::kFloat8E5m2},
    {"F8_E4M3", DataType::kFloat8E4m3fn},
    {"C64", DataType::kComplex64},
};

Status Bad(const std::string& path, const std::string& what) {
  return Status::DataLoss(path + ": safetensors header: " + what);
}

// A JSON number that is a non-negative integer, as uint64.
std::optional<uint64_t> Unsigned(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  return std::nullopt;
}

Result<TensorEntry> ParseEntry(const std::string& name, const json& v, uint64_t data_size, const std::string& path) {
  const std::string where = "tensor '" + name + "': ";
  if (name.empty()) return Bad(path, "a tensor has an empty name");
  if (!v.is_object()) return Bad(path, where + "expected an object with dtype, shape, data_offsets");
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!v.contains(key)) return Bad(path, where + "missing '" + key + "'");
  }
  TensorEntry e;
  e.key = name;
  const json& dt = v["dtype"];
  if (!dt.is_string()) return Bad(path, where + "dtype is not a string");
  auto dtype = SafetensorsDtype(dt.get<std::string>());
  if (!dtype) {
    return Status::Unimplemented(path + ": tensor '" + name + "': safetensors dtype '" + dt.get<std::string>() +
                                 "' is not supported");
  }
  e.dtype = *dtype;
  const json& shape = v["shape"];
  if (!shape.is_array()) return Bad(path, where + "shape is not an array");
  for (const json& d : shape) {
    auto n = Unsigned(d);
    if (!n || *n > static_cast<uint64_t>(INT64_MAX))
      return Bad(path, where + "shape " + shape.dump() + " has a dimension that is not a non-negative integer");
    e.shape.push_back(static_cast<int64_t>(*n));
  }
  auto bytes = FixedTensorBytes(e.dtype, e.shape);
  if (!bytes.ok()) return Bad(path, where + bytes.status().message());
  const json& offsets = v["data_offsets"];
  std::optional<uint64_t> begin, end;
  if (offsets.is_array() && offsets.size() == 2) begin = Unsigned(offsets[0]), end = Unsigned(offsets[1]);
  if (!begin || !end) return Bad(path, where + "data_offsets " + offsets.dump() + " is not [begin, end]");
  if (*begin > *end) return Bad(path, where + "data_offsets " + offsets.dump() + " end before begin");
  if (*end > data_size) {
    return Bad(path, where + "data_offsets " + offsets.dump() + " outside the file (data buffer is " +
                         std::to_string(data_size) + " bytes)");
  }
  if (*end - *begin != *bytes) {
    return Bad(path, where + "data_offsets " + offsets.dump() + " hold " + std::to_string(*end - *begin) +
                         " bytes, but " + DataTypeShortName(e.dtype) + " " + ShapeToString(e.shape) + " needs " +
                         std::to_string(*bytes));
  }
  e.shard_id = 0;
  e.offset = *begin;  // Made absolute by the caller.
  e.size = *bytes;
  return e;
}

Status ParseMetadata(const json& v, const std::string& path, SafetensorsHeader* h) {
  if (!v.is_object()) return Bad(path, "__metadata__ is not an object");
  for (const auto& [k, s] : v.items()) {
    if (!s.is_string()) return Bad(path, "__metadata__ '" + k + "' is not a string");
    h->metadata[k] = s.get<std::string>();
  }
  return Status::OK();
}

// Tensors sorted by their data: no two may share a byte.
Status CheckOverlaps(std::vector<const TensorEntry*> by_offset, const std::string& path) {
  std::sort(by_offset.begin(), by_offset.end(), [](const TensorEntry* a, const TensorEntry* b) {
    return std::tie(a->offset, a->size) < std::tie(b->offset, b->size);
  });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const TensorEntry& a = *by_offset[i - 1];
    const TensorEntry& b = *by_offset[i];
    if (a.offset + a.size > b.offset && a.size > 0 && b.size > 0) {
      return Bad(path, "tensors '" + a.key + "' and '" + b.key + "' overlap (data_offsets [" +
                           std::to_string(a.offset) + ", " + std::to_string(a.offset + a.size) + ") and [" +
                           std::to_string(b.offset) + ", " + std::to_string(b.offset + b.size) + "))");
    }
  }
  return Status::OK();
}

}  // namespace

std::optional<DataType> SafetensorsDtype(std::string_view name) {
  for (const auto& d : kDtypes) {
    if (name == d.name) return d.dtype;
  }
  return std::nullopt;
}

std::string SafetensorsDtypeName(DataType dtype) {
  for (const auto& d : kDtypes) {
    if (dtype == d.dtype) return d.name;
  }
  return "";
}

Result<SafetensorsHeader> ParseSafetensorsHeader(ByteSpan file, const std::string& path) {
  if (file.size() < 8)
    return Bad(path, "file is " + std::to_string(file.size()) + " bytes, shorter than the 8-byte header size");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | file[i];
  if (n > kMaxHeaderSize)
    return Bad(path, "header size " + std::to_string(n) + " exceeds the limit of " + std::to_string(kMaxHeaderSize));
  if (n > file.size() - 8) {
    return Bad(path, "header size " + std::to_string(n) + " runs past the end of the file (" +
                         std::to_string(file.size()) + " bytes; truncated?)");
  }
  json root = json::parse(file.begin() + 8, file.begin() + 8 + n, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Bad(path, "the " + std::to_string(n) + "-byte header is not valid JSON");
  if (!root.is_object()) return Bad(path, "the header is not a JSON object");
  SafetensorsHeader h;
  h.header_size = n;
  const uint64_t data_start = 8 + n, data_size = file.size() - data_start;
  for (const auto& [name, v] : root.items()) {
    if (name == "__metadata__") {
      SURGEON_RETURN_IF_ERROR(ParseMetadata(v, path, &h));
      continue;
    }
    SURGEON_ASSIGN_OR_RETURN(TensorEntry e, ParseEntry(name, v, data_size, path));
    h.entries.push_back(std::move(e));
  }
  std::vector<const TensorEntry*> all;
  for (const auto& e : h.entries) all.push_back(&e);
  SURGEON_RETURN_IF_ERROR(CheckOverlaps(all, path));
  for (auto& e : h.entries) e.offset += data_start;
  std::sort(h.entries.begin(), h.entries.end(),
            [](const TensorEntry& a, const TensorEntry& b) { return a.key < b.key; });
  return h;
}

}  // namespace surgeon
