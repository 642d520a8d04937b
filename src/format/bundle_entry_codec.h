// Conversions between BundleEntryProto / BundleHeaderProto and surgeon's
// plain structs, with validation of everything a corrupt or hostile index
// could put there. Private to the format layer.
#ifndef SURGEON_FORMAT_BUNDLE_ENTRY_CODEC_H_
#define SURGEON_FORMAT_BUNDLE_ENTRY_CODEC_H_

#include <string>
#include <string_view>

#include "proto/tensor_bundle.pb.h"
#include "surgeon/format/bundle.h"

namespace surgeon {

// Parses and validates one index value (dtype known, shape well-formed with a
// representable byte size). `key` is only used for messages.
Result<TensorEntry> DecodeBundleEntry(std::string_view key, std::string_view value);
Result<BundleHeader> DecodeBundleHeader(std::string_view value);

tensorflow::TensorShapeProto ShapeToProto(const Shape& shape);
tensorflow::BundleHeaderProto HeaderToProto(const BundleHeader& header);

// Printable form of a key: UTF-8 text is kept; other bytes (slice keys are
// binary: they start with 0x00) are written \xNN.
std::string PrintableKey(std::string_view key);
// How messages name the tensor stored under `key`: "tensor 'dense/kernel'",
// or for a partitioned tensor's slice entry "tensor 'emb', slice 0,4:-".
std::string TensorLabel(std::string_view key);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_BUNDLE_ENTRY_CODEC_H_
