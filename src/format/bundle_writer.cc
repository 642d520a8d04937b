// Writes a V2 bundle byte-identical to TF's BundleWriter
// (tensor_bundle.cc) for the same tensors added in the same order:
//   data file: tensor bytes back to back in Add order, no padding
//              (data_alignment 1, as SaveV2 uses)
//   index:     "" -> BundleHeaderProto{num_shards: 1, version{producer: 1}},
//              then key -> BundleEntryProto{dtype, shape, [shard_id 0], offset, size, crc32c}
//              in key order, built by TableBuilder with TF's options.
// After N shared shards (BundleLayout) the header says num_shards N+1,
// stored tensors keep their shard/offset, added ones are in shard N. With
// max_shard_bytes, added tensors fill shards N, N+1, ... in Add order (TF
// reads such a bundle like any other; its own writer makes one data file
// per saving device).
#include <set>
#include <string_view>

#include "format/bundle_entry_codec.h"
#include "format/bundle_writer_rep.h"
#include "format/data_shards.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/string_tensor.h"

namespace surgeon {

Status BundleWriter::Rep::CheckNewKey(const std::string& key) const {
  if (finished) return Status::Internal("BundleWriter: Add after Finish");
  if (key.empty())
    return Status::InvalidArgument("tensor name must not be empty (the empty key holds the bundle header)");
  if (entries.count(key)) return Status::InvalidArgument("tensor '" + key + "' added twice to " + prefix);
  return Status::OK();
}

void BundleWriter::Rep::Record(const std::string& key, DataType dtype, const Shape& shape, int shard_id, uint64_t at,
                               uint64_t size, uint32_t masked_crc32c) {
  tensorflow::BundleEntryProto e;
  e.set_dtype(static_cast<tensorflow::DataType>(dtype));
  *e.mutable_shape() = ShapeToProto(shape);
  e.set_shard_id(shard_id);
  e.set_offset(static_cast<int64_t>(at));
  e.set_size(static_cast<int64_t>(size));
  e.set_crc32c(masked_crc32c);
  entries.emplace(key, std::move(e));
}

void BundleWriter::Rep::Record(const std::string& key, DataType dtype, const Shape& shape, uint64_t size,
                               uint32_t masked_crc32c) {
  Record(key, dtype, shape, current_shard, offset, size, masked_crc32c);
  offset += size;
  written += size;
}

Status BundleWriter::Rep::StageThrough(int32_t shard) {
  while (current_shard < shard) {
    // Closed now, not at commit: a finished file's descriptor and buffer are
    // freed, so a layout of thousands of files costs neither.
    SURGEON_RETURN_IF_ERROR(data->Close());
    SURGEON_ASSIGN_OR_RETURN(data, out->Add(DataFilename(prefix, ++current_shard, num_shards)));
    offset = 0;
  }
  return Status::OK();
}

Status BundleWriter::Rep::MoveToShardOf(std::string_view key) {
  const auto it = shard_of.find(key);
  if (it == shard_of.end() || it->second.empty()) return Status::OK();
  const int32_t shard = it->second.front();
  it->second.pop_front();
  if (shard < current_shard) {
    return Status::Internal("BundleWriter: tensor '" + std::string(key) + "' laid out in data file " +
                            std::to_string(shard) + " was added after file " + std::to_string(current_shard) +
                            " was begun (tensors added out of the order given)");
  }
  return StageThrough(shard);
}

Status BundleWriter::Rep::Append(const std::string& key, DataType dtype, const Shape& shape, ByteSpan bytes,
                                 uint32_t masked_crc32c) {
  SURGEON_RETURN_IF_ERROR(CheckNewKey(key));
  SURGEON_RETURN_IF_ERROR(MoveToShardOf(key));
  SURGEON_RETURN_IF_ERROR(data->Append(bytes));
  Record(key, dtype, shape, bytes.size(), masked_crc32c);
  return Status::OK();
}

namespace {

// A layout resolved: each spec's data file among the writer's own (0: its
// first) and the bundle's total count of data files.
struct ResolvedLayout {
  std::vector<int> own_shard_of_spec;
  int num_shards = 1;
};

// ResolvedLayout::own_shard_of_spec.
Result<std::vector<int>> OwnShardOfSpecs(const BundleLayout& layout) {
  if (layout.max_shard_bytes == 0) return std::vector<int>(layout.specs.size(), 0);
  std::vector<uint64_t> sizes;
  sizes.reserve(layout.specs.size());
  for (const TensorSpec& t : layout.specs) {
    if (DataTypeSize(t.dtype) == 0) {
      sizes.push_back(t.stored_bytes);
      continue;
    }
    auto bytes = FixedTensorBytes(t.dtype, t.shape);
    if (!bytes.ok()) return bytes.status().WithContext("tensor '" + t.key + "'");
    sizes.push_back(*bytes);
  }
  return AssignDataShards(sizes, layout.max_shard_bytes);
}

Result<ResolvedLayout> Resolve(const BundleLayout& layout) {
  ResolvedLayout r;
  SURGEON_ASSIGN_OR_RETURN(r.own_shard_of_spec, OwnShardOfSpecs(layout));
  const std::vector<int>& own = r.own_shard_of_spec;
  const int64_t total = int64_t{layout.shared_shards} + (own.empty() ? 1 : own.back() + 1);
  if (layout.shared_shards < 0 || total > kMaxBundleShards) {
    return Status::InvalidArgument(std::to_string(total) + " data files (" + std::to_string(layout.shared_shards) +
                                   " shared), more than the " + std::to_string(kMaxBundleShards) +
                                   " a checkpoint may have; raise the shard size limit");
  }
  r.num_shards = static_cast<int>(total);
  return r;
}

}  // namespace

Result<int> NumDataShards(const BundleLayout& layout) {
  SURGEON_ASSIGN_OR_RETURN(const ResolvedLayout r, Resolve(layout));
  return r.num_shards;
}

BundleWriter::BundleWriter(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
BundleWriter::~BundleWriter() = default;

Result<std::unique_ptr<BundleWriter>> BundleWriter::Create(StagedOutput* out, const std::string& prefix,
                                                           const BundleLayout& layout) {
  auto resolved = Resolve(layout);
  if (!resolved.ok()) return resolved.status().WithContext(prefix);
  const std::vector<int>& own = resolved->own_shard_of_spec;
  auto rep = std::make_unique<Rep>();
  rep->out = out;
  rep->prefix = prefix;
  rep->shared_shards = layout.shared_shards;
  rep->current_shard = layout.shared_shards;
  rep->num_shards = resolved->num_shards;
  if (layout.max_shard_bytes > 0) {
    for (size_t i = 0; i < own.size(); ++i) rep->shard_of[layout.specs[i].key].push_back(layout.shared_shards + own[i]);
  }
  SURGEON_ASSIGN_OR_RETURN(rep->data, out->Add(DataFilename(prefix, rep->current_shard, rep->num_shards)));
  return std::unique_ptr<BundleWriter>(new BundleWriter(std::move(rep)));
}

Status BundleWriter::AddStored(const std::string& key, DataType dtype, const Shape& shape, int shard_id,
                               uint64_t offset, uint64_t size, uint32_t masked_crc32c) {
  SURGEON_RETURN_IF_ERROR(rep_->CheckNewKey(key));
  if (shard_id < 0 || shard_id >= rep_->shared_shards) {
    return Status::Internal("tensor '" + key + "': stored in shard " + std::to_string(shard_id) + ", but " +
                            rep_->prefix + " shares " + std::to_string(rep_->shared_shards));
  }
  if (DataTypeSize(dtype) > 0) {
    SURGEON_ASSIGN_OR_RETURN(uint64_t expected, FixedTensorBytes(dtype, shape));
    if (size != expected) {
      return Status::InvalidArgument("tensor '" + key + "': " + std::to_string(size) + " stored bytes for " +
                                     DataTypeName(dtype) + " " + ShapeToString(shape) + ", which needs " +
                                     std::to_string(expected));
    }
  }
  rep_->Record(key, dtype, shape, shard_id, offset, size, masked_crc32c);
  return Status::OK();
}

Status BundleWriter::Add(const std::string& key, DataType dtype, const Shape& shape, ByteSpan bytes) {
  SURGEON_ASSIGN_OR_RETURN(int64_t n, NumElements(shape));
  uint32_t masked;
  if (dtype == DataType::kString) {
    auto decoded = DecodeStringTensor(bytes, static_cast<uint64_t>(n), &masked);
    if (!decoded.ok()) return Status::InvalidArgument("tensor '" + key + "': " + decoded.status().message());
  } else if (DataTypeSize(dtype) > 0) {
    SURGEON_ASSIGN_OR_RETURN(uint64_t expected, FixedTensorBytes(dtype, shape));
    if (bytes.size() != expected) {
      return Status::InvalidArgument("tensor '" + key + "': " + std::to_string(bytes.size()) + " bytes given for " +
                                     DataTypeName(dtype) + " " + ShapeToString(shape) + ", which needs " +
                                     std::to_string(expected));
    }
    masked = crc32c::Mask(crc32c::Value(bytes.data(), bytes.size()));
  } else {
    return Status::Unimplemented("tensor '" + key + "': cannot write dtype " + DataTypeName(dtype));
  }
  return rep_->Append(key, dtype, shape, bytes, masked);
}

Status BundleWriter::AddVerified(const std::string& key, DataType dtype, const Shape& shape, ByteSpan bytes,
                                 uint32_t masked_crc32c) {
  return rep_->Append(key, dtype, shape, bytes, masked_crc32c);
}

Status BundleWriter::AddPieces(const std::string& key, DataType dtype, const Shape& shape, const PieceSource& next) {
  SURGEON_RETURN_IF_ERROR(rep_->CheckNewKey(key));
  SURGEON_RETURN_IF_ERROR(rep_->MoveToShardOf(key));
  SURGEON_ASSIGN_OR_RETURN(const uint64_t expected, FixedTensorBytes(dtype, shape));
  uint64_t size = 0;
  uint32_t crc = 0;
  for (;;) {
    SURGEON_ASSIGN_OR_RETURN(ByteSpan piece, next());
    if (piece.empty()) break;
    size += piece.size();
    if (size > expected) break;
    crc = crc32c::Extend(crc, piece.data(), piece.size());
    SURGEON_RETURN_IF_ERROR(rep_->data->Append(piece));
  }
  if (size != expected) {
    return Status::InvalidArgument("tensor '" + key + "': " + (size > expected ? "at least " : "") +
                                   std::to_string(size) + " bytes given for " + DataTypeName(dtype) + " " +
                                   ShapeToString(shape) + ", which needs " + std::to_string(expected));
  }
  rep_->Record(key, dtype, shape, size, crc32c::Mask(crc));
  return Status::OK();
}

Status BundleWriter::AddMapped(const std::string& key, DataType dtype, const Shape& shape, const MappedRange& src,
                               uint32_t masked_crc32c, uint32_t* crc) {
  SURGEON_RETURN_IF_ERROR(rep_->CheckNewKey(key));
  SURGEON_RETURN_IF_ERROR(rep_->MoveToShardOf(key));
  SURGEON_RETURN_IF_ERROR(rep_->data->AppendMapped(src, crc));
  rep_->Record(key, dtype, shape, src.size, masked_crc32c);
  return Status::OK();
}

Status BundleWriter::AddCopiedRun(const MappedRange& src, const std::vector<CopiedTensor>& tensors, CopyPath path) {
  uint64_t total = 0;
  std::set<std::string_view> keys;
  for (const CopiedTensor& t : tensors) {
    SURGEON_RETURN_IF_ERROR(rep_->CheckNewKey(t.key));
    if (!keys.insert(t.key).second) {
      return Status::InvalidArgument("tensor '" + t.key + "' added twice to " + rep_->prefix);
    }
    total += t.size;
  }
  if (total != src.size) {
    return Status::Internal("BundleWriter: a copied run of " + std::to_string(src.size) + " bytes from " +
                            src.file->path() + " given tensors of " + std::to_string(total));
  }
  // One copy per data file the run's tensors were laid out in.
  uint64_t at = src.offset;
  for (size_t begin = 0, end; begin < tensors.size(); begin = end) {
    SURGEON_RETURN_IF_ERROR(rep_->MoveToShardOf(tensors[begin].key));
    uint64_t size = tensors[begin].size;
    for (end = begin + 1; end < tensors.size() && !rep_->LeavesCurrentShard(tensors[end].key); ++end) {
      size += tensors[end].size;
    }
    SURGEON_RETURN_IF_ERROR(rep_->data->AppendCopy(MappedRange{src.file, at, size}, path));
    for (size_t i = begin; i < end; ++i) {
      const CopiedTensor& t = tensors[i];
      rep_->Record(t.key, t.dtype, t.shape, t.size, t.masked_crc32c);
    }
    at += size;
  }
  return Status::OK();
}

Status BundleWriter::Finish() {
  Rep& r = *rep_;
  if (r.finished) return Status::Internal("BundleWriter: Finish called twice");
  r.finished = true;
  // Files laid out for tensors that were never added: TF opens every shard
  // the header counts.
  SURGEON_RETURN_IF_ERROR(r.StageThrough(r.num_shards - 1));
  BundleHeader header;  // Little-endian, version {producer 1}.
  header.num_shards = r.num_shards;
  TableBuilder table;
  SURGEON_RETURN_IF_ERROR(table.Add("", HeaderToProto(header).SerializeAsString()));
  for (const auto& [key, entry] : r.entries) {
    SURGEON_RETURN_IF_ERROR(table.Add(key, entry.SerializeAsString()));
  }
  SURGEON_ASSIGN_OR_RETURN(WritableFile * index, r.out->Add(IndexFilename(r.prefix)));
  return index->Append(table.Finish());
}

uint64_t BundleWriter::data_bytes() const { return rep_->written; }
const std::string& BundleWriter::prefix() const { return rep_->prefix; }

}  // namespace surgeon
