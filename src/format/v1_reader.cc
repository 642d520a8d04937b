// Legacy V1 checkpoint reader: TensorSliceReader (tensor_slice_reader.cc)
// semantics over TF's SSTable, producing V2 data layout. A checkpoint is one
// table file or, when saved sharded, N of them read as one.
//
// Values are decoded straight from the mapped file with a small protobuf
// wire scanner instead of parsing SavedSlice into a TensorProto: vgg_16.ckpt's
// fc6/weights is a single 411 MB packed float_val field, which a whole-tensor
// contiguous float slice returns as a view into the mapping (no copy at all).
#include "surgeon/format/v1_reader.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <map>

#include "base/coding.h"
#include "format/tensor_slices.h"
#include "format/v1_slice_record.h"
#include "format/versions.h"
#include "format/wire_scanner.h"
#include "proto/saved_tensor_slice.pb.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/ordered_code.h"
#include "surgeon/format/string_tensor.h"
#include "surgeon/format/table.h"

namespace surgeon {
namespace {

// core/public/version.h: TF_CHECKPOINT_VERSION and _MIN_PRODUCER; the
// reader calls CheckVersions(meta.versions, 1, 0) (tensor_slice_reader.cc).
constexpr int kCheckpointVersion = 1;
constexpr int kCheckpointMinProducer = 0;

std::string VersionsToString(const tensorflow::VersionDef& v) {
  std::string s = "producer " + std::to_string(v.producer()) + ", min_consumer " + std::to_string(v.min_consumer());
  if (v.bad_consumers_size() > 0) {
    s += ", bad_consumers ";
    for (int i = 0; i < v.bad_consumers_size(); ++i) s += (i ? "," : "") + std::to_string(v.bad_consumers(i));
  }
  return s;
}

class V1Reader : public CheckpointReader {
 public:
  // `files`: every file of the checkpoint (one, or shards 0..N-1 in order).
  static Result<std::unique_ptr<V1Reader>> Open(const std::string& path, const std::vector<std::string>& files);

  CheckpointFormat format() const override { return CheckpointFormat::kV1; }
  const std::string& path() const override { return path_; }
  const std::vector<TensorEntry>& entries() const override { return entries_; }
  Result<TensorData> Read(const TensorEntry& entry) const override;
  std::vector<std::pair<std::string, std::string>> Describe() const override;

 private:
  // One table file. Its tensors' data records are looked up in its own table.
  struct File {
    std::unique_ptr<MappedFile> mapped;
    std::unique_ptr<TableReader> table;
    tensorflow::VersionDef versions;
    const std::string& path() const { return mapped->path(); }
  };
  // A slice exactly as a file's meta lists it (its record key is built from
  // it), and the file whose table stores that record.
  struct StoredSlice {
    TensorSlice slice;
    int file = 0;
  };
  // A tensor while the metas are merged: where it was first and last seen.
  struct Merged {
    TensorEntry entry;
    std::vector<StoredSlice> slices;
    int first_file = 0;
    int last_file = 0;
  };

  V1Reader() = default;
  Status Load(const std::vector<std::string>& files);
  Status LoadMeta(int file, uint64_t total_bytes, std::map<std::string, Merged>* tensors);
  Result<tensorflow::SavedTensorSlices> ParseMeta(const File& file) const;
  Status RegisterTensor(int index, const tensorflow::SavedSliceMeta& t, uint64_t total_bytes,
                        std::map<std::string, Merged>* tensors) const;
  Result<TensorData> ReadSlices(const TensorEntry& e, const std::vector<StoredSlice>& slices) const;
  Status CheckSliceGeometry(const std::string& ctx, const TensorEntry& e, const std::vector<StoredSlice>& slices) const;
  Status ReadSliceValues(const TensorEntry& e, const StoredSlice& stored, const V1Codec& codec,
                         SliceValues* values) const;

  std::string path_;
  std::vector<File> files_;
  std::vector<TensorEntry> entries_;
  // The slices stored for entries_[i], in file order, each as its file's
  // meta lists it.
  std::vector<std::vector<StoredSlice>> stored_slices_;
};

Result<std::unique_ptr<V1Reader>> V1Reader::Open(const std::string& path, const std::vector<std::string>& files) {
  std::unique_ptr<V1Reader> r(new V1Reader());
  r->path_ = path;
  SURGEON_RETURN_IF_ERROR(r->Load(files));
  return r;
}

Status V1Reader::Load(const std::vector<std::string>& files) {
  // Every file is opened (all its blocks CRC-checked) before any meta is
  // read: the element-count bound in LoadMeta is the bytes of all of them,
  // since a tensor's slices may be spread over every file.
  uint64_t total_bytes = 0;
  // A corrupt data block fails only the tensors whose records it holds
  // (named by Read), as with TF's lazy TensorSliceReader.
  TableReader::Options options;
  options.defer_bad_data_blocks = true;
  for (const std::string& f : files) {
    File file;
    SURGEON_ASSIGN_OR_RETURN(file.mapped, MappedFile::Open(f));
    SURGEON_ASSIGN_OR_RETURN(file.table, TableReader::Open(file.mapped.get(), options));
    total_bytes += file.mapped->size();
    files_.push_back(std::move(file));
  }
  // Sorted by key, as entries() must be.
  std::map<std::string, Merged> tensors;
  for (size_t i = 0; i < files_.size(); ++i) {
    SURGEON_RETURN_IF_ERROR(LoadMeta(static_cast<int>(i), total_bytes, &tensors));
  }
  entries_.reserve(tensors.size());
  stored_slices_.reserve(tensors.size());
  for (auto& [key, m] : tensors) {
    if (m.slices.size() > 1) {
      for (const StoredSlice& s : m.slices) m.entry.slices.push_back(s.slice);
    }
    entries_.push_back(std::move(m.entry));
    stored_slices_.push_back(std::move(m.slices));
  }
  return Status::OK();
}

// The SavedTensorSlices in a file's "" record, which must hold its meta.
Result<tensorflow::SavedTensorSlices> V1Reader::ParseMeta(const File& file) const {
  const std::string& path = file.path();
  const TableReader::Entry* header = file.table->Find("");
  if (const Status* bad = file.table->BadBlockFor(""); header == nullptr && bad != nullptr) {
    return Status::DataLoss(bad->message() + "; that block holds the checkpoint's metadata (the \"\" record)");
  }
  if (header == nullptr) {
    return Status::DataLoss(path + ": no \"\" record holding SavedTensorSliceMeta: not a V1 checkpoint");
  }
  if (!LooksLikeV1Header(header->value)) {
    return Status::DataLoss(
        path + ": the \"\" record is not a V1 SavedTensorSlices meta" +
        std::string(!header->value.empty() &&
                            (header->value[0] == 0x08 || header->value[0] == 0x10 || header->value[0] == 0x1a)
                        ? " (it looks like a V2 bundle header: open the checkpoint prefix, without .index)"
                        : ""));
  }
  if (header->value.size() > static_cast<size_t>(INT_MAX)) {
    return Status::DataLoss(path + ": V1 meta record is larger than 2 GiB");
  }
  tensorflow::SavedTensorSlices sts;
  {
    // ParseProtoUnlimited (tensor_slice_reader.cc): lift protobuf's 64 MiB default.
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(header->value.data()),
                                              static_cast<int>(header->value.size()));
    in.SetTotalBytesLimit(INT_MAX);
    if (!sts.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
      return Status::DataLoss(path + ": unable to parse the V1 SavedTensorSliceMeta (\"\" record)");
    }
  }
  if (!sts.has_meta()) return Status::DataLoss(path + ": the \"\" record holds no SavedTensorSliceMeta");
  return sts;
}

// Registers one tensor the meta of files_[index] lists
// (TensorSliceReader::RegisterTensorSlice).
Status V1Reader::RegisterTensor(int index, const tensorflow::SavedSliceMeta& t, uint64_t total_bytes,
                                std::map<std::string, Merged>* tensors) const {
  const std::string& path = files_[index].path();
  // Every element occupies at least one byte of some record in some file, so
  // a tensor with more elements than the files have bytes is corrupt
  // (checked before anything is sized by it).
  const std::string bytes_owner = files_.size() == 1
                                      ? "the file has bytes"
                                      : "the checkpoint's " + std::to_string(files_.size()) + " files have bytes";
  const std::string ctx = path + ": tensor '" + t.name() + "'";
  if (t.name().empty()) return Status::DataLoss(path + ": the meta lists a tensor with an empty name");
  TensorEntry e;
  e.key = t.name();
  if (!IsKnownDataType(t.type()) || t.type() == 0) {
    return Status::DataLoss(ctx + ": unknown dtype value " + std::to_string(t.type()));
  }
  e.dtype = static_cast<DataType>(t.type());
  if (t.shape().unknown_rank()) return Status::DataLoss(ctx + ": shape has unknown rank");
  for (const auto& d : t.shape().dim()) e.shape.push_back(d.size());
  Result<int64_t> n = NumElements(e.shape);
  if (!n.ok()) return Status::DataLoss(ctx + ": " + n.status().message());
  if (static_cast<uint64_t>(*n) > total_bytes) {
    return Status::DataLoss(ctx + ": shape " + ShapeToString(e.shape) + " has " + std::to_string(*n) +
                            " elements, more than " + bytes_owner + " (" + std::to_string(total_bytes) + ")");
  }
  std::vector<TensorSlice> slices;
  for (const auto& sp : t.slice()) {
    Result<TensorSlice> s = SliceFromProto(sp, e.shape);
    if (!s.ok()) return Status::DataLoss(ctx + ": " + s.status().message());
    slices.push_back(std::move(s).value());
  }

  auto [it, inserted] = tensors->try_emplace(e.key);
  Merged& m = it->second;
  if (inserted) {
    e.shard_id = -1;  // Assembled by Read().
    if (DataTypeSize(e.dtype) > 0) e.size = FixedTensorBytes(e.dtype, e.shape).value();
    m.entry = std::move(e);
    m.first_file = index;
  } else if (m.last_file == index) {
    return Status::DataLoss(path + ": the meta lists tensor '" + t.name() + "' twice");
  } else if (m.entry.dtype != e.dtype || m.entry.shape != e.shape) {
    // RegisterTensorSlice: "Incompatible tensor shapes/types".
    return Status::DataLoss("tensor '" + t.name() + "' is " + DataTypeName(m.entry.dtype) + " " +
                            ShapeToString(m.entry.shape) + " in " + files_[m.first_file].path() + " but " +
                            DataTypeName(e.dtype) + " " + ShapeToString(e.shape) + " in " + path +
                            ": the checkpoint's files disagree about it");
  }
  m.last_file = index;
  for (TensorSlice& s : slices) m.slices.push_back({std::move(s), index});
  return Status::OK();
}

// Reads files_[index]'s meta and registers its tensors in `tensors`
// (TensorSliceReader::LoadShard).
Status V1Reader::LoadMeta(int index, uint64_t total_bytes, std::map<std::string, Merged>* tensors) {
  File& file = files_[index];
  SURGEON_ASSIGN_OR_RETURN(tensorflow::SavedTensorSlices sts, ParseMeta(file));
  const auto& meta = sts.meta();
  file.versions = meta.versions();
  // TF's LoadShard checks every file.
  const tensorflow::VersionDef& v = file.versions;
  SURGEON_RETURN_IF_ERROR(CheckVersions(
      file.path(), "checkpoint", {v.producer(), v.min_consumer(), {v.bad_consumers().begin(), v.bad_consumers().end()}},
      kCheckpointVersion, kCheckpointMinProducer));
  for (const auto& t : meta.tensor()) SURGEON_RETURN_IF_ERROR(RegisterTensor(index, t, total_bytes, tensors));
  return Status::OK();
}

Result<TensorData> V1Reader::Read(const TensorEntry& entry) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), entry.key,
                             [](const TensorEntry& e, const std::string& k) { return e.key < k; });
  if (it == entries_.end() || it->key != entry.key) {
    return Status::NotFound(path_ + ": no tensor '" + entry.key + "'");
  }
  return ReadSlices(*it, stored_slices_[it - entries_.begin()]);
}

// Slices from different files overlapping is named here, with both files;
// CheckExactCover reports the rest (overlap within one file, gaps).
Status V1Reader::CheckSliceGeometry(const std::string& ctx, const TensorEntry& e,
                                    const std::vector<StoredSlice>& slices) const {
  if (slices.empty()) return Status::DataLoss(ctx + ": the meta lists no stored slices");
  for (size_t i = 0; i < slices.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (slices[i].file != slices[j].file && SlicesOverlap(slices[i].slice, slices[j].slice, e.shape)) {
        return Status::DataLoss(ctx + ": slice " + SliceToString(slices[j].slice) + " in " +
                                files_[slices[j].file].path() + " and slice " + SliceToString(slices[i].slice) +
                                " in " + files_[slices[i].file].path() + " overlap");
      }
    }
  }
  std::vector<TensorSlice> geometry;
  geometry.reserve(slices.size());
  for (const StoredSlice& s : slices) geometry.push_back(s.slice);
  if (Status s = CheckExactCover(geometry, e.shape); !s.ok()) return Status::DataLoss(ctx + ": " + s.message());
  return Status::OK();
}

// Finds and parses one slice record in its own file's table, checking that
// it is the slice the meta lists and holds the values its shape needs.
Status V1Reader::ReadSliceValues(const TensorEntry& e, const StoredSlice& stored, const V1Codec& codec,
                                 SliceValues* values) const {
  const TensorSlice& slice = stored.slice;
  const File& file = files_[stored.file];
  const std::string sctx = file.path() + ": tensor '" + e.key + "', slice " + SliceToString(slice);
  const std::string key = EncodeTensorNameSlice(e.key, slice);
  const TableReader::Entry* rec = file.table->Find(key);
  if (const Status* bad = file.table->BadBlockFor(key); rec == nullptr && bad != nullptr) {
    return Status::DataLoss(bad->message() + "; that block holds tensor '" + e.key + "'" +
                            (e.slices.empty() ? std::string() : ", slice " + SliceToString(slice)));
  }
  if (rec == nullptr) {
    return Status::DataLoss(sctx + ": its data record is missing from the table (truncated or corrupt checkpoint)");
  }
  std::string_view name, slice_proto;
  Status s = ParseSliceRecord(rec->value, codec, &name, &slice_proto, values);
  if (!s.ok()) return Status::DataLoss(sctx + ": " + s.message());
  if (!name.empty() && name != e.key) {
    return Status::DataLoss(sctx + ": the record under its key names tensor '" + std::string(name) + "'");
  }
  tensorflow::TensorSliceProto sp;
  if (!sp.ParseFromArray(slice_proto.data(), static_cast<int>(slice_proto.size()))) {
    return Status::DataLoss(sctx + ": unparsable slice in the data record");
  }
  Result<TensorSlice> parsed = SliceFromProto(sp, e.shape);
  if (!parsed.ok() || !(*parsed == slice)) {
    return Status::DataLoss(sctx + ": the data record describes a different slice");
  }
  const uint64_t expected =
      static_cast<uint64_t>(NumElements(SliceShape(slice, e.shape)).value()) * codec.values_per_element;
  if (values->count != expected) {
    return Status::DataLoss(sctx + ": the record holds " + std::to_string(values->count) + " values but " +
                            DataTypeName(e.dtype) + " " + ShapeToString(SliceShape(slice, e.shape)) + " needs " +
                            std::to_string(expected));
  }
  return Status::OK();
}

Result<TensorData> V1Reader::ReadSlices(const TensorEntry& e, const std::vector<StoredSlice>& slices) const {
  const std::string ctx = path_ + ": tensor '" + e.key + "'";
  V1Codec codec;
  if (!CodecFor(e.dtype, &codec)) {
    return Status::Unimplemented(ctx + " has dtype " + DataTypeName(e.dtype) +
                                 ", which V1 checkpoints cannot hold (saved_tensor_slice_util.h)");
  }
  SURGEON_RETURN_IF_ERROR(CheckSliceGeometry(ctx, e, slices));
  const uint64_t n = static_cast<uint64_t>(NumElements(e.shape).value());

  // Pass 1: every record parsed and its value count checked before anything
  // is allocated.
  std::vector<SliceValues> values(slices.size());
  for (size_t i = 0; i < slices.size(); ++i) SURGEON_RETURN_IF_ERROR(ReadSliceValues(e, slices[i], codec, &values[i]));

  // Pass 2: assemble.
  if (e.dtype == DataType::kString) {
    std::vector<std::string_view> elements(n);
    for (size_t i = 0; i < slices.size(); ++i) {
      CopySliceInto<std::string_view>(slices[i].slice, e.shape, 1, values[i].chunks.data(), elements.data());
    }
    EncodedStringTensor enc = EncodeStringTensor(elements);
    return TensorData::Owned(std::move(enc.bytes), enc.masked_crc32c);
  }
  if (slices.size() == 1 && codec.value_wire_type != kVarint && values[0].chunks.size() == 1) {
    // The packed field is the V2 layout already: hand out the mapped bytes.
    ByteSpan bytes = AsBytes(values[0].chunks[0]);
    return TensorData::View(bytes, crc32c::Mask(crc32c::Value(bytes.data(), bytes.size())));
  }
  std::vector<uint8_t> out(n * codec.out_bytes);
  if (slices.size() == 1) {
    if (n > 0) DecodeNumeric(values[0], codec, out.data());
  } else {
    std::vector<uint8_t> tmp;
    for (size_t i = 0; i < slices.size(); ++i) {
      tmp.resize(values[i].count / codec.values_per_element * codec.out_bytes);
      if (tmp.empty()) continue;
      DecodeNumeric(values[i], codec, tmp.data());
      CopySliceInto<uint8_t>(slices[i].slice, e.shape, codec.out_bytes, tmp.data(), out.data());
    }
  }
  const uint32_t masked = crc32c::Mask(crc32c::Value(out.data(), out.size()));
  return TensorData::Owned(std::move(out), masked);
}

std::vector<std::pair<std::string, std::string>> V1Reader::Describe() const {
  // Versions first (one line when every file agrees, as TF writes them);
  // table stats summed over the files.
  std::string version = VersionsToString(files_[0].versions);
  for (const File& f : files_) {
    if (VersionsToString(f.versions) != version) {
      version.clear();
      for (const File& g : files_) {
        version += (version.empty() ? "" : "; ") + Basename(g.path()) + ": " + VersionsToString(g.versions);
      }
      break;
    }
  }
  TableStats st;
  for (const File& f : files_) {
    st.blocks += f.table->stats().blocks;
    st.compressed_blocks += f.table->stats().compressed_blocks;
    st.entries += f.table->stats().entries;
  }
  return {
      {"version", version},
      {"num_files", std::to_string(files_.size())},
      {"index_blocks", std::to_string(st.blocks)},
      {"index_compressed_blocks", std::to_string(st.compressed_blocks)},
      {"index_entries", std::to_string(st.entries)},
  };
}

}  // namespace

bool LooksLikeV1Header(std::string_view header_value) { return !header_value.empty() && header_value[0] == 0x0a; }

Result<std::unique_ptr<CheckpointReader>> OpenV1Checkpoint(const std::string& path) {
  SURGEON_ASSIGN_OR_RETURN(std::vector<std::string> files, V1CheckpointFiles(path));
  SURGEON_ASSIGN_OR_RETURN(auto reader, V1Reader::Open(path, files));
  return std::unique_ptr<CheckpointReader>(std::move(reader));
}

}  // namespace surgeon
