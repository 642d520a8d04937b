#include "format/bundle_entry_codec.h"

#include <cstdio>

namespace surgeon {

std::string PrintableKey(std::string_view key) {
  std::string out;
  for (unsigned char c : key) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

tensorflow::TensorShapeProto ShapeToProto(const Shape& shape) {
  tensorflow::TensorShapeProto p;
  for (int64_t d : shape) p.add_dim()->set_size(d);
  return p;
}

tensorflow::BundleHeaderProto HeaderToProto(const BundleHeader& header) {
  tensorflow::BundleHeaderProto p;
  p.set_num_shards(header.num_shards);
  p.set_endianness(header.big_endian ? tensorflow::BundleHeaderProto::BIG : tensorflow::BundleHeaderProto::LITTLE);
  p.mutable_version()->set_producer(header.version_producer);
  p.mutable_version()->set_min_consumer(header.version_min_consumer);
  for (int32_t b : header.version_bad_consumers) p.mutable_version()->add_bad_consumers(b);
  return p;
}

Result<BundleHeader> DecodeBundleHeader(std::string_view value) {
  tensorflow::BundleHeaderProto p;
  if (!p.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return Status::DataLoss("unable to parse the bundle header (the \"\" entry)");
  }
  BundleHeader h;
  h.num_shards = p.num_shards();
  h.big_endian = p.endianness() == tensorflow::BundleHeaderProto::BIG;
  h.version_producer = p.version().producer();
  h.version_min_consumer = p.version().min_consumer();
  h.version_bad_consumers.assign(p.version().bad_consumers().begin(), p.version().bad_consumers().end());
  if (p.endianness() != tensorflow::BundleHeaderProto::LITTLE && p.endianness() != tensorflow::BundleHeaderProto::BIG) {
    return Status::DataLoss("bundle header has unknown endianness value " + std::to_string(p.endianness()));
  }
  return h;
}

Result<TensorEntry> DecodeBundleEntry(std::string_view key, std::string_view value) {
  const std::string name = PrintableKey(key);
  tensorflow::BundleEntryProto p;
  if (!p.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return Status::DataLoss("tensor '" + name + "': unable to parse its index entry");
  }
  TensorEntry e;
  e.key = std::string(key);
  e.dtype = static_cast<DataType>(p.dtype());
  if (!IsKnownDataType(p.dtype()) || e.dtype == DataType::kInvalid) {
    return Status::DataLoss("tensor '" + name + "': unknown dtype value " + std::to_string(p.dtype()));
  }
  if (p.shape().unknown_rank()) return Status::DataLoss("tensor '" + name + "': shape has unknown rank");
  for (const auto& d : p.shape().dim()) e.shape.push_back(d.size());
  Result<int64_t> n = NumElements(e.shape);
  if (!n.ok()) return Status::DataLoss("tensor '" + name + "': " + n.status().message());
  if (p.shard_id() < 0) return Status::DataLoss("tensor '" + name + "': negative shard_id");
  if (p.offset() < 0 || p.size() < 0) return Status::DataLoss("tensor '" + name + "': negative offset or size");
  e.shard_id = p.shard_id();
  e.offset = static_cast<uint64_t>(p.offset());
  e.size = static_cast<uint64_t>(p.size());
  e.masked_crc32c = p.crc32c();
  for (const auto& s : p.slices()) {
    if (s.extent_size() != static_cast<int>(e.shape.size())) {
      return Status::DataLoss("tensor '" + name + "': slice rank " + std::to_string(s.extent_size()) +
                              " differs from the tensor rank " + std::to_string(e.shape.size()));
    }
    TensorSlice slice;
    for (int i = 0; i < s.extent_size(); ++i) {
      const auto& x = s.extent(i);
      SliceExtent ext{x.start(), x.has_length_case() == tensorflow::TensorSliceProto::Extent::kLength ? x.length() : -1};
      int64_t dim = e.shape[i];
      bool ok = ext.start >= 0 && (ext.length < 0 ? ext.start == 0 : (ext.start <= dim && ext.length <= dim - ext.start));
      if (!ok) {
        return Status::DataLoss("tensor '" + name + "': slice extent " + std::to_string(ext.start) + "," +
                                std::to_string(ext.length) + " lies outside dimension " + std::to_string(i) +
                                " of size " + std::to_string(dim));
      }
      slice.push_back(ext);
    }
    e.slices.push_back(std::move(slice));
  }
  if (!e.slices.empty()) e.shard_id = -1;  // The bytes live in the slice entries.
  return e;
}

}  // namespace surgeon
