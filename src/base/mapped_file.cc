#include "surgeon/base/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/posix_error.h"

namespace surgeon {
namespace {

long PageSize() {
  static const long page = ::sysconf(_SC_PAGESIZE);
  return page;
}

}  // namespace

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus("cannot stat", path, err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + ": is a directory, expected a file");
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  const uint8_t* data = nullptr;
  if (size > 0) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus("cannot mmap", path, err);
    }
    data = static_cast<const uint8_t*>(p);
  }
  return std::unique_ptr<MappedFile>(new MappedFile(path, fd, data, size));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
  ::close(fd_);
}

void MappedFile::WillNeed(uint64_t offset, uint64_t n) const {
  if (data_ == nullptr || n == 0 || offset >= size_) return;
  n = std::min(n, size_ - offset);
  uint64_t start = offset - offset % PageSize();
  ::madvise(const_cast<uint8_t*>(data_) + start, n + (offset - start), MADV_WILLNEED);
}

void MappedFile::DontNeed(uint64_t offset, uint64_t n) const {
  if (data_ == nullptr || n == 0 || offset >= size_) return;
  // Start at the 2 MB boundary below: the page cache hands out large folios
  // and a fault maps the whole folio, including pages before `offset` that a
  // forward sweep already dropped (measured: RSS crept up by ~100 KB per
  // 512 KB piece without this). Dropping pages outside the range is always
  // safe: they are mapped again on the next access.
  constexpr uint64_t kFolioSpan = 2 << 20;
  uint64_t start = offset - offset % kFolioSpan;
  uint64_t end = std::min(offset + n, size_);
  ::madvise(const_cast<uint8_t*>(data_) + start, end - start, MADV_DONTNEED);
}

Result<std::string> ReadFileToString(const std::string& path) {
  SURGEON_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  return std::string(AsStringView(file->bytes()));
}

}  // namespace surgeon
