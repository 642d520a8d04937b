// Giving an existing file a second name without copying its bytes: a
// reflink (FICLONE: a new inode sharing the extents copy-on-write, on btrfs,
// XFS with reflink, bcachefs, ...) where the filesystem can, otherwise a hard
// link (the same inode under two names).
#ifndef SURGEON_BASE_SHARED_FILE_H_
#define SURGEON_BASE_SHARED_FILE_H_

#include <string>
#include <string_view>

#include "surgeon/base/status.h"

namespace surgeon {

enum class ShareKind {
  kReflink,   // A separate file; writing either leaves the other unchanged.
  kHardLink,  // One inode: writing through either name changes both.
};

// "reflink" or "hard link".
std::string_view ShareKindName(ShareKind kind);

// Creates `dest` (which must not exist) holding `source`'s bytes without
// copying them: a reflink if the filesystem supports one, else a hard link.
// When neither is possible (another filesystem, a filesystem without links,
// no permission) returns FailedPrecondition naming both files and why each
// way was refused, and leaves nothing at `dest`.
Result<ShareKind> ShareFile(const std::string& source, const std::string& dest);

}  // namespace surgeon

#endif  // SURGEON_BASE_SHARED_FILE_H_
