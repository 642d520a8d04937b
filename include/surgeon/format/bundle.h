// The V2 checkpoint format ("tensor bundle",
// tensorflow/core/util/tensor_bundle/tensor_bundle.h):
//
//   <prefix>.index                    SSTable: "" -> BundleHeaderProto,
//                                     key -> BundleEntryProto, keys sorted
//   <prefix>.data-00000-of-00002      tensor bytes, concatenated in Add order
//   <prefix>.data-00001-of-00002
//
// Numeric tensors are stored as their row-major little-endian bytes with
// entry.crc32c = Mask(crc32c(bytes)). DT_STRING tensors are stored as
// varint64 lengths, a 4-byte masked crc of the lengths (as uint32 LE), then
// the bytes; see string_tensor.h.
#ifndef SURGEON_FORMAT_BUNDLE_H_
#define SURGEON_FORMAT_BUNDLE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/file.h"
#include "surgeon/base/status.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/table.h"
#include "surgeon/format/tensor_writer.h"

namespace surgeon {

// The most data files a bundle may have: surgeon reads and writes no more.
// (TF's file names have room for 99,999; no real checkpoint comes close.)
constexpr int kMaxBundleShards = 1 << 16;

struct BundleHeader {
  int32_t num_shards = 1;
  bool big_endian = false;
  int32_t version_producer = 1;
  int32_t version_min_consumer = 0;
  std::vector<int32_t> version_bad_consumers;
};

// Reads a V2 bundle. Opening parses and validates the whole index (header,
// every entry's dtype/shape/size/bounds against the shard sizes) and maps the
// data shards; tensor bytes are read only by Read().
class BundleReader : public CheckpointReader {
 public:
  static Result<std::unique_ptr<BundleReader>> Open(const std::string& prefix);
  ~BundleReader() override;

  CheckpointFormat format() const override { return CheckpointFormat::kV2; }
  const std::string& path() const override { return prefix_; }
  const std::vector<TensorEntry>& entries() const override { return entries_; }
  Result<TensorData> Read(const TensorEntry& entry) const override;
  std::vector<std::pair<std::string, std::string>> Describe() const override;
  std::optional<MappedRange> StoredRange(const TensorEntry& entry) const override;

  const BundleHeader& header() const { return header_; }
  const TableStats& index_stats() const { return index_stats_; }
  // Slice entries of partitioned tensors, keyed by their binary slice key.
  const std::vector<TensorEntry>& slice_entries() const { return slice_entries_; }
  // The data entries of partitioned `entry`'s slices, in entry.slices order,
  // once the slices are known to tile the tensor exactly and each data entry
  // has the dtype and shape its slice needs (else DataLoss naming the tensor
  // and slice). Read() of each returns that slice's bytes, crc-checked.
  Result<std::vector<const TensorEntry*>> SliceParts(const TensorEntry& entry) const;
  const MappedFile& shard(int i) const { return *shards_[i]; }
  int num_shards() const { return static_cast<int>(shards_.size()); }

 private:
  BundleReader() = default;
  Status Load();
  Status LoadHeader(const std::string& index_path, std::string_view value);
  Status OpenShards(const std::string& index_path);
  Status CheckEntry(const std::string& index_path, const TensorEntry& entry) const;
  Status SizePartitioned(const std::string& index_path, TensorEntry* entry) const;
  Status CheckNoOverlap(const std::string& index_path) const;
  Result<TensorData> ReadWhole(const TensorEntry& entry) const;
  Result<TensorData> ReadPartitioned(const TensorEntry& entry) const;

  std::string prefix_;
  std::unique_ptr<MappedFile> index_file_;
  BundleHeader header_;
  TableStats index_stats_;
  std::vector<std::unique_ptr<MappedFile>> shards_;
  std::vector<TensorEntry> entries_;
  std::vector<TensorEntry> slice_entries_;
};

// How a BundleWriter lays out its data files.
struct BundleLayout {
  // Data files the caller stages itself, before creating the writer, at
  // DataFilename(prefix, i, NumDataShards(layout)) for i < shared_shards
  // (e.g. a source's shards shared by StagedOutput::AddShared);
  // BundleWriter::AddStored records tensors in them. The writer's own data
  // files follow them.
  int shared_shards = 0;
  // 0: everything the writer writes goes into one data file. Otherwise its
  // tensors are spread over data files of at most this many bytes each, in
  // write order (a larger tensor gets a file of its own).
  uint64_t max_shard_bytes = 0;
  // Every tensor the writer will write (Add*, not AddStored), in that order,
  // a partitioned one as one spec per AddSlice (the full key, the slice's
  // dtype and shape): with max_shard_bytes, the files are laid out from
  // these before any is written (their names count them). A key not listed
  // goes into the file being written.
  std::vector<TensorSpec> specs;
};

// The data files of a bundle written with `layout`: its shared ones plus the
// writer's own (at least one: TF opens every shard the header counts).
// InvalidArgument when a spec's shape overflows, or past kMaxBundleShards
// files.
Result<int> NumDataShards(const BundleLayout& layout);

// Writes a V2 bundle into a StagedOutput: the first data file is staged at
// Create(), the others as writing reaches them, the index when Finish() is
// called, so the data files are renamed into place before the index (TF's
// order: an .index means complete).
//
//   StagedOutput out;
//   SURGEON_ASSIGN_OR_RETURN(auto w, BundleWriter::Create(&out, "out/model.ckpt-0"));
//   SURGEON_RETURN_IF_ERROR(w->Add("w", DataType::kFloat, {2}, bytes));
//   SURGEON_RETURN_IF_ERROR(w->Finish());
//   SURGEON_RETURN_IF_ERROR(out.Commit());
class BundleWriter : public TensorWriter {
 public:
  static Result<std::unique_ptr<BundleWriter>> Create(StagedOutput* out, const std::string& prefix,
                                                      const BundleLayout& layout = {});
  ~BundleWriter() override;

  // Records a tensor whose bytes already lie in shared shard `shard_id`
  // (< layout.shared_shards) at [offset, offset + size) with `masked_crc32c`; no
  // bytes are written. A fixed-size dtype's size must match its shape. The
  // caller vouches for the bytes (and verifies their checksum if it must).
  Status AddStored(const std::string& key, DataType dtype, const Shape& shape, int shard_id, uint64_t offset,
                   uint64_t size, uint32_t masked_crc32c);

  // Appends a tensor given in V2 data layout and computes its crc32c.
  // Checks that `bytes` has the size dtype × shape requires (numeric types)
  // or is a well-formed string tensor (DT_STRING). Keys must be unique and
  // non-empty; data order is call order.
  Status Add(const std::string& key, DataType dtype, const Shape& shape, ByteSpan bytes) override;
  // Same, for bytes whose masked crc32c is already known and verified (a
  // tensor copied from a checkpoint): the crc is stored without a second pass.
  Status AddVerified(const std::string& key, DataType dtype, const Shape& shape, ByteSpan bytes,
                     uint32_t masked_crc32c) override;
  // Appends the pieces straight to the data file, with one running crc32c:
  // nothing is gathered. InvalidArgument naming the key when they do not add
  // up to dtype × shape (the staged output must then be discarded).
  Status AddPieces(const std::string& key, DataType dtype, const Shape& shape, const PieceSource& next) override;
  // Same, for a tensor copied file to file from a source mapping: stores
  // `masked_crc32c` (the source's) and folds the bytes actually copied into
  // `*crc` (see WritableFile::AppendMapped). The caller compares the two and
  // fails the staged output on a mismatch.
  Status AddMapped(const std::string& key, DataType dtype, const Shape& shape, const MappedRange& src,
                   uint32_t masked_crc32c, uint32_t* crc);
  // A tensor of a run copied file to file (AddCopiedRun): the source's
  // `size` bytes and stored checksum.
  struct CopiedTensor {
    std::string key;
    DataType dtype = DataType::kInvalid;
    Shape shape;
    uint64_t size = 0;
    uint32_t masked_crc32c = 0;
  };
  // Appends `src`, a contiguous run of source bytes holding `tensors` back
  // to back (their sizes sum to src.size), moved the `path` way
  // (WritableFile::AppendCopy: one copy_file_range for the whole run), and
  // records each entry with its source checksum. Does not look at the bytes:
  // the caller verifies the same range (BackgroundChecksums) and fails the
  // staged output on a mismatch.
  Status AddCopiedRun(const MappedRange& src, const std::vector<CopiedTensor>& tensors, CopyPath path);
  // Writes one slice of a partitioned tensor: a data entry under the binary
  // slice key and a slice record under `key` (full shape). Calls for the same
  // key must agree on dtype and full shape.
  Status AddSlice(const std::string& key, DataType dtype, const Shape& full_shape, const TensorSlice& slice,
                  ByteSpan bytes);

  // Writes the index into the StagedOutput. The caller then commits.
  Status Finish() override;

  uint64_t data_bytes() const override;
  const std::string& prefix() const;

 private:
  struct Rep;
  explicit BundleWriter(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace surgeon

#endif  // SURGEON_FORMAT_BUNDLE_H_
