#include "surgeon/exec/copy.h"

#include <algorithm>
#include <tuple>

#include "surgeon/base/background_checksums.h"
#include "surgeon/base/cpus.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/dtype.h"
#include "surgeon/plan/cast.h"

namespace surgeon {

bool CopyRunsByDefault() { return UsableCpus() >= 2; }

namespace {

// The error for a tensor whose bytes did not match its stored checksum:
// the reader's own (a plain Read finds the same mismatch), naming the file.
Status ChecksumError(const CheckpointReader& reader, const TensorEntry& e, const MappedRange& range,
                     const std::string& key) {
  auto data = reader.Read(e);
  if (!data.ok()) return data.status();
  return Status::DataLoss(range.file->path() + ": checksum mismatch in the bytes of the tensor copied to '" + key +
                          "'");
}

// Tensors at least this large are verified while they are written (below,
// the writer buffers them and a separate CRC over hot bytes is as cheap).
constexpr uint64_t kStreamBytes = 4 << 20;

// A fixed-size whole tensor of a V2 bundle: one pass. The writer checks each
// piece's CRC just before writing it from the mapping, while it is in cache,
// and unmaps it behind. The output is only staged, so a mismatch is still
// reported before anything is committed.
Status CopyMapped(const CheckpointReader& reader, const TensorEntry& e, const MappedRange& range,
                  const std::string& key, DataType dtype, const Shape& shape, BundleWriter* writer) {
  uint32_t crc = 0;
  SURGEON_RETURN_IF_ERROR(writer->AddMapped(key, dtype, shape, range, e.masked_crc32c, &crc));
  if (crc32c::Mask(crc) == e.masked_crc32c) return Status::OK();
  return ChecksumError(reader, e, range, key);
}

// A tensor whose float type changes: read (verified), convert, write with a
// fresh checksum. Returns the bytes written.
Result<uint64_t> CastTensor(const CheckpointReader& reader, const CopyItem& item, TensorWriter* writer) {
  const TensorEntry& e = *item.source;
  SURGEON_ASSIGN_OR_RETURN(TensorData data, reader.Read(e));
  SURGEON_ASSIGN_OR_RETURN(auto cast, CastTensorBytes(data.bytes(), e.dtype, item.dtype, e.key));
  SURGEON_RETURN_IF_ERROR(writer->Add(item.target_key, item.dtype, item.shape, ByteSpan(cast.data(), cast.size())));
  return static_cast<uint64_t>(cast.size());
}

// One slice of a partitioned tensor, copied as a slice: its data entry is
// read (crc-checked) and added under the full tensor's key. Only a V2
// bundle stores slices; the callers give other formats whole tensors.
Status CopySlice(const CheckpointReader& reader, const CopyItem& item, TensorWriter* out) {
  auto* writer = dynamic_cast<BundleWriter*>(out);
  if (writer == nullptr) {
    return Status::Internal("slice of '" + item.target_key + "' given to a writer that cannot store slices");
  }
  SURGEON_ASSIGN_OR_RETURN(TensorData data, reader.Read(*item.source));
  const TensorEntry& full = *item.partitioned;
  return writer->AddSlice(item.target_key, full.dtype, full.shape, item.slice, data.bytes());
}

// Runs: at most this many bytes each, so progress moves and a failure is
// found no later than one run in.
constexpr uint64_t kMaxRunBytes = uint64_t{1} << 30;

// Whether `item` can be part of a run: a whole fixed-size V2 tensor copied
// as it is stored.
bool Runnable(const CheckpointReader& reader, const CopyItem& item) {
  const TensorEntry& e = *item.source;
  return item.partitioned == nullptr && item.dtype == e.dtype && DataTypeSize(e.dtype) > 0 &&
         reader.StoredRange(e).has_value();
}

// Whether `next`'s bytes start in the same shard where `prev`'s end.
bool Adjacent(const TensorEntry& prev, const TensorEntry& next) {
  return next.shard_id == prev.shard_id && next.offset == prev.offset + prev.size;
}

// The end of the run that starts at items[begin]: items are runnable and
// back to back, the run is at most kMaxRunBytes (a larger tensor is a run
// of its own).
size_t RunEnd(const CheckpointReader& reader, const std::vector<CopyItem>& items, size_t begin) {
  if (!Runnable(reader, items[begin])) return begin;
  uint64_t bytes = items[begin].source->size;
  size_t end = begin + 1;
  while (end < items.size() && Runnable(reader, items[end]) && Adjacent(*items[end - 1].source, *items[end].source) &&
         bytes + items[end].source->size <= kMaxRunBytes) {
    bytes += items[end].source->size;
    ++end;
  }
  return end;
}

// Copies items[begin, end), one run, with one AppendCopy while a second
// thread checksums each tensor from the page cache; then compares. A
// mismatch is reported before a copy error: it names the tensor.
Status CopyRun(const CheckpointReader& reader, const std::vector<CopyItem>& items, size_t begin, size_t end,
               BundleWriter* writer, CopyPath path) {
  std::vector<MappedRange> ranges;
  std::vector<BundleWriter::CopiedTensor> tensors;
  for (size_t i = begin; i < end; ++i) {
    const CopyItem& item = items[i];
    ranges.push_back(*reader.StoredRange(*item.source));
    tensors.push_back({item.target_key, item.dtype, item.shape, item.source->size, item.source->masked_crc32c});
  }
  const MappedRange run{ranges.front().file, ranges.front().offset,
                        ranges.back().offset + ranges.back().size - ranges.front().offset};
  BackgroundChecksums crcs(ranges);
  const Status copied = writer->AddCopiedRun(run, tensors, path);
  const std::vector<uint32_t>& got = crcs.Wait();
  for (size_t i = 0; i < ranges.size(); ++i) {
    const TensorEntry& e = *items[begin + i].source;
    if (crc32c::Mask(got[i]) != e.masked_crc32c) return ChecksumError(reader, e, ranges[i], tensors[i].key);
  }
  return copied;
}

// One tensor outside a run: a slice, a cast or a plain copy. Returns the
// bytes written.
Result<uint64_t> CopyOne(const CheckpointReader& reader, const CopyItem& item, TensorWriter* writer,
                         CopyTotals* totals) {
  const TensorEntry& e = *item.source;
  if (item.partitioned != nullptr) {
    SURGEON_RETURN_IF_ERROR(CopySlice(reader, item, writer));
    return e.size;
  }
  if (item.dtype != e.dtype) {
    totals->cast++;
    return CastTensor(reader, item, writer);
  }
  SURGEON_RETURN_IF_ERROR(CopyTensor(reader, e, item.target_key, item.dtype, item.shape, writer));
  return e.size;
}

}  // namespace

ProgressMeter::ProgressMeter(size_t tensors_total, uint64_t bytes_total, ProgressFn fn) : fn_(std::move(fn)) {
  progress_.tensors_total = tensors_total;
  progress_.bytes_total = bytes_total;
}

void ProgressMeter::Advance(uint64_t bytes) {
  progress_.tensors_done++;
  progress_.bytes_done += bytes;
  if (fn_) fn_(progress_);
}

CopyItem SameCopy(const TensorEntry& source) { return CopyItem{&source, source.key, source.dtype, source.shape}; }

Status CopyTensor(const CheckpointReader& reader, const TensorEntry& e, const std::string& key, DataType dtype,
                  const Shape& shape, TensorWriter* writer) {
  const std::optional<MappedRange> range = reader.StoredRange(e);
  // Only a V2 bundle writer appends exactly the tensor's bytes (other
  // formats add headers or hand the bytes to a library), so only it can copy
  // file to file and verify on the way.
  auto* bundle = dynamic_cast<BundleWriter*>(writer);
  if (bundle != nullptr && range && e.size >= kStreamBytes && DataTypeSize(e.dtype) > 0) {
    return CopyMapped(reader, e, *range, key, dtype, shape, bundle);
  }
  SURGEON_ASSIGN_OR_RETURN(TensorData data, reader.Read(e));
  SURGEON_RETURN_IF_ERROR(writer->AddVerified(key, dtype, shape, data.bytes(), data.masked_crc32c));
  if (range) range->file->DontNeed(range->offset, range->size);
  return Status::OK();
}

bool ReadsBefore(const TensorEntry& a, const TensorEntry& b) {
  bool aw = a.stored_whole(), bw = b.stored_whole();
  if (aw != bw) return aw;
  if (aw) return std::tie(a.shard_id, a.offset) < std::tie(b.shard_id, b.offset);
  return a.key < b.key;
}

void SortForSequentialReads(std::vector<CopyItem>* items) {
  std::stable_sort(items->begin(), items->end(),
                   [](const CopyItem& a, const CopyItem& b) { return ReadsBefore(*a.source, *b.source); });
}

Result<CopyTotals> CopyTensors(const CheckpointReader& reader, const std::vector<CopyItem>& items, TensorWriter* writer,
                               ProgressMeter* progress, const CopyOptions& options) {
  CopyTotals totals;
  auto count = [&](uint64_t written) {
    totals.copied++;
    totals.bytes += written;
    if (progress) progress->Advance(written);
  };
  auto* bundle = dynamic_cast<BundleWriter*>(writer);
  for (size_t i = 0; i < items.size();) {
    // items[i, end) is a run (empty when items[i] cannot be in one); a run
    // too small to be worth a thread goes tensor by tensor.
    const size_t end = bundle != nullptr && options.runs ? RunEnd(reader, items, i) : i;
    uint64_t run_bytes = 0;
    for (size_t j = i; j < end; ++j) run_bytes += items[j].source->size;
    if (end > i && run_bytes >= kStreamBytes) {
      SURGEON_RETURN_IF_ERROR(CopyRun(reader, items, i, end, bundle, options.path));
      for (; i < end; ++i) count(items[i].source->size);
      continue;
    }
    for (const size_t stop = std::max(end, i + 1); i < stop; ++i) {
      SURGEON_ASSIGN_OR_RETURN(uint64_t written, CopyOne(reader, items[i], writer, &totals));
      count(written);
    }
  }
  return totals;
}

}  // namespace surgeon
