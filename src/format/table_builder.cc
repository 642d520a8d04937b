// Builds a table byte-identical to TF's TableBuilder (core/lib/io/table_builder.cc,
// block_builder.cc) with BundleWriter's options: no compression, 256 KiB
// blocks, restart interval 16, index block restart interval 1, empty
// metaindex block.
#include "base/coding.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/table.h"

namespace surgeon {
namespace {

class BlockBuilder {
 public:
  explicit BlockBuilder(int restart_interval) : interval_(restart_interval) { restarts_.push_back(0); }

  void Add(std::string_view key, std::string_view value) {
    size_t shared = 0;
    if (counter_ < interval_) {
      size_t min_len = std::min(last_key_.size(), key.size());
      while (shared < min_len && last_key_[shared] == key[shared]) shared++;
    } else {
      restarts_.push_back(static_cast<uint32_t>(buffer_.size()));
      counter_ = 0;
    }
    PutVarint32(&buffer_, static_cast<uint32_t>(shared));
    PutVarint32(&buffer_, static_cast<uint32_t>(key.size() - shared));
    PutVarint32(&buffer_, static_cast<uint32_t>(value.size()));
    buffer_.append(key.data() + shared, key.size() - shared);
    buffer_.append(value.data(), value.size());
    last_key_.assign(key.data(), key.size());
    counter_++;
  }

  // Size of the block if finished now (TF's CurrentSizeEstimate).
  size_t CurrentSizeEstimate() const { return buffer_.size() + restarts_.size() * 4 + 4; }
  bool empty() const { return buffer_.empty(); }

  std::string Finish() {
    for (uint32_t r : restarts_) PutFixed32(&buffer_, r);
    PutFixed32(&buffer_, static_cast<uint32_t>(restarts_.size()));
    std::string out = std::move(buffer_);
    Reset();
    return out;
  }

 private:
  void Reset() {
    buffer_.clear();
    restarts_.assign(1, 0);
    counter_ = 0;
    last_key_.clear();
  }
  int interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;
  std::string last_key_;
};

// leveldb BytewiseComparator::FindShortestSeparator.
void ShortestSeparator(std::string* start, std::string_view limit) {
  size_t min_len = std::min(start->size(), limit.size());
  size_t diff = 0;
  while (diff < min_len && (*start)[diff] == limit[diff]) diff++;
  if (diff >= min_len) return;  // One is a prefix of the other.
  uint8_t byte = static_cast<uint8_t>((*start)[diff]);
  if (byte < 0xff && byte + 1 < static_cast<uint8_t>(limit[diff])) {
    (*start)[diff] = static_cast<char>(byte + 1);
    start->resize(diff + 1);
  }
}

// leveldb BytewiseComparator::FindShortSuccessor.
void ShortSuccessor(std::string* key) {
  for (size_t i = 0; i < key->size(); i++) {
    if (static_cast<uint8_t>((*key)[i]) != 0xff) {
      (*key)[i] = static_cast<char>(static_cast<uint8_t>((*key)[i]) + 1);
      key->resize(i + 1);
      return;
    }
  }
}

void EncodeHandle(std::string* dst, uint64_t offset, uint64_t size) {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

}  // namespace

struct TableBuilder::Rep {
  Options options;
  std::string file;
  BlockBuilder data_block;
  BlockBuilder index_block{1};
  std::string last_key;
  int64_t num_entries = 0;
  bool pending_index_entry = false;
  uint64_t pending_offset = 0, pending_size = 0;
  bool finished = false;

  explicit Rep(Options o) : options(o), data_block(o.block_restart_interval) {}

  // Appends block contents + trailer; returns the handle.
  void WriteBlock(BlockBuilder* block, uint64_t* offset, uint64_t* size) {
    std::string contents = block->Finish();
    *offset = file.size();
    *size = contents.size();
    char type = 0;  // kNoCompression
    uint32_t crc = crc32c::Extend(crc32c::Value(contents.data(), contents.size()), &type, 1);
    file += contents;
    file.push_back(type);
    PutFixed32(&file, crc32c::Mask(crc));
  }

  void Flush() {
    if (data_block.empty()) return;
    WriteBlock(&data_block, &pending_offset, &pending_size);
    pending_index_entry = true;
  }

  void AddPendingIndexEntry(std::string separator_key) {
    std::string handle;
    EncodeHandle(&handle, pending_offset, pending_size);
    index_block.Add(separator_key, handle);
    pending_index_entry = false;
  }
};

TableBuilder::TableBuilder(Options options) : rep_(std::make_unique<Rep>(options)) {}
TableBuilder::~TableBuilder() = default;

Status TableBuilder::Add(std::string_view key, std::string_view value) {
  Rep& r = *rep_;
  if (r.finished) return Status::Internal("TableBuilder::Add after Finish");
  if (r.num_entries > 0 && !(r.last_key < key)) {
    return Status::InvalidArgument("table keys must be strictly increasing: '" + std::string(key) + "' after '" +
                                   r.last_key + "'");
  }
  // TF flushes an overly large entry's predecessor block first.
  if (r.num_entries > 0 && key.size() + value.size() >= 2 * r.options.block_size) r.Flush();
  if (r.pending_index_entry) {
    std::string sep = r.last_key;
    ShortestSeparator(&sep, key);
    r.AddPendingIndexEntry(std::move(sep));
  }
  r.last_key.assign(key.data(), key.size());
  r.num_entries++;
  r.data_block.Add(key, value);
  if (r.data_block.CurrentSizeEstimate() >= r.options.block_size) r.Flush();
  return Status::OK();
}

std::string TableBuilder::Finish() {
  Rep& r = *rep_;
  r.Flush();
  r.finished = true;
  uint64_t meta_offset, meta_size;
  BlockBuilder metaindex(r.options.block_restart_interval);
  r.WriteBlock(&metaindex, &meta_offset, &meta_size);
  if (r.pending_index_entry) {
    std::string succ = r.last_key;
    ShortSuccessor(&succ);
    r.AddPendingIndexEntry(std::move(succ));
  }
  uint64_t index_offset, index_size;
  r.WriteBlock(&r.index_block, &index_offset, &index_size);
  std::string footer;
  EncodeHandle(&footer, meta_offset, meta_size);
  EncodeHandle(&footer, index_offset, index_size);
  footer.resize(40, '\0');
  PutFixed32(&footer, static_cast<uint32_t>(kTableMagicNumber & 0xffffffffu));
  PutFixed32(&footer, static_cast<uint32_t>(kTableMagicNumber >> 32));
  r.file += footer;
  return std::move(r.file);
}

}  // namespace surgeon
