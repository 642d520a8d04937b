// Inputs: read-only mappings. Inputs are never opened for writing:
// surgeon's contract is that the source checkpoint is never modified.
#ifndef SURGEON_BASE_MAPPED_FILE_H_
#define SURGEON_BASE_MAPPED_FILE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "surgeon/base/bytes.h"
#include "surgeon/base/status.h"

namespace surgeon {

// A whole file mapped read-only. The bytes stay valid for the lifetime of the
// MappedFile. An empty file maps to an empty span. The file stays open
// (read-only) as well, so that a writer can copy ranges of it in the kernel
// (WritableFile::AppendCopy) while another thread checks the same bytes
// (BackgroundChecksums), both reading this one open file.
class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  // The open read-only descriptor, for copy_file_range / pread.
  int fd() const { return fd_; }
  ByteSpan bytes() const { return {data_, size_}; }
  // REQUIRES: offset + n <= size() (callers validate against size() first).
  ByteSpan bytes(uint64_t offset, uint64_t n) const { return {data_ + offset, n}; }

  // Starts reading [offset, offset+n) into the page cache, without waiting
  // (MADV_WILLNEED); clipped to the file.
  void WillNeed(uint64_t offset, uint64_t n) const;
  // Unmaps the pages covering [offset, offset+n), and those back to the 2 MB
  // boundary below it (large folios are mapped whole), from this process. They stay
  // in the page cache and the bytes stay valid: the mapping is read-only and
  // private, so a later access maps the same file bytes again. Streaming
  // through a large file this way keeps RSS (which counts mapped file pages)
  // bounded by what is in flight instead of growing to the file size.
  void DontNeed(uint64_t offset, uint64_t n) const;

 private:
  MappedFile(std::string path, int fd, const uint8_t* data, uint64_t size)
      : path_(std::move(path)), fd_(fd), data_(data), size_(size) {}
  std::string path_;
  int fd_;
  const uint8_t* data_;
  uint64_t size_;
};

// A run of bytes of a MappedFile, named by file and position rather than by
// pointer, so that a writer can move it file to file (see
// WritableFile::AppendMapped).
struct MappedRange {
  const MappedFile* file = nullptr;  // Not owned.
  uint64_t offset = 0;
  uint64_t size = 0;  // REQUIRES: offset + size <= file->size().
  ByteSpan bytes() const { return file->bytes(offset, size); }
};

Result<std::string> ReadFileToString(const std::string& path);

}  // namespace surgeon

#endif  // SURGEON_BASE_MAPPED_FILE_H_
