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

// How WritableFile::AppendCopy moves a range of another file.
enum class CopyPath {
  // copy_file_range: an in-kernel page-cache copy, the bytes never enter
  // user space. Where the kernel or filesystem refuses (EXDEV, EINVAL,
  // ENOSYS, EOPNOTSUPP, ...) the rest of the range goes the kUserSpace way.
  kKernel,
  // pread + write() through the write buffer, piece by piece. Always works;
  // tests use it to force the fallback.
  kUserSpace,
};

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
  // file must be staged output that is discarded on error. AppendCopy is
  // the kernel-side alternative (copy_file_range, checked by another
  // thread); slower than this loop on a busy 2-core machine, so exec/copy.cc
  // takes it only when asked (CopyOptions::runs).
  Status AppendMapped(const MappedRange& src, uint32_t* crc);
  // Appends the bytes of `src` without looking at them: the caller verifies
  // the same range itself (concurrently: BackgroundChecksums), and the file
  // must be staged output discarded on a mismatch. One copy_file_range call
  // per range for kKernel (looping only on short copies); the source's pages
  // are never mapped into this process by the copy.
  Status AppendCopy(const MappedRange& src, CopyPath path);
  Status Flush();
  // Flush + fsync. REQUIRES: is_open().
  Status Sync();
  // Flushes, closes the descriptor and frees the buffer; idempotent.
  Status Close();
  bool is_open() const { return fd_ >= 0; }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  WritableFile(std::string path, int fd);
  Status WriteRaw(const uint8_t* p, size_t n);
  // pread + write() of src[done, size) through the (empty) write buffer.
  Status WriteFromMapping(const MappedRange& src, uint64_t done);
  // copy_file_range of src[*done, size); false when the kernel refused
  // before the end (the caller writes the rest), an error for real failures.
  Result<bool> KernelCopy(const MappedRange& src, uint64_t* done);
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
