// Files: read-only mappings for inputs, buffered writers for outputs, and
// StagedOutput, which makes a set of output files appear all-or-nothing.
//
// Inputs are never opened for writing: surgeon's contract is that the source
// checkpoint is never modified.
#ifndef SURGEON_BASE_FILE_H_
#define SURGEON_BASE_FILE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/status.h"

namespace surgeon {

using ByteSpan = std::span<const uint8_t>;

inline std::string_view AsStringView(ByteSpan s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}
inline ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A whole file mapped read-only. The bytes stay valid for the lifetime of the
// MappedFile. An empty file maps to an empty span.
class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  ByteSpan bytes() const { return {data_, size_}; }
  // REQUIRES: offset + n <= size() (callers validate against size() first).
  ByteSpan bytes(uint64_t offset, uint64_t n) const { return {data_ + offset, n}; }

  // Hints that [offset, offset+n) will be read soon / sequentially.
  void WillNeed(uint64_t offset, uint64_t n) const;
  // Unmaps the pages covering [offset, offset+n), and those back to the 2 MB
  // boundary below it (large folios are mapped whole), from this process. They stay
  // in the page cache and the bytes stay valid: the mapping is read-only and
  // private, so a later access maps the same file bytes again. Streaming
  // through a large file this way keeps RSS (which counts mapped file pages)
  // bounded by what is in flight instead of growing to the file size.
  void DontNeed(uint64_t offset, uint64_t n) const;

 private:
  MappedFile(std::string path, const uint8_t* data, uint64_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
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

// A group of output files written under temporary names in their final
// directories and renamed into place, in the order they were added, only by
// Commit(). If the StagedOutput is destroyed without Commit() (an error, an
// exception), every temporary file is removed. A SIGKILL can leave temporary
// files (named "<final>.tempstate<random>", TF's convention), never a final
// name holding partial content.
//
// Each output directory is locked (flock, exclusive, non-blocking) from the
// first Add() into it until the StagedOutput is destroyed, so two processes
// never stage into one directory at once: the second fails at its first
// Add(), before writing anything. The kernel drops the lock when a process
// dies, so a killed run never blocks the next one.
class StagedOutput {
 public:
  StagedOutput() = default;
  ~StagedOutput();
  StagedOutput(const StagedOutput&) = delete;
  StagedOutput& operator=(const StagedOutput&) = delete;

  // Creates "<final_path>.tempstate<random>" (creating parent directories and
  // locking the directory; FailedPrecondition naming it when another process
  // holds it) and returns a writer for it. The returned pointer is owned by this object and
  // lives until Commit() or destruction.
  Result<WritableFile*> Add(const std::string& final_path);

  // Files to remove just before the first rename (e.g. the old `.index` of a
  // checkpoint being replaced with --force, so that a crash mid-commit leaves
  // "no checkpoint" rather than an old index over new data).
  void RemoveBeforeCommit(const std::string& path) { remove_first_.push_back(path); }

  // Closes all writers (fsync each first when `sync`), then renames in order.
  Status Commit(bool sync = false);

  std::vector<std::string> final_paths() const;

  // The final name that a temporary file named `name` was staged for
  // ("a/m.index" for "a/m.index.tempstate123"), or "" when `name` is not
  // one. Lets a later run recognize what an interrupted one left behind.
  static std::string FinalNameOfTemp(std::string_view name);

 private:
  struct Item {
    std::string final_path;
    std::string temp_path;
    std::unique_ptr<WritableFile> file;
  };
  Status LockDirectory(const std::string& dir);

  std::vector<Item> items_;
  std::vector<std::string> remove_first_;
  std::map<std::string, int> locks_;  // directory -> fd holding its flock
  bool committed_ = false;
};

// Path helpers.
bool FileExists(const std::string& path);
bool IsDirectory(const std::string& path);
std::string JoinPath(std::string_view dir, std::string_view name);
std::string Dirname(std::string_view path);   // "" -> ".", "a" -> ".", "a/b" -> "a"
std::string Basename(std::string_view path);
// Absolute, symlink-free path of an existing file, or the lexically normalized
// absolute path when it does not exist yet (its parent resolved if it exists).
std::string CanonicalPath(const std::string& path);
Status CreateDirectories(const std::string& dir);

}  // namespace surgeon

#endif  // SURGEON_BASE_FILE_H_
