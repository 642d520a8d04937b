// TensorWriter: the output side every file format surgeon writes shares.
// A writer stages its file(s) in a StagedOutput; nothing appears under a
// final name before the caller commits, and an error leaves nothing behind.
//
//   StagedOutput out;
//   SURGEON_ASSIGN_OR_RETURN(auto w, CreateTensorWriter(OutputFormat::kSafetensors, &out,
//                                                       "out/model.safetensors", specs));
//   for (...) SURGEON_RETURN_IF_ERROR(w->Add(key, dtype, shape, bytes));
//   SURGEON_RETURN_IF_ERROR(w->Finish());
//   SURGEON_RETURN_IF_ERROR(out.Commit());
#ifndef SURGEON_FORMAT_TENSOR_WRITER_H_
#define SURGEON_FORMAT_TENSOR_WRITER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/file.h"
#include "surgeon/base/status.h"
#include "surgeon/format/tensor_entry.h"

namespace surgeon {

enum class OutputFormat {
  kTfCheckpoint,  // V2 bundle: <prefix>.index + <prefix>.data-00000-of-00001
  kSafetensors,   // one .safetensors file
  kNpz,           // one .npz (zip of .npy members, stored)
  kKerasH5,       // one .h5 in the Keras 2 save_weights layout
};
// "tf_checkpoint", "safetensors", "npz", "keras_h5".
std::string_view OutputFormatName(OutputFormat f);
std::optional<OutputFormat> ParseOutputFormat(std::string_view name);
// The format a target path's extension names (.safetensors, .npz, .h5/.hdf5),
// kTfCheckpoint otherwise.
OutputFormat OutputFormatForPath(std::string_view path);
// "tf_checkpoint, safetensors, npz, keras_h5": for error messages.
std::string OutputFormatChoices();

// One tensor the writer will be given, in Add order.
struct TensorSpec {
  std::string key;
  DataType dtype = DataType::kInvalid;
  Shape shape;
  // Its bytes in V2 data layout where dtype × shape does not give them
  // (DT_STRING, DT_VARIANT); ignored otherwise. Only a size-bounded
  // BundleLayout uses it.
  uint64_t stored_bytes = 0;
};

class TensorWriter {
 public:
  virtual ~TensorWriter() = default;
  // Appends a tensor given in V2 data layout (row-major, little-endian).
  // Keys must be unique; formats refuse dtypes they cannot store, naming the key.
  virtual Status Add(const std::string& key, DataType dtype, const Shape& shape, ByteSpan bytes) = 0;
  // Same, for bytes whose masked crc32c is already verified (a copied tensor).
  virtual Status AddVerified(const std::string& key, DataType dtype, const Shape& shape, ByteSpan bytes,
                             uint32_t masked_crc32c) {
    return Add(key, dtype, shape, bytes);
  }
  // The next piece of a tensor's bytes (V2 data layout); an empty span once
  // all were given.
  using PieceSource = std::function<Result<ByteSpan>()>;
  // Appends a fixed-size tensor given as consecutive pieces, so that a
  // generated value need not be held whole. The pieces must add up to the
  // size dtype × shape requires. This default gathers them and calls Add; a
  // writer that can append piece by piece overrides it.
  virtual Status AddPieces(const std::string& key, DataType dtype, const Shape& shape, const PieceSource& next);
  // Completes the staged file(s); the caller then commits the StagedOutput.
  virtual Status Finish() = 0;
  // Tensor bytes written so far.
  virtual uint64_t data_bytes() const = 0;
};

// A writer for `format` at `path` (a checkpoint prefix for kTfCheckpoint, the
// file otherwise). `specs` lists every tensor in the order it will be added
// (safetensors writes its header, with all offsets, first); a dtype the
// format cannot store is refused here, before anything is written.
// `max_shard_bytes` > 0 spreads a kTfCheckpoint's data over files of at most
// that size (BundleLayout); other formats write one file and refuse it.
Result<std::unique_ptr<TensorWriter>> CreateTensorWriter(OutputFormat format, StagedOutput* out,
                                                         const std::string& path, const std::vector<TensorSpec>& specs,
                                                         uint64_t max_shard_bytes = 0);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_TENSOR_WRITER_H_
