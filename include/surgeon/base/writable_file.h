// Outputs: a file written through a buffer.
#ifndef SURGEON_BASE_WRITABLE_FILE_H_
#define SURGEON_BASE_WRITABLE_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "surgeon/base/bytes.h"
#include "surgeon/base/mapped_file.h"
#include "surgeon/base/status.h"

namespace surgeon {

// A file being written through a buffer. Append() of a large span bypasses
// the buffer (no extra copy). AppendMapped() copies a range of another file.
// Close() flushes; Sync() fsyncs.
class WritableFile {
 public:
  static Result<std::unique_ptr<WritableFile>> Create(const std::string& path);
  ~WritableFile();  // Closes (ignoring errors) if Close() was not called.
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;

  Status Append(ByteSpan data);
  Status Append(std::string_view data) { return Append(AsBytes(data)); }
  // Appends the bytes of `src` and folds them into `*crc` (CRC32C,
  // crc32c::Extend) on the way: one pass over memory, each cache-sized piece
  // checksummed just before it is written and its source pages unmapped
  // behind (RSS stays bounded). The caller compares `*crc` with what it
  // expects; a mismatch is found only after the bytes are written, so the
  // file must be staged output that is discarded on error. The copy of a
  // contiguous source run lives here alone, so a kernel-side copy
  // (copy_file_range) with the CRC computed alongside can replace the loop
  // without changing any caller.
  Status AppendMapped(const MappedRange& src, uint32_t* crc);
  Status Flush();
  Status Sync();
  Status Close();
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  WritableFile(std::string path, int fd);
  Status WriteRaw(const uint8_t* p, size_t n);
  std::string path_;
  int fd_;
  uint64_t size_ = 0;
  // Allocated on first use and never zero-filled: a small file touches only
  // the pages it writes, not all 8 MB.
  std::unique_ptr<uint8_t[]> buf_;
  size_t buf_used_ = 0;
};

}  // namespace surgeon

#endif  // SURGEON_BASE_WRITABLE_FILE_H_
