// Private to the base layer: a Status from a failed POSIX call.
#ifndef SURGEON_BASE_POSIX_ERROR_H_
#define SURGEON_BASE_POSIX_ERROR_H_

#include <string>
#include <string_view>

#include "surgeon/base/status.h"

namespace surgeon {

// "<path>: <what>: <strerror>"; NotFound for ENOENT, IoError otherwise.
Status ErrnoStatus(std::string_view what, const std::string& path, int err);

}  // namespace surgeon

#endif  // SURGEON_BASE_POSIX_ERROR_H_
