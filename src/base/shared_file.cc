#include "surgeon/base/shared_file.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace surgeon {
namespace {

// Clones `source` into a new file `dest`; on failure removes `dest` and
// returns errno.
int Reflink(const std::string& source, const std::string& dest) {
  const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return errno;
  const int out = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    const int err = errno;
    ::close(in);
    return err;
  }
  int err = ::ioctl(out, FICLONE, in) == 0 ? 0 : errno;
  if (::close(out) != 0 && err == 0) err = errno;
  ::close(in);
  if (err != 0) ::unlink(dest.c_str());
  return err;
}

}  // namespace

std::string_view ShareKindName(ShareKind kind) { return kind == ShareKind::kReflink ? "reflink" : "hard link"; }

Result<ShareKind> ShareFile(const std::string& source, const std::string& dest) {
  const int reflink_err = Reflink(source, dest);
  if (reflink_err == 0) return ShareKind::kReflink;
  if (reflink_err == EEXIST) return Status::AlreadyExists(dest + ": file exists");
  // AT_SYMLINK_FOLLOW: link the file a symlinked source names, not the
  // symlink (whose relative target would dangle from another directory).
  if (::linkat(AT_FDCWD, source.c_str(), AT_FDCWD, dest.c_str(), AT_SYMLINK_FOLLOW) == 0) return ShareKind::kHardLink;
  const int link_err = errno;
  return Status::FailedPrecondition(dest + ": cannot share " + source + ": reflink: " + std::strerror(reflink_err) +
                                    "; hard link: " + std::strerror(link_err));
}

}  // namespace surgeon
