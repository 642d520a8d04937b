// TF's SSTable (tensorflow/core/lib/io/table*.cc): a leveldb table without
// filter blocks. `.index` files of V2 checkpoints and whole V1 checkpoints are
// tables. File layout:
//
//   [data block][trailer] ... [metaindex block][trailer] [index block][trailer] [footer]
//   trailer: 1 byte compression type (0 none, 1 snappy) + fixed32 Mask(crc32c(block ‖ type))
//   footer (48 bytes): BlockHandle metaindex, BlockHandle index (varint64 offset,
//   varint64 size each), zero padding to 40 bytes, magic 0xdb4775248b80fb57.
//
// TableReader loads every entry into memory at Open(): checkpoint indexes are
// small (VGG16's is ~2 KB) and V1 values are read through the same path, so
// one full, CRC-checked scan is the simplest correct reader.
#ifndef SURGEON_FORMAT_TABLE_H_
#define SURGEON_FORMAT_TABLE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/file.h"
#include "surgeon/base/status.h"

namespace surgeon {

inline constexpr uint64_t kTableMagicNumber = 0xdb4775248b80fb57ull;

struct TableStats {
  int blocks = 0;             // data + index blocks read (the metaindex is checked, not counted)
  int compressed_blocks = 0;  // of which snappy
  int entries = 0;            // data entries
};

// A parsed table. Values are views into the mapped file, or into buffers
// owned by the reader for snappy blocks; all stay valid for the reader's life.
class TableReader {
 public:
  struct Entry {
    std::string key;
    std::string_view value;
  };

  struct Options {
    // A data block whose checksum fails (or that does not decompress) does
    // not fail Open(): its entries are left out and BadBlockFor() names it
    // for every key it may have held. TF's table reader reads blocks lazily,
    // so it, too, fails only the lookups that touch such a block.
    bool defer_bad_data_blocks = false;
  };

  // Parses `file` (which must outlive the reader). Every block's CRC is
  // checked; keys must be strictly increasing. Errors name `file->path()`.
  static Result<std::unique_ptr<TableReader>> Open(const MappedFile* file) { return Open(file, Options{}); }
  static Result<std::unique_ptr<TableReader>> Open(const MappedFile* file, const Options& options);

  // Entries in key order.
  const std::vector<Entry>& entries() const { return entries_; }
  // nullptr when absent.
  const Entry* Find(std::string_view key) const;
  const TableStats& stats() const { return stats_; }
  // With defer_bad_data_blocks: why the unreadable data block whose key range
  // holds `key` could not be read (DataLoss naming the file and the block's
  // offset), or nullptr. A block's range runs from just after the previous
  // block's index key up to its own index key.
  const Status* BadBlockFor(std::string_view key) const;

 private:
  struct BadBlock {
    std::optional<std::string> after;  // the previous block's index key; none for the first block
    std::string upto;                  // this block's index key
    Status error;
  };

  TableReader() = default;
  std::vector<Entry> entries_;
  std::vector<BadBlock> bad_blocks_;
  std::vector<std::unique_ptr<std::string>> uncompressed_;  // Snappy block buffers.
  TableStats stats_;
};

// Builds a table in memory with TF's exact options: 256 KiB blocks, restart
// interval 16 (1 in the index block), no compression, an empty metaindex
// block, leveldb's shortest-separator index keys. The result is byte-identical
// to what TF's TableBuilder writes for the same entries.
class TableBuilder {
 public:
  struct Options {
    size_t block_size = 262144;
    int block_restart_interval = 16;
  };
  TableBuilder() : TableBuilder(Options{}) {}
  explicit TableBuilder(Options options);
  ~TableBuilder();

  // REQUIRES: key > every key added before (bytewise), Finish() not called.
  // Returns InvalidArgument on out-of-order keys instead of asserting, since
  // keys can come from user input.
  Status Add(std::string_view key, std::string_view value);
  // Returns the complete file contents.
  std::string Finish();

 private:
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

}  // namespace surgeon

#endif  // SURGEON_FORMAT_TABLE_H_
