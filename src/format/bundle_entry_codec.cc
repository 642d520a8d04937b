#include "format/bundle_entry_codec.h"

#include <cstdio>

#include "surgeon/format/ordered_code.h"

namespace surgeon {

namespace {

// Length of the printable character (ASCII, or a well-formed UTF-8 sequence
// of a code point from U+00A0 on) at the start of `s`; 0 for anything else:
// control bytes, C1 controls, overlong forms, surrogates, stray bytes.
size_t PrintableCharLength(std::string_view s) {
  const auto c = static_cast<unsigned char>(s[0]);
  if (c >= 0x20 && c < 0x7f) return 1;
  size_t n;
  uint32_t cp;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    const auto d = static_cast<unsigned char>(s[i]);
    if ((d & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3f);
  }
  constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[n] || cp < 0xa0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace

std::string PrintableKey(std::string_view key) {
  std::string out;
  for (size_t i = 0; i < key.size();) {
    if (size_t n = PrintableCharLength(key.substr(i)); n > 0) {
      out.append(key.substr(i, n));
      i += n;
      continue;
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(key[i]));
    out += buf;
    ++i;
  }
  return out;
}

std::string TensorLabel(std::string_view key) {
  if (!key.empty() && key[0] == '\0') {
    if (Result<DecodedSliceKey> d = DecodeTensorNameSlice(key); d.ok()) {
      return "tensor '" + PrintableKey(d->name) + "', slice " + SliceToString(d->slice);
    }
  }
  return "tensor '" + PrintableKey(key) + "'";
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
  const std::string label = TensorLabel(key);
  tensorflow::BundleEntryProto p;
  if (!p.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return Status::DataLoss(label + ": unable to parse its index entry");
  }
  TensorEntry e;
  e.key = std::string(key);
  e.dtype = static_cast<DataType>(p.dtype());
  if (!IsKnownDataType(p.dtype()) || e.dtype == DataType::kInvalid) {
    return Status::DataLoss(label + ": unknown dtype value " + std::to_string(p.dtype()));
  }
  if (p.shape().unknown_rank()) return Status::DataLoss(label + ": shape has unknown rank");
  for (const auto& d : p.shape().dim()) e.shape.push_back(d.size());
  Result<int64_t> n = NumElements(e.shape);
  if (!n.ok()) return Status::DataLoss(label + ": " + n.status().message());
  if (p.shard_id() < 0) return Status::DataLoss(label + ": negative shard_id");
  if (p.offset() < 0 || p.size() < 0) return Status::DataLoss(label + ": negative offset or size");
  e.shard_id = p.shard_id();
  e.offset = static_cast<uint64_t>(p.offset());
  e.size = static_cast<uint64_t>(p.size());
  e.masked_crc32c = p.crc32c();
  for (const auto& s : p.slices()) {
    if (s.extent_size() != static_cast<int>(e.shape.size())) {
      return Status::DataLoss(label + ": slice rank " + std::to_string(s.extent_size()) +
                              " differs from the tensor rank " + std::to_string(e.shape.size()));
    }
    TensorSlice slice;
    for (int i = 0; i < s.extent_size(); ++i) {
      const auto& x = s.extent(i);
      SliceExtent ext{x.start(),
                      x.has_length_case() == tensorflow::TensorSliceProto::Extent::kLength ? x.length() : -1};
      int64_t dim = e.shape[i];
      bool ok =
          ext.start >= 0 && (ext.length < 0 ? ext.start == 0 : (ext.start <= dim && ext.length <= dim - ext.start));
      if (!ok) {
        return Status::DataLoss(label + ": slice extent " + std::to_string(ext.start) + "," +
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
