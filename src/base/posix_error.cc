#include "base/posix_error.h"

#include <cerrno>
#include <cstring>

namespace surgeon {

Status ErrnoStatus(std::string_view what, const std::string& path, int err) {
  std::string msg = path;
  msg.append(": ").append(what).append(": ").append(std::strerror(err));
  if (err == ENOENT) return Status::NotFound(std::move(msg));
  return Status::IoError(std::move(msg));
}

}  // namespace surgeon
