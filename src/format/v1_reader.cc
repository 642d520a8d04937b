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
#include <regex>

#include "base/coding.h"
#include "format/tensor_slices.h"
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

// ---- A minimal protobuf wire-format scanner over mapped bytes.

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

struct WireField {
  uint32_t number = 0;
  int wire_type = 0;
  uint64_t varint = 0;    // kVarint
  std::string_view data;  // kLengthDelimited payload, or the raw 4/8 bytes of a fixed field
  std::string_view raw;   // kVarint: the varint's bytes
};

class WireScanner {
 public:
  explicit WireScanner(std::string_view in) : p_(in.data()), limit_(in.data() + in.size()) {}

  // Returns false at the end of input or on malformed input (then error()).
  bool Next(WireField* f) {
    if (p_ == limit_ || error_) return false;
    uint64_t tag;
    const char* q = GetVarint64Ptr(p_, limit_, &tag);
    if (q == nullptr || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff) return Fail();
    f->number = static_cast<uint32_t>(tag >> 3);
    f->wire_type = static_cast<int>(tag & 7);
    switch (f->wire_type) {
      case kVarint: {
        const char* r = GetVarint64Ptr(q, limit_, &f->varint);
        if (r == nullptr) return Fail();
        f->raw = std::string_view(q, r - q);
        p_ = r;
        return true;
      }
      case kFixed64:
      case kFixed32: {
        size_t n = f->wire_type == kFixed64 ? 8 : 4;
        if (static_cast<size_t>(limit_ - q) < n) return Fail();
        f->data = std::string_view(q, n);
        p_ = q + n;
        return true;
      }
      case kLengthDelimited: {
        uint64_t len;
        const char* r = GetVarint64Ptr(q, limit_, &len);
        if (r == nullptr || len > static_cast<uint64_t>(limit_ - r)) return Fail();
        f->data = std::string_view(r, len);
        p_ = r + len;
        return true;
      }
      default:  // Groups (3, 4) never appear in these messages.
        return Fail();
    }
  }
  bool error() const { return error_; }

 private:
  bool Fail() {
    error_ = true;
    return false;
  }
  const char* p_;
  const char* limit_;
  bool error_ = false;
};

// ---- Which TensorProto field holds a dtype's values
// (saved_tensor_slice_util.h TENSOR_PROTO_EXTRACT_TYPE).

struct V1Codec {
  int field = 0;             // TensorProto field number
  int value_wire_type = 0;   // kFixed32, kFixed64, kVarint or kLengthDelimited (string_val)
  int values_per_element = 1;
  int out_bytes = 0;         // Bytes per element in V2 layout (0 for strings)
  bool is_bool = false;
};

bool CodecFor(DataType dt, V1Codec* c) {
  switch (dt) {
    case DataType::kFloat: *c = {5, kFixed32, 1, 4}; return true;
    case DataType::kDouble: *c = {6, kFixed64, 1, 8}; return true;
    case DataType::kComplex64: *c = {9, kFixed32, 2, 8}; return true;
    case DataType::kComplex128: *c = {12, kFixed64, 2, 16}; return true;
    case DataType::kInt32:
    case DataType::kQint32: *c = {7, kVarint, 1, 4}; return true;
    case DataType::kInt16:
    case DataType::kUint16: *c = {7, kVarint, 1, 2}; return true;  // TENSOR_PROTO_EXTRACT_TYPE(uint16, int, int32)
    case DataType::kInt8:
    case DataType::kUint8:
    case DataType::kQint8:
    case DataType::kQuint8: *c = {7, kVarint, 1, 1}; return true;
    case DataType::kInt64: *c = {10, kVarint, 1, 8}; return true;
    case DataType::kBool: *c = {11, kVarint, 1, 1, true}; return true;
    case DataType::kHalf: *c = {13, kVarint, 1, 2}; return true;  // Raw 16 bits in an int32.
    case DataType::kString: *c = {8, kLengthDelimited, 1, 0}; return true;
    default: return false;
  }
}

// The values of one slice record: spans that, concatenated, form the packed
// encoding of the values (numeric), or one span per element (strings).
struct SliceValues {
  std::vector<std::string_view> chunks;
  uint64_t count = 0;  // Values (complex: 2 per element).
};

// Counts the varints in a packed chunk, checking each is well-formed.
bool CountVarints(std::string_view chunk, uint64_t* count) {
  const char* p = chunk.data();
  const char* limit = p + chunk.size();
  uint64_t n = 0, v;
  while (p < limit) {
    p = GetVarint64Ptr(p, limit, &v);
    if (p == nullptr) return false;
    ++n;
  }
  *count += n;
  return true;
}

// Parses SavedTensorSlices{data: SavedSlice{name, slice, data: TensorProto}}
// and collects the typed field's values. Messages are without context.
Status ParseSliceRecord(std::string_view record, const V1Codec& codec, std::string_view* name,
                        std::string_view* slice_proto, SliceValues* out) {
  WireScanner top(record);
  WireField f;
  std::string_view saved_slice;
  bool have_data = false;
  while (top.Next(&f)) {
    if (f.number == 2) {
      if (f.wire_type != kLengthDelimited || have_data) return Status::DataLoss("malformed SavedTensorSlices.data");
      saved_slice = f.data;
      have_data = true;
    }
  }
  if (top.error()) return Status::DataLoss("unparsable SavedTensorSlices record");
  if (!have_data) return Status::DataLoss("record has no SavedSlice data");

  WireScanner ss(saved_slice);
  std::string_view tensor_proto;
  while (ss.Next(&f)) {
    if (f.wire_type != kLengthDelimited) continue;
    if (f.number == 1) *name = f.data;
    if (f.number == 2) *slice_proto = f.data;
    if (f.number == 3) tensor_proto = f.data;  // Absent when the slice holds no values.
  }
  if (ss.error()) return Status::DataLoss("unparsable SavedSlice");

  WireScanner tp(tensor_proto);
  while (tp.Next(&f)) {
    if (static_cast<int>(f.number) != codec.field) continue;
    if (codec.value_wire_type == kLengthDelimited) {  // string_val: one element each.
      if (f.wire_type != kLengthDelimited) return Status::DataLoss("malformed string_val");
      out->chunks.push_back(f.data);
      ++out->count;
    } else if (f.wire_type == kLengthDelimited) {  // Packed (what TF writes).
      if (codec.value_wire_type == kVarint) {
        if (!CountVarints(f.data, &out->count)) return Status::DataLoss("malformed packed varint values");
      } else {
        size_t w = codec.value_wire_type == kFixed32 ? 4 : 8;
        if (f.data.size() % w != 0) return Status::DataLoss("packed value field length is not a multiple of " + std::to_string(w));
        out->count += f.data.size() / w;
      }
      if (!f.data.empty()) out->chunks.push_back(f.data);
    } else if (f.wire_type == codec.value_wire_type) {  // Unpacked, one value.
      out->chunks.push_back(f.wire_type == kVarint ? f.raw : f.data);
      ++out->count;
    } else {
      return Status::DataLoss("value field " + std::to_string(codec.field) + " has wire type " +
                              std::to_string(f.wire_type));
    }
  }
  if (tp.error()) return Status::DataLoss("unparsable TensorProto");
  return Status::OK();
}

// Writes the values of `v` as `count` V2-layout elements at dst.
void DecodeNumeric(const SliceValues& v, const V1Codec& codec, uint8_t* dst) {
  if (codec.value_wire_type != kVarint) {
    for (std::string_view c : v.chunks) {
      std::memcpy(dst, c.data(), c.size());
      dst += c.size();
    }
    return;
  }
  for (std::string_view c : v.chunks) {
    const char* p = c.data();
    const char* limit = p + c.size();
    uint64_t x;
    while (p < limit) {
      p = GetVarint64Ptr(p, limit, &x);  // Validated by CountVarints.
      if (codec.is_bool) x = x != 0;
      std::memcpy(dst, &x, codec.out_bytes);  // Low bytes: little-endian host (see coding.h).
      dst += codec.out_bytes;
    }
  }
}

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
  Result<TensorData> ReadSlices(const TensorEntry& e, const std::vector<StoredSlice>& slices) const;

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

// Reads files_[index]'s meta and registers its tensors in `tensors`
// (TensorSliceReader::LoadShard + RegisterTensorSlice).
Status V1Reader::LoadMeta(int index, uint64_t total_bytes, std::map<std::string, Merged>* tensors) {
  File& file = files_[index];
  const std::string& path = file.path();
  const TableReader::Entry* header = file.table->Find("");
  if (const Status* bad = file.table->BadBlockFor(""); header == nullptr && bad != nullptr) {
    return Status::DataLoss(bad->message() + "; that block holds the checkpoint's metadata (the \"\" record)");
  }
  if (header == nullptr) {
    return Status::DataLoss(path + ": no \"\" record holding SavedTensorSliceMeta: not a V1 checkpoint");
  }
  if (!LooksLikeV1Header(header->value)) {
    return Status::DataLoss(path + ": the \"\" record is not a V1 SavedTensorSlices meta" +
                            std::string(!header->value.empty() && (header->value[0] == 0x08 || header->value[0] == 0x10 ||
                                                                   header->value[0] == 0x1a)
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
  const auto& meta = sts.meta();
  file.versions = meta.versions();
  const tensorflow::VersionDef& versions = file.versions;
  // CheckVersions (core/framework/versions.cc) with consumer 1, min producer
  // 0, for every file (LoadShard checks each).
  if (versions.producer() < kCheckpointMinProducer) {
    return Status::FailedPrecondition(path + ": checkpoint producer version " + std::to_string(versions.producer()) +
                                      " is below the minimum " + std::to_string(kCheckpointMinProducer));
  }
  if (versions.min_consumer() > kCheckpointVersion) {
    return Status::FailedPrecondition(path + ": checkpoint requires reader version " +
                                      std::to_string(versions.min_consumer()) + " or newer; surgeon implements " +
                                      std::to_string(kCheckpointVersion));
  }
  for (int32_t bad : versions.bad_consumers()) {
    if (bad == kCheckpointVersion) {
      return Status::FailedPrecondition(path + ": checkpoint marks reader version " +
                                        std::to_string(kCheckpointVersion) + " as unable to read it");
    }
  }

  // Every element occupies at least one byte of some record in some file, so
  // a tensor with more elements than the files have bytes is corrupt
  // (checked before anything is sized by it).
  const std::string bytes_owner =
      files_.size() == 1 ? "the file has bytes" : "the checkpoint's " + std::to_string(files_.size()) + " files have bytes";
  for (const auto& t : meta.tensor()) {
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
  }
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

Result<TensorData> V1Reader::ReadSlices(const TensorEntry& e, const std::vector<StoredSlice>& slices) const {
  const std::string ctx = path_ + ": tensor '" + e.key + "'";
  V1Codec codec;
  if (!CodecFor(e.dtype, &codec)) {
    return Status::Unimplemented(ctx + " has dtype " + DataTypeName(e.dtype) +
                                 ", which V1 checkpoints cannot hold (saved_tensor_slice_util.h)");
  }
  if (slices.empty()) return Status::DataLoss(ctx + ": the meta lists no stored slices");
  // Slices from different files overlapping is named here, with both files;
  // CheckExactCover below reports the rest (overlap within one file, gaps).
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
  const uint64_t n = static_cast<uint64_t>(NumElements(e.shape).value());

  // Pass 1: find and parse every slice record in its own file's table,
  // checking value counts, before anything is allocated.
  std::vector<SliceValues> values(slices.size());
  for (size_t i = 0; i < slices.size(); ++i) {
    const TensorSlice& slice = slices[i].slice;
    const File& file = files_[slices[i].file];
    const std::string sctx = file.path() + ": tensor '" + e.key + "', slice " + SliceToString(slice);
    const std::string key = EncodeTensorNameSlice(e.key, slice);
    const TableReader::Entry* rec = file.table->Find(key);
    if (const Status* bad = file.table->BadBlockFor(key); rec == nullptr && bad != nullptr) {
      return Status::DataLoss(bad->message() + "; that block holds tensor '" + e.key + "'" +
                              (slices.size() > 1 ? ", slice " + SliceToString(slice) : std::string()));
    }
    if (rec == nullptr) {
      return Status::DataLoss(sctx + ": its data record is missing from the table (truncated or corrupt checkpoint)");
    }
    std::string_view name, slice_proto;
    Status s = ParseSliceRecord(rec->value, codec, &name, &slice_proto, &values[i]);
    if (!s.ok()) return Status::DataLoss(sctx + ": " + s.message());
    if (!name.empty() && name != e.key) {
      return Status::DataLoss(sctx + ": the record under its key names tensor '" + std::string(name) + "'");
    }
    tensorflow::TensorSliceProto sp;
    if (!sp.ParseFromArray(slice_proto.data(), static_cast<int>(slice_proto.size()))) {
      return Status::DataLoss(sctx + ": unparsable slice in the data record");
    }
    Result<TensorSlice> stored = SliceFromProto(sp, e.shape);
    if (!stored.ok() || !(*stored == slice)) {
      return Status::DataLoss(sctx + ": the data record describes a different slice");
    }
    const uint64_t expected =
        static_cast<uint64_t>(NumElements(SliceShape(slice, e.shape)).value()) * codec.values_per_element;
    if (values[i].count != expected) {
      return Status::DataLoss(sctx + ": the record holds " + std::to_string(values[i].count) + " values but " +
                              DataTypeName(e.dtype) + " " + ShapeToString(SliceShape(slice, e.shape)) + " needs " +
                              std::to_string(expected));
    }
  }

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

// "<base>-?????-of-<N>" or "<base>-<k>-of-<N>" (io_ops ShardedFilespec /
// ShardedFilename write %05d, wider past 99999).
struct ShardedName {
  std::string base;
  std::string num_shards_text;  // As written, so generated names match the files'.
  int64_t num_shards = 0;
};

bool ParseShardedName(const std::string& path, ShardedName* out) {
  static const std::regex kSharded("^(.+)-(\\?{5}|\\d{5,})-of-(\\d{5,})$");
  std::smatch m;
  if (!std::regex_match(path, m, kSharded)) return false;
  const std::string n_text = m[3].str(), k_text = m[2].str();
  // Names past int range are not TF's (the shard count is an int).
  if (n_text.size() > 9 || k_text.size() > 9) return false;
  const int64_t n = std::stoll(n_text);
  if (n < 1) return false;
  if (k_text[0] != '?' && std::stoll(k_text) >= n) return false;
  out->base = m[1].str();
  out->num_shards_text = n_text;
  out->num_shards = n;
  return true;
}

std::string ShardFilename(const ShardedName& s, int64_t k) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "-%05lld-of-", static_cast<long long>(k));
  return s.base + buf + s.num_shards_text;
}

}  // namespace

bool LooksLikeV1Header(std::string_view header_value) {
  return !header_value.empty() && header_value[0] == 0x0a;
}

std::string V1ShardPattern(const std::string& path) {
  ShardedName s;
  if (!ParseShardedName(path, &s)) return "";
  return s.base + "-?????" "-of-" + s.num_shards_text;  // Split: "??-" would be a trigraph.
}

Result<std::vector<std::string>> V1CheckpointFiles(const std::string& path) {
  ShardedName s;
  if (!ParseShardedName(path, &s)) return std::vector<std::string>{path};
  std::vector<std::string> files;
  for (int64_t k = 0; k < s.num_shards; ++k) {
    std::string f = ShardFilename(s, k);
    if (!FileExists(f)) {
      return Status::NotFound(path + ": sharded V1 checkpoint of " + std::to_string(s.num_shards) +
                              " files is missing shard file " + f);
    }
    files.push_back(std::move(f));
  }
  return files;
}

Result<std::unique_ptr<CheckpointReader>> OpenV1Checkpoint(const std::string& path) {
  SURGEON_ASSIGN_OR_RETURN(std::vector<std::string> files, V1CheckpointFiles(path));
  SURGEON_ASSIGN_OR_RETURN(auto reader, V1Reader::Open(path, files));
  return std::unique_ptr<CheckpointReader>(std::move(reader));
}

}  // namespace surgeon
