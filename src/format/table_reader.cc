// Reads a whole TF/leveldb table. See table.h for the layout.
//
// Block contents (leveldb block_builder.cc):
//   entry*: varint32 shared | varint32 unshared | varint32 value_len | key_delta | value
//   fixed32 restarts[num_restarts] | fixed32 num_restarts
// Every block on disk is followed by a 5-byte trailer (type, masked crc32c).
#include <snappy.h>

#include <algorithm>

#include "base/coding.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/table.h"

namespace surgeon {
namespace {

constexpr size_t kFooterSize = 48;
constexpr size_t kBlockTrailerSize = 5;

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
};

bool DecodeHandle(std::string_view* in, BlockHandle* h) {
  return GetVarint64(in, &h->offset) && GetVarint64(in, &h->size);
}

class BlockParser {
 public:
  BlockParser(const MappedFile* file, std::vector<std::unique_ptr<std::string>>* buffers, TableStats* stats)
      : file_(file), buffers_(buffers), stats_(stats) {}

  Status Corrupt(const std::string& what) const { return Status::DataLoss(file_->path() + ": " + what); }

  // Reads, CRC-checks and (if needed) decompresses the block at `h`.
  Result<std::string_view> ReadBlock(const BlockHandle& h, std::string_view kind) const {
    uint64_t file_size = file_->size();
    if (h.offset > file_size || h.size > file_size - h.offset || kBlockTrailerSize > file_size - h.offset - h.size) {
      return Corrupt(std::string(kind) + " block at offset " + std::to_string(h.offset) + " with size " +
                     std::to_string(h.size) + " extends past the end of the file (" + std::to_string(file_size) +
                     " bytes): truncated or corrupt table");
    }
    ByteSpan block = file_->bytes(h.offset, h.size + kBlockTrailerSize);
    const char* p = reinterpret_cast<const char*>(block.data());
    uint32_t stored = crc32c::Unmask(DecodeFixed32(p + h.size + 1));
    uint32_t actual = crc32c::Value(p, h.size + 1);  // contents ‖ type byte
    if (stored != actual) {
      return Corrupt(std::string(kind) + " block at offset " + std::to_string(h.offset) +
                     ": block checksum mismatch (file is corrupt)");
    }
    stats_->blocks++;
    char type = p[h.size];
    if (type == 0) return std::string_view(p, h.size);
    if (type == 1) {
      size_t ulen = 0;
      // IsValidCompressedBuffer walks the stream without allocating, so a
      // corrupt length can never size a huge buffer.
      if (!snappy::GetUncompressedLength(p, h.size, &ulen) || ulen > (size_t{1} << 31) ||
          !snappy::IsValidCompressedBuffer(p, h.size)) {
        return Corrupt(std::string(kind) + " block at offset " + std::to_string(h.offset) +
                       ": bad snappy-compressed block");
      }
      auto buf = std::make_unique<std::string>();
      if (!snappy::Uncompress(p, h.size, buf.get())) {
        return Corrupt(std::string(kind) + " block at offset " + std::to_string(h.offset) +
                       ": snappy decompression failed");
      }
      stats_->compressed_blocks++;
      buffers_->push_back(std::move(buf));
      return std::string_view(*buffers_->back());
    }
    return Corrupt(std::string(kind) + " block at offset " + std::to_string(h.offset) + ": bad block type " +
                   std::to_string(static_cast<unsigned char>(type)));
  }

  // Decodes every entry of a block, calling fn(key, value) in order.
  template <typename Fn>
  Status ParseEntries(std::string_view block, std::string_view kind, Fn&& fn) const {
    if (block.size() < 4)
      return Corrupt(std::string(kind) + " block too short (" + std::to_string(block.size()) + " bytes)");
    uint32_t num_restarts = DecodeFixed32(block.data() + block.size() - 4);
    uint64_t max_restarts = (block.size() - 4) / 4;
    if (num_restarts > max_restarts) return Corrupt(std::string(kind) + " block has a bad restart count");
    size_t limit = block.size() - 4 * (1 + static_cast<size_t>(num_restarts));
    const char* p = block.data();
    const char* end = p + limit;
    std::string key;
    while (p < end) {
      uint32_t shared, unshared, value_len;
      p = GetVarint32Ptr(p, end, &shared);
      if (p) p = GetVarint32Ptr(p, end, &unshared);
      if (p) p = GetVarint32Ptr(p, end, &value_len);
      if (p == nullptr || shared > key.size() ||
          static_cast<uint64_t>(unshared) + value_len > static_cast<uint64_t>(end - p)) {
        return Corrupt(std::string(kind) + " block has a corrupt entry after key '" + key + "'");
      }
      key.resize(shared);
      key.append(p, unshared);
      p += unshared;
      SURGEON_RETURN_IF_ERROR(fn(key, std::string_view(p, value_len)));
      p += value_len;
    }
    return Status::OK();
  }

 private:
  const MappedFile* file_;
  std::vector<std::unique_ptr<std::string>>* buffers_;
  TableStats* stats_;
};

}  // namespace

Result<std::unique_ptr<TableReader>> TableReader::Open(const MappedFile* file, const Options& options) {
  std::unique_ptr<TableReader> t(new TableReader());
  if (file->size() < kFooterSize) {
    return Status::DataLoss(file->path() + ": file is too short (" + std::to_string(file->size()) +
                            " bytes) to be an SSTable: truncated or not a checkpoint");
  }
  ByteSpan footer = file->bytes(file->size() - kFooterSize, kFooterSize);
  const char* f = reinterpret_cast<const char*>(footer.data());
  uint64_t magic = (static_cast<uint64_t>(DecodeFixed32(f + 44)) << 32) | DecodeFixed32(f + 40);
  if (magic != kTableMagicNumber) {
    return Status::DataLoss(file->path() +
                            ": not an SSTable (bad magic number): truncated, or not a TF checkpoint file");
  }
  std::string_view in(f, 40);
  BlockHandle metaindex, index;
  if (!DecodeHandle(&in, &metaindex) || !DecodeHandle(&in, &index)) {
    return Status::DataLoss(file->path() + ": corrupt table footer");
  }
  // The footer pads the two handles with zeros (leveldb Footer::EncodeTo);
  // anything else there is corruption the block CRCs cannot see.
  if (in.find_first_not_of('\0') != std::string_view::npos) {
    return Status::DataLoss(file->path() + ": corrupt table footer (non-zero padding)");
  }
  BlockParser parser(file, &t->uncompressed_, &t->stats_);
  // The metaindex block is read for its CRC only; TF writes it empty.
  SURGEON_ASSIGN_OR_RETURN(std::string_view meta_block, parser.ReadBlock(metaindex, "metaindex"));
  (void)meta_block;
  t->stats_.blocks--;  // Stats count data and index blocks, as TF's tools report them.
  SURGEON_ASSIGN_OR_RETURN(std::string_view index_block, parser.ReadBlock(index, "index"));
  std::vector<std::pair<std::string, BlockHandle>> data_blocks;  // (index key, handle)
  SURGEON_RETURN_IF_ERROR(parser.ParseEntries(index_block, "index", [&](const std::string& k, std::string_view v) {
    BlockHandle h;
    if (!DecodeHandle(&v, &h)) return parser.Corrupt("index block has a corrupt block handle");
    data_blocks.emplace_back(k, h);
    return Status::OK();
  }));
  for (size_t i = 0; i < data_blocks.size(); ++i) {
    Result<std::string_view> block = parser.ReadBlock(data_blocks[i].second, "data");
    if (!block.ok()) {
      if (!options.defer_bad_data_blocks) return block.status();
      std::optional<std::string> after;
      if (i > 0) after = data_blocks[i - 1].first;
      t->bad_blocks_.push_back({std::move(after), data_blocks[i].first, block.status()});
      continue;
    }
    SURGEON_RETURN_IF_ERROR(parser.ParseEntries(*block, "data", [&](const std::string& k, std::string_view v) {
      if (!t->entries_.empty() && !(t->entries_.back().key < k)) {
        return parser.Corrupt("keys out of order: '" + k + "' after '" + t->entries_.back().key + "'");
      }
      t->entries_.push_back(Entry{k, v});
      return Status::OK();
    }));
  }
  t->stats_.entries = static_cast<int>(t->entries_.size());
  return t;
}

const Status* TableReader::BadBlockFor(std::string_view key) const {
  for (const BadBlock& b : bad_blocks_) {
    if ((!b.after || *b.after < key) && key <= b.upto) return &b.error;
  }
  return nullptr;
}

const TableReader::Entry* TableReader::Find(std::string_view key) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const Entry& e, std::string_view k) { return e.key < k; });
  if (it == entries_.end() || it->key != key) return nullptr;
  return &*it;
}

}  // namespace surgeon
